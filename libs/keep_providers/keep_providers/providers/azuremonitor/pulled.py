"""Alerts Management API alerts -> AlertDto, shaped like the webhook's so that a pulled
copy and a pushed copy of one alert look alike and share a fingerprint.

`GET .../providers/Microsoft.AlertsManagement/alerts` (api-version 2019-05-05-preview)
answers {"value": [alert, ...], "nextLink": ...}; an alert is
{"id": "/subscriptions/<s>/providers/Microsoft.AlertsManagement/alerts/<guid>",
"name": <rule name>, "properties": {"essentials": {...}}}. The `id` is the webhook's
`essentials.alertId`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_each, lookup, text
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus
from keep_providers.providers.azuremonitor.formatter import (
    SEVERITY_MAP,
    STATUS_MAP,
    alert_fingerprint,
    essential_labels,
    portal_url,
)

__all__ = ["ALERT_STATE_MAP", "format_pulled_alerts", "read_page"]

# `essentials.alertState`, the user's handling of a still-fired alert. It only refines a
# Fired monitorCondition: a Resolved one is resolved whatever the user did.
ALERT_STATE_MAP: Mapping[str, AlertStatus] = {
    "new": AlertStatus.FIRING,
    "acknowledged": AlertStatus.ACKNOWLEDGED,
    "closed": AlertStatus.RESOLVED,
}


def _status(essentials: Mapping[str, Any]) -> AlertStatus:
    condition = lookup(STATUS_MAP, essentials.get("monitorCondition"), AlertStatus.FIRING)
    if condition is not AlertStatus.FIRING:
        return condition
    return lookup(ALERT_STATE_MAP, essentials.get("alertState"), AlertStatus.FIRING)


def _rule_name(alert: Mapping[str, Any], essentials: Mapping[str, Any]) -> str | None:
    # `essentials.alertRule` is the rule's ARM id here (the webhook sends its name).
    rule_id = text(essentials.get("alertRule"))
    return text(alert.get("name")) or (rule_id.rstrip("/").rsplit("/", 1)[-1] if rule_id else None)


def _format_one(alert: Any) -> AlertDto:
    if not isinstance(alert, Mapping):
        raise FormatterError("an Alerts Management alert is a JSON object")
    alert_id = text(alert.get("id"))
    if alert_id is None:
        raise FormatterError("alert has no id")
    properties = alert.get("properties")
    essentials = properties.get("essentials") if isinstance(properties, Mapping) else None
    if not isinstance(essentials, Mapping):
        raise FormatterError("alert has no properties.essentials")
    target = text(essentials.get("targetResource"))
    severity_text = text(essentials.get("severity"))
    labels = essential_labels(target, severity_text, essentials, monitoring_service_key="monitorService")
    name = _rule_name(alert, essentials) or alert_id
    description = text(essentials.get("description"))
    return build_alert(
        id=alert_id,
        name=name,
        status=_status(essentials),
        severity=lookup(SEVERITY_MAP, severity_text, AlertSeverity.INFO),
        firingStartTime=essentials.get("startDateTime"),
        startedAt=essentials.get("startDateTime"),
        service=labels.get("resourceName") or text(essentials.get("targetResourceName")),
        message=description or name,
        description=description,
        url=portal_url(alert_id),
        labels=labels,
        fingerprint=alert_fingerprint(alert_id),
        source=["azuremonitor"],
        alertTargetIDs=[target] if target else None,
        monitorCondition=essentials.get("monitorCondition"),
        alertState=essentials.get("alertState"),
        alertRuleId=essentials.get("alertRule"),
        resolvedDateTime=essentials.get("monitorConditionResolvedDateTime"),
        lastModifiedDateTime=essentials.get("lastModifiedDateTime"),
        smartGroupId=essentials.get("smartGroupId"),
    )


def read_page(body: Any) -> tuple[list[Any], str | None]:
    """The alerts of one page and the link to the next (None on the last)."""
    entries = body.get("value") if isinstance(body, Mapping) else None
    if not isinstance(entries, list):
        raise FormatterError("the Alerts Management API did not answer a 'value' list")
    return entries, text(body.get("nextLink"))


def format_pulled_alerts(entries: list[Any]) -> list[AlertDto]:
    return format_each(entries, _format_one) if entries else []
