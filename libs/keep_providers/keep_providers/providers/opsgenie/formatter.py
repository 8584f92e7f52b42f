"""Opsgenie Webhook integration body -> AlertDto.

Each alert action (create, close, acknowledge, ...) posts `{action, alert, source,
integrationName, integrationId, integrationType}`. The alert's alias is Opsgenie's
own de-duplication key, so it is the fingerprint; the API's alerts carry it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_one_or_many, lookup, string_map, text
from keep_providers.models import AlertDto, AlertStatus
from keep_providers.providers.opsgenie.mapping import (
    DEFAULT_SEVERITY,
    SEVERITY_MAP,
    alert_state,
    epoch_time,
    object_field,
)

__all__ = ["ACTION_STATUS_MAP", "format_opsgenie_webhook"]

# Actions that set the alert's state. Any other action (AddNote, Escalate,
# AssignOwnership, ...) leaves it as it was: see `alert_state`.
ACTION_STATUS_MAP: Mapping[str, AlertStatus] = {
    "create": AlertStatus.FIRING,
    "close": AlertStatus.RESOLVED,
    "delete": AlertStatus.RESOLVED,
    "acknowledge": AlertStatus.ACKNOWLEDGED,
    "unacknowledge": AlertStatus.FIRING,
    "snooze": AlertStatus.SUPPRESSED,
    "snoozeended": AlertStatus.FIRING,
}


# Keys of the webhook body; any other is kept in customFields.
_BODY_KEYS = frozenset({"action", "alert", "source", "integrationName", "integrationId", "integrationType"})


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [str(item) for item in value]


def _format_body(body: Any) -> AlertDto:
    if not isinstance(body, Mapping):
        raise FormatterError("an Opsgenie webhook body is a JSON object")
    alert = body.get("alert")
    if not isinstance(alert, Mapping):
        raise FormatterError("an Opsgenie webhook body has an 'alert' object")
    alert_id = text(alert.get("alertId"))
    key = text(alert.get("alias")) or alert_id
    if key is None:
        raise FormatterError("Opsgenie alert has neither alias nor alertId")
    action = text(body.get("action"))
    details = string_map(alert.get("details"))
    source = object_field(body, "source")
    return build_alert(
        id=alert_id,
        name=text(alert.get("message")) or key,
        status=lookup(ACTION_STATUS_MAP, action, None) or alert_state(alert),
        severity=lookup(SEVERITY_MAP, alert.get("priority"), DEFAULT_SEVERITY),
        firingStartTime=epoch_time(alert.get("createdAt")),
        startedAt=epoch_time(alert.get("createdAt")),
        message=text(alert.get("message")),
        description=text(alert.get("description")),
        service=details.get("service") or text(alert.get("entity")),
        environment=details.get("environment") or details.get("env"),
        url=details.get("url"),
        labels=details,
        fingerprint=key,
        source=["opsgenie"],
        action=action,
        alertId=alert_id,
        tinyId=text(alert.get("tinyId")),
        alias=text(alert.get("alias")),
        priority=text(alert.get("priority")),
        tags=_strings(alert.get("tags")),
        teams=_strings(alert.get("teams")),
        entity=text(alert.get("entity")),
        alertSource=text(alert.get("source")),
        updatedAt=epoch_time(alert.get("updatedAt")),
        actionBy=text(alert.get("username")),
        actionSource=dict(source) or None,
        integrationName=text(body.get("integrationName")),
        integrationId=text(body.get("integrationId")),
        integrationType=text(body.get("integrationType")),
        customFields={key: value for key, value in body.items() if key not in _BODY_KEYS} or None,
    )


def format_opsgenie_webhook(payload: Any) -> list[AlertDto]:
    """One body, or a list of them (replayed together)."""
    return format_one_or_many(payload, _format_body, what="an Opsgenie webhook body", label="bodies")
