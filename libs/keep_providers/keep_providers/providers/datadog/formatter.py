"""Datadog webhook (our payload template) -> AlertDto.

Datadog posts whatever template the webhook holds; `WEBHOOK_PAYLOAD` is the one we
document and `setup_webhook` installs. A body may also be a list of such objects
(replays, batching proxies): each one becomes its own alert.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_one_or_many, lookup, text, unmapped_fields
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus

__all__ = [
    "ALERT_TYPE_SEVERITY_MAP",
    "PRIORITY_SEVERITY_MAP",
    "TRANSITION_STATUS_MAP",
    "WEBHOOK_PAYLOAD",
    "epoch_millis",
    "format_datadog_webhook",
    "monitor_fingerprint",
    "normalize_group",
    "parse_tags",
]

WEBHOOK_PAYLOAD: Mapping[str, Any] = {
    "id": "$ID",
    "alert_id": "$ALERT_ID",
    "alert_title": "$ALERT_TITLE",
    "alert_status": "$ALERT_STATUS",
    "alert_transition": "$ALERT_TRANSITION",
    "alert_type": "$ALERT_TYPE",
    "alert_priority": "$ALERT_PRIORITY",
    "alert_scope": "$ALERT_SCOPE",
    "alert_query": "$ALERT_QUERY",
    "alert_metric": "$ALERT_METRIC",
    "alert_cycle_key": "$ALERT_CYCLE_KEY",
    "aggreg_key": "$AGGREG_KEY",
    "event_title": "$EVENT_TITLE",
    "event_msg": "$EVENT_MSG",
    "event_type": "$EVENT_TYPE",
    "date": "$DATE",
    "last_updated": "$LAST_UPDATED",
    "hostname": "$HOSTNAME",
    "link": "$LINK",
    "snapshot": "$SNAPSHOT",
    "tags": "$TAGS",
    "org": {"id": "$ORG_ID", "name": "$ORG_NAME"},
    "user": "$USER",
    "email": "$EMAIL",
}

# $ALERT_TRANSITION; every re-notification of a live alert is still firing.
TRANSITION_STATUS_MAP: Mapping[str, AlertStatus] = {
    "triggered": AlertStatus.FIRING,
    "re-triggered": AlertStatus.FIRING,
    "warn": AlertStatus.FIRING,
    "re-warn": AlertStatus.FIRING,
    "no data": AlertStatus.FIRING,
    "re-no data": AlertStatus.FIRING,
    "renotify": AlertStatus.FIRING,
    "recovered": AlertStatus.RESOLVED,
    "muted": AlertStatus.SUPPRESSED,
}

# $ALERT_PRIORITY, set on the monitor by its owner: the most deliberate signal.
PRIORITY_SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "p1": AlertSeverity.CRITICAL,
    "p2": AlertSeverity.HIGH,
    "p3": AlertSeverity.WARNING,
    "p4": AlertSeverity.INFO,
    "p5": AlertSeverity.LOW,
}

# $ALERT_TYPE, used when the monitor has no priority. P1 is left to owners who say so.
ALERT_TYPE_SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "error": AlertSeverity.HIGH,
    "warning": AlertSeverity.WARNING,
    "info": AlertSeverity.INFO,
    "success": AlertSeverity.INFO,
}

# Transitions that open an alert cycle, so their date is when it started firing.
_CYCLE_START = frozenset({"triggered", "warn", "no data"})

# "[P1] [Triggered on {host:web-1}] Disk full" -> "Disk full"
_TITLE_PREFIX = re.compile(r"^(\s*\[[^\]]*\])+\s*")

# Template keys whose value becomes an AlertDto field; the rest are kept as they came.
_MAPPED = frozenset(WEBHOOK_PAYLOAD) - {"org", "user", "email", "event_type", "alert_query", "alert_metric"}


def epoch_millis(value: Any) -> Any:
    """Datadog's epoch milliseconds (number or digits) as a datetime; anything else is
    returned unchanged so that validation names it when it is not a timestamp."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if isinstance(value, str):
        if not value.strip():
            return None
        if value.strip().isdigit():
            return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    return value


