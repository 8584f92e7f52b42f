"""Opsgenie Webhook integration -> AlertDto.

Bodies follow Opsgenie's alert action data for the Webhook integration
(https://docs.opsgenie.com/docs/webhook-integration): `{action, alert, source,
integrationName, integrationId, integrationType}`, alert.createdAt in milliseconds and
alert.updatedAt in nanoseconds, description and details only on Create.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.providers.opsgenie.formatter import ACTION_STATUS_MAP
from keep_providers.providers.opsgenie.mapping import SEVERITY_MAP
from keep_providers.providers.opsgenie.provider import OpsgenieProvider

Body = Callable[..., dict[str, Any]]


def one(payload: Any):  # type: ignore[no-untyped-def]
    alerts = OpsgenieProvider.format_alerts(payload, {}, provider_id="og-1")
    assert len(alerts) == 1
    return alerts[0]


def test_create(firing_body: dict[str, Any]) -> None:
    alert = one(firing_body)
    assert alert.name == "Disk usage above 90% on db-1"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.HIGH
    assert alert.fingerprint == "disk-usage-db-1"
    assert alert.id == "70413a06-38d6-4c85-92b8-5ebc900d42e2-1732802712345"
    assert alert.description == "Disk /var/lib/postgresql is 93% full"
    assert alert.service == "billing-db"
    assert alert.environment == "production"
    assert alert.labels == {"service": "billing-db", "environment": "production", "region": "eu-west-1"}
    assert alert.firingStartTime == datetime(2024, 11, 28, 14, 5, 12, 345000, tzinfo=UTC)
    extra = alert.model_dump()
    assert extra["updatedAt"] == datetime(2024, 11, 28, 14, 5, 12, 345000, tzinfo=UTC)
    assert extra["action"] == "Create"
    assert extra["tinyId"] == "1791"
    assert extra["tags"] == ["disk", "database"]
    assert extra["teams"] == ["4513b7ea-3b91-438f-b7e4-e3e54af9147c"]
    assert extra["integrationName"] == "Keep AIOps"
    assert extra["actionSource"] == {"name": "", "type": "API"}
    assert alert.providerType == "opsgenie" and alert.providerId == "og-1"


@pytest.mark.parametrize(("action", "status"), sorted(ACTION_STATUS_MAP.items()))
def test_action_table_keeps_fingerprint(og_body: Body, action: str, status: AlertStatus) -> None:
    alert = one(og_body(action=action.capitalize() if action != "unacknowledge" else "UnAcknowledge"))
    assert alert.status is status
    assert alert.fingerprint == "disk-usage-db-1"


@pytest.mark.parametrize(
    "action", ["AddNote", "Escalate", "AssignOwnership", "TakeOwnership", "AddTags", "CustomAction"]
)
def test_other_actions_keep_firing_and_record_the_action(og_body: Body, action: str) -> None:
    alert = one(og_body(action=action))
    assert alert.status is AlertStatus.FIRING
    assert alert.model_dump()["action"] == action


def test_other_action_on_acknowledged_alert_stays_acknowledged(og_body: Body) -> None:
    assert one(og_body(action="AddNote", alert={"acknowledged": True})).status is AlertStatus.ACKNOWLEDGED
    assert one(og_body(action="AddNote", alert={"snoozed": True})).status is AlertStatus.SUPPRESSED
    assert one(og_body(action="AddNote", alert={"status": "closed"})).status is AlertStatus.RESOLVED


@pytest.mark.parametrize(("priority", "severity"), sorted(SEVERITY_MAP.items()))
def test_priority_table(og_body: Body, priority: str, severity: AlertSeverity) -> None:
    alert = one(og_body(alert={"priority": priority.upper()}))
    assert alert.severity is severity
    assert alert.model_dump()["priority"] == priority.upper()


def test_missing_priority_is_opsgenie_default_p3(og_body: Body) -> None:
    body = og_body()
    del body["alert"]["priority"]
    assert one(body).severity is AlertSeverity.WARNING


def test_alias_fallback_to_alert_id_and_same_message_differs(og_body: Body) -> None:
    no_alias = one(og_body(alert={"alias": ""}))
    assert no_alias.fingerprint == "70413a06-38d6-4c85-92b8-5ebc900d42e2-1732802712345"
    twin = one(og_body(alert={"alias": "disk-usage-db-2", "alertId": "other"}))
    assert twin.name == no_alias.name and twin.fingerprint != one(og_body()).fingerprint


def test_minimal_close_body() -> None:
    alert = one({"action": "Close", "alert": {"alertId": "a-1", "message": "m", "createdAt": 1420452191104}})
    assert alert.status is AlertStatus.RESOLVED
    assert alert.fingerprint == "a-1"
    assert alert.description is None
    assert alert.labels == {}
    assert alert.firingStartTime == datetime(2015, 1, 5, 10, 3, 11, 104000, tzinfo=UTC)


def test_unicode(og_body: Body) -> None:
    alert = one(og_body(alert={"message": "Festplatte fast voll — データベース 💾", "details": {"Ort": "Zürich"}}))
    assert alert.name == "Festplatte fast voll — データベース 💾"
    assert alert.labels == {"Ort": "Zürich"}


def test_extra_fields_kept(og_body: Body) -> None:
    assert one(og_body(escalationName="night shift")).model_dump()["customFields"] == {"escalationName": "night shift"}


def test_bad_created_at_drops_only_that_field(og_body: Body) -> None:
    alert = one(og_body(alert={"createdAt": "soon"}))
    assert alert.name == "Disk usage above 90% on db-1"
    warnings = alert.model_dump()["formatWarnings"]
    assert {w.split(" ")[0] for w in warnings} == {"firingStartTime", "startedAt"}


def test_several_bodies(og_body: Body) -> None:
    alerts = OpsgenieProvider.format_alerts([og_body(), og_body(action="Acknowledge")], {})
    assert [a.status for a in alerts] == [AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED]
    assert alerts[0].fingerprint == alerts[1].fingerprint


def test_one_bad_body_keeps_the_good(og_body: Body) -> None:
    with pytest.raises(PartialFormatError) as caught:
        OpsgenieProvider.format_alerts([og_body(), {"action": "Create", "alert": {"message": "no ids"}}], {})
    assert [a.fingerprint for a in caught.value.alerts] == ["disk-usage-db-1"]
    assert "alias" in caught.value.problems[0]


@pytest.mark.parametrize("payload", ["nope", None, [], {"action": "Create"}, {"alert": "x"}, [1, 2]])
def test_garbage_is_a_formatter_error(payload: Any) -> None:
    with pytest.raises(FormatterError):
        OpsgenieProvider.format_alerts(payload, {})
