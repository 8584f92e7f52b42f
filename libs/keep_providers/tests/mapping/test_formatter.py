"""Mapping real-world-like bodies to alerts with an installed config."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertDto, AlertSeverity, AlertStatus
from keep_providers._fingerprint import fingerprint_from_fields
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.providers.mapping.config import MappingConfig
from keep_providers.providers.mapping.formatter import MAX_PAYLOAD_CHARS, format_mapped
from keep_providers.providers.mapping.provider import MappingProvider

MakeConfig = Callable[..., MappingConfig]
Payload = Callable[[str], Any]


def one(alerts: list[AlertDto]) -> AlertDto:
    assert len(alerts) == 1
    return alerts[0]


def extra(alert: AlertDto) -> dict[str, Any]:
    return dict(alert.model_extra or {})


# --- no installed instance ---------------------------------------------------------


def test_without_an_installed_instance_the_body_is_refused_saying_how_to_post() -> None:
    with pytest.raises(FormatterError) as caught:
        MappingProvider.format_alerts({"title": "x"}, {})
    assert str(caught.value) == (
        "the mapping provider needs an installed instance: post to /api/alerts/event/mapping?provider_id=<id>"
    )


# --- Checkmk-like notification (one object body) -------------------------------------


def test_checkmk_service_problem(make_config: MakeConfig, payload: Payload, checkmk_config: Any) -> None:
    config = make_config(checkmk_config)
    body = payload("checkmk_service_problem")
    alert = one(
        MappingProvider.format_alerts(body, {"content-type": "application/json"}, provider_id="cmk", config=config)
    )
    assert alert.name == "Filesystem /var"
    assert alert.service == "db-01.example.org"
    assert alert.environment == "prod"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.CRITICAL
    assert alert.message == "db-01.example.org: Filesystem /var is CRIT"
    assert alert.description == "CRIT - 96.2% used (47.1 of 49.0 GB), (warn/crit at 80.0%/90.0%)"
    assert alert.url == (
        "https://checkmk.example.org/prod/check_mk/index.py?start_url=view.py%3Fview_name%3Dservice"
        "%26host%3Ddb-01.example.org%26service%3DFilesystem%2B%2Fvar"
    )
    assert alert.startedAt == datetime(2026, 11, 28, 13, 5, 12, tzinfo=UTC)
    assert alert.firingStartTime == alert.startedAt
    assert alert.labels == {"cmk/os_family": "linux", "team": "dba"}
    assert extra(alert)["hostAddress"] == "10.0.4.17"
    assert extra(alert)["payload"] == body
    assert "formatWarnings" not in extra(alert)
    assert (alert.providerType, alert.providerId, alert.source) == ("mapping", "cmk", ["mapping"])
    assert alert.fingerprint == fingerprint_from_fields(
        {"name": "Filesystem /var", "service": "db-01.example.org", "environment": "prod"},
        ["name", "service", "environment"],
    )


def test_checkmk_recovery_resolves_the_same_alert(
    make_config: MakeConfig, payload: Payload, checkmk_config: Any
) -> None:
    config = make_config(checkmk_config)
    problem = payload("checkmk_service_problem")
    recovery = {**problem, "notification_type": "RECOVERY", "service_state": "OK", "service_output": "OK - 41% used"}
    fired = one(MappingProvider.format_alerts(problem, {}, config=config))
    resolved = one(MappingProvider.format_alerts(recovery, {}, config=config))
    assert (fired.status, resolved.status) == (AlertStatus.FIRING, AlertStatus.RESOLVED)
    assert resolved.severity is AlertSeverity.INFO
    assert resolved.fingerprint == fired.fingerprint


def test_checkmk_same_check_on_another_host_is_another_alert(
    make_config: MakeConfig, payload: Payload, checkmk_config: Any
) -> None:
    config = make_config(checkmk_config)
    first = payload("checkmk_service_problem")
    other_host = {**first, "host": "db-02.example.org"}
    fingerprints = {
        one(MappingProvider.format_alerts(body, {}, config=config)).fingerprint for body in (first, other_host)
    }
    assert len(fingerprints) == 2


# --- custom cron job monitor: a fingerprint expression --------------------------------


def test_cron_job_failure(make_config: MakeConfig, payload: Payload, cron_config: Any) -> None:
    alert = one(MappingProvider.format_alerts(payload("cron_job_failed"), {}, config=make_config(cron_config)))
    assert alert.name == "Cron job Nightly backup"
    assert alert.fingerprint == "production/nightly-backup"
    assert (alert.status, alert.severity) == (AlertStatus.FIRING, AlertSeverity.HIGH)
    assert (alert.service, alert.environment) == ("backup-02", "production")
    assert alert.message == "exit code 2 after 913 s"
    assert alert.description == "rsync: connection unexpectedly closed (0 bytes received so far)"
    assert alert.url == "https://cron.example.org/jobs/nightly-backup"
    assert alert.startedAt == datetime(2026, 11, 28, 2, 0, 1, tzinfo=UTC)
    assert alert.labels == {"schedule": "0 2 * * *", "owner": "platform", "monitor": "cron"}
    assert extra(alert) == {"runId": "run-20261128-0200"}  # keep_payload is off


def test_cron_job_success_resolves_the_failure(make_config: MakeConfig, payload: Payload, cron_config: Any) -> None:
    config = make_config(cron_config)
    failed = payload("cron_job_failed")
    succeeded = copy.deepcopy(failed)
    succeeded["event"] = "job.succeeded"
    succeeded["run"].update({"id": "run-20261129-0200", "exit_code": 0, "log_tail": "sent 1.2 GB"})
    first, second = (one(MappingProvider.format_alerts(body, {}, config=config)) for body in (failed, succeeded))
    assert second.status is AlertStatus.RESOLVED
    assert second.fingerprint == first.fingerprint == "production/nightly-backup"
    assert extra(second)["runId"] == "run-20261129-0200"


def test_the_same_body_twice_is_the_same_alert(make_config: MakeConfig, payload: Payload, cron_config: Any) -> None:
    config = make_config(cron_config)
    body = payload("cron_job_failed")
    first, second = (one(MappingProvider.format_alerts(body, {}, config=config)) for _ in range(2))
    assert first.fingerprint == second.fingerprint
    assert first.model_dump(exclude={"lastReceived"}) == second.model_dump(exclude={"lastReceived"})


def test_a_fingerprint_expression_yielding_nothing_falls_back_to_the_fields(
    make_config: MakeConfig, payload: Payload, cron_config: Any
) -> None:
    cron_config["fields"]["fingerprint"] = "$.job.uuid"
    alert = one(MappingProvider.format_alerts(payload("cron_job_failed"), {}, config=make_config(cron_config)))
    assert alert.fingerprint == fingerprint_from_fields(
        {
            "name": "Cron job Nightly backup",
            "service": "backup-02",
            "environment": "production",
            "labels": '{"monitor":"cron","owner":"platform","schedule":"0 2 * * *"}',
        },
        ["name", "service", "environment", "labels"],
    )
    assert extra(alert)["formatWarnings"] == [
        "fingerprint: none in this entry, computed from name, service, environment, labels"
    ]


# --- a list body: one alert per element -----------------------------------------------


def test_uptime_checks_list(make_config: MakeConfig, payload: Payload, uptime_config: Any) -> None:
    down, up = MappingProvider.format_alerts(payload("uptime_checks_list"), {}, config=make_config(uptime_config))
    assert (down.name, down.status, down.severity) == ("Uptime check homepage", AlertStatus.FIRING, AlertSeverity.HIGH)
    assert (up.name, up.status, up.severity) == ("Uptime check api-health", AlertStatus.RESOLVED, AlertSeverity.INFO)
    assert down.description == "timeout after 10000 ms"
    assert up.description == "responding in 83 ms"
    assert down.labels == {"region": "eu-west", "target": "https://www.example.org/"}
    assert down.startedAt == datetime.fromtimestamp(1795866300, tz=UTC)
    assert down.fingerprint != up.fingerprint
    assert extra(down)["payload"]["error"] == "timeout after 10000 ms"


# --- a nested `$.data.items[*]` body, with unicode and the whole body in reach ----------


def test_observer_items(make_config: MakeConfig, payload: Payload, observer_config: Any) -> None:
    body = payload("observer_items")
    opened, acked, closed = MappingProvider.format_alerts(body, {}, config=make_config(observer_config))
    assert [a.fingerprint for a in (opened, acked, closed)] == ["evt-9001", "evt-9002", "evt-9003"]
    assert [a.status for a in (opened, acked, closed)] == [
        AlertStatus.FIRING,
        AlertStatus.ACKNOWLEDGED,
        AlertStatus.RESOLVED,
    ]
    assert [a.severity for a in (opened, acked, closed)] == [
        AlertSeverity.CRITICAL,
        AlertSeverity.WARNING,
        AlertSeverity.HIGH,
    ]
    assert acked.name == "Zahlungsdienst: Latenz über 2 s — 東京 ⚠️"
    assert extra(acked)["assignee"] == "Zoë"
    assert "assignee" not in extra(opened)
    assert opened.labels == {"region": "eu-central-1", "account": "acme-prod", "source": "acme-observer"}
    assert closed.labels == {"account": "acme-prod", "source": "acme-observer"}
    assert (closed.service, closed.environment) == ("orders", "staging")
    assert opened.firingStartTime == datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert opened.url == "https://observer.example.com/events/evt-9001"


def test_alerts_path_naming_the_list_itself_takes_its_elements(
    make_config: MakeConfig, payload: Payload, observer_config: Any
) -> None:
    observer_config["alerts_path"] = "$.data.items"
    alerts = format_mapped(payload("observer_items"), {}, make_config(observer_config))
    assert [alert.fingerprint for alert in alerts] == ["evt-9001", "evt-9002", "evt-9003"]


def test_alerts_path_with_a_filter_selects_entries(
    make_config: MakeConfig, payload: Payload, observer_config: Any
) -> None:
    observer_config["alerts_path"] = "$.data.items[?(@.state != 'closed')]"
    alerts = format_mapped(payload("observer_items"), {}, make_config(observer_config))
    assert [alert.fingerprint for alert in alerts] == ["evt-9001", "evt-9002"]


@pytest.mark.parametrize(
    ("body", "alerts_path", "reason"),
    [
        pytest.param(
            {"data": {}}, "$.data.items[*]", "alerts_path '$.data.items[*]' matches nothing in the body", id="no-match"
        ),
        pytest.param({"data": {"items": []}}, "$.data.items", "the body holds no alert entry", id="empty-list"),
        pytest.param([], None, "the body holds no alert entry", id="empty-body-list"),
        pytest.param("just text", None, "a mapping body is a JSON object or list, not str", id="string-body"),
        pytest.param(42, None, "a mapping body is a JSON object or list, not int", id="number-body"),
    ],
)
def test_bodies_without_entries_are_refused(
    make_config: MakeConfig, body: Any, alerts_path: str | None, reason: str
) -> None:
    config = make_config(fields={"name": "$.title"}, alerts_path=alerts_path)
    with pytest.raises(FormatterError) as caught:
        MappingProvider.format_alerts(body, {}, config=config)
    assert str(caught.value) == reason


# --- status and severity maps -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ok", AlertStatus.RESOLVED),
        ("OK", AlertStatus.RESOLVED),
        (" alarm ", AlertStatus.FIRING),
        ("insufficient_data", AlertStatus.PENDING),
        ("acked", AlertStatus.ACKNOWLEDGED),
        ("muted", AlertStatus.SUPPRESSED),
        ("downtime", AlertStatus.MAINTENANCE),
        (0, AlertStatus.RESOLVED),
        (True, AlertStatus.FIRING),
        ("Resolved", AlertStatus.RESOLVED),  # already one of ours: taken as is
    ],
)
def test_status_map(make_config: MakeConfig, value: Any, expected: AlertStatus) -> None:
    config = make_config(
        fields={"name": "$.name", "status": "$.state"},
        status_map={
            "ok": "resolved",
            "alarm": "firing",
            "insufficient_data": "pending",
            "acked": "acknowledged",
            "muted": "suppressed",
            "downtime": "maintenance",
            "0": "resolved",
            "true": "firing",
        },
    )
    alert = one(format_mapped({"name": "cpu", "state": value}, {}, config))
    assert alert.status is expected
    assert "unmappedStatus" not in extra(alert)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("P1", AlertSeverity.CRITICAL),
        ("p2", AlertSeverity.HIGH),
        ("P3", AlertSeverity.WARNING),
        ("P4", AlertSeverity.INFO),
        ("P5", AlertSeverity.LOW),
        (5, AlertSeverity.CRITICAL),
        ("warning", AlertSeverity.WARNING),  # already one of ours
    ],
)
def test_severity_map(make_config: MakeConfig, value: Any, expected: AlertSeverity) -> None:
    config = make_config(
        fields={"name": "$.name", "severity": "$.priority"},
        severity_map={"P1": "critical", "P2": "high", "P3": "warning", "P4": "info", "P5": "low", "5": "critical"},
    )
    alert = one(format_mapped({"name": "cpu", "priority": value}, {}, config))
    assert alert.severity is expected
    assert "unmappedSeverity" not in extra(alert)


def test_unmapped_values_take_the_defaults_and_are_kept(make_config: MakeConfig) -> None:
    config = make_config(
        fields={"name": "$.name", "status": "$.state", "severity": "$.priority"},
        status_map={"ok": "resolved"},
        default_status="acknowledged",
        default_severity="warning",
    )
    alert = one(format_mapped({"name": "cpu", "state": "flapping", "priority": "P9"}, {}, config))
    assert (alert.status, alert.severity) == (AlertStatus.ACKNOWLEDGED, AlertSeverity.WARNING)
    assert (extra(alert)["unmappedStatus"], extra(alert)["unmappedSeverity"]) == ("flapping", "P9")


def test_missing_status_and_severity_take_the_defaults_silently(make_config: MakeConfig) -> None:
    config = make_config(fields={"name": "$.name", "status": "$.state", "severity": "$.priority"})
    alert = one(format_mapped({"name": "cpu"}, {}, config))
    assert (alert.status, alert.severity) == (AlertStatus.FIRING, AlertSeverity.INFO)
    assert not {"unmappedStatus", "unmappedSeverity", "formatWarnings"} & set(extra(alert))


# --- missing and bad fields -----------------------------------------------------------


def test_missing_optional_fields_leave_the_alert_defaults(make_config: MakeConfig, checkmk_config: Any) -> None:
    alert = one(MappingProvider.format_alerts({"service": "Uptime"}, {}, config=make_config(checkmk_config)))
    assert alert.name == "Uptime"
    assert (alert.service, alert.environment, alert.description, alert.startedAt) == (None, "undefined", None, None)
    assert alert.labels == {}
    assert alert.message == ": Uptime is "
    assert alert.url == "https://"
    assert "formatWarnings" not in extra(alert) and "hostAddress" not in extra(alert)


def test_a_bad_optional_field_is_dropped_and_named(make_config: MakeConfig) -> None:
    config = make_config(
        fields={
            "name": "$.name",
            "startedAt": "$.since",
            "labels": "$.tags",
            "description": "$.details",
            "message": "{{ entry.count + 'x' }}",
            "service": "$.host",
        }
    )
    entry = {
        "name": "cpu",
        "since": "yesterday-ish",
        "tags": "a,b",
        "details": {"nested": True},
        "count": 1,
        "host": "h1",
    }
    alert = one(format_mapped(entry, {}, config))
    assert (alert.name, alert.service) == ("cpu", "h1")
    assert (alert.startedAt, alert.labels, alert.description, alert.message) == (None, {}, None, None)
    warnings = extra(alert)["formatWarnings"]
    assert warnings[0] == "description dropped: yields an object, not text"
    assert warnings[1].startswith("message dropped: template failed: TypeError: unsupported operand")
    assert warnings[2].startswith("startedAt dropped: Input should be a valid datetime")
    assert warnings[3].startswith("labels dropped: Input should be a valid dictionary")
    assert len(warnings) == 4


def test_a_template_that_breaks_the_sandbox_at_render_costs_its_field(make_config: MakeConfig) -> None:
    config = make_config(fields={"name": "$.name", "description": "{{ entry.host[entry.key] }}"})
    alert = one(format_mapped({"name": "cpu", "host": "h1", "key": "__class__"}, {}, config))
    assert alert.description is None
    assert extra(alert)["formatWarnings"] == [
        "description dropped: template failed: SecurityError: attribute '__class__' of a str is not available "
        "in mapping templates"
    ]


def test_one_bad_entry_costs_only_itself(make_config: MakeConfig, payload: Payload, uptime_config: Any) -> None:
    uptime_config["fields"]["name"] = "$.check"
    good, _ = payload("uptime_checks_list")
    body = [good, {"target": "https://nameless.example.org"}, {"check": {"an": "object"}}, "text entry"]
    with pytest.raises(PartialFormatError) as caught:
        MappingProvider.format_alerts(body, {}, provider_id="uptime", config=make_config(uptime_config))
    assert [(a.name, a.providerId) for a in caught.value.alerts] == [("homepage", "uptime")]
    assert caught.value.alerts[0].fingerprint
    assert caught.value.problems == [
        "entry[1]: name: '$.check' yields nothing for this entry",
        "entry[2]: name: yields an object, not text",
        "entry[3]: name: '$.check' yields nothing for this entry",
    ]


def test_when_every_entry_fails_the_body_is_refused(make_config: MakeConfig) -> None:
    config = make_config(fields={"name": "$.title"})
    with pytest.raises(FormatterError) as caught:
        format_mapped([{"x": 1}, {"y": 2}], {}, config)
    assert not isinstance(caught.value, PartialFormatError)
    assert str(caught.value) == (
        "entry[0]: name: '$.title' yields nothing for this entry; "
        "entry[1]: name: '$.title' yields nothing for this entry"
    )


# --- payload, extra fields, headers ---------------------------------------------------


def test_payload_is_kept_unless_too_big(make_config: MakeConfig) -> None:
    config = make_config(fields={"name": "$.name"})
    small = {"name": "cpu", "unexpected": {"kept": ["as", "is"]}}
    assert extra(one(format_mapped(small, {}, config)))["payload"] == small
    big = {"name": "cpu", "log": "x" * MAX_PAYLOAD_CHARS}
    alert = one(format_mapped(big, {}, config))
    assert "payload" not in extra(alert)
    assert extra(alert)["formatWarnings"] == [
        f"payload dropped: {MAX_PAYLOAD_CHARS + 26} characters, over the 16384 limit"
    ]


def test_keep_payload_off_keeps_no_payload(make_config: MakeConfig) -> None:
    config = make_config(fields={"name": "$.name"}, keep_payload=False)
    assert "payload" not in extra(one(format_mapped({"name": "cpu", "other": 1}, {}, config)))


def test_extra_fields_keep_json_values_and_literals(make_config: MakeConfig) -> None:
    config = make_config(
        fields={"name": "$.name", "owners": "$.owners[*].email", "team": "platform", "region": "$$.region"},
        alerts_path="$.alerts[*]",
    )
    body = {"region": "eu-west-1", "alerts": [{"name": "cpu", "owners": [{"email": "a@x.io"}, {"email": "b@x.io"}]}]}
    alert = one(format_mapped(body, {}, config))
    assert extra(alert)["owners"] == ["a@x.io", "b@x.io"]
    assert extra(alert)["team"] == "platform"
    assert extra(alert)["region"] == "eu-west-1"


def test_templates_see_the_request_headers(make_config: MakeConfig) -> None:
    config = make_config(fields={"name": "$.name", "source": "{{ headers['x-sender'] | default('unknown') }}"})
    alert = one(MappingProvider.format_alerts({"name": "cpu"}, {"x-sender": "jenkins"}, config=config))
    assert alert.source == ["jenkins"]


def test_distinct_alerts_with_the_same_name_get_distinct_fingerprints(make_config: MakeConfig) -> None:
    config = make_config(fields={"name": "$.check", "service": "$.host", "labels": {"mount": "$.mount"}})
    body = [
        {"check": "disk", "host": "h1", "mount": "/var"},
        {"check": "disk", "host": "h2", "mount": "/var"},
        {"check": "disk", "host": "h1", "mount": "/home"},
        {"check": "disk", "host": "h1", "mount": "/var"},
    ]
    fingerprints = [alert.fingerprint for alert in MappingProvider.format_alerts(body, {}, config=config)]
    assert len(set(fingerprints[:3])) == 3
    assert fingerprints[3] == fingerprints[0]
