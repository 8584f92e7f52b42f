"""PagerDuty webhooks -> AlertDto.

Payloads follow PagerDuty's V3 webhook docs (event envelope around an incident) and
the legacy V2 `messages` body.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.formatting import WARNINGS_FIELD
from keep_providers.providers.pagerduty.formatter import (
    EVENT_STATUS_MAP,
    PRIORITY_SEVERITY_MAP,
    STATUS_MAP,
    URGENCY_SEVERITY_MAP,
    format_incident_list,
)
from keep_providers.providers.pagerduty.provider import PagerDutyProvider

Load = Callable[[str], dict[str, Any]]


def one(payload: Any) -> Any:
    alerts = PagerDutyProvider.format_alerts(payload, {}, provider_id="pd-1")
    assert len(alerts) == 1
    return alerts[0]


def with_event(body: dict[str, Any], event_type: str, status: str) -> dict[str, Any]:
    body["event"]["event_type"] = event_type
    body["event"]["data"]["status"] = status
    return body


def test_incident_triggered(payload: Load) -> None:
    alert = one(payload("firing"))
    assert alert.name == "Checkout API error rate above 5% in prod"
    assert alert.fingerprint == "checkout-api/high-error-rate/prod"
    assert alert.id == "Q2RBVZ1KLMN0QA"
    assert alert.status == AlertStatus.FIRING
    assert alert.severity == AlertSeverity.CRITICAL
    assert alert.service == "Checkout API"
    assert alert.url == "https://acme.pagerduty.com/incidents/Q2RBVZ1KLMN0QA"
    assert alert.firingStartTime == datetime(2024, 5, 14, 9, 31, 7, tzinfo=UTC)
    assert alert.labels == {
        "incident_number": "1842",
        "incident_key": "checkout-api/high-error-rate/prod",
        "urgency": "high",
        "priority": "P1",
        "service_id": "PF9KMXH",
        "escalation_policy": "Checkout Primary",
        "teams": "Payments",
        "assignees": "Dana On-Call",
        "event_type": "incident.triggered",
    }
    assert alert.pagerdutyEvent["id"] == "01DEN1HNVCWQ0TLYFZS0BNK6TE"
    assert alert.pagerdutyEvent["client"] == {"name": "Datadog"}
    assert alert.pagerduty["conference_bridge"]["conference_url"] == "https://meet.example.com/checkout"
    assert alert.providerType == "pagerduty"
    assert alert.providerId == "pd-1"


def test_incident_id_is_the_fingerprint_without_an_incident_key(payload: Load) -> None:
    body = payload("firing")
    body["event"]["data"]["incident_key"] = None
    assert one(body).fingerprint == "Q2RBVZ1KLMN0QA"


def test_resolved_keeps_fingerprint_and_changes_status(payload: Load) -> None:
    triggered = one(payload("firing"))
    resolved = one(with_event(payload("firing"), "incident.resolved", "resolved"))
    assert triggered.fingerprint == resolved.fingerprint
    assert (triggered.status, resolved.status) == (AlertStatus.FIRING, AlertStatus.RESOLVED)


def test_same_incident_twice_gets_the_same_fingerprint(payload: Load) -> None:
    assert one(payload("firing")).fingerprint == one(payload("firing")).fingerprint


def test_two_incidents_with_the_same_title_get_different_fingerprints(payload: Load) -> None:
    other = payload("firing")
    other["event"]["data"]["id"] = "Q0THER"
    other["event"]["data"]["incident_key"] = "checkout-api/high-error-rate/staging"
    assert one(payload("firing")).name == one(other).name
    assert one(payload("firing")).fingerprint != one(other).fingerprint


@pytest.mark.parametrize(
    "event_type", ["incident.reassigned", "incident.escalated", "incident.priority_updated", "incident.delegated"]
)
def test_a_change_to_an_acknowledged_incident_keeps_it_acknowledged(payload: Load, event_type: str) -> None:
    assert one(with_event(payload("firing"), event_type, "acknowledged")).status == AlertStatus.ACKNOWLEDGED


@pytest.mark.parametrize(
    ("event_type", "status", "expected"),
    [
        ("incident.triggered", "triggered", AlertStatus.FIRING),
        ("incident.reopened", "triggered", AlertStatus.FIRING),
        ("incident.unacknowledged", "triggered", AlertStatus.FIRING),
        ("incident.acknowledged", "acknowledged", AlertStatus.ACKNOWLEDGED),
        ("incident.resolved", "resolved", AlertStatus.RESOLVED),
    ],
)
def test_status_follows_the_incident(payload: Load, event_type: str, status: str, expected: AlertStatus) -> None:
    assert one(with_event(payload("firing"), event_type, status)).status == expected


@pytest.mark.parametrize(("status", "expected"), list(STATUS_MAP.items()))
def test_status_table(payload: Load, status: str, expected: AlertStatus) -> None:
    body = payload("firing")
    body["event"]["data"]["status"] = status
    assert one(body).status == expected


@pytest.mark.parametrize(("event_type", "expected"), list(EVENT_STATUS_MAP.items()))
def test_event_type_decides_only_without_a_status(payload: Load, event_type: str, expected: AlertStatus) -> None:
    body = payload("firing")
    body["event"]["event_type"] = event_type
    del body["event"]["data"]["status"]
    assert one(body).status == expected


def test_no_status_and_an_uninformative_event_is_refused(payload: Load) -> None:
    body = payload("firing")
    body["event"]["event_type"] = "incident.escalated"
    body["event"]["data"]["status"] = "pondering"
    with pytest.raises(FormatterError, match="status 'pondering' is unknown"):
        one(body)


@pytest.mark.parametrize(("priority", "expected"), list(PRIORITY_SEVERITY_MAP.items()))
def test_priority_severity_table(payload: Load, priority: str, expected: AlertSeverity) -> None:
    body = payload("firing")
    body["event"]["data"]["priority"]["summary"] = priority.upper()
    assert one(body).severity == expected


@pytest.mark.parametrize(("urgency", "expected"), [*URGENCY_SEVERITY_MAP.items(), (None, AlertSeverity.HIGH)])
def test_urgency_decides_without_a_known_priority(payload: Load, urgency: str | None, expected: AlertSeverity) -> None:
    body = payload("firing")
    body["event"]["data"]["priority"] = None
    body["event"]["data"]["urgency"] = urgency
    assert one(body).severity == expected
    renamed = payload("firing")
    renamed["event"]["data"]["priority"]["summary"] = "SEV-1 (custom)"
    renamed["event"]["data"]["urgency"] = urgency
    assert one(renamed).severity == expected


def test_v2_messages_give_one_alert_each(payload: Load) -> None:
    alerts = PagerDutyProvider.format_alerts(payload("v2_messages"), {})
    assert [(a.fingerprint, a.status, a.severity) for a in alerts] == [
        ("db-01/disk", AlertStatus.FIRING, AlertSeverity.HIGH),
        ("db-02/replication", AlertStatus.ACKNOWLEDGED, AlertSeverity.WARNING),
    ]
    assert alerts[0].service == "Databases"
    assert alerts[0].labels["assignees"] == "Earline Greenholt"
    assert alerts[0].labels["incident_number"] == "7"
    assert alerts[1].pagerdutyEvent["event"] == "incident.acknowledge"


def test_v2_one_bad_message_costs_only_itself(payload: Load) -> None:
    body = payload("v2_messages")
    body["messages"].insert(1, {"event": "incident.trigger", "incident": "not an object"})
    with pytest.raises(PartialFormatError) as caught:
        PagerDutyProvider.format_alerts(body, {})
    assert [alert.fingerprint for alert in caught.value.alerts] == ["db-01/disk", "db-02/replication"]
    assert all(alert.providerType == "pagerduty" for alert in caught.value.alerts)
    assert caught.value.problems == ["messages[1]: PagerDuty V2 incident.trigger message has no incident object"]


def test_missing_optional_fields(payload: Load) -> None:
    body = {
        "event": {
            "event_type": "incident.triggered",
            "resource_type": "incident",
            "data": {"id": "PMIN", "type": "incident", "status": "triggered"},
        }
    }
    alert = one(body)
    assert alert.fingerprint == "PMIN"
    assert alert.name == "PagerDuty incident #PMIN"
    assert alert.severity == AlertSeverity.HIGH
    assert alert.service is None
    assert alert.url is None
    assert alert.environment == "undefined"


def test_unicode_is_kept(payload: Load) -> None:
    body = payload("firing")
    body["event"]["data"]["title"] = "Zahlungsdienst gestört — 決済 ⚠️"
    body["event"]["data"]["service"]["summary"] = "Caisse élégante"
    alert = one(body)
    assert alert.name == "Zahlungsdienst gestört — 決済 ⚠️"
    assert alert.service == "Caisse élégante"


def test_unexpected_extra_fields_are_kept(payload: Load) -> None:
    body = payload("firing")
    body["event"]["data"]["incident_type"] = {"name": "major"}
    body["event"]["routing_hint"] = "kept"
    alert = one(body)
    assert alert.pagerduty["incident_type"] == {"name": "major"}
    assert alert.pagerdutyEvent["routing_hint"] == "kept"


def test_one_bad_field_is_dropped_and_named(payload: Load) -> None:
    body = payload("firing")
    body["event"]["data"]["created_at"] = "not a time"
    alert = one(body)
    assert alert.fingerprint == "checkout-api/high-error-rate/prod"
    assert alert.firingStartTime is None
    assert any(warning.startswith("firingStartTime dropped") for warning in getattr(alert, WARNINGS_FIELD))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("garbage", "JSON object"),
        ([{"event": {}}], "JSON object"),
        ({"alerts": []}, "not a PagerDuty webhook"),
        ({"event": {"event_type": "incident.triggered", "resource_type": "incident"}}, "no data object"),
    ],
)
def test_garbage_is_refused(body: Any, reason: str) -> None:
    with pytest.raises(FormatterError, match=reason):
        PagerDutyProvider.format_alerts(body, {})


def test_a_service_event_is_not_an_incident() -> None:
    body = {
        "event": {
            "event_type": "service.updated",
            "resource_type": "service",
            "data": {"id": "PF9KMXH", "type": "service"},
        }
    }
    with pytest.raises(FormatterError, match=r"service\.updated is about a service resource, not an incident"):
        PagerDutyProvider.format_alerts(body, {})


def test_a_note_carries_no_incident_state() -> None:
    data = {
        "incident": {"id": "PGR0VU2", "type": "incident_reference"},
        "id": "P2LA89X",
        "content": "hi",
        "type": "incident_note",
    }
    body = {"event": {"event_type": "incident.annotated", "resource_type": "incident", "data": data}}
    with pytest.raises(
        FormatterError, match=r"incident\.annotated carries an 'incident_note', not the incident's state"
    ):
        PagerDutyProvider.format_alerts(body, {})


def test_incident_list_keeps_good_incidents(make_incident: Callable[..., dict[str, Any]]) -> None:
    with pytest.raises(PartialFormatError) as caught:
        format_incident_list(
            [make_incident("PINC101"), {"title": "no id"}, make_incident("PINC103", status="acknowledged")]
        )
    alerts = caught.value.alerts
    assert [(a.fingerprint, a.status) for a in alerts] == [
        ("queue/PINC101", AlertStatus.FIRING),
        ("queue/PINC103", AlertStatus.ACKNOWLEDGED),
    ]
    assert alerts[0].severity == AlertSeverity.HIGH
    assert alerts[0].labels["assignees"] == "Sam"
    assert alerts[0].description is None
