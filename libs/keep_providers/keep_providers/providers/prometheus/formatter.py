"""Alertmanager webhook (version 4) -> AlertDto.

One alert per `alerts[]` entry, each with its own status: a group notification can
mix firing and resolved alerts, and the group's status is only their summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from keep_providers._fingerprint import fingerprint_from_labels
from keep_providers.exceptions import FormatterError
from keep_providers.formatting import SEVERITY_WORDS
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus

__all__ = ["SEVERITY_MAP", "STATUS_MAP", "format_alertmanager_webhook"]

SEVERITY_MAP: Mapping[str, AlertSeverity] = SEVERITY_WORDS

STATUS_MAP: Mapping[str, AlertStatus] = {
    "firing": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
}

# Alertmanager's zero time: an alert that has not ended yet.
_ZERO_TIME_PREFIX = "0001-01-01"


def _severity(labels: Mapping[str, str]) -> AlertSeverity:
    # Unknown or missing -> info; the original stays in labels["severity"].
    return SEVERITY_MAP.get(labels.get("severity", "").strip().lower(), AlertSeverity.INFO)


def _string_map(entry: Mapping[str, Any], key: str) -> dict[str, str]:
    value = entry.get(key) or {}
    if not isinstance(value, Mapping):
        # Reported for this entry only: the other alerts of the group still count.
        raise FormatterError(f"{key} is not an object")
    return {str(k): str(v) for k, v in value.items()}


def _format_one(entry: Mapping[str, Any], envelope: Mapping[str, Any]) -> AlertDto:
    labels = _string_map(entry, "labels")
    annotations = _string_map(entry, "annotations")
    status_text = str(entry.get("status") or envelope.get("status") or "firing").lower()
    status = STATUS_MAP.get(status_text)
    if status is None:
        raise FormatterError(f"alert status {status_text!r} is neither firing nor resolved")
    ends_at = entry.get("endsAt")
    extra: dict[str, Any] = {
        "endsAt": None if not ends_at or str(ends_at).startswith(_ZERO_TIME_PREFIX) else ends_at,
        "receiver": envelope.get("receiver"),
        "groupKey": envelope.get("groupKey"),
        "externalURL": envelope.get("externalURL"),
    }
    return AlertDto(
        name=labels.get("alertname") or annotations.get("summary") or "Alertmanager alert",
        status=status,
        severity=_severity(labels),
        firingStartTime=entry.get("startsAt"),
        startedAt=entry.get("startsAt"),
        environment=labels.get("environment") or labels.get("env") or "undefined",
        service=labels.get("service") or labels.get("job"),
        message=annotations.get("summary") or annotations.get("message"),
        description=annotations.get("description"),
        url=entry.get("generatorURL") or None,
        labels=labels,
        annotations=annotations,
        fingerprint=entry.get("fingerprint") or fingerprint_from_labels(labels),
        source=["prometheus"],
        **{k: v for k, v in extra.items() if v is not None},
    )


def format_alertmanager_webhook(payload: Any) -> list[AlertDto]:
    if not isinstance(payload, dict):
        raise FormatterError("an Alertmanager webhook body is a JSON object")
    entries = payload.get("alerts")
    if not isinstance(entries, list):
        raise FormatterError("an Alertmanager webhook body has an 'alerts' list")
    alerts: list[AlertDto] = []
    problems: list[str] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"alerts[{index}] is not an object")
            continue
        try:
            alerts.append(_format_one(entry, payload))
        except (FormatterError, ValidationError, ValueError, TypeError) as exc:
            problems.append(f"alerts[{index}]: {exc}")
    if problems and not alerts:
        raise FormatterError("; ".join(problems))
    return alerts
