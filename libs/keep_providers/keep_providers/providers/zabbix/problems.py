"""problem.get objects -> AlertDto, shaped like the webhook's alerts (same fingerprint:
the problem event id)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import WARNINGS_FIELD, build_alert, lookup, text
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus
from keep_providers.providers.zabbix.formatter import event_url
from keep_providers.providers.zabbix.mappings import ACK_VALUES, SEVERITY_MAP
from keep_providers.providers.zabbix.tags import tags_to_labels

__all__ = ["format_problem", "hosts_by_event"]


def _status(problem: Mapping[str, Any]) -> AlertStatus:
    # problem.get with recent=false lists unresolved problems only; r_eventid guards
    # against a caller that asked for recent ones too.
    if str(problem.get("r_eventid") or "0") != "0":
        return AlertStatus.RESOLVED
    if str(problem.get("suppressed") or "0") == "1":
        return AlertStatus.SUPPRESSED
    if str(problem.get("acknowledged") or "0").lower() in ACK_VALUES:
        return AlertStatus.ACKNOWLEDGED
    return AlertStatus.FIRING


def _clock(value: Any) -> datetime | Any:
    # An unreadable clock goes on as is, for build_alert to drop and name.
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return value


def hosts_by_event(events: Any) -> dict[str, list[Mapping[str, Any]]]:
    """event.get(selectHosts) -> event id -> its hosts."""
    found: dict[str, list[Mapping[str, Any]]] = {}
    for event in events if isinstance(events, list) else []:
        if isinstance(event, Mapping) and event.get("eventid"):
            listed = event.get("hosts")
            hosts: list[Any] = listed if isinstance(listed, list) else []
            found[str(event["eventid"])] = [host for host in hosts if isinstance(host, Mapping)]
    return found


def format_problem(problem: Any, hosts: list[Mapping[str, Any]], zabbix_url: str) -> AlertDto:
    if not isinstance(problem, Mapping):
        raise FormatterError("a Zabbix problem is a JSON object")
    event_id = text(problem.get("eventid"))
    if event_id is None:
        raise FormatterError("Zabbix problem has no eventid")
    warnings: list[str] = []
    try:
        labels = tags_to_labels(problem.get("tags"))
    except ValueError as exc:
        labels = {}
        warnings.append(f"tags dropped: {exc}")
    host_names = [str(h.get("name") or h.get("host")) for h in hosts if h.get("name") or h.get("host")]
    trigger_id = text(problem.get("objectid"))
    started = _clock(problem.get("clock"))
    return build_alert(
        name=text(problem.get("name")) or f"Zabbix problem {event_id}",
        status=_status(problem),
        severity=lookup(SEVERITY_MAP, problem.get("severity"), AlertSeverity.INFO),
        firingStartTime=started,
        startedAt=started,
        environment=labels.get("environment") or labels.get("env"),
        service=labels.get("service") or (host_names[0] if host_names else None),
        message=text(problem.get("name")),
        url=event_url(zabbix_url, trigger_id, event_id),
        labels=labels,
        fingerprint=event_id,
        source=["zabbix"],
        host=text(hosts[0].get("host")) if hosts else None,
        hostName=host_names[0] if host_names else None,
        hosts=host_names or None,
        triggerId=trigger_id,
        opdata=text(problem.get("opdata")),
        zabbixSeverity=text(problem.get("severity")),
        **{WARNINGS_FIELD: warnings or None},
    )
