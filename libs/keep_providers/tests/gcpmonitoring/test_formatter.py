"""Google Cloud Monitoring webhook (schema version 1.2) -> AlertDto.

payloads/firing.json follows the documented webhook notification body: `version` and
an `incident` with incident_id, scoping_project_id, url, started_at/ended_at (epoch
seconds), state open/closed, summary, resource, metric, metadata, policy_name,
policy_user_labels, condition_name, condition, threshold_value, documentation and
severity.
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
from keep_providers.providers.gcpmonitoring.formatter import SEVERITY_MAP, STATUS_MAP
from keep_providers.providers.gcpmonitoring.provider import GcpMonitoringProvider

FIRING = json.loads((Path(__file__).parent / "payloads" / "firing.json").read_text())
INCIDENT_ID = FIRING["incident"]["incident_id"]


def firing() -> dict[str, Any]:
    return copy.deepcopy(FIRING)


def closed() -> dict[str, Any]:
    body = firing()
    body["incident"]["state"] = "closed"
    body["incident"]["ended_at"] = 1795871400
    body["incident"]["summary"] = "CPU utilization for checkout-api-7d9f returned to normal with a value of 0.412."
    return body


def test_open_incident_maps_every_field() -> None:
    [alert] = GcpMonitoringProvider.format_alerts(firing(), {}, provider_id="gcp-1")
    assert alert.name == "Checkout CPU near limit"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.CRITICAL
    assert alert.fingerprint == INCIDENT_ID
    assert alert.firingStartTime == datetime(2026, 11, 28, 13, 0, tzinfo=UTC)
    assert alert.environment == "production"
    assert alert.service == "checkout-api"
    assert alert.message is not None and alert.message.startswith("CPU utilization for checkout-api-7d9f")
    assert alert.description is not None and "runbook" in alert.description
    assert alert.url == FIRING["incident"]["url"]
    assert alert.labels["resource.cluster_name"] == "shop"
    assert alert.labels["resource_type"] == "k8s_container"
    assert alert.labels["metric_type"] == "kubernetes.io/container/cpu/limit_utilization"
    assert alert.labels["team"] == "payments"
    assert alert.labels["severity"] == "Critical"
    extra = alert.model_dump()
    assert extra["observedValue"] == "0.973"
    assert extra["thresholdValue"] == "0.9"
    assert extra["condition"]["conditionThreshold"]["comparison"] == "COMPARISON_GT"
    assert extra["schemaVersion"] == "1.2"
    assert alert.providerType == "gcpmonitoring"


def test_closed_keeps_fingerprint_and_changes_status() -> None:
    [opened] = GcpMonitoringProvider.format_alerts(firing(), {})
    [ended] = GcpMonitoringProvider.format_alerts(closed(), {})
    assert (opened.status, ended.status) == (AlertStatus.FIRING, AlertStatus.RESOLVED)
    assert opened.fingerprint == ended.fingerprint == INCIDENT_ID
    assert ended.model_dump()["endedAt"] == 1795871400


def test_same_incident_twice_has_the_same_fingerprint() -> None:
    assert (
        GcpMonitoringProvider.format_alerts(firing(), {})[0].fingerprint
        == GcpMonitoringProvider.format_alerts(firing(), {})[0].fingerprint
    )


def test_two_incidents_of_the_same_policy_get_different_fingerprints() -> None:
    other = firing()
    other["incident"]["incident_id"] = "0.other000000"
    other["incident"]["resource"]["labels"]["pod_name"] = "checkout-api-1a2b"
    [one] = GcpMonitoringProvider.format_alerts(firing(), {})
    [two] = GcpMonitoringProvider.format_alerts(other, {})
    assert one.name == two.name
    assert one.fingerprint != two.fingerprint


def test_several_bodies_in_one_list() -> None:
    second = closed()
    second["incident"]["incident_id"] = "0.second"
    alerts = GcpMonitoringProvider.format_alerts([firing(), second], {})
    assert [(a.fingerprint, a.status) for a in alerts] == [
        (INCIDENT_ID, AlertStatus.FIRING),
        ("0.second", AlertStatus.RESOLVED),
    ]


def test_missing_optional_fields() -> None:
    [alert] = GcpMonitoringProvider.format_alerts({"version": "1.2", "incident": {"incident_id": "0.min"}}, {})
    assert alert.name == "0.min"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.INFO
    assert alert.service is None
    assert alert.url is None
    assert alert.labels == {}


def test_unicode_survives() -> None:
    body = firing()
    body["incident"]["policy_name"] = "Überlast : 負荷"
    body["incident"]["documentation"]["content"] = "Läuft heiß 🔥"
    [alert] = GcpMonitoringProvider.format_alerts(body, {})
    assert alert.name == "Überlast : 負荷"
    assert alert.description == "Läuft heiß 🔥"


def test_unexpected_fields_are_kept() -> None:
    body = firing()
    body["incident"]["condition"]["newKnob"] = "on"
    [alert] = GcpMonitoringProvider.format_alerts(body, {})
    assert alert.model_dump()["condition"]["newKnob"] == "on"


@pytest.mark.parametrize("payload", ["garbage", {"version": "1.2"}, {"incident": {"state": "open"}}, None])
def test_garbage_is_a_formatter_error(payload: Any) -> None:
    with pytest.raises(FormatterError):
        GcpMonitoringProvider.format_alerts(payload, {})


def test_one_bad_entry_costs_only_itself() -> None:
    with pytest.raises(PartialFormatError) as caught:
        GcpMonitoringProvider.format_alerts([{"incident": "nope"}, firing()], {})
    assert [a.fingerprint for a in caught.value.alerts] == [INCIDENT_ID]
    assert "incidents[0]" in caught.value.problems[0]


def test_one_bad_field_is_dropped_and_named() -> None:
    body = firing()
    body["incident"]["started_at"] = "soon"
    [alert] = GcpMonitoringProvider.format_alerts(body, {})
    assert alert.firingStartTime is None
    assert alert.fingerprint == INCIDENT_ID
    assert any(w.startswith("firingStartTime dropped") for w in alert.model_dump()["formatWarnings"])


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("Critical", AlertSeverity.CRITICAL),
        ("Error", AlertSeverity.HIGH),
        ("Warning", AlertSeverity.WARNING),
        ("No severity", AlertSeverity.INFO),
        ("Catastrophic", AlertSeverity.INFO),
    ],
)
def test_severity_table(sent: str, expected: AlertSeverity) -> None:
    body = firing()
    body["incident"]["severity"] = sent
    body["incident"]["policy_user_labels"] = {}
    [alert] = GcpMonitoringProvider.format_alerts(body, {})
    assert alert.severity is expected
    assert alert.labels["severity"] == sent
    assert len(SEVERITY_MAP) == 4


def test_severity_user_label_counts_when_the_policy_has_none() -> None:
    body = firing()
    body["incident"]["severity"] = "No severity"
    body["incident"]["policy_user_labels"] = {"severity": "warning"}
    [alert] = GcpMonitoringProvider.format_alerts(body, {})
    assert alert.severity is AlertSeverity.WARNING


@pytest.mark.parametrize(
    ("sent", "expected"),
    [("open", AlertStatus.FIRING), ("closed", AlertStatus.RESOLVED), ("acknowledged", AlertStatus.FIRING)],
)
def test_status_table(sent: str, expected: AlertStatus) -> None:
    body = firing()
    body["incident"]["state"] = sent
    [alert] = GcpMonitoringProvider.format_alerts(body, {})
    assert alert.status is expected
    assert alert.model_dump()["state"] == sent
    assert set(STATUS_MAP) == {"open", "closed"}