def parse_tags(raw: Any) -> dict[str, str]:
    """ "env:prod, team:db, monitor" -> labels; a key seen twice keeps both values."""
    values: Any = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else []
    labels: dict[str, list[str]] = {}
    for tag in (str(item).strip() for item in values):
        if not tag:
            continue
        key, _, value = tag.partition(":")
        labels.setdefault(key, [])
        if value and value not in labels[key]:
            labels[key].append(value)
    return {key: ",".join(found) for key, found in labels.items()}


def normalize_group(scope: Any) -> str | None:
    """A monitor group as one text whatever the source: the webhook's $ALERT_SCOPE is
    "a:1, b:2" while the API's group key is "a:1,b:2"; "*" is the whole monitor."""
    tags = sorted(tag.strip() for tag in str(scope or "").split(",") if tag.strip() and tag.strip() != "*")
    return ",".join(tags) or None


def monitor_fingerprint(monitor_id: str, group: str | None) -> str:
    """Datadog's own identity of an alert: the monitor id, plus the group of a multi-alert."""
    return monitor_id if group is None else f"{monitor_id}:{group}"


def _severity(priority: Any, alert_type: Any) -> AlertSeverity:
    by_type = lookup(ALERT_TYPE_SEVERITY_MAP, alert_type, AlertSeverity.INFO)
    return lookup(PRIORITY_SEVERITY_MAP, priority, by_type)


def _status(transition: str | None, alert_type: Any) -> AlertStatus:
    if transition is None:
        # Without a transition, Datadog's own colour of the event says whether it recovered.
        recovered = str(alert_type or "").strip().lower() == "success"
        return AlertStatus.RESOLVED if recovered else AlertStatus.FIRING
    return lookup(TRANSITION_STATUS_MAP, transition, AlertStatus.FIRING)


def _name(entry: Mapping[str, Any], monitor_id: str | None) -> str:
    for key in ("alert_title", "event_title"):
        title = text(entry.get(key))
        if title and (stripped := _TITLE_PREFIX.sub("", title).strip()):
            return stripped
    return f"Datadog monitor {monitor_id}" if monitor_id else "Datadog alert"


def _format_one(entry: Any) -> AlertDto:
    if not isinstance(entry, Mapping):
        raise FormatterError("a Datadog webhook body is a JSON object")
    monitor_id = text(entry.get("alert_id"))
    aggreg_key = text(entry.get("aggreg_key"))
    if monitor_id is None and aggreg_key is None and text(entry.get("alert_transition")) is None:
        raise FormatterError("not a Datadog webhook: no alert_id, aggreg_key or alert_transition")
    group = normalize_group(entry.get("alert_scope"))
    transition = text(entry.get("alert_transition"))
    labels = {**parse_tags(entry.get("tags")), **parse_tags(group)}
    date = epoch_millis(entry.get("date"))
    fingerprint = monitor_fingerprint(monitor_id, group) if monitor_id else aggreg_key
    cycle_start = transition is not None and transition.strip().lower() in _CYCLE_START
    return build_alert(
        id=text(entry.get("id")),
        name=_name(entry, monitor_id),
        status=_status(transition, entry.get("alert_type")),
        severity=_severity(entry.get("alert_priority"), entry.get("alert_type")),
        lastReceived=epoch_millis(entry.get("last_updated")) or date,
        firingStartTime=date if cycle_start else None,
        environment=labels.get("env") or labels.get("environment"),
        service=labels.get("service"),
        message=text(entry.get("alert_status")),
        description=text(entry.get("event_msg")),
        url=text(entry.get("link")),
        imageUrl=text(entry.get("snapshot")),
        labels=labels,
        fingerprint=fingerprint,
        monitorId=monitor_id,
        monitorGroup=group,
        alertTransition=transition,
        alertType=text(entry.get("alert_type")),
        alertPriority=text(entry.get("alert_priority")),
        alertCycleKey=text(entry.get("alert_cycle_key")),
        aggregKey=aggreg_key,
        hostname=text(entry.get("hostname")),
        **unmapped_fields(entry, _MAPPED, prefix="datadog"),
    )


def format_datadog_webhook(payload: Any) -> list[AlertDto]:
    return format_one_or_many(payload, _format_one, what="a Datadog webhook body")
