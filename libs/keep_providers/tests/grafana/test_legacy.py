"""Grafana legacy dashboard alerting webhook (before Grafana 9) -> AlertDto.

The documented body: ruleId, ruleName, ruleUrl, state, evalMatches, message, title,
dashboardId, panelId, orgId, imageUrl, tags. Recognised by its shape on the same
endpoint as unified alerting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from keep_providers import AlertDto, AlertSeverity, AlertStatus
from keep_providers.providers.grafana.mapping import LEGACY_STATE_MAP
from keep_providers.providers.grafana.provider import GrafanaProvider

Payload = Callable[[str], Any]


def only(body: dict[str, Any]) -> AlertDto:
    alerts = GrafanaProvider.format_alerts(body, {})
    assert len(alerts) == 1
    return alerts[0]


def legacy(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dashboardId": 7,
        "evalMatches": [{"value": 512, "metric": "errors", "tags": {"host": "web-1"}}],
        "message": "Error rate high",
        "orgId": 1,
        "panelId": 3,
        "ruleId": 42,
        "ruleName": "Error rate",
        "ruleUrl": "https://grafana.example.com/d/abc/web?tab=alert&panelId=3&orgId=1",
        "state": "alerting",
        "tags": {},
        "title": "[Alerting] Error rate",
    }
    body.update(overrides)
    return body


def test_documented_body_maps_its_fields(payload: Payload) -> None:
    alert = only(payload("legacy_alerting"))
    assert alert.name == "Panel Title alert"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.WARNING
    assert alert.service == "auth"
    assert alert.message == "Login failures above threshold"
    assert (
        alert.url
        == "https://grafana.example.com/d/hZ7BuVbWz/test-dashboard?fullscreen&edit&tab=alert&panelId=2&orgId=1"
    )
    assert alert.imageUrl == "https://grafana.example.com/public/img/attachments/panel-2.png"
    assert alert.labels == {"severity": "warning", "service": "auth"}
    assert alert.providerType == "grafana"
    dumped = alert.model_dump()
    assert dumped["grafanaState"] == "alerting"
    assert dumped["ruleId"] == 1
    assert (dumped["dashboardId"], dumped["panelId"], dumped["orgId"]) == (1, 2, 1)
    assert dumped["evalMatches"] == [{"value": 1, "metric": "Count", "tags": {}}]
    assert dumped["title"] == "[Alerting] Panel Title alert"
    assert "formatWarnings" not in dumped


@pytest.mark.parametrize(("state", "expected"), sorted(LEGACY_STATE_MAP.items()))
def test_state_table(state: str, expected: AlertStatus) -> None:
    alert = only(legacy(state=state))
    assert alert.status is expected
    assert alert.model_dump()["grafanaState"] == state


def test_states_map_as_documented() -> None:
    assert only(legacy(state="alerting")).status is AlertStatus.FIRING
    assert only(legacy(state="ok")).status is AlertStatus.RESOLVED
    assert only(legacy(state="no_data")).status is AlertStatus.FIRING
    assert only(legacy(state="paused")).status is AlertStatus.SUPPRESSED
    assert only(legacy(state="pending")).status is AlertStatus.PENDING


def test_no_data_is_firing_with_a_label() -> None:
    alert = only(legacy(state="no_data", tags={"team": "web"}))
    assert alert.labels == {"team": "web", "grafana_reason": "no_data"}
    assert "grafana_reason" not in only(legacy(state="alerting")).labels


def test_unknown_state_is_firing_and_keeps_the_original() -> None:
    alert = only(legacy(state="exploded"))
    assert alert.status is AlertStatus.FIRING
    assert alert.model_dump()["grafanaState"] == "exploded"


def test_fingerprint_is_the_rule_within_its_org() -> None:
    alerting = only(legacy(state="alerting"))
    ok = only(legacy(state="ok", title="[OK] Error rate", evalMatches=[]))
    assert alerting.fingerprint == ok.fingerprint
    assert ok.status is AlertStatus.RESOLVED
    assert only(legacy(ruleId=43)).fingerprint != alerting.fingerprint
    assert only(legacy(orgId=2)).fingerprint != alerting.fingerprint
    # Same rule name, different rule: not merged.
    assert only(legacy(ruleId=44, ruleName="Error rate")).fingerprint != alerting.fingerprint


def test_test_notification_with_relative_url_is_kept() -> None:
    alert = only(legacy(ruleId=0, orgId=0, ruleName="Test notification", ruleUrl="/d/abc", imageUrl=""))
    assert alert.name == "Test notification"
    assert alert.url is None
    assert alert.imageUrl is None
    assert alert.model_dump()["formatWarnings"] == ["ruleUrl dropped: not an http(s) URL"]


def test_tags_that_are_not_an_object_are_dropped_with_a_warning() -> None:
    alert = only(legacy(tags=["a", "b"]))
    assert alert.labels == {}
    assert any(w.startswith("labels dropped") for w in alert.model_dump()["formatWarnings"])


def test_missing_optional_fields() -> None:
    alert = only({"ruleId": 5, "state": "ok"})
    assert alert.name == "Grafana alert"
    assert alert.status is AlertStatus.RESOLVED
    assert alert.severity is AlertSeverity.INFO
    assert alert.url is None and alert.message is None


def test_severity_and_environment_come_from_tags() -> None:
    alert = only(legacy(tags={"severity": "critical", "env": "prod"}))
    assert alert.severity is AlertSeverity.CRITICAL
    assert alert.environment == "prod"
