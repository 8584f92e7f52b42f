"""Sentry webhooks -> AlertDto.

Payloads follow Sentry's integration-platform webhook docs (issue, event_alert,
metric_alert, error resources) and the legacy WebHooks plugin body.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.formatting import WARNINGS_FIELD
from keep_providers.providers.sentry.formatter import (
    ISSUE_ACTION_STATUS_MAP,
    ISSUE_STATUS_MAP,
    LEVEL_SEVERITY_MAP,
    METRIC_SEVERITY_MAP,
    METRIC_STATUS_MAP,
    format_issue_list,
)
from keep_providers.providers.sentry.provider import SentryProvider

Load = Callable[[str], dict[str, Any]]


def one(payload: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    alerts = SentryProvider.format_alerts(payload, headers or {}, provider_id="sentry-1")
    assert len(alerts) == 1
    return alerts[0]


def test_event_alert_firing(payload: Load) -> None:
    alert = one(payload("firing"), {"sentry-hook-resource": "event_alert"})
    assert alert.name == "TypeError: Cannot read properties of undefined (reading 'total')"
    assert alert.fingerprint == "1117540176"
    assert alert.id == "1117540176"
    assert alert.status == AlertStatus.FIRING
    assert alert.severity == AlertSeverity.HIGH
    assert alert.environment == "production"
    assert alert.service == "checkout-web"
    assert alert.url.startswith("https://sentry.io/organizations/acme/issues/1117540176/events/")
    assert alert.description == "renderCart(app/cart)"
    assert alert.message == "Cannot read properties of undefined (reading 'total')"
    assert alert.firingStartTime == datetime(2024, 5, 14, 9, 31, 7, 412000, tzinfo=UTC)
    assert alert.labels["browser"] == "Chrome 124.0.0"
    assert alert.labels["triggered_rule"] == "Checkout errors in production"
    assert alert.labels["release"] == "checkout-web@4.12.0"
    assert alert.eventId == "e4874d664c3540c1a32eab185f12c5ab"
    assert alert.sentryResource == "event_alert"
    assert alert.sentryEnvelope["installation"]["uuid"] == "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"
    assert alert.providerType == "sentry"
    assert alert.providerId == "sentry-1"
    assert alert.source == ["sentry"]


def test_resource_is_inferred_from_the_body_without_the_header(payload: Load) -> None:
    assert one(payload("firing")).sentryResource == "event_alert"
    assert one(payload("issue")).sentryResource == "issue"
    assert one(payload("metric_alert")).sentryResource == "metric_alert"


def test_a_new_event_of_the_same_issue_keeps_the_fingerprint(payload: Load) -> None:
    first, second = payload("firing"), payload("firing")
    second["data"]["event"]["event_id"] = "ffffffffffffffffffffffffffffffff"
    second["data"]["event"]["datetime"] = "2024-05-14T10:00:00.000000Z"
    assert one(first).fingerprint == one(second).fingerprint == "1117540176"


def test_two_issues_with_the_same_title_get_different_fingerprints(payload: Load) -> None:
    first, second = payload("firing"), payload("firing")
    second["data"]["event"]["issue_id"] = "2220000001"
    assert one(first).name == one(second).name
    assert one(first).fingerprint != one(second).fingerprint


def test_issue_id_falls_back_to_the_issue_url(payload: Load) -> None:
    body = payload("firing")
    del body["data"]["event"]["issue_id"]
    assert one(body).fingerprint == "1117540176"


def test_event_without_any_issue_id_is_refused(payload: Load) -> None:
    body = payload("firing")
    event = body["data"]["event"]
    for key in ("issue_id", "issue_url", "web_url"):
        del event[key]
    with pytest.raises(FormatterError, match="no issue_id"):
        one(body)


def test_issue_created_then_resolved_keeps_fingerprint_and_changes_status(payload: Load) -> None:
    created = one(payload("issue"), {"Sentry-Hook-Resource": "issue"})
    resolved_body = payload("issue")
    resolved_body["action"] = "resolved"
    resolved_body["data"]["issue"]["status"] = "resolved"
    resolved = one(resolved_body, {"Sentry-Hook-Resource": "issue"})
    assert created.fingerprint == resolved.fingerprint == "1170820242"
    assert (created.status, resolved.status) == (AlertStatus.FIRING, AlertStatus.RESOLVED)
    assert created.service == "front-end"
    assert created.url == "https://sentry.io/organizations/test-org/issues/1170820242/"
    assert created.labels["shortId"] == "FRONT-END-9"
    assert created.firingStartTime == datetime(2019, 8, 19, 20, 58, 37, 391000, tzinfo=UTC)


def test_assigned_issue_keeps_its_status(payload: Load) -> None:
    body = payload("issue")
    body["action"] = "assigned"
    body["data"]["issue"]["status"] = "ignored"
    alert = one(body)
    assert alert.status == AlertStatus.SUPPRESSED
    assert alert.labels["action"] == "assigned"


@pytest.mark.parametrize(("status", "expected"), list(ISSUE_STATUS_MAP.items()))
def test_issue_status_table(payload: Load, status: str, expected: AlertStatus) -> None:
    body = payload("issue")
    body["data"]["issue"]["status"] = status
    assert one(body).status == expected


@pytest.mark.parametrize(("action", "expected"), list(ISSUE_ACTION_STATUS_MAP.items()))
def test_issue_action_decides_when_the_issue_has_no_status(payload: Load, action: str, expected: AlertStatus) -> None:
    body = payload("issue")
    body["action"] = action
    del body["data"]["issue"]["status"]
    assert one(body).status == expected


@pytest.mark.parametrize(("level", "expected"), [*LEVEL_SEVERITY_MAP.items(), ("bogus", AlertSeverity.INFO)])
def test_level_severity_table(payload: Load, level: str, expected: AlertSeverity) -> None:
    body = payload("issue")
    body["data"]["issue"]["level"] = level
    alert = one(body)
    assert alert.severity == expected
    assert alert.labels["level"] == level


def test_metric_alert_critical_then_resolved(payload: Load) -> None:
    critical = one(payload("metric_alert"), {"sentry-hook-resource": "metric_alert"})
    assert critical.name == "Too many errors"
    assert critical.fingerprint == "metric_alert:4"
    assert critical.status == AlertStatus.FIRING
    assert critical.severity == AlertSeverity.CRITICAL
    assert critical.environment == "production"
    assert critical.service == "bar"
    assert critical.url == "https://sentry.io/organizations/baz/alerts/1/"
    assert critical.message == "Critical: Too many errors"
    assert critical.description == "1000 events in the last 10 minutes\nFilter: level:error"
    assert critical.labels["query"] == "level:error"
    resolved_body = payload("metric_alert")
    resolved_body["action"] = "resolved"
    resolved = one(resolved_body)
    assert resolved.fingerprint == critical.fingerprint
    assert resolved.status == AlertStatus.RESOLVED


@pytest.mark.parametrize(("action", "expected"), list(METRIC_STATUS_MAP.items()))
def test_metric_status_table(payload: Load, action: str, expected: AlertStatus) -> None:
    body = payload("metric_alert")
    body["action"] = action
    assert one(body).status == expected


@pytest.mark.parametrize(("action", "expected"), list(METRIC_SEVERITY_MAP.items()))
def test_metric_severity_table(payload: Load, action: str, expected: AlertSeverity) -> None:
    body = payload("metric_alert")
    body["action"] = action
    assert one(body).severity == expected


def test_error_resource_is_formatted_like_an_event(payload: Load) -> None:
    event = payload("firing")["data"]["event"]
    body = {"action": "created", "data": {"error": event}, "installation": {"uuid": "x"}}
    alert = one(body, {"sentry-hook-resource": "error"})
    assert alert.fingerprint == "1117540176"
    assert alert.sentryResource == "error"
    assert "triggered_rule" not in alert.labels


def test_legacy_webhooks_plugin_body(payload: Load) -> None:
    alert = one(payload("legacy_plugin"))
    assert alert.fingerprint == "541485531"
    assert alert.name == "This is an example Python exception"
    assert alert.environment == "staging"
    assert alert.service == "alerta5"
    assert alert.url == "https://sentry.io/alertaio/alerta5/issues/541485531/"
    assert alert.description == "raven.scripts.runner in main"
    assert alert.labels["server_name"] == "web-01"
    assert alert.labels["triggering_rules"] == "Send a notification for new issues"
    assert alert.firingStartTime == datetime(2018, 5, 2, 8, 7, 10, tzinfo=UTC)


def test_missing_optional_fields(payload: Load) -> None:
    body = {"action": "triggered", "data": {"event": {"issue_id": "77"}}}
    alert = one(body)
    assert alert.fingerprint == "77"
    assert alert.name == "Sentry event"
    assert alert.environment == "undefined"
    assert alert.severity == AlertSeverity.INFO
    assert alert.service is None
    assert alert.url is None


def test_unicode_is_kept(payload: Load) -> None:
    body = payload("firing")
    body["data"]["event"]["title"] = "KeyError: 'prix_total' — 购物车 💥"
    body["data"]["event"]["tags"].append(["région", "île-de-france"])
    alert = one(body)
    assert alert.name == "KeyError: 'prix_total' — 购物车 💥"
    assert alert.labels["région"] == "île-de-france"


def test_unexpected_extra_fields_are_kept(payload: Load) -> None:
    body = payload("firing")
    body["data"]["event"]["new_sentry_field"] = {"nested": [1, 2]}
    body["brand_new_top_level"] = "kept"
    alert = one(body)
    assert alert.sentry["new_sentry_field"] == {"nested": [1, 2]}
    assert alert.sentryEnvelope["brand_new_top_level"] == "kept"


def test_one_bad_field_is_dropped_and_named(payload: Load) -> None:
    body = payload("firing")
    body["data"]["event"]["datetime"] = "the day before yesterday"
    alert = one(body)
    assert alert.fingerprint == "1117540176"
    assert alert.firingStartTime is None
    assert any(warning.startswith("firingStartTime dropped") for warning in getattr(alert, WARNINGS_FIELD))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json at all", "JSON object"),
        ([1, 2, 3], "JSON object"),
        ({"hello": "world"}, "not a Sentry webhook"),
        ({"action": "created", "data": {"something": {}}}, "holds no alert resource"),
    ],
)
def test_garbage_is_refused(body: Any, reason: str) -> None:
    with pytest.raises(FormatterError, match=reason):
        SentryProvider.format_alerts(body, {})


def test_installation_webhook_carries_no_alert() -> None:
    body = {"action": "created", "data": {"installation": {"uuid": "x"}}, "installation": {"uuid": "x"}}
    with pytest.raises(FormatterError, match="'installation' webhooks carry no alert"):
        SentryProvider.format_alerts(body, {"sentry-hook-resource": "installation"})


def test_header_naming_a_resource_the_body_lacks_is_refused(payload: Load) -> None:
    with pytest.raises(FormatterError, match=r"no data.metric_alert object"):
        SentryProvider.format_alerts(payload("firing"), {"sentry-hook-resource": "metric_alert"})


def test_issue_list_keeps_good_issues_when_one_is_bad(make_issue: Callable[..., dict[str, Any]]) -> None:
    with pytest.raises(PartialFormatError) as caught:
        format_issue_list([make_issue("101"), {"title": "no id"}, "not an issue", make_issue("103")])
    assert [alert.fingerprint for alert in caught.value.alerts] == ["101", "103"]
    assert len(caught.value.problems) == 2
    assert caught.value.problems[0].startswith("issues[1]: Sentry issue has no id")


def test_issue_list_of_several_issues(make_issue: Callable[..., dict[str, Any]]) -> None:
    alerts = format_issue_list([make_issue("101"), make_issue("102", level="fatal")])
    assert [(a.fingerprint, a.severity) for a in alerts] == [
        ("101", AlertSeverity.HIGH),
        ("102", AlertSeverity.CRITICAL),
    ]
    assert alerts[0].url == "https://acme.sentry.io/issues/101/"
    assert alerts[0].service == "checkout"
