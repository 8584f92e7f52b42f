"""Datadog webhook bodies built from our documented template (docs/providers/datadog.md),
with values as Datadog renders them (https://docs.datadoghq.com/integrations/webhooks/)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.formatting import WARNINGS_FIELD
from keep_providers.providers.datadog.formatter import WEBHOOK_PAYLOAD, format_datadog_webhook
from keep_providers.providers.datadog.provider import DatadogProvider

Body = Callable[..., dict[str, Any]]


def test_firing_body_maps_every_field(firing_body: dict[str, Any]) -> None:
    [alert] = DatadogProvider.format_alerts(firing_body, {}, provider_id="dd-1")
    assert alert.name == "High CPU on web hosts"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.HIGH
    assert alert.fingerprint == "148293017:env:prod,host:web-1"
    assert alert.id == "7489201635548129374"
    assert alert.environment == "prod"
    assert alert.service == "checkout"
    assert alert.labels == {
        "env": "prod",
        "service": "checkout",
        "team": "payments",
        "monitor": "",
        "host": "web-1",
    }
    assert alert.url == "https://app.datadoghq.com/event/event?id=7489201635548129374"
    assert alert.imageUrl is not None and alert.imageUrl.endswith("abc123.png")
    assert alert.message is not None and alert.message.startswith("system.cpu.user over host:web-1")
    assert alert.description is not None and "CPU is above 90%" in alert.description
    started = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)
    assert alert.lastReceived == started
    assert alert.firingStartTime == started
    extra = alert.model_dump()
    assert extra["monitorId"] == "148293017"
    assert extra["alertTransition"] == "Triggered"
    assert extra["alert_query"].startswith("avg(last_5m)")
    assert extra["org"] == {"id": "123456", "name": "Acme Corp"}
    assert alert.providerType == "datadog"
    assert alert.providerId == "dd-1"
    assert alert.source == ["datadog"]


def test_recovered_resolves_and_keeps_the_fingerprint(webhook_body: Body) -> None:
    [firing] = DatadogProvider.format_alerts(webhook_body(), {})
    [resolved] = DatadogProvider.format_alerts(
        webhook_body(alert_transition="Recovered", alert_type="success", date="1717409400000"), {}
    )
    assert resolved.status is AlertStatus.RESOLVED
    assert resolved.fingerprint == firing.fingerprint
    # A recovery does not start a cycle.
    assert resolved.firingStartTime is None


def test_same_alert_twice_has_the_same_fingerprint(webhook_body: Body) -> None:
    first = DatadogProvider.format_alerts(webhook_body(), {})
    again = DatadogProvider.format_alerts(webhook_body(id="999", alert_transition="Renotify"), {})
    assert first[0].fingerprint == again[0].fingerprint
    assert again[0].status is AlertStatus.FIRING


def test_scope_order_and_spacing_do_not_change_the_fingerprint(webhook_body: Body) -> None:
    [a] = format_datadog_webhook(webhook_body(alert_scope="host:web-1, env:prod"))
    [b] = format_datadog_webhook(webhook_body(alert_scope="env:prod,host:web-1"))
    assert a.fingerprint == b.fingerprint


def test_same_monitor_other_group_and_same_name_other_monitor_differ(webhook_body: Body) -> None:
    [base] = format_datadog_webhook(webhook_body())
    [other_group] = format_datadog_webhook(webhook_body(alert_scope="host:web-2, env:prod"))
    [other_monitor] = format_datadog_webhook(webhook_body(alert_id="555"))
    assert base.name == other_group.name == other_monitor.name
    assert len({base.fingerprint, other_group.fingerprint, other_monitor.fingerprint}) == 3


def test_simple_monitor_fingerprint_is_the_monitor_id(webhook_body: Body) -> None:
    [alert] = format_datadog_webhook(webhook_body(alert_scope="*"))
    assert alert.fingerprint == "148293017"


def test_without_monitor_id_the_aggregation_key_is_the_fingerprint(webhook_body: Body) -> None:
    [alert] = format_datadog_webhook(webhook_body(alert_id=""))
    assert alert.fingerprint == "b6a3f1d07c2e94f58d1a0e7c3b9f4a21"


def test_several_alerts_in_one_body(webhook_body: Body) -> None:
    alerts = DatadogProvider.format_alerts(
        [webhook_body(), webhook_body(alert_id="2", alert_transition="Recovered")], {}
    )
    assert [a.status for a in alerts] == [AlertStatus.FIRING, AlertStatus.RESOLVED]
    assert [a.fingerprint for a in alerts] == ["148293017:env:prod,host:web-1", "2:env:prod,host:web-1"]


def test_minimal_body_with_missing_optional_fields() -> None:
    [alert] = DatadogProvider.format_alerts({"alert_id": "42", "alert_transition": "Warn"}, {})
    assert alert.name == "Datadog monitor 42"
    assert alert.fingerprint == "42"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.INFO
    assert alert.environment == "undefined"
    assert alert.labels == {}


def test_unrendered_empty_variables_are_absent(webhook_body: Body) -> None:
    # Datadog renders variables it has no value for as empty strings.
    [alert] = format_datadog_webhook(webhook_body(snapshot="", link="", hostname="", last_updated="", date=""))
    assert alert.imageUrl is None and alert.url is None
    assert WARNINGS_FIELD not in alert.model_dump()


def test_unicode_survives(webhook_body: Body) -> None:
    [alert] = format_datadog_webhook(
        webhook_body(alert_title="[Triggered] Latenz über 5s — 東京", tags="team:données,env:prod")
    )
    assert alert.name == "Latenz über 5s — 東京"
    assert alert.labels["team"] == "données"


def test_unexpected_fields_are_kept(webhook_body: Body) -> None:
    [alert] = format_datadog_webhook(webhook_body(runbook="https://wiki/cpu", url="https://x", severity="sev1"))
    dumped = alert.model_dump()
    assert dumped["runbook"] == "https://wiki/cpu"
    # Names AlertDto already uses are kept under a prefix instead of overriding ours.
    assert dumped["datadog_url"] == "https://x"
    assert dumped["datadog_severity"] == "sev1"
    assert alert.severity is AlertSeverity.HIGH


@pytest.mark.parametrize("body", ["not json", 42, [], {"hello": "world"}, None])
def test_garbage_is_refused(body: Any) -> None:
    with pytest.raises(FormatterError):
        DatadogProvider.format_alerts(body, {})


def test_one_bad_entry_costs_only_itself(webhook_body: Body) -> None:
    with pytest.raises(PartialFormatError) as caught:
        DatadogProvider.format_alerts([webhook_body(), "garbage", {"nothing": 1}], {})
    assert [a.fingerprint for a in caught.value.alerts] == ["148293017:env:prod,host:web-1"]
    assert caught.value.alerts[0].providerType == "datadog"
    assert len(caught.value.problems) == 2
    assert caught.value.problems[0].startswith("alerts[1]")


def test_one_bad_field_is_dropped_and_named(webhook_body: Body) -> None:
    [alert] = format_datadog_webhook(webhook_body(date="yesterday", last_updated=None))
    assert alert.firingStartTime is None
    warnings = alert.model_dump()[WARNINGS_FIELD]
    assert any(w.startswith("lastReceived dropped") for w in warnings)
    assert any(w.startswith("firingStartTime dropped") for w in warnings)
    assert alert.fingerprint == "148293017:env:prod,host:web-1"


@pytest.mark.parametrize(
    ("transition", "status"),
    [
        ("Triggered", AlertStatus.FIRING),
        ("Re-Triggered", AlertStatus.FIRING),
        ("Warn", AlertStatus.FIRING),
        ("Re-Warn", AlertStatus.FIRING),
        ("No Data", AlertStatus.FIRING),
        ("Re-No Data", AlertStatus.FIRING),
        ("Renotify", AlertStatus.FIRING),
        ("Recovered", AlertStatus.RESOLVED),
        ("Muted", AlertStatus.SUPPRESSED),
        ("Something New", AlertStatus.FIRING),
    ],
)
def test_status_table(webhook_body: Body, transition: str, status: AlertStatus) -> None:
    [alert] = format_datadog_webhook(webhook_body(alert_transition=transition))
    assert alert.status is status
    assert alert.model_dump()["alertTransition"] == transition


def test_without_transition_the_alert_type_decides(webhook_body: Body) -> None:
    [ok] = format_datadog_webhook(webhook_body(alert_transition=None, alert_type="success"))
    [bad] = format_datadog_webhook(webhook_body(alert_transition=None, alert_type="error"))
    assert (ok.status, bad.status) == (AlertStatus.RESOLVED, AlertStatus.FIRING)


@pytest.mark.parametrize(
    ("priority", "severity"),
    [
        ("P1", AlertSeverity.CRITICAL),
        ("P2", AlertSeverity.HIGH),
        ("P3", AlertSeverity.WARNING),
        ("P4", AlertSeverity.INFO),
        ("P5", AlertSeverity.LOW),
        ("p1", AlertSeverity.CRITICAL),
    ],
)
def test_priority_severity_table(webhook_body: Body, priority: str, severity: AlertSeverity) -> None:
    [alert] = format_datadog_webhook(webhook_body(alert_priority=priority, alert_type="info"))
    assert alert.severity is severity


@pytest.mark.parametrize(
    ("alert_type", "severity"),
    [
        ("error", AlertSeverity.HIGH),
        ("warning", AlertSeverity.WARNING),
        ("info", AlertSeverity.INFO),
        ("success", AlertSeverity.INFO),
        ("surprise", AlertSeverity.INFO),
    ],
)
def test_alert_type_severity_without_priority(webhook_body: Body, alert_type: str, severity: AlertSeverity) -> None:
    [alert] = format_datadog_webhook(webhook_body(alert_priority="", alert_type=alert_type))
    assert alert.severity is severity


def test_documented_template_keys_are_all_read(firing_body: dict[str, Any]) -> None:
    # The sample body is the template rendered: same keys, so docs and payload agree.
    assert set(firing_body) == set(WEBHOOK_PAYLOAD)
