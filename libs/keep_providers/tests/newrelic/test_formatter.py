"""New Relic workflow webhook bodies rendered from our documented template
(docs/providers/newrelic.md) with New Relic's issue variables."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.formatting import WARNINGS_FIELD
from keep_providers.providers.newrelic.formatter import WEBHOOK_PAYLOAD, format_newrelic_webhook
from keep_providers.providers.newrelic.provider import NewRelicProvider

Body = Callable[..., dict[str, Any]]


def test_firing_body_maps_every_field(firing_body: dict[str, Any]) -> None:
    [alert] = NewRelicProvider.format_alerts(firing_body, {}, provider_id="nr-1")
    assert alert.name == "checkout-api query result is > 5.0 for 5 minutes on 'High error rate'"
    assert alert.fingerprint == "c5faa7e6-7b54-402d-af79-f99601e0278c"
    assert alert.id == alert.fingerprint
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.CRITICAL
    assert alert.environment == "production"
    assert alert.service == "checkout-api"
    assert alert.url is not None and alert.url.startswith("https://radar-api.service.newrelic.com/")
    assert alert.description == "Error rate above 5% for 5 minutes"
    assert alert.labels == {
        "env": "production",
        "team": "payments",
        "service": "checkout-api",
        "policy": "Checkout golden signals",
        "condition": "High error rate",
    }
    assert alert.firingStartTime == datetime(2024, 6, 3, 10, 0, tzinfo=UTC)
    assert alert.lastReceived == datetime(2024, 6, 3, 10, 1, tzinfo=UTC)
    dumped = alert.model_dump()
    assert dumped["workflowName"] == "keep-aiops"
    assert dumped["totalIncidents"] == 1
    assert dumped["entityNames"] == ["checkout-api"]
    assert alert.providerType == "newrelic" and alert.providerId == "nr-1"


def test_closed_resolves_and_keeps_the_fingerprint(webhook_body: Body) -> None:
    [firing] = NewRelicProvider.format_alerts(webhook_body(), {})
    [closed] = NewRelicProvider.format_alerts(webhook_body(state="CLOSED", closedAt=1717409400000), {})
    assert closed.status is AlertStatus.RESOLVED
    assert closed.fingerprint == firing.fingerprint
    assert closed.model_dump()["closedAt"] == 1717409400000


def test_same_issue_twice_same_fingerprint_and_same_name_other_issue_differs(webhook_body: Body) -> None:
    [a] = format_newrelic_webhook(webhook_body())
    [again] = format_newrelic_webhook(webhook_body(updatedAt=1717409000000))
    [other] = format_newrelic_webhook(webhook_body(issueId="0d5b1c3e-0000-4000-8000-000000000001"))
    assert a.fingerprint == again.fingerprint
    assert a.name == other.name and a.fingerprint != other.fingerprint


def test_several_issues_in_one_body(webhook_body: Body) -> None:
    alerts = NewRelicProvider.format_alerts([webhook_body(), webhook_body(issueId="b", state="ACKNOWLEDGED")], {})
    assert [a.fingerprint for a in alerts] == ["c5faa7e6-7b54-402d-af79-f99601e0278c", "b"]
    assert alerts[1].status is AlertStatus.ACKNOWLEDGED


def test_minimal_body() -> None:
    [alert] = NewRelicProvider.format_alerts({"issueId": "x-1"}, {})
    assert alert.name == "New Relic issue x-1"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.INFO
    assert alert.labels == {} and alert.service is None


def test_name_falls_back_to_the_condition(webhook_body: Body) -> None:
    [alert] = format_newrelic_webhook(webhook_body(title=None))
    assert alert.name == "High error rate"


def test_scalar_values_are_accepted_where_lists_are_usual(webhook_body: Body) -> None:
    [alert] = format_newrelic_webhook(webhook_body(title="Plain title", description="One line", tags={"env": "prod"}))
    assert (alert.name, alert.description, alert.environment) == ("Plain title", "One line", "prod")


def test_unicode_survives(webhook_body: Body) -> None:
    [alert] = format_newrelic_webhook(webhook_body(title=["Größe überschritten — 東京"], tags={"team": ["données"]}))
    assert alert.name == "Größe überschritten — 東京"
    assert alert.labels["team"] == "données"


def test_unexpected_fields_are_kept(webhook_body: Body) -> None:
    [alert] = format_newrelic_webhook(webhook_body(runbook="https://wiki/x", severity="sev1", trigger="STATE_CHANGE"))
    dumped = alert.model_dump()
    assert dumped["runbook"] == "https://wiki/x"
    assert dumped["trigger"] == "STATE_CHANGE"
    assert dumped["newrelic_severity"] == "sev1"
    assert alert.severity is AlertSeverity.CRITICAL


@pytest.mark.parametrize("body", ["text", 3, [], {"title": "no id"}, None])
def test_garbage_is_refused(body: Any) -> None:
    with pytest.raises(FormatterError):
        NewRelicProvider.format_alerts(body, {})


def test_one_bad_entry_costs_only_itself(webhook_body: Body) -> None:
    with pytest.raises(PartialFormatError) as caught:
        NewRelicProvider.format_alerts([webhook_body(), {"state": "ACTIVATED"}], {})
    assert [a.fingerprint for a in caught.value.alerts] == ["c5faa7e6-7b54-402d-af79-f99601e0278c"]
    assert "issueId" in caught.value.problems[0]


def test_one_bad_field_is_dropped_and_named(webhook_body: Body) -> None:
    [alert] = format_newrelic_webhook(webhook_body(createdAt="last tuesday", issueUrl=["not", "a", "url"]))
    warnings = alert.model_dump()[WARNINGS_FIELD]
    assert {w.split(" ")[0] for w in warnings} == {"firingStartTime", "startedAt", "url"}
    assert alert.fingerprint == "c5faa7e6-7b54-402d-af79-f99601e0278c"


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("CREATED", AlertStatus.FIRING),
        ("ACTIVATED", AlertStatus.FIRING),
        ("ACKNOWLEDGED", AlertStatus.ACKNOWLEDGED),
        ("CLOSED", AlertStatus.RESOLVED),
        ("DEACTIVATED", AlertStatus.FIRING),
    ],
)
def test_state_table(webhook_body: Body, state: str, status: AlertStatus) -> None:
    [alert] = format_newrelic_webhook(webhook_body(state=state))
    assert alert.status is status
    assert alert.model_dump()["issueState"] == state


@pytest.mark.parametrize(
    ("priority", "severity"),
    [
        ("CRITICAL", AlertSeverity.CRITICAL),
        ("HIGH", AlertSeverity.HIGH),
        ("MEDIUM", AlertSeverity.WARNING),
        ("LOW", AlertSeverity.LOW),
        ("URGENT", AlertSeverity.INFO),
    ],
)
def test_priority_table(webhook_body: Body, priority: str, severity: AlertSeverity) -> None:
    [alert] = format_newrelic_webhook(webhook_body(priority=priority))
    assert alert.severity is severity


def test_the_documented_template_renders_to_the_keys_we_read(firing_body: dict[str, Any]) -> None:
    # Replace each Handlebars expression by a JSON value: what is left must be our body's keys.
    rendered = WEBHOOK_PAYLOAD
    rendered = rendered.replace("{{#if closedAt}}{{ closedAt }}{{else}}null{{/if}}", "null")
    while "{{" in rendered:
        start = rendered.index("{{")
        rendered = rendered[:start] + "null" + rendered[rendered.index("}}", start) + 2 :]
    assert set(json.loads(rendered)) == set(firing_body)
