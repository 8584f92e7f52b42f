"""Alerts read from the APIs -> AlertDto, shaped like the webhook's so that a pulled
copy and a pushed copy of one alert look alike.

Alertmanager `GET /api/v2/alerts` carries its own fingerprint (the same one its
webhook sends). Prometheus `GET /api/v1/alerts` carries none: those alerts get the
label-set hash the webhook formatter falls back to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from keep_providers._fingerprint import fingerprint_from_labels
from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_each, lookup, string_map
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus
from keep_providers.providers.prometheus.formatter import SEVERITY_MAP

__all__ = [
    "ALERTMANAGER_STATE_MAP",
    "PROMETHEUS_STATE_MAP",
    "format_alertmanager_alerts",
    "format_prometheus_alerts",
]

# `status.state` of an Alertmanager v2 alert. "unprocessed": received, not yet routed.
ALERTMANAGER_STATE_MAP: Mapping[str, AlertStatus] = {
    "active": AlertStatus.FIRING,
    "suppressed": AlertStatus.SUPPRESSED,
    "unprocessed": AlertStatus.FIRING,
}

# `state` of a Prometheus alert; the API lists only pending and firing ones.
PROMETHEUS_STATE_MAP: Mapping[str, AlertStatus] = {
    "firing": AlertStatus.FIRING,
    "pending": AlertStatus.PENDING,
}

_ZERO_TIME_PREFIX = "0001-01-01"


def _common_fields(labels: dict[str, str], annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "name": labels.get("alertname") or annotations.get("summary") or "Prometheus alert",
        "severity": lookup(SEVERITY_MAP, labels.get("severity"), AlertSeverity.INFO),
        "environment": labels.get("environment") or labels.get("env"),
        "service": labels.get("service") or labels.get("job"),
        "message": annotations.get("summary") or annotations.get("message"),
        "description": annotations.get("description"),
        "labels": labels,
        "annotations": annotations,
        "source": ["prometheus"],
    }


def _has_ended(ends_at: Any) -> bool:
    # Alertmanager keeps an active alert's endsAt in the future (now + resolve_timeout).
    if not isinstance(ends_at, str) or not ends_at or ends_at.startswith(_ZERO_TIME_PREFIX):
        return False
    try:
        ended = datetime.fromisoformat(ends_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    return (ended if ended.tzinfo else ended.replace(tzinfo=UTC)) <= datetime.now(UTC)


def _alertmanager_alert(entry: Any) -> AlertDto:
    if not isinstance(entry, Mapping):
        raise FormatterError("an Alertmanager alert is a JSON object")
    fingerprint = entry.get("fingerprint")
    if not fingerprint:
        raise FormatterError("Alertmanager alert has no fingerprint")
    labels = string_map(entry.get("labels"))
    raw_status = entry.get("status")
    status_block: Mapping[str, Any] = raw_status if isinstance(raw_status, Mapping) else {}
    state = status_block.get("state")
    ends_at = entry.get("endsAt")
    status = AlertStatus.RESOLVED if _has_ended(ends_at) else lookup(ALERTMANAGER_STATE_MAP, state, AlertStatus.FIRING)
    receivers = [r.get("name") for r in entry.get("receivers") or [] if isinstance(r, Mapping) and r.get("name")]
    return build_alert(
        **_common_fields(labels, string_map(entry.get("annotations"))),
        status=status,
        firingStartTime=entry.get("startsAt"),
        startedAt=entry.get("startsAt"),
        url=entry.get("generatorURL") or None,
        fingerprint=str(fingerprint),
        alertmanagerState=state,
        endsAt=None if not ends_at or str(ends_at).startswith(_ZERO_TIME_PREFIX) else ends_at,
        receivers=receivers or None,
        silencedBy=status_block.get("silencedBy") or None,
        inhibitedBy=status_block.get("inhibitedBy") or None,
        updatedAt=entry.get("updatedAt"),
    )


def _prometheus_alert(entry: Any) -> AlertDto:
    if not isinstance(entry, Mapping):
        raise FormatterError("a Prometheus alert is a JSON object")
    labels = string_map(entry.get("labels"))
    if not labels:
        raise FormatterError("Prometheus alert has no labels")
    state = entry.get("state")
    return build_alert(
        **_common_fields(labels, string_map(entry.get("annotations"))),
        status=lookup(PROMETHEUS_STATE_MAP, state, AlertStatus.FIRING),
        firingStartTime=entry.get("activeAt"),
        startedAt=entry.get("activeAt"),
        fingerprint=fingerprint_from_labels(labels),
        prometheusState=state,
        value=entry.get("value"),
    )


def format_alertmanager_alerts(body: Any) -> list[AlertDto]:
    """`GET /api/v2/alerts` answers a bare JSON list of alerts."""
    if not isinstance(body, list):
        raise FormatterError("Alertmanager /api/v2/alerts did not answer a list")
    return format_each(body, _alertmanager_alert)


def format_prometheus_alerts(body: Any) -> list[AlertDto]:
    """`GET /api/v1/alerts` answers {"status": "success", "data": {"alerts": [...]}}."""
    data = body.get("data") if isinstance(body, Mapping) else None
    entries = data.get("alerts") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise FormatterError("Prometheus /api/v1/alerts did not answer data.alerts")
    return format_each(entries, _prometheus_alert)
