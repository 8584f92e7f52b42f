"""Logging set-up shared by every service, with secrets redacted as a last line of defence."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from keep_core.settings import Settings

__all__ = ["RedactingFilter", "configure_logging", "redact"]

# Our code never logs secrets; these catch what a library might echo (a DSN in a
# connection error, a header in a debug line). The optional quotes around the separator
# catch the same names in a dict repr or JSON (`{'Authorization': 'Bearer ...'}`).
_PATTERNS = (
    (
        re.compile(r"(?i)(api[_-]?key|password|passwd|secret|token)(['\"]?\s*[=:]\s*['\"]?)([^\s&,;'\"]+)"),
        r"\1\2[REDACTED]",
    ),
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)?\s*[^\s,;'\"]+"), r"\1[REDACTED]"),
    (re.compile(r"([a-z][a-z0-9+.-]*://[^:/@\s]+:)([^@\s]+)(@)"), r"\1[REDACTED]\3"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings, service: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if settings.log_format == "json":
        handler.setFormatter(_JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # Chatty at INFO and of no use to an operator.
    for noisy in ("aiokafka", "kafka", "faust.transport", "mode", "psycopg.pool"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
