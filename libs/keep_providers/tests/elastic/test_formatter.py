"""Elastic webhook bodies -> AlertDto.

Bodies follow our documented templates (docs/providers/elastic.md), filled with values
of the kind Kibana's action variables and Watcher's ctx render: every value a JSON
string, `rule.tags` comma-joined, unknown variables empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.providers.elastic.kibana import STATUS_MAP as KIBANA_STATUS_MAP
from keep_providers.providers.elastic.provider import ElasticProvider
from keep_providers.providers.elastic.severity import SEVERITY_MAP
from keep_providers.providers.elastic.templates import KIBANA_BODY_TEMPLATE, WATCHER_BODY_TEMPLATE
from keep_providers.providers.elastic.watcher import STATUS_MAP as WATCHER_STATUS_MAP

Body = Callable[..., dict[str, Any]]


def one(payload: Any):  # type: ignore[no-untyped-def]
    alerts = ElasticProvider.format_alerts(payload, {}, provider_id="elastic-1")
    assert len(alerts) == 1
    return alerts[0]


# --- Kibana connector ----------------------------------------------------------


def test_firing_body_maps_every_field(firing_body: dict[str, Any]) -> None:
    alert = one(firing_body)
    assert alert.name == "High error rate on checkout"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.CRITICAL
    assert alert.id == "query matched"
    assert alert.service == "checkout"
    assert alert.environment == "production"
    assert alert.message.startswith("Document count is 152")
    assert alert.url == "https://kibana.example.com/app/discover#/viewAlert/3d5b2e70-8f4a-11ee-b0c5-6f1d2a9c4e11"
    assert alert.lastReceived == datetime(2024, 11, 28, 14, 5, 0, 123000, tzinfo=UTC)
    assert alert.labels == {
        "severity": "critical",
        "team": "payments",
        "service": "checkout",
        "env": "production",
        "ruleId": "3d5b2e70-8f4a-11ee-b0c5-6f1d2a9c4e11",
        "alertId": "query matched",
        "spaceId": "default",
    }
    extra = alert.model_dump()
    assert extra["tags"] == ["severity:critical", "team:payments", "service:checkout", "env:production"]
    assert extra["alertUuid"] == "b1f0c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    assert extra["actionGroup"] == "query matched"
    assert extra["flapping"] is False
    assert extra["value"] == "152"
    assert alert.providerType == "elastic"
    assert alert.providerId == "elastic-1"
    assert alert.source == ["elastic", "kibana"]
    assert alert.fingerprint and len(alert.fingerprint) == 64


def test_recovery_keeps_fingerprint_and_resolves(kibana_body: Body) -> None:
    firing = one(kibana_body())
    recovered = one(kibana_body(alert={"actionGroup": "recovered", "actionGroupName": "Recovered"}))
    assert recovered.status is AlertStatus.RESOLVED
    assert recovered.fingerprint == firing.fingerprint


def test_new_lifecycle_uuid_keeps_fingerprint(kibana_body: Body) -> None:
    first = one(kibana_body())
    again = one(kibana_body(alert={"uuid": "0c4e9d3a-0000-4000-8000-000000000001"}))
    assert again.fingerprint == first.fingerprint


def test_same_body_twice_same_fingerprint(firing_body: dict[str, Any]) -> None:
    assert one(firing_body).fingerprint == one(json.loads(json.dumps(firing_body))).fingerprint


def test_same_rule_name_different_alerts_or_rules_differ(kibana_body: Body) -> None:
    base = one(kibana_body())
    other_alert = one(kibana_body(alert={"id": "host-2"}))
    other_rule = one(kibana_body(rule={"id": "9a9a9a9a-0000-4000-8000-000000000000"}))
    assert base.name == other_alert.name == other_rule.name
    assert len({base.fingerprint, other_alert.fingerprint, other_rule.fingerprint}) == 3


@pytest.mark.parametrize(("group", "status"), [*KIBANA_STATUS_MAP.items(), ("threshold met", AlertStatus.FIRING)])
def test_action_group_status(kibana_body: Body, group: str, status: AlertStatus) -> None:
    assert one(kibana_body(alert={"actionGroup": group})).status is status


@pytest.mark.parametrize(("word", "severity"), sorted(SEVERITY_MAP.items()))
def test_severity_tag_table(kibana_body: Body, word: str, severity: AlertSeverity) -> None:
    assert one(kibana_body(rule={"tags": f"team:a,severity:{word}"})).severity is severity
    assert one(kibana_body(rule={"tags": word.upper()})).severity is severity


def test_severity_default_and_highest_wins(kibana_body: Body) -> None:
    assert one(kibana_body(rule={"tags": "team:payments"})).severity is AlertSeverity.WARNING
    assert one(kibana_body(rule={"tags": ""})).severity is AlertSeverity.WARNING
    assert one(kibana_body(rule={"tags": "low,severity:high,info"})).severity is AlertSeverity.HIGH
    assert one(kibana_body(rule={"tags": ["sev:critical", "x"]})).severity is AlertSeverity.CRITICAL


def test_minimal_body() -> None:
    alert = one({"rule": {"id": "r1"}, "alert": {"id": "a1"}})
    assert alert.name == "r1"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.WARNING
    assert alert.url is None
    assert alert.labels == {"ruleId": "r1", "alertId": "a1"}


def test_empty_rendered_variables_are_absent(kibana_body: Body) -> None:
    alert = one(kibana_body(context={"link": "", "reason": "", "message": ""}, kibanaBaseUrl=""))
    assert alert.url == kibana_body()["rule"]["url"]
    assert alert.message is None
    assert "kibanaBaseUrl" not in alert.model_dump()


def test_unicode(kibana_body: Body) -> None:
    alert = one(kibana_body(rule={"name": "Störung im Zahlungsverkehr ⚠️ 支付"}, context={"reason": "naïve — ✓"}))
    assert alert.name == "Störung im Zahlungsverkehr ⚠️ 支付"
    assert alert.message == "naïve — ✓"


def test_extra_fields_are_kept(kibana_body: Body) -> None:
    body = kibana_body(runbook="https://wiki.example.com/rb/42", context={"group": "host-1", "hits": "[...]"})
    extra = one(body).model_dump()
    assert extra["customFields"] == {"runbook": "https://wiki.example.com/rb/42"}
    assert extra["context"]["group"] == "host-1"
    assert extra["context"]["hits"] == "[...]"


def test_bad_date_drops_only_that_field(kibana_body: Body) -> None:
    alert = one(kibana_body(date="yesterday-ish"))
    assert alert.name == "High error rate on checkout"
    warnings = alert.model_dump()["formatWarnings"]
    assert len(warnings) == 1 and warnings[0].startswith("lastReceived dropped")


def test_several_bodies_in_one_list(kibana_body: Body, watcher_body: Body) -> None:
    alerts = ElasticProvider.format_alerts([kibana_body(), kibana_body(alert={"id": "host-2"}), watcher_body()], {})
    assert [a.source for a in alerts] == [["elastic", "kibana"], ["elastic", "kibana"], ["elastic", "watcher"]]
    assert len({a.fingerprint for a in alerts}) == 3


def test_one_bad_body_keeps_the_good(kibana_body: Body) -> None:
    with pytest.raises(PartialFormatError) as caught:
        ElasticProvider.format_alerts([kibana_body(), {"rule": {"name": "no id"}}, "junk"], {}, provider_id="p")
    assert [a.name for a in caught.value.alerts] == ["High error rate on checkout"]
    assert caught.value.alerts[0].providerId == "p"
    assert len(caught.value.problems) == 2
    assert "rule.id" in caught.value.problems[0]


@pytest.mark.parametrize("payload", ["not json at all", 42, [], {"foo": "bar"}, {"rule": "x"}, {"rule": {}}])
def test_garbage_is_a_formatter_error(payload: Any) -> None:
    with pytest.raises(FormatterError):
        ElasticProvider.format_alerts(payload, {})


def test_documented_kibana_template_round_trips(mustache: Callable[[str, dict[str, str]], str]) -> None:
    rendered = mustache(
        KIBANA_BODY_TEMPLATE,
        {
            "rule.id": "r-42",
            "rule.name": 'CPU "hot" on web',
            "rule.tags": "critical,team:web",
            "alert.id": "web-1",
            "alert.uuid": "u-1",
            "alert.actionGroup": "threshold met",
            "alert.flapping": "true",
            "context.reason": "CPU is 97%\non web-1",
            "date": "2024-11-28T14:05:00.000Z",
        },
    )
    alert = one(json.loads(rendered))
    assert alert.name == 'CPU "hot" on web'
    assert alert.severity is AlertSeverity.CRITICAL
    assert alert.status is AlertStatus.FIRING
    assert alert.message == "CPU is 97%\non web-1"
    assert alert.model_dump()["flapping"] is True
    assert alert.labels["team"] == "web"


# --- Watcher ------------------------------------------------------------------


def test_watcher_firing(watcher_body: Body) -> None:
    alert = one(watcher_body())
    assert alert.name == "Cluster health red"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.CRITICAL
    assert alert.description == "Cluster is red"
    assert alert.firingStartTime == datetime(2024, 11, 28, 14, 5, tzinfo=UTC)
    assert alert.labels["watchId"] == "cluster-health-red"
    assert alert.model_dump()["hitsTotal"] == "12"
    assert alert.source == ["elastic", "watcher"]


@pytest.mark.parametrize(("word", "status"), sorted(WATCHER_STATUS_MAP.items()))
def test_watcher_status_table_keeps_fingerprint(watcher_body: Body, word: str, status: AlertStatus) -> None:
    alert = one(watcher_body(status=word))
    assert alert.status is status
    assert alert.fingerprint == one(watcher_body()).fingerprint


def test_watcher_group_and_severity_default(watcher_body: Body) -> None:
    plain = one(watcher_body(metadata={}))
    grouped = one(watcher_body(metadata={"group": "eu-west"}))
    other_group = one(watcher_body(metadata={"group": "us-east"}))
    assert plain.name == "cluster-health-red"
    assert plain.severity is AlertSeverity.WARNING
    assert len({plain.fingerprint, grouped.fingerprint, other_group.fingerprint}) == 3
    assert one(watcher_body(status="bogus")).status is AlertStatus.FIRING


def test_watcher_bad_metadata_is_rejected(watcher_body: Body) -> None:
    with pytest.raises(FormatterError, match="metadata"):
        ElasticProvider.format_alerts(watcher_body(metadata="oops"), {})


def test_watcher_extra_fields_kept(watcher_body: Body) -> None:
    assert one(watcher_body(cluster="prod-eu")).model_dump()["customFields"] == {"cluster": "prod-eu"}


def test_documented_watcher_template_round_trips(mustache: Callable[[str, dict[str, str]], str]) -> None:
    rendered = mustache(
        WATCHER_BODY_TEMPLATE,
        {
            "ctx.watch_id": "errors-spike",
            "ctx.id": "errors-spike_1",
            "ctx.execution_time": "2024-11-28T14:05:00.512Z",
            "ctx.trigger.triggered_time": "2024-11-28T14:05:00.000Z",
            "ctx.payload.hits.total": "57",
            "ctx.metadata.name": "Error spike",
            "ctx.metadata.severity": "high",
        },
    )
    alert = one(json.loads(rendered))
    assert alert.name == "Error spike"
    assert alert.severity is AlertSeverity.HIGH
    assert alert.status is AlertStatus.FIRING
    assert alert.fingerprint == one(json.loads(rendered.replace('"firing"', '"recovered"'))).fingerprint
