"""Grafana unified alerting webhook (Grafana 9-12) -> AlertDto.

Payloads follow Grafana's documented webhook body (contact point type webhook,
https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/):
an envelope (receiver, status, orgId, groupLabels, commonLabels, commonAnnotations,
externalURL, version "1", groupKey, truncatedAlerts, title, state, message) around
`alerts[]`, each with status, labels, annotations, startsAt, endsAt, generatorURL,
fingerprint, silenceURL, dashboardURL, panelURL, values, valueString, imageURL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from keep_providers import AlertDto, AlertSeverity, AlertStatus
from keep_providers._fingerprint import fingerprint_from_labels
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.providers.grafana.mapping import SEVERITY_MAP
from keep_providers.providers.grafana.provider import GrafanaProvider

ZERO_TIME = "0001-01-01T00:00:00Z"
Payload = Callable[[str], Any]


def grafana_alert(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "status": "firing",
        "labels": {"alertname": "Disk almost full", "instance": "db-1", "severity": "warning"},
        "annotations": {"summary": "db-1 disk at 91%", "description": "Root volume of db-1 is 91% full."},
        "startsAt": "2024-09-16T10:00:00Z",
        "endsAt": ZERO_TIME,
        "generatorURL": "https://grafana.example.com/alerting/grafana/aaa111/view?orgId=1",
        "fingerprint": "0f9d2c1a6b7e8d3c",
        "silenceURL": "https://grafana.example.com/alerting/silence/new?alertmanager=grafana",
        "dashboardURL": "",
        "panelURL": "",
        "values": {"A": 91.2},
        "valueString": "[ var='A' labels={instance=db-1} value=91.2 ]",
    }
    entry.update(overrides)
    return entry


def envelope(*alerts: Any, status: str = "firing", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "receiver": "keep-aiops",
        "status": status,
        "orgId": 1,
        "alerts": list(alerts) if alerts else [grafana_alert()],
        "groupLabels": {"alertname": "Disk almost full"},
        "commonLabels": {"alertname": "Disk almost full"},
        "commonAnnotations": {},
        "externalURL": "https://grafana.example.com/",
        "version": "1",
        "groupKey": '{}/{}:{alertname="Disk almost full"}',
        "truncatedAlerts": 0,
        "title": "[FIRING:1] Disk almost full",
        "state": "alerting",
        "message": "**Firing**",
    }
    body.update(overrides)
    return body


def format_body(body: Any) -> list[AlertDto]:
    return GrafanaProvider.format_alerts(body, {"content-type": "application/json"}, provider_id="graf-1")


def only(body: dict[str, Any]) -> AlertDto:
    alerts = format_body(body)
    assert len(alerts) == 1
    return alerts[0]


# --- the documented body -------------------------------------------------------------


def test_firing_payload_maps_every_documented_field(payload: Payload) -> None:
    first, second = format_body(payload("firing"))
    assert first.name == "High memory usage"
    assert first.status is AlertStatus.FIRING
    assert first.severity is AlertSeverity.CRITICAL
    assert first.service == "checkout"
    assert first.environment == "production"
    assert first.message == "node-1 memory usage is 93.4%"
    assert first.description == "Memory usage on node-1 has been above 90% for 5 minutes."
    assert first.url == "https://grafana.example.com/alerting/grafana/ddvq0m0tn6rk0f/view?orgId=1"
    assert first.imageUrl == "https://grafana.example.com/public/img/attachments/2d1c3a7e.png"
    assert first.labels["instance"] == "node-1.eu-west-1.internal:9100"
    assert first.annotations["runbook_url"] == "https://runbooks.example.com/memory"
    assert first.firingStartTime == datetime(2024, 9, 16, 9, 51, 3, 157076, tzinfo=timezone(timedelta(hours=2)))
    assert first.startedAt == first.firingStartTime
    assert first.fingerprint == "c6eadffa33fcdf37"
    assert first.source == ["grafana"]
    assert first.providerType == "grafana"
    assert first.providerId == "graf-1"
    extra = first.model_dump()
    assert extra["silenceURL"].startswith("https://grafana.example.com/alerting/silence/new?")
    assert (
        extra["dashboardURL"] == "https://grafana.example.com/d/rYdddlPWk?from=1726469163000&orgId=1&to=1726473063157"
    )
    assert extra["panelURL"].endswith("&viewPanel=4")
    assert extra["values"] == {"B": 93.41, "C": 1}
    assert extra["valueString"].startswith("[ var='B'")
    assert extra["receiver"] == "keep-aiops"
    assert extra["orgId"] == 1
    assert extra["externalURL"] == "https://grafana.example.com/"
    assert "endsAt" not in extra  # the zero time means "not ended"
    assert "formatWarnings" not in extra
    assert second.severity is AlertSeverity.WARNING
    assert second.fingerprint == "bc97ff14869b13e3"
    assert second.imageUrl is None


def test_resolved_alert_keeps_its_end_time() -> None:
    alert = only(envelope(grafana_alert(status="resolved", endsAt="2024-09-16T10:30:00Z"), status="resolved"))
    assert alert.status is AlertStatus.RESOLVED
    assert alert.model_dump()["endsAt"] == "2024-09-16T10:30:00Z"


def test_each_alert_keeps_its_own_status_not_the_groups() -> None:
    body = envelope(
        grafana_alert(status="firing", fingerprint="aaaa000000000001"),
        grafana_alert(status="resolved", fingerprint="aaaa000000000002", endsAt="2024-09-16T10:30:00Z"),
        status="resolved",
    )
    assert [(a.fingerprint, a.status) for a in format_body(body)] == [
        ("aaaa000000000001", AlertStatus.FIRING),
        ("aaaa000000000002", AlertStatus.RESOLVED),
    ]


def test_alert_without_status_takes_the_groups() -> None:
    entry = grafana_alert()
    del entry["status"]
    assert only(envelope(entry, status="resolved")).status is AlertStatus.RESOLVED


@pytest.mark.parametrize(
    ("status", "expected"),
    [("firing", AlertStatus.FIRING), ("resolved", AlertStatus.RESOLVED), (" RESOLVED ", AlertStatus.RESOLVED)],
)
def test_status_table(status: str, expected: AlertStatus) -> None:
    alert = only(envelope(grafana_alert(status=status)))
    assert alert.status is expected
    assert "grafanaStatus" not in alert.model_dump()


def test_unknown_status_is_firing_and_keeps_the_original() -> None:
    alert = only(envelope(grafana_alert(status="flapping")))
    assert alert.status is AlertStatus.FIRING
    assert alert.model_dump()["grafanaStatus"] == "flapping"


# --- severity, service, environment --------------------------------------------------


@pytest.mark.parametrize(("label", "expected"), sorted(SEVERITY_MAP.items()))
def test_severity_table(label: str, expected: AlertSeverity) -> None:
    labels = {"alertname": "X", "severity": label.upper()}
    assert only(envelope(grafana_alert(labels=labels))).severity is expected


def test_severity_table_covers_the_usual_words() -> None:
    assert SEVERITY_MAP["critical"] is AlertSeverity.CRITICAL
    assert SEVERITY_MAP["error"] is AlertSeverity.HIGH
    assert SEVERITY_MAP["warning"] is AlertSeverity.WARNING
    assert SEVERITY_MAP["info"] is AlertSeverity.INFO
    assert SEVERITY_MAP["low"] is AlertSeverity.LOW


@pytest.mark.parametrize("labels", [{"alertname": "X"}, {"alertname": "X", "severity": "sev-9"}])
def test_missing_or_unknown_severity_is_info_and_the_label_stays(labels: dict[str, str]) -> None:
    alert = only(envelope(grafana_alert(labels=labels)))
    assert alert.severity is AlertSeverity.INFO
    assert alert.labels == labels


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"alertname": "X", "environment": "staging", "env": "dev"}, "staging"),
        ({"alertname": "X", "env": "dev"}, "dev"),
        ({"alertname": "X"}, "undefined"),
    ],
)
def test_environment_from_environment_then_env(labels: dict[str, str], expected: str) -> None:
    assert only(envelope(grafana_alert(labels=labels))).environment == expected


def test_name_is_the_rule_title_and_falls_back_to_summary_then_group_title() -> None:
    assert only(envelope(grafana_alert(labels={"alertname": "Rule title"}))).name == "Rule title"
    assert only(envelope(grafana_alert(labels={"a": "b"}))).name == "db-1 disk at 91%"
    bare = grafana_alert(labels={"a": "b"}, annotations={})
    assert only(envelope(bare, title="[FIRING:1] group")).name == "[FIRING:1] group"


# --- what a body may lack or add -----------------------------------------------------


def test_minimal_alert_with_only_labels_and_fingerprint() -> None:
    body = {"alerts": [{"labels": {"alertname": "Bare"}, "fingerprint": "1111222233334444"}]}
    alert = only(body)
    assert alert.name == "Bare"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.INFO
    assert alert.url is None
    assert alert.message is None
    assert alert.firingStartTime is None
    assert alert.annotations == {}
    assert alert.fingerprint == "1111222233334444"


def test_alert_without_fingerprint_is_identified_by_its_labels() -> None:
    entry = grafana_alert(labels={"alertname": "X", "instance": "a"})
    del entry["fingerprint"]
    alert = only(envelope(entry))
    assert alert.fingerprint == fingerprint_from_labels({"alertname": "X", "instance": "a"})


def test_unicode_survives() -> None:
    entry = grafana_alert(
        labels={"alertname": "Température élevée 🔥", "site": "東京"},
        annotations={"summary": "Сервер перегрет", "description": "ünïcödé ✓"},
    )
    alert = only(envelope(entry))
    assert alert.name == "Température élevée 🔥"
    assert alert.labels["site"] == "東京"
    assert alert.message == "Сервер перегрет"
    assert alert.description == "ünïcödé ✓"


def test_unexpected_fields_are_kept_and_ours_are_not_shadowed() -> None:
    entry = grafana_alert(ruleUID="ddvq0m0tn6rk0f", severity="sev-from-the-future", newThing={"x": [1, 2]})
    alert = only(envelope(entry))
    dumped = alert.model_dump()
    assert dumped["ruleUID"] == "ddvq0m0tn6rk0f"
    assert dumped["newThing"] == {"x": [1, 2]}
    assert dumped["grafana_severity"] == "sev-from-the-future"
    assert alert.severity is AlertSeverity.WARNING


def test_empty_alert_list_gives_no_alerts() -> None:
    assert format_body(envelope(alerts=[])) == []


@pytest.mark.parametrize(
    "body",
    ["not json at all", 42, None, [], [{"alerts": []}], {"foo": "bar"}, {"alerts": "nope"}, {"ruleName": "only"}],
)
def test_garbage_body_is_a_formatter_error(body: Any) -> None:
    with pytest.raises(FormatterError) as caught:
        format_body(body)
    assert not isinstance(caught.value, PartialFormatError)


def test_one_bad_entry_costs_only_itself() -> None:
    body = envelope(grafana_alert(fingerprint="good000000000001"), "not an alert", grafana_alert(fingerprint="good2"))
    with pytest.raises(PartialFormatError) as caught:
        format_body(body)
    assert [a.fingerprint for a in caught.value.alerts] == ["good000000000001", "good2"]
    assert all(a.providerType == "grafana" for a in caught.value.alerts)
    assert caught.value.problems == ["alerts[1]: not an object"]


def test_every_entry_bad_is_a_plain_formatter_error() -> None:
    with pytest.raises(FormatterError) as caught:
        format_body(envelope("a", 1))
    assert not isinstance(caught.value, PartialFormatError)
    assert "alerts[0]" in str(caught.value) and "alerts[1]" in str(caught.value)


def test_one_bad_field_drops_only_that_field() -> None:
    alert = only(envelope(grafana_alert(startsAt="yesterday-ish")))
    assert alert.name == "Disk almost full"
    assert alert.firingStartTime is None
    warnings = alert.model_dump()["formatWarnings"]
    assert any(w.startswith("firingStartTime dropped") for w in warnings)
    assert any(w.startswith("startedAt dropped") for w in warnings)


def test_labels_that_are_not_an_object_are_dropped_with_a_warning() -> None:
    alert = only(envelope(grafana_alert(labels=["alertname", "X"])))
    assert alert.labels == {}
    assert alert.name == "db-1 disk at 91%"
    assert any(w.startswith("labels dropped") for w in alert.model_dump()["formatWarnings"])


def test_last_received_is_now() -> None:
    before = datetime.now(UTC)
    alert = only(envelope())
    assert before <= alert.lastReceived <= datetime.now(UTC)


# --- links: only http(s), and a bad one never costs the alert ---------------------------


def test_grafana_12_test_notification_is_kept_with_its_relative_url_resolved(payload: Payload) -> None:
    # keephq/keep#6506: Grafana 12's test sends generatorURL "?orgId=1"; Keep dropped the alert.
    alert = only(payload("grafana12_test_notification"))
    assert alert.name == "TestAlert"
    assert alert.message == "Notification test"
    assert alert.fingerprint == "57c6d9296de2ad39"
    assert alert.url == "https://grafana.example.com/?orgId=1"
    dumped = alert.model_dump()
    assert dumped["silenceURL"].startswith("https://grafana.example.com/alerting/silence/new?")
    assert "dashboardURL" not in dumped and "panelURL" not in dumped  # empty strings are no links
    assert "formatWarnings" not in dumped


def test_test_notification_without_external_url_keeps_the_alert_and_says_why_url_is_missing(
    payload: Payload,
) -> None:
    body = payload("grafana12_test_notification")
    body["externalURL"] = ""
    alert = only(body)
    assert alert.name == "TestAlert"
    assert alert.url is None
    assert alert.model_dump()["formatWarnings"] == ["generatorURL dropped: not an http(s) URL"]


@pytest.mark.parametrize("generator_url", ["", None])
def test_empty_generator_url_is_no_link_and_no_warning(generator_url: str | None) -> None:
    alert = only(envelope(grafana_alert(generatorURL=generator_url)))
    assert alert.url is None
    assert "formatWarnings" not in alert.model_dump()


def test_relative_path_resolves_under_grafanas_sub_path() -> None:
    body = envelope(
        grafana_alert(generatorURL="/alerting/grafana/aaa111/view"), externalURL="https://example.com/grafana/"
    )
    assert only(body).url == "https://example.com/grafana/alerting/grafana/aaa111/view"


def test_non_http_links_are_dropped_one_by_one() -> None:
    entry = grafana_alert(imageURL="javascript:alert(1)", silenceURL="ftp://grafana.example.com/x", panelURL="http://[")
    alert = only(envelope(entry))
    assert alert.imageUrl is None
    assert alert.url == "https://grafana.example.com/alerting/grafana/aaa111/view?orgId=1"
    dumped = alert.model_dump()
    assert "silenceURL" not in dumped and "panelURL" not in dumped
    assert sorted(dumped["formatWarnings"]) == [
        "imageURL dropped: not an http(s) URL",
        "panelURL dropped: not an http(s) URL",
        "silenceURL dropped: not an http(s) URL",
    ]


# --- identity ------------------------------------------------------------------------


def test_same_alert_twice_has_the_same_fingerprint(payload: Payload) -> None:
    first = [a.fingerprint for a in format_body(payload("firing"))]
    again = [a.fingerprint for a in format_body(payload("firing"))]
    assert first == again == ["c6eadffa33fcdf37", "bc97ff14869b13e3"]


def test_status_change_keeps_the_fingerprint() -> None:
    firing = only(envelope(grafana_alert(status="firing")))
    resolved = only(envelope(grafana_alert(status="resolved", endsAt="2024-09-16T10:30:00Z")))
    assert firing.fingerprint == resolved.fingerprint
    assert (firing.status, resolved.status) == (AlertStatus.FIRING, AlertStatus.RESOLVED)


def test_two_alerts_with_the_same_name_differ(payload: Payload) -> None:
    first, second = format_body(payload("firing"))
    assert first.name == second.name
    assert first.fingerprint != second.fingerprint
    without = [grafana_alert(labels={"alertname": "X", "instance": i}) for i in ("a", "b")]
    for entry in without:
        del entry["fingerprint"]
    a, b = format_body(envelope(*without))
    assert a.fingerprint != b.fingerprint


# --- Grafana's own no-data and error alerts ------------------------------------------


def test_datasource_no_data_alert_is_kept_and_marked() -> None:
    labels = {
        "alertname": "DatasourceNoData",
        "datasource_uid": "PBFA97CFB590B2093",
        "grafana_folder": "Platform",
        "ref_id": "A",
        "rulename": "High memory usage",
        "severity": "critical",
    }
    alert = only(envelope(grafana_alert(labels=labels, annotations={"summary": "High memory usage"})))
    assert alert.name == "DatasourceNoData"
    assert alert.severity is AlertSeverity.CRITICAL
    assert alert.labels == {**labels, "grafana_reason": "no_data"}


def test_datasource_error_alert_is_marked_and_carries_the_error() -> None:
    labels = {"alertname": "DatasourceError", "rulename": "High memory usage", "datasource_uid": "abc", "ref_id": "A"}
    annotations = {"Error": "failed to execute query A: context deadline exceeded"}
    alert = only(envelope(grafana_alert(labels=labels, annotations=annotations)))
    assert alert.labels["grafana_reason"] == "datasource_error"
    assert alert.description == "failed to execute query A: context deadline exceeded"
    assert alert.severity is AlertSeverity.INFO


@pytest.mark.parametrize(
    ("state_reason", "expected"),
    [("NoData", "no_data"), ("Error", "datasource_error"), ("Alerting (NoData)", "no_data"), ("MissingSeries", None)],
)
def test_state_reason_annotation_marks_normal_alerts(state_reason: str, expected: str | None) -> None:
    annotations = {"summary": "s", "grafana_state_reason": state_reason}
    alert = only(envelope(grafana_alert(annotations=annotations)))
    assert alert.labels.get("grafana_reason") == expected
    assert alert.annotations["grafana_state_reason"] == state_reason
