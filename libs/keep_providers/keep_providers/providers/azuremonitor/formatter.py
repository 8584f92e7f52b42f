"""Azure Monitor common alert schema -> AlertDto.

Azure sends one alert per request: `data.essentials` is the same for every signal type,
`data.alertContext` depends on it and is kept whole. The alert id stays the same from
Fired to Resolved, so it is the fingerprint (see `alert_fingerprint`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_one_or_many, lookup, string_map, text
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus

__all__ = [
    "COMMON_SCHEMA_ID",
    "SEVERITY_MAP",
    "STATUS_MAP",
    "alert_fingerprint",
    "essential_labels",
    "format_azure_monitor_webhook",
    "portal_url",
    "resource_labels",
]

COMMON_SCHEMA_ID = "azureMonitorCommonAlertSchema"

SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "sev0": AlertSeverity.CRITICAL,
    "sev1": AlertSeverity.HIGH,
    "sev2": AlertSeverity.WARNING,
    "sev3": AlertSeverity.INFO,
    "sev4": AlertSeverity.LOW,
}

STATUS_MAP: Mapping[str, AlertStatus] = {
    "fired": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
}

# The alert's page in the portal; the id is one path segment, so every `/` is escaped.
_PORTAL_ALERT_URL = "https://portal.azure.com/#blade/Microsoft_Azure_Monitoring/AlertDetailsTemplateBlade/alertId/{}"


def alert_fingerprint(alert_id: str) -> str:
    """The fingerprint of an alert, pushed (`essentials.alertId`) or pulled (the Alerts
    Management resource `id`): both are the same ARM id, and ARM ids are case-insensitive
    (Azure is known to change the case of segments such as `resourceGroups`), so it is
    compared lowercased."""
    return alert_id.strip().lower()


def portal_url(alert_id: str) -> str:
    return _PORTAL_ALERT_URL.format(quote(alert_id, safe=""))


def resource_labels(target_id: str) -> dict[str, str]:
    """Subscription, resource group, type and name out of an ARM resource id
    (`/subscriptions/<s>/resourceGroups/<g>/providers/<namespace>/<type>/<name>`)."""
    parts = [part for part in target_id.split("/") if part]
    lowered = [part.lower() for part in parts]
    labels: dict[str, str] = {}
    for key, marker in (("subscriptionId", "subscriptions"), ("resourceGroup", "resourcegroups")):
        if marker in lowered and lowered.index(marker) + 1 < len(parts):
            labels[key] = parts[lowered.index(marker) + 1]
    if "providers" in lowered:
        resource = parts[lowered.index("providers") + 1 :]
        if len(resource) >= 3:
            labels["resourceType"] = f"{resource[0]}/{resource[1]}"
            labels["resourceName"] = parts[-1]
    return labels


def essential_labels(
    target: str | None, severity: str | None, essentials: Mapping[str, Any], *, monitoring_service_key: str
) -> dict[str, str]:
    """Labels from an alert's essentials; the webhook and the Alerts Management API name
    the monitoring service differently (`monitoringService`, `monitorService`)."""
    named = {
        "severity": severity,
        "signalType": text(essentials.get("signalType")),
        "monitoringService": text(essentials.get(monitoring_service_key)),
    }
    return {
        **(resource_labels(target) if target else {}),
        **{key: value for key, value in named.items() if value},
    }


def _format_one(body: Any) -> AlertDto:
    if not isinstance(body, Mapping):
        raise FormatterError("an Azure Monitor alert is a JSON object")
    if body.get("schemaId") != COMMON_SCHEMA_ID:
        raise FormatterError(
            f"schemaId is {body.get('schemaId')!r}, expected {COMMON_SCHEMA_ID!r}: "
            "enable the common alert schema on the action group's webhook"
        )
    data = body.get("data")
    if not isinstance(data, Mapping) or not isinstance(data.get("essentials"), Mapping):
        raise FormatterError("data.essentials is missing or not an object")
    essentials: Mapping[str, Any] = data["essentials"]
    alert_id = text(essentials.get("alertId"))
    if alert_id is None:
        raise FormatterError("data.essentials.alertId is missing")
    targets = [str(target) for target in essentials.get("alertTargetIDs") or [] if target]
    configuration_items = [str(item) for item in essentials.get("configurationItems") or [] if item]
    custom = string_map(data.get("customProperties"))
    severity_text = text(essentials.get("severity"))
    labels = {
        **essential_labels(
            targets[0] if targets else None, severity_text, essentials, monitoring_service_key="monitoringService"
        ),
        **custom,
    }
    name = text(essentials.get("alertRule")) or alert_id
    return build_alert(
        id=alert_id,
        name=name,
        status=lookup(STATUS_MAP, essentials.get("monitorCondition"), AlertStatus.FIRING),
        # Unknown -> info; the original is kept in labels["severity"].
        severity=lookup(SEVERITY_MAP, severity_text, AlertSeverity.INFO),
        firingStartTime=essentials.get("firedDateTime"),
        startedAt=essentials.get("firedDateTime"),
        environment=custom.get("environment") or custom.get("env"),
        service=labels.get("resourceName") or (configuration_items[0] if configuration_items else None),
        message=text(essentials.get("description")) or name,
        description=text(essentials.get("description")),
        url=portal_url(alert_id),
        labels=labels,
        fingerprint=alert_fingerprint(alert_id),
        source=["azuremonitor"],
        alertTargetIDs=targets or None,
        configurationItems=configuration_items or None,
        originAlertId=essentials.get("originAlertId"),
        resolvedDateTime=essentials.get("resolvedDateTime"),
        essentialsVersion=essentials.get("essentialsVersion"),
        alertContextVersion=essentials.get("alertContextVersion"),
        alertContext=data.get("alertContext"),
        customProperties=data.get("customProperties"),
        monitorCondition=essentials.get("monitorCondition"),
    )


def format_azure_monitor_webhook(payload: Any) -> list[AlertDto]:
    """One alert per body as Azure sends it; a list of bodies is accepted too (replays)."""
    return format_one_or_many(payload, _format_one, what="an Azure Monitor alert")
