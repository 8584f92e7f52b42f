"""Zabbix webhook media type bodies (our documented parameters, and Keep's) -> AlertDto."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.providers.zabbix.formatter import format_zabbix_webhook
from keep_providers.providers.zabbix.provider import ZabbixProvider


def test_firing_notification_maps_the_documented_parameters(zabbix_data: Any) -> None:
    (alert,) = ZabbixProvider.format_alerts(zabbix_data.notification(), {}, provider_id="zbx")
    assert alert.fingerprint == "48213"
    assert alert.name == "High CPU utilization (over 90% for 5m)"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.HIGH
    assert alert.environment == "production"
    assert alert.service == "Web server 01"
    assert alert.description == "CPU utilization is too high. The system might be slow to respond."
    assert alert.message is not None and alert.message.startswith("Problem started at 10:15:42")
    assert alert.url == "https://zabbix.example.com/tr_events.php?triggerid=23117&eventid=48213"
    assert alert.labels == {"class": "os", "component": "cpu", "environment": "production", "scope": "performance"}
    assert alert.firingStartTime == datetime(2024, 5, 1, 10, 15, 42, tzinfo=UTC)
    assert alert.startedAt == alert.firingStartTime
    extra = alert.model_dump(mode="json")
    assert (extra["host"], extra["hostName"], extra["hostIp"], extra["triggerId"]) == (
        "web-01",
        "Web server 01",
        "10.0.4.21",
        "23117",
    )
    assert extra["opdata"] == "Current utilization: 97.3 %"
    assert alert.providerType == "zabbix" and alert.providerId == "zbx" and alert.source == ["zabbix"]


def test_recovery_keeps_the_problem_fingerprint_and_resolves(zabbix_data: Any) -> None:
    (problem,) = ZabbixProvider.format_alerts(zabbix_data.notification(), {})
    (recovery,) = ZabbixProvider.format_alerts(
        zabbix_data.notification(status="RESOLVED", value="0", recoveryId="48377"), {}
    )
    assert recovery.fingerprint == problem.fingerprint == "48213"
    assert recovery.status is AlertStatus.RESOLVED
    assert recovery.model_dump()["recoveryId"] == "48377"


def test_same_notification_twice_has_the_same_fingerprint(zabbix_data: Any) -> None:
    first = ZabbixProvider.format_alerts(zabbix_data.notification(), {})
    second = ZabbixProvider.format_alerts(zabbix_data.notification(), {})
    assert first[0].fingerprint == second[0].fingerprint


def test_two_problems_with_the_same_name_differ(zabbix_data: Any) -> None:
    one = ZabbixProvider.format_alerts(zabbix_data.notification(id="1001", host="web-01"), {})
    two = ZabbixProvider.format_alerts(zabbix_data.notification(id="1002", host="web-02"), {})
    assert one[0].name == two[0].name
    assert one[0].fingerprint != two[0].fingerprint


def test_acknowledge_update_becomes_acknowledged(zabbix_data: Any) -> None:
    body = zabbix_data.notification(updateStatus="1", updateAction="acknowledged", acknowledged="Yes")
    (alert,) = format_zabbix_webhook(body)
    assert alert.status is AlertStatus.ACKNOWLEDGED
    assert alert.fingerprint == "48213"
    assert alert.model_dump()["updateAction"] == "acknowledged"


def test_unacknowledge_update_is_firing_again(zabbix_data: Any) -> None:
    body = zabbix_data.notification(updateStatus="1", updateAction="unacknowledged", acknowledged="No")
    assert format_zabbix_webhook(body)[0].status is AlertStatus.FIRING


def test_recovery_of_an_acknowledged_problem_is_resolved(zabbix_data: Any) -> None:
    body = zabbix_data.notification(status="RESOLVED", value="0", acknowledged="Yes")
    assert format_zabbix_webhook(body)[0].status is AlertStatus.RESOLVED


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "PROBLEM", "value": "1"}, AlertStatus.FIRING),
        ({"status": "RESOLVED", "value": "0"}, AlertStatus.RESOLVED),
        ({"status": "OK", "value": None}, AlertStatus.RESOLVED),
        ({"status": "resolved", "value": None}, AlertStatus.RESOLVED),
        ({"status": None, "value": "0"}, AlertStatus.RESOLVED),
        ({"status": None, "value": "1"}, AlertStatus.FIRING),
        ({"status": "acknowledged", "value": None}, AlertStatus.ACKNOWLEDGED),
        ({"status": "suppressed", "value": None}, AlertStatus.SUPPRESSED),
        ({"status": "SOMETHING NEW", "value": None}, AlertStatus.FIRING),
        ({"status": None, "value": None}, AlertStatus.FIRING),
    ],
)
def test_status_table(zabbix_data: Any, params: dict[str, Any], expected: AlertStatus) -> None:
    (alert,) = format_zabbix_webhook(zabbix_data.notification(**params))
    assert alert.status is expected


def test_unknown_status_is_kept(zabbix_data: Any) -> None:
    (alert,) = format_zabbix_webhook(zabbix_data.notification(status="SOMETHING NEW", value=None))
    assert alert.model_dump()["zabbixStatus"] == "SOMETHING NEW"


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("Disaster", AlertSeverity.CRITICAL),
        ("High", AlertSeverity.HIGH),
        ("Average", AlertSeverity.WARNING),
        ("Warning", AlertSeverity.WARNING),
        ("Information", AlertSeverity.INFO),
        ("Not classified", AlertSeverity.LOW),
        ("DISASTER", AlertSeverity.CRITICAL),
    ],
)
def test_severity_names(zabbix_data: Any, severity: str, expected: AlertSeverity) -> None:
    (alert,) = format_zabbix_webhook(zabbix_data.notification(severity=severity, nseverity=None))
    assert alert.severity is expected
    assert alert.model_dump()["zabbixSeverity"] == severity


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("5", AlertSeverity.CRITICAL),
        ("4", AlertSeverity.HIGH),
        ("3", AlertSeverity.WARNING),
        ("2", AlertSeverity.WARNING),
        ("1", AlertSeverity.INFO),
        ("0", AlertSeverity.LOW),
    ],
)
def test_numeric_severity(zabbix_data: Any, number: str, expected: AlertSeverity) -> None:
    (alert,) = format_zabbix_webhook(zabbix_data.notification(severity=None, nseverity=number))
    assert alert.severity is expected


def test_unknown_severity_is_info_and_kept(zabbix_data: Any) -> None:
    (alert,) = format_zabbix_webhook(zabbix_data.notification(severity="Catastrophic", nseverity=None))
    assert alert.severity is AlertSeverity.INFO
    assert alert.model_dump()["zabbixSeverity"] == "Catastrophic"


def test_keep_media_type_parameters_are_understood(zabbix_data: Any) -> None:
    # The parameter set Keep's own Zabbix media type sends.
    body = {
        "id": "7301",
        "triggerId": "19001",
        "lastReceived": "2024.05.01 10:20:00",
        "message": "Problem started at 10:15:42",
        "name": "Zabbix agent is not available",
        "service": "db-01",
        "severity": "Average",
        "status": "OK",
        "tags": '[{"tag":"environment","value":"staging"}]',
        "description": "Agent unreachable",
        "ALERT.SUBJECT": "Resolved: Zabbix agent is not available",
        "EVENT.SEVERITY": "Average",
        "EVENT.TIME": "10:15:42",
        "EVENT.VALUE": "0",
        "HOST.IP": "10.0.9.9",
        "HOST.NAME": "Database 01",
        "ZABBIX.URL": "https://zabbix.example.com/",
    }
    (alert,) = ZabbixProvider.format_alerts(body, {})
    assert alert.fingerprint == "7301"
    assert alert.status is AlertStatus.RESOLVED
    assert alert.severity is AlertSeverity.WARNING
    assert alert.environment == "staging"
    assert alert.service == "Database 01"
    assert alert.url == "https://zabbix.example.com/tr_events.php?triggerid=19001&eventid=7301"
    extra = alert.model_dump(mode="json")
    assert extra["host"] == "db-01" and extra["hostIp"] == "10.0.9.9"
    assert extra["zabbixParameters"] == {"lastReceived": "2024.05.01 10:20:00"}


def test_unresolved_macros_count_as_missing(zabbix_data: Any) -> None:
    body = zabbix_data.notification(recoveryId="{EVENT.RECOVERY.ID}", hostIp="*UNKNOWN*", zabbixUrl="{$ZABBIX.URL}")
    (alert,) = format_zabbix_webhook(body)
    extra = alert.model_dump()
    assert "recoveryId" not in extra and "hostIp" not in extra
    assert alert.url is None


def test_tags_as_json_text_and_repeated_tag_names(zabbix_data: Any) -> None:
    tags = json.dumps([{"tag": "scope", "value": "availability"}, {"tag": "scope", "value": "performance"}])
    (alert,) = format_zabbix_webhook(zabbix_data.notification(tags=tags))
    assert alert.labels == {"scope": "availability, performance"}


def test_missing_optional_parameters(zabbix_data: Any) -> None:
    (alert,) = ZabbixProvider.format_alerts({"id": "555"}, {})
    assert alert.fingerprint == "555"
    assert alert.name == "Zabbix problem 555"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.INFO
    assert alert.environment == "undefined"
    assert alert.url is None and alert.firingStartTime is None and alert.labels == {}


def test_name_falls_back_to_subject(zabbix_data: Any) -> None:
    (alert,) = format_zabbix_webhook(zabbix_data.notification(name=None))
    assert alert.name == "Problem: High CPU utilization (over 90% for 5m)"


def test_unicode_is_preserved(zabbix_data: Any) -> None:
    body = zabbix_data.notification(
        name="Température élevée 🔥", hostName="Serveur Zürich", tags=[{"tag": "équipe", "value": "基盤"}]
    )
    (alert,) = format_zabbix_webhook(body)
    assert alert.name == "Température élevée 🔥"
    assert alert.service == "Serveur Zürich"
    assert alert.labels == {"équipe": "基盤"}


def test_unexpected_parameters_are_kept(zabbix_data: Any) -> None:
    (alert,) = format_zabbix_webhook(zabbix_data.notification(escalation="3", customer={"tier": "gold"}))
    assert alert.model_dump()["zabbixParameters"] == {"escalation": "3", "customer": {"tier": "gold"}}


def test_several_notifications_in_one_body(zabbix_data: Any) -> None:
    body = [zabbix_data.notification(id="1"), zabbix_data.notification(id="2", status="RESOLVED", value="0")]
    alerts = ZabbixProvider.format_alerts(body, {})
    assert [(a.fingerprint, a.status) for a in alerts] == [("1", AlertStatus.FIRING), ("2", AlertStatus.RESOLVED)]


def test_one_bad_notification_among_good_ones(zabbix_data: Any) -> None:
    body = [zabbix_data.notification(id="1"), {"name": "no id"}, "garbage", zabbix_data.notification(id="4")]
    with pytest.raises(PartialFormatError) as caught:
        ZabbixProvider.format_alerts(body, {})
    assert [a.fingerprint for a in caught.value.alerts] == ["1", "4"]
    assert all(a.providerType == "zabbix" for a in caught.value.alerts)
    assert len(caught.value.problems) == 2 and "alerts[1]" in caught.value.problems[0]


def test_one_bad_field_keeps_the_alert(zabbix_data: Any) -> None:
    (alert,) = format_zabbix_webhook(zabbix_data.notification(date="2024.13.45"))
    assert alert.fingerprint == "48213"
    assert alert.firingStartTime is None
    warnings = alert.model_dump()["formatWarnings"]
    assert any(w.startswith("firingStartTime dropped") for w in warnings)


def test_bad_tags_keep_the_alert(zabbix_data: Any) -> None:
    (alert,) = format_zabbix_webhook(zabbix_data.notification(tags="class:os, scope:performance"))
    assert alert.labels == {}
    assert any(w.startswith("tags dropped") for w in alert.model_dump()["formatWarnings"])


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("PROBLEM", id="string"),
        pytest.param(None, id="null"),
        pytest.param(42, id="number"),
        pytest.param({"name": "no id", "status": "PROBLEM"}, id="object-without-id"),
        pytest.param({"id": "{EVENT.ID}"}, id="unresolved-id"),
        pytest.param([], id="empty-list"),
    ],
)
def test_garbage_bodies_raise_formatter_error(body: Any) -> None:
    with pytest.raises(FormatterError):
        ZabbixProvider.format_alerts(body, {})
