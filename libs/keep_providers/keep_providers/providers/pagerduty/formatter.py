"""PagerDuty incidents -> AlertDto.

Three shapes of the same incident: a V3 webhook (`{event: {event_type, data: <incident>}}`),
a legacy V2 webhook (`{messages: [{event, incident}]}`) and an item of `GET /incidents`.

The fingerprint is the incident's `incident_key` (the Events API dedup_key, which is
what the monitoring tool that opened the incident knows it by), else the incident id.
The status comes from the incident's own `status`, not from the event type: a
reassignment or a priority change of an acknowledged incident leaves it acknowledged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_each, lookup, text
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus, label_text

__all__ = [
    "EVENT_STATUS_MAP",
    "PRIORITY_SEVERITY_MAP",
    "STATUS_MAP",
    "URGENCY_SEVERITY_MAP",
    "format_incident",
    "format_incident_list",
    "format_pagerduty_webhook",
]

STATUS_MAP: Mapping[str, AlertStatus] = {
    "triggered": AlertStatus.FIRING,
    "acknowledged": AlertStatus.ACKNOWLEDGED,
    "resolved": AlertStatus.RESOLVED,
}

# Only when the incident carries no status: what the event type implies (V3 and V2 names).
EVENT_STATUS_MAP: Mapping[str, AlertStatus] = {
    "incident.triggered": AlertStatus.FIRING,
    "incident.reopened": AlertStatus.FIRING,
    "incident.unacknowledged": AlertStatus.FIRING,
    "incident.acknowledged": AlertStatus.ACKNOWLEDGED,
    "incident.resolved": AlertStatus.RESOLVED,
    "incident.trigger": AlertStatus.FIRING,
    "incident.unacknowledge": AlertStatus.FIRING,
    "incident.acknowledge": AlertStatus.ACKNOWLEDGED,
    "incident.resolve": AlertStatus.RESOLVED,
}

# PagerDuty's default priority names; an account may rename them, then urgency decides.
PRIORITY_SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "p1": AlertSeverity.CRITICAL,
    "p2": AlertSeverity.HIGH,
    "p3": AlertSeverity.WARNING,
    "p4": AlertSeverity.INFO,
    "p5": AlertSeverity.LOW,
}

# A low-urgency incident still wants a human, only not at night: warning, not low.
URGENCY_SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "high": AlertSeverity.HIGH,
    "low": AlertSeverity.WARNING,
}

# PagerDuty's own default urgency.
_DEFAULT_SEVERITY = AlertSeverity.HIGH


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _reference_name(value: Any) -> str | None:
    reference = _mapping(value)
    return text(reference.get("summary")) or text(reference.get("name"))


def _names(references: Any, *, nested: str | None = None) -> str | None:
    """Comma-joined names of a list of references (`assignments` nest them under `assignee`)."""
    if not isinstance(references, list):
        return None
    names = [_reference_name(_mapping(item).get(nested) if nested else item) for item in references]
    return ",".join(name for name in names if name) or None


def _severity(incident: Mapping[str, Any]) -> AlertSeverity:
    priority = lookup(PRIORITY_SEVERITY_MAP, _reference_name(incident.get("priority")), None)
    return priority or lookup(URGENCY_SEVERITY_MAP, incident.get("urgency"), _DEFAULT_SEVERITY)


def _status(incident: Mapping[str, Any], event_type: str | None) -> AlertStatus:
    status = lookup(STATUS_MAP, incident.get("status"), None) or lookup(EVENT_STATUS_MAP, event_type, None)
    if status is None:
        raise FormatterError(
            f"PagerDuty incident status {incident.get('status')!r} is unknown and event {event_type!r} implies none"
        )
    return status


def _labels(**values: Any) -> dict[str, str]:
    return {key: label_text(value) for key, value in values.items() if text(value) is not None}


def format_incident(incident: Mapping[str, Any], *, event_type: str | None = None, **extra: Any) -> AlertDto:
    incident_id = text(incident.get("id"))
    if incident_id is None:
        raise FormatterError("PagerDuty incident has no id")
    incident_key = text(incident.get("incident_key"))
    number = incident.get("number") or incident.get("incident_number")
    service = _mapping(incident.get("service"))
    title = text(incident.get("title")) or text(incident.get("summary"))
    return build_alert(
        id=incident_id,
        fingerprint=incident_key or incident_id,
        name=title or f"PagerDuty incident #{number or incident_id}",
        status=_status(incident, event_type),
        severity=_severity(incident),
        firingStartTime=incident.get("created_at"),
        startedAt=incident.get("created_at"),
        service=_reference_name(service),
        message=title,
        description=text(incident.get("description")) if incident.get("description") != title else None,
        url=text(incident.get("html_url")),
        labels=_labels(
            incident_number=number,
            incident_key=incident_key,
            urgency=incident.get("urgency"),
            priority=_reference_name(incident.get("priority")),
            service_id=service.get("id"),
            escalation_policy=_reference_name(incident.get("escalation_policy")),
            teams=_names(incident.get("teams")),
            assignees=_names(incident.get("assignees")) or _names(incident.get("assignments"), nested="assignee"),
            resolve_reason=_mapping(incident.get("resolve_reason")).get("type"),
            event_type=event_type,
        ),
        pagerduty=dict(incident),
        **extra,
    )


def _format_v3(event: Mapping[str, Any]) -> AlertDto:
    event_type = text(event.get("event_type"))
    resource_type = text(event.get("resource_type"))
    if resource_type != "incident":
        raise FormatterError(
            f"PagerDuty {event_type or 'event'} is about a {resource_type or 'unnamed'} resource, not an incident"
        )
    data = event.get("data")
    if not isinstance(data, Mapping):
        raise FormatterError(f"PagerDuty {event_type} event has no data object")
    if data.get("type") != "incident":
        # Notes, responders, status updates name the incident but not its state.
        raise FormatterError(
            f"PagerDuty {event_type} carries an {data.get('type')!r}, not the incident's state; "
            "subscribe only to events whose data is an incident"
        )
    # Everything around `data` (id, occurred_at, agent, client, later additions) is kept.
    envelope = {key: value for key, value in event.items() if key != "data"}
    return format_incident(data, event_type=event_type, pagerdutyEvent=envelope)


def _format_v2_message(message: Any) -> AlertDto:
    if not isinstance(message, Mapping):
        raise FormatterError("message is not an object")
    incident = message.get("incident")
    if not isinstance(incident, Mapping):
        raise FormatterError(f"PagerDuty V2 {message.get('event')} message has no incident object")
    envelope = {key: value for key, value in message.items() if key not in ("incident", "log_entries")}
    return format_incident(incident, event_type=text(message.get("event")), pagerdutyEvent=envelope)


def format_pagerduty_webhook(payload: Any) -> list[AlertDto]:
    if not isinstance(payload, Mapping):
        raise FormatterError("a PagerDuty webhook body is a JSON object")
    if isinstance(payload.get("event"), Mapping):
        return [_format_v3(payload["event"])]
    if isinstance(payload.get("messages"), list):
        return format_each(payload["messages"], _format_v2_message, label="messages")
    raise FormatterError("not a PagerDuty webhook: expected a V3 body {event: {...}} or a V2 body {messages: [...]}")


def format_incident_list(incidents: list[Any]) -> list[AlertDto]:
    """Incidents from `GET /incidents`, a bad one costing only itself."""
    return format_each(incidents, lambda incident: format_incident(_require_object(incident)), label="incidents")


def _require_object(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FormatterError("incident is not an object")
    return value
