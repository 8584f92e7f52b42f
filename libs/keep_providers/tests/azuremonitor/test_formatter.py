"""Azure Monitor common alert schema -> AlertDto.

Payloads follow the documented common alert schema (schemaId
"azureMonitorCommonAlertSchema", data.essentials, data.alertContext,
data.customProperties); payloads/firing.json is a metric alert as an action group
webhook posts it.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.providers.azuremonitor.formatter import SEVERITY_MAP, STATUS_MAP
from keep_providers.providers.azuremonitor.provider import AzureMonitorProvider

FIRING = json.loads((Path(__file__).parent / "payloads" / "firing.json").read_text())
ALERT_ID = FIRING["data"]["essentials"]["alertId"]
# ARM ids are case-insensitive: the fingerprint is the id lowercased (pulled copies match).
FINGERPRINT = ALERT_ID.lower()


def firing() -> dict[str, Any]:
    return copy.deepcopy(FIRING)


def resolved() -> dict[str, Any]:
    body = firing()
    body["data"]["essentials"]["monitorCondition"] = "Resolved"
    body["data"]["essentials"]["resolvedDateTime"] = "2026-11-28T13:20:00.1234567Z"
    return body


def with_alert_id(body: dict[str, Any], alert_id: str) -> dict[str, Any]:
    body["data"]["essentials"]["alertId"] = alert_id
    return body


def test_firing_metric_alert_maps_every_field() -> None:
    [alert] = AzureMonitorProvider.format_alerts(firing(), {}, provider_id="az-1")
    assert alert.name == "checkout-vm-cpu-high"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.HIGH
    assert alert.fingerprint == FINGERPRINT
    assert alert.id == ALERT_ID
    assert alert.firingStartTime == datetime(2026, 11, 28, 13, 5, 24, 371321, tzinfo=UTC)
    assert alert.environment == "production"
    assert alert.service == "checkout-vm-01"
    assert alert.description == "CPU above 90% on the checkout VM for 5 minutes"
    assert alert.message == alert.description
    assert alert.url == (
        "https://portal.azure.com/#blade/Microsoft_Azure_Monitoring/AlertDetailsTemplateBlade/alertId/"
        "%2Fsubscriptions%2F11111111-2222-3333-4444-555555555555%2Fproviders%2FMicrosoft.AlertsManagement"
        "%2Falerts%2F8d1f6c2e-4b7a-4f3e-9c55-0e2a7b9d1c34"
    )
    assert alert.labels == {
        "subscriptionId": "11111111-2222-3333-4444-555555555555",
        "resourceGroup": "shop-prod",
        "resourceType": "microsoft.compute/virtualmachines",
        "resourceName": "checkout-vm-01",
        "severity": "Sev1",
        "signalType": "Metric",
        "monitoringService": "Platform",
        "environment": "production",
        "team": "payments",
    }
    extra = alert.model_dump()
    assert extra["alertContext"]["condition"]["allOf"][0]["metricValue"] == 97.4
    assert extra["originAlertId"].startswith("11111111-2222-3333-4444-555555555555_shop-prod")
    assert alert.providerType == "azuremonitor"
    assert alert.providerId == "az-1"


def test_resolved_keeps_fingerprint_and_changes_status() -> None:
    [fired] = AzureMonitorProvider.format_alerts(firing(), {})
    [ended] = AzureMonitorProvider.format_alerts(resolved(), {})
    assert ended.status is AlertStatus.RESOLVED
    assert fired.status is AlertStatus.FIRING
    assert ended.fingerprint == fired.fingerprint == FINGERPRINT
    assert ended.model_dump()["resolvedDateTime"] == "2026-11-28T13:20:00.1234567Z"


def test_same_alert_twice_has_the_same_fingerprint() -> None:
    first = AzureMonitorProvider.format_alerts(firing(), {})
    second = AzureMonitorProvider.format_alerts(firing(), {})
    assert first[0].fingerprint == second[0].fingerprint


def test_two_alerts_of_the_same_rule_get_different_fingerprints() -> None:
    other = with_alert_id(firing(), ALERT_ID.replace("8d1f6c2e", "0a0a0a0a"))
    other["data"]["essentials"]["alertTargetIDs"] = [
        "/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/shop-prod/providers/"
        "microsoft.compute/virtualmachines/checkout-vm-02"
    ]
    [one] = AzureMonitorProvider.format_alerts(firing(), {})
    [two] = AzureMonitorProvider.format_alerts(other, {})
    assert one.name == two.name
    assert one.fingerprint != two.fingerprint
    assert two.service == "checkout-vm-02"


def test_several_bodies_in_one_list() -> None:
    alerts = AzureMonitorProvider.format_alerts([firing(), with_alert_id(resolved(), "/alerts/2")], {})
    assert [(a.fingerprint, a.status) for a in alerts] == [
        (FINGERPRINT, AlertStatus.FIRING),
        ("/alerts/2", AlertStatus.RESOLVED),
    ]


def test_missing_optional_fields() -> None:
    body = {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {"essentials": {"alertId": "/alerts/minimal", "monitorCondition": "Fired"}},
    }
    [alert] = AzureMonitorProvider.format_alerts(body, {})
    assert alert.name == "/alerts/minimal"
    assert alert.severity is AlertSeverity.INFO
    assert alert.status is AlertStatus.FIRING
    assert alert.service is None
    assert alert.environment == "undefined"
    assert alert.labels == {}


def test_unicode_survives() -> None:
    body = firing()
    body["data"]["essentials"]["alertRule"] = "Zahlungsdienst überlastet : 決済"
    body["data"]["essentials"]["description"] = "Antwortzeit > 2 s ⚠"
    [alert] = AzureMonitorProvider.format_alerts(body, {})
    assert alert.name == "Zahlungsdienst überlastet : 決済"
    assert alert.description == "Antwortzeit > 2 s ⚠"


def test_unexpected_fields_are_kept() -> None:
    body = firing()
    body["data"]["alertContext"]["newVendorField"] = {"x": 1}
    body["data"]["essentials"]["investigationLink"] = "https://portal.azure.com/x"
    [alert] = AzureMonitorProvider.format_alerts(body, {})
    assert alert.model_dump()["alertContext"]["newVendorField"] == {"x": 1}


@pytest.mark.parametrize(
    "payload",
    ["not json at all", 42, {"alerts": []}, {"schemaId": "azureMonitorCommonAlertSchema", "data": {}}],
)
def test_garbage_is_a_formatter_error(payload: Any) -> None:
    with pytest.raises(FormatterError):
        AzureMonitorProvider.format_alerts(payload, {})


def test_legacy_schema_is_refused_with_a_hint() -> None:
    legacy = {"schemaId": "AzureMonitorMetricAlert", "data": {"status": "Activated"}}
    with pytest.raises(FormatterError, match="common alert schema"):
        AzureMonitorProvider.format_alerts(legacy, {})


def test_one_bad_entry_costs_only_itself() -> None:
    with pytest.raises(PartialFormatError) as caught:
        AzureMonitorProvider.format_alerts([firing(), {"schemaId": "other"}], {}, provider_id="az-1")
    assert [a.fingerprint for a in caught.value.alerts] == [FINGERPRINT]
    assert caught.value.alerts[0].providerType == "azuremonitor"
    assert "alerts[1]" in caught.value.problems[0]


def test_one_bad_field_is_dropped_and_named() -> None:
    body = firing()
    body["data"]["essentials"]["firedDateTime"] = "yesterday-ish"
    [alert] = AzureMonitorProvider.format_alerts(body, {})
    assert alert.firingStartTime is None
    assert alert.name == "checkout-vm-cpu-high"
    warnings = alert.model_dump()["formatWarnings"]
    assert any(w.startswith("firingStartTime dropped") for w in warnings)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("Sev0", AlertSeverity.CRITICAL),
        ("Sev1", AlertSeverity.HIGH),
        ("Sev2", AlertSeverity.WARNING),
        ("Sev3", AlertSeverity.INFO),
        ("Sev4", AlertSeverity.LOW),
        ("Sev9", AlertSeverity.INFO),
    ],
)
def test_severity_table(sent: str, expected: AlertSeverity) -> None:
    body = firing()
    body["data"]["essentials"]["severity"] = sent
    [alert] = AzureMonitorProvider.format_alerts(body, {})
    assert alert.severity is expected
    assert alert.labels["severity"] == sent
    assert len(SEVERITY_MAP) == 5


@pytest.mark.parametrize(
    ("sent", "expected"),
    [("Fired", AlertStatus.FIRING), ("Resolved", AlertStatus.RESOLVED), ("Something", AlertStatus.FIRING)],
)
def test_status_table(sent: str, expected: AlertStatus) -> None:
    body = firing()
    body["data"]["essentials"]["monitorCondition"] = sent
    [alert] = AzureMonitorProvider.format_alerts(body, {})
    assert alert.status is expected
    assert alert.model_dump()["monitorCondition"] == sent
    assert set(STATUS_MAP) == {"fired", "resolved"}
