"""Datadog monitors (GET /api/v1/monitor with group_states) -> one AlertDto per
monitor group that is not OK, fingerprinted like the webhook so both meet in dedup."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from keep_providers.formatting import build_alert, lookup, text
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus
from keep_providers.providers.datadog.formatter import (
    PRIORITY_SEVERITY_MAP,
    monitor_fingerprint,
    normalize_group,
    parse_tags,
)

__all__ = ["GROUP_SEVERITY_MAP", "GROUP_STATES", "alerts_from_monitor"]

# The group states asked for, as the API spells them in `group_states`.
GROUP_STATES = "alert,warn,no data"

# A group's status when its monitor has no priority.
GROUP_SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "alert": AlertSeverity.HIGH,
    "warn": AlertSeverity.WARNING,
    "no data": AlertSeverity.INFO,
}


def _epoch_seconds(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, tz=UTC)
    return None


def _silenced(monitor: Mapping[str, Any], group: str | None) -> bool:
    # options.silenced maps "*" (whole monitor) or a group scope to the mute's end.
    silenced = (monitor.get("options") or {}).get("silenced") or {}
    return "*" in silenced or any(normalize_group(scope) == group for scope in silenced)


def _alert(monitor: Mapping[str, Any], group: str | None, state: Mapping[str, Any], app_url: str) -> AlertDto:
    monitor_id = str(monitor["id"])
    status_text = text(state.get("status")) or text(monitor.get("overall_state")) or "Alert"
    labels = {**parse_tags(monitor.get("tags")), **parse_tags(group)}
    priority = monitor.get("priority")
    by_status = lookup(GROUP_SEVERITY_MAP, status_text, AlertSeverity.INFO)
    return build_alert(
        name=text(monitor.get("name")) or f"Datadog monitor {monitor_id}",
        status=AlertStatus.SUPPRESSED if _silenced(monitor, group) else AlertStatus.FIRING,
        severity=lookup(PRIORITY_SEVERITY_MAP, f"p{priority}" if priority else None, by_status),
        firingStartTime=_epoch_seconds(state.get("last_triggered_ts")),
        environment=labels.get("env") or labels.get("environment"),
        service=labels.get("service"),
        message=text(monitor.get("name")),
        description=text(monitor.get("message")),
        url=f"{app_url}/monitors/{monitor_id}",
        labels=labels,
        fingerprint=monitor_fingerprint(monitor_id, group),
        monitorId=monitor_id,
        monitorGroup=group,
        monitorState=status_text,
        monitorType=text(monitor.get("type")),
        query=text(monitor.get("query")),
    )


def alerts_from_monitor(monitor: Mapping[str, Any], app_url: str) -> list[AlertDto]:
    """The monitor's groups in Alert, Warn or No Data; a monitor without groups (a
    simple alert) counts as one when its overall state is one of those."""
    groups = (monitor.get("state") or {}).get("groups") or {}
    active = {
        normalize_group(name): state
        for name, state in groups.items()
        if isinstance(state, Mapping) and lookup(GROUP_SEVERITY_MAP, state.get("status"), None) is not None
    }
    if not groups and lookup(GROUP_SEVERITY_MAP, monitor.get("overall_state"), None) is not None:
        active = {None: {}}
    return [_alert(monitor, group, state, app_url) for group, state in active.items()]
