"""Any JSON body -> AlertDto, as an installed mapping config says.

One alert per entry (what `alerts_path` selects, or the body itself). An entry whose
name cannot be mapped costs only itself; a field whose expression fails or whose value
does not fit is dropped and named in `formatWarnings`, and the alert is kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from keep_providers._fingerprint import fingerprint_from_alert
from keep_providers.exceptions import FormatterError
from keep_providers.formatting import WARNINGS_FIELD, build_alert, format_each, lookup
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus, label_text
from keep_providers.providers.mapping.config import (
    PAYLOAD_FIELD,
    UNMAPPED_SEVERITY_FIELD,
    UNMAPPED_STATUS_FIELD,
    MappingConfig,
)
from keep_providers.providers.mapping.expressions import ExpressionError, Scope

__all__ = ["MAX_PAYLOAD_CHARS", "format_mapped"]

# An entry kept under `payload` beyond this would bloat every alert row and event.
MAX_PAYLOAD_CHARS = 16_384

E = TypeVar("E", AlertStatus, AlertSeverity)

_TEXT_FIELDS = frozenset(
    {"name", "id", "description", "message", "url", "imageUrl", "service", "environment", "fingerprint"}
)


def _text(value: Any) -> str | None:
    """A scalar as text; None when absent or blank. Objects and lists are not text."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise ValueError(f"yields {'an object' if isinstance(value, dict) else 'a list'}, not text")
    result = label_text(value)
    return result if result.strip() else None


def _source_list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [label_text(item) for item in items if item is not None]


def _member(raw: Any, table: Mapping[str, E], default: E, extra: dict[str, Any], unmapped_field: str) -> E:
    """The configured table's value for `raw`, else the enum member of that name, else
    `default`; an unknown value is kept in `unmapped_field` so that the user sees which
    value to add to the table."""
    text = _text(raw)
    if text is None:
        return default
    mapped = lookup(table, text, None)
    if mapped is None:
        mapped = lookup({member.value: member for member in type(default)}, text, None)
    if mapped is None:
        extra[unmapped_field] = text
        return default
    return mapped


def _payload(entry: Any, warnings: list[str]) -> Any:
    size = len(json.dumps(entry, ensure_ascii=False, default=str))
    if size > MAX_PAYLOAD_CHARS:
        warnings.append(f"{PAYLOAD_FIELD} dropped: {size} characters, over the {MAX_PAYLOAD_CHARS} limit")
        return None
    return entry


def _evaluate(scope: Scope, config: MappingConfig, warnings: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, expression in config.compiled.fields:
        try:
            value = expression.evaluate(scope)
            values[name] = _text(value) if name in _TEXT_FIELDS else value
        except (ExpressionError, ValueError) as exc:
            if name == "name":
                raise FormatterError(f"name: {exc}") from None
            warnings.append(f"{name} dropped: {exc}")
    return values


def _format_entry(scope: Scope, config: MappingConfig) -> AlertDto:
    warnings: list[str] = []
    values = _evaluate(scope, config, warnings)
    if values.get("name") is None:
        raise FormatterError(f"name: {config.fields['name']!r} yields nothing for this entry")
    extra: dict[str, Any] = {}
    values["status"] = _member(
        values.get("status"), config.status_map, config.default_status, extra, UNMAPPED_STATUS_FIELD
    )
    values["severity"] = _member(
        values.get("severity"), config.severity_map, config.default_severity, extra, UNMAPPED_SEVERITY_FIELD
    )
    if "source" in values:
        values["source"] = _source_list(values["source"])
    if config.keep_payload:
        extra[PAYLOAD_FIELD] = _payload(scope.entry, warnings)
    mapped_fingerprint = "fingerprint" in config.fields
    if mapped_fingerprint and values.get("fingerprint") is None:
        warnings.append(f"fingerprint: none in this entry, computed from {', '.join(config.fingerprint_fields)}")
    alert = build_alert(**{**values, **extra, WARNINGS_FIELD: warnings})
    if alert.firingStartTime is None:
        alert.firingStartTime = alert.startedAt
    if alert.fingerprint is None:
        alert.fingerprint = fingerprint_from_alert(alert, config.fingerprint_fields)
    return alert


def _entries(payload: Any, config: MappingConfig) -> list[Any]:
    path = config.compiled.alerts_path
    if path is None:
        if isinstance(payload, list):
            return payload
        if isinstance(payload, dict):
            return [payload]
        raise FormatterError(f"a mapping body is a JSON object or list, not {type(payload).__name__}")
    try:
        matches = [match.value for match in path.find(payload)]
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise FormatterError(f"alerts_path {config.alerts_path!r} failed on the body: {exc}") from None
    if not matches:
        raise FormatterError(f"alerts_path {config.alerts_path!r} matches nothing in the body")
    # `$.alerts` where `$.alerts[*]` was meant: one list is the entries, not one entry.
    if len(matches) == 1 and isinstance(matches[0], list):
        return list(matches[0])
    return matches


def format_mapped(payload: Any, headers: Mapping[str, str], config: MappingConfig) -> list[AlertDto]:
    entries = _entries(payload, config)
    if not entries:
        raise FormatterError("the body holds no alert entry")
    return format_each(entries, lambda entry: _format_entry(Scope(entry, payload, headers), config), label="entry")
