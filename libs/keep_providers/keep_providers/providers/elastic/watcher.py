"""Elasticsearch Watcher webhook action body (our documented template) -> AlertDto.

A watch's actions run only when its condition holds, so the watch itself says whether
it fires or recovers: our template carries a `status` the watch sets ("firing", or
"recovered" from a second action or watch that detects the recovery).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers._fingerprint import fingerprint_from_fields
from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, lookup, string_map, text
from keep_providers.models import AlertDto, AlertStatus
from keep_providers.providers.elastic.severity import severity_from_tags

__all__ = ["STATUS_MAP", "format_watcher_alert", "watcher_fingerprint"]

STATUS_MAP: Mapping[str, AlertStatus] = {
    "firing": AlertStatus.FIRING,
    "triggered": AlertStatus.FIRING,
    "recovered": AlertStatus.RESOLVED,
    "resolved": AlertStatus.RESOLVED,
    "ok": AlertStatus.RESOLVED,
}

_FINGERPRINT_FIELDS = ("watcher.watch_id", "watcher.group")
# Keys of our template; anything else a user added is kept in customFields.
_TEMPLATE_KEYS = frozenset(
    {
        "watch_id",
        "execution_id",
        "execution_time",
        "triggered_time",
        "status",
        "hits_total",
        "value",
        "metadata",
        "message",
        "url",
    }
)


def watcher_fingerprint(watch_id: str, group: str | None) -> str:
    return fingerprint_from_fields({"watcher.watch_id": watch_id, "watcher.group": group}, _FINGERPRINT_FIELDS)


def format_watcher_alert(payload: Mapping[str, Any]) -> AlertDto:
    watch_id = text(payload.get("watch_id"))
    if watch_id is None:
        raise FormatterError("Watcher body has no watch_id")
    metadata_value = payload.get("metadata") or {}
    if not isinstance(metadata_value, Mapping):
        raise FormatterError("Watcher body field 'metadata' is not an object")
    metadata = string_map(metadata_value)
    group = text(metadata.get("group"))
    status_text = text(payload.get("status"))
    severity_text = text(metadata.get("severity"))
    labels = {key: value for key, value in metadata.items() if value}
    labels["watchId"] = watch_id
    return build_alert(
        id=text(payload.get("execution_id")),
        name=text(metadata.get("name")) or watch_id,
        status=lookup(STATUS_MAP, status_text, AlertStatus.FIRING),
        severity=severity_from_tags([severity_text] if severity_text else []),
        lastReceived=text(payload.get("execution_time")),
        firingStartTime=text(payload.get("triggered_time")),
        message=text(payload.get("message")) or text(metadata.get("description")),
        description=text(metadata.get("description")),
        url=text(payload.get("url")) or text(metadata.get("url")),
        service=text(metadata.get("service")),
        environment=text(metadata.get("environment")) or text(metadata.get("env")),
        labels=labels,
        fingerprint=watcher_fingerprint(watch_id, group),
        source=["elastic", "watcher"],
        watchStatus=status_text,
        hitsTotal=text(payload.get("hits_total")),
        value=text(payload.get("value")),
        customFields={key: value for key, value in payload.items() if key not in _TEMPLATE_KEYS} or None,
    )
