"""Alertmanager webhook (version 4) -> AlertDto.

Payloads follow the documented webhook_config body
(https://prometheus.io/docs/alerting/latest/configuration/#webhook_config):
an envelope (version, groupKey, truncatedAlerts, status, receiver, groupLabels,
commonLabels, commonAnnotations, externalURL) around `alerts[]`, each with status,
labels, annotations, startsAt, endsAt, generatorURL and fingerprint.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers._fingerprint import fingerprint_from_labels
from keep_providers.exceptions import FormatterError
from keep_providers.providers.prometheus.formatter import format_alertmanager_webhook
from keep_providers.providers.prometheus.provider import PrometheusProvider

ZERO_TIME = "0001-01-01T00:00:00Z"


def am_alert(
    *,
    status: str = "firing",
    labels: dict[str, Any] | None = None,
    annotations: dict[str, Any] | None = None,
    starts_at: str = "2023-02-06T13:08:45.828Z",
    ends_at: str = ZERO_TIME,
    generator_url: str = "http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0&g0.tab=1",
    fingerprint: str | None = "1a30ba71cca2921f",
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "status": status,
        "labels": {
            "alertname": "ProbeFailure",
            "instance": "https://server.example.org",
            "job": "http_checks",
            "monitor": "master",
            "severity": "critical",
        }
        if labels is None
        else labels,
        "annotations": {
            "description": "Instance https://server.example.org has been down for over 5m. Job: http_checks",
            "summary": "BlackBox Probe Failure: https://server.example.org",
        }
        if annotations is None
        else annotations,
        "startsAt": starts_at,
        "endsAt": ends_at,
        "generatorURL": generator_url,
    }
    if fingerprint is not None:
        entry["fingerprint"] = fingerprint
    return entry


def am_payload(*alerts: dict[str, Any], status: str = "firing") -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}/{severity="critical"}:{alertname="ProbeFailure"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "keep",
        "groupLabels": {"alertname": "ProbeFailure"},
        "commonLabels": {"alertname": "ProbeFailure", "job": "http_checks"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.org:9093",
        "alerts": list(alerts) if alerts else [am_alert()],
    }


def only(payload: dict[str, Any]):  # type: ignore[no-untyped-def]
    alerts = format_alertmanager_webhook(payload)
    assert len(alerts) == 1
    return alerts[0]


# --- the happy path ----------------------------------------------------------------


def test_firing_payload_maps_the_documented_fields() -> None:
    alert = only(am_payload())
    assert alert.name == "ProbeFailure"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.CRITICAL
    assert alert.message == "BlackBox Probe Failure: https://server.example.org"
    assert alert.description == "Instance https://server.example.org has been down for over 5m. Job: http_checks"
    assert alert.labels == {
        "alertname": "ProbeFailure",
        "instance": "https://server.example.org",
        "job": "http_checks",
        "monitor": "master",
        "severity": "critical",
    }
    assert alert.annotations["summary"] == "BlackBox Probe Failure: https://server.example.org"
    assert alert.firingStartTime == datetime(2023, 2, 6, 13, 8, 45, 828000, tzinfo=UTC)
    assert alert.startedAt == alert.firingStartTime
    assert alert.source == ["prometheus"]


def test_group_with_firing_and_resolved_alerts_gives_each_its_own_status() -> None:
    payload = am_payload(
        am_alert(status="firing", labels={"alertname": "DiskFull", "instance": "a"}, fingerprint="aaaa"),
        am_alert(
            status="resolved",
            labels={"alertname": "DiskFull", "instance": "b"},
            ends_at="2023-02-06T14:00:00Z",
            fingerprint="bbbb",
        ),
        status="firing",
    )
    alerts = format_alertmanager_webhook(payload)
    assert [(a.fingerprint, a.status) for a in alerts] == [("aaaa", AlertStatus.FIRING), ("bbbb", AlertStatus.RESOLVED)]


def test_resolved_group_status_does_not_override_a_firing_alert() -> None:
    payload = am_payload(
        am_alert(status="firing", fingerprint="aaaa"),
        am_alert(status="resolved", fingerprint="bbbb", ends_at="2023-02-06T14:00:00Z"),
        status="resolved",
    )
    assert [a.status for a in format_alertmanager_webhook(payload)] == [AlertStatus.FIRING, AlertStatus.RESOLVED]


def test_alert_without_its_own_status_takes_the_group_status() -> None:
    entry = am_alert()
    del entry["status"]
    assert only(am_payload(entry, status="resolved")).status is AlertStatus.RESOLVED


def test_alert_status_is_case_insensitive() -> None:
    assert only(am_payload(am_alert(status="RESOLVED"))).status is AlertStatus.RESOLVED


# --- severity ----------------------------------------------------------------------

SEVERITY_TABLE = [
    ("critical", AlertSeverity.CRITICAL),
    ("crit", AlertSeverity.CRITICAL),
    ("fatal", AlertSeverity.CRITICAL),
    ("page", AlertSeverity.CRITICAL),
    ("high", AlertSeverity.HIGH),
    ("error", AlertSeverity.HIGH),
    ("major", AlertSeverity.HIGH),
    ("warning", AlertSeverity.WARNING),
    ("warn", AlertSeverity.WARNING),
    ("minor", AlertSeverity.WARNING),
    ("medium", AlertSeverity.WARNING),
    ("info", AlertSeverity.INFO),
    ("informational", AlertSeverity.INFO),
    ("notice", AlertSeverity.INFO),
    ("none", AlertSeverity.INFO),
    ("low", AlertSeverity.LOW),
    ("debug", AlertSeverity.LOW),
    ("CRITICAL", AlertSeverity.CRITICAL),
    (" Warning ", AlertSeverity.WARNING),
]


@pytest.mark.parametrize(("label", "expected"), SEVERITY_TABLE)
def test_severity_label_maps_to_alert_severity(label: str, expected: AlertSeverity) -> None:
    alert = only(am_payload(am_alert(labels={"alertname": "X", "severity": label})))
    assert alert.severity is expected
    assert alert.labels["severity"] == label


@pytest.mark.parametrize("label", ["sev1", "P2", "disaster", ""])
def test_unknown_severity_becomes_info_and_the_original_stays_in_labels(label: str) -> None:
    alert = only(am_payload(am_alert(labels={"alertname": "X", "severity": label})))
    assert alert.severity is AlertSeverity.INFO
    assert alert.labels["severity"] == label


def test_missing_severity_becomes_info() -> None:
    alert = only(am_payload(am_alert(labels={"alertname": "X"})))
    assert alert.severity is AlertSeverity.INFO
    assert "severity" not in alert.labels


# --- fingerprint -------------------------------------------------------------------


def test_alertmanager_fingerprint_is_used_unchanged() -> None:
    alert = only(am_payload(am_alert(fingerprint="1a30ba71cca2921f")))
    assert alert.fingerprint == "1a30ba71cca2921f"


def test_missing_fingerprint_falls_back_to_hash_of_the_label_set() -> None:
    labels = {"alertname": "HighCPU", "instance": "node-1:9100", "severity": "warning"}
    alert = only(am_payload(am_alert(labels=labels, fingerprint=None)))
    assert alert.fingerprint is not None
    assert re.fullmatch(r"[0-9a-f]{16}", alert.fingerprint), "the length and form Alertmanager gives"
    assert alert.fingerprint == fingerprint_from_labels(labels)


def test_empty_fingerprint_falls_back_to_hash_of_the_label_set() -> None:
    labels = {"alertname": "HighCPU", "instance": "node-1:9100"}
    alert = only(am_payload(am_alert(labels=labels, fingerprint="")))
    assert alert.fingerprint == fingerprint_from_labels(labels)


def test_fallback_fingerprint_does_not_depend_on_label_order() -> None:
    forward = {"alertname": "HighCPU", "instance": "node-1:9100", "job": "node"}
    backward = dict(reversed(list(forward.items())))
    first = only(am_payload(am_alert(labels=forward, fingerprint=None)))
    second = only(am_payload(am_alert(labels=backward, fingerprint=None)))
    assert first.fingerprint == second.fingerprint


def test_fallback_fingerprint_differs_when_a_label_differs() -> None:
    base = {"alertname": "HighCPU", "instance": "node-1:9100", "job": "node"}
    first = only(am_payload(am_alert(labels=base, fingerprint=None)))
    second = only(am_payload(am_alert(labels={**base, "instance": "node-2:9100"}, fingerprint=None)))
    assert first.fingerprint != second.fingerprint


def test_fallback_fingerprint_ignores_annotations_and_timestamps() -> None:
    labels = {"alertname": "HighCPU", "instance": "node-1:9100"}
    first = only(am_payload(am_alert(labels=labels, annotations={"summary": "at 91%"}, fingerprint=None)))
    second = only(
        am_payload(
            am_alert(
                labels=labels,
                annotations={"summary": "at 97%"},
                starts_at="2024-01-01T00:00:00Z",
                fingerprint=None,
            )
        )
    )
    assert first.fingerprint == second.fingerprint


# --- other fields ------------------------------------------------------------------


def test_zero_end_time_is_dropped() -> None:
    alert = only(am_payload(am_alert(ends_at=ZERO_TIME)))
    assert getattr(alert, "endsAt", None) is None
    assert "endsAt" not in alert.model_dump(mode="json")


def test_real_end_time_of_a_resolved_alert_is_kept() -> None:
    alert = only(am_payload(am_alert(status="resolved", ends_at="2023-02-06T14:00:00Z")))
    assert alert.model_dump(mode="json")["endsAt"] == "2023-02-06T14:00:00Z"


def test_url_comes_from_generator_url() -> None:
    url = "http://prometheus.example.org:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1"
    assert only(am_payload(am_alert(generator_url=url))).url == url


def test_empty_generator_url_gives_no_url() -> None:
    assert only(am_payload(am_alert(generator_url=""))).url is None


def test_service_and_environment_come_from_labels() -> None:
    alert = only(
        am_payload(am_alert(labels={"alertname": "X", "service": "checkout", "environment": "prod", "job": "api"}))
    )
    assert alert.service == "checkout"
    assert alert.environment == "prod"


def test_env_label_and_job_are_fallbacks_for_environment_and_service() -> None:
    alert = only(am_payload(am_alert(labels={"alertname": "X", "env": "staging", "job": "node-exporter"})))
    assert alert.environment == "staging"
    assert alert.service == "node-exporter"


def test_without_environment_labels_environment_is_undefined() -> None:
    alert = only(am_payload(am_alert(labels={"alertname": "X"})))
    assert alert.environment == "undefined"
    assert alert.service is None


def test_unicode_labels_and_annotations_are_preserved() -> None:
    labels = {"alertname": "Überlast 🔥", "région": "Zürich", "チーム": "基盤"}
    alert = only(am_payload(am_alert(labels=labels, annotations={"summary": "CPU à 99 %"}, fingerprint=None)))
    assert alert.name == "Überlast 🔥"
    assert alert.labels == labels
    assert alert.message == "CPU à 99 %"
    assert alert.fingerprint == fingerprint_from_labels(labels)
    assert alert.fingerprint != fingerprint_from_labels({**labels, "région": "Zurich"})


def test_unexpected_extra_fields_do_not_break_formatting() -> None:
    entry = am_alert()
    entry["silenceURL"] = "http://alertmanager.example.org:9093/#/silences/new"
    entry["values"] = {"B": 44.2, "C": 1}
    entry["somethingNew"] = ["from", "a", "future", "version"]
    payload = am_payload(entry)
    payload["orgId"] = 1
    payload["futureEnvelopeField"] = {"nested": True}
    alert = only(payload)
    assert alert.name == "ProbeFailure"
    assert alert.fingerprint == "1a30ba71cca2921f"
    # Group context worth keeping travels as extra fields.
    assert alert.model_dump()["receiver"] == "keep"
    assert alert.model_dump()["externalURL"] == "http://alertmanager.example.org:9093"


def test_formatter_does_not_modify_the_payload() -> None:
    payload = am_payload(am_alert(fingerprint=None), am_alert(status="resolved", fingerprint="x"))
    before = copy.deepcopy(payload)
    format_alertmanager_webhook(payload)
    assert payload == before


def test_name_falls_back_to_summary_without_alertname() -> None:
    alert = only(am_payload(am_alert(labels={"job": "x"}, annotations={"summary": "Disk almost full"})))
    assert alert.name == "Disk almost full"


# --- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param([am_payload()], id="list"),
        pytest.param("firing", id="string"),
        pytest.param(None, id="null"),
        pytest.param(42, id="number"),
        pytest.param({"version": "4", "status": "firing"}, id="missing-alerts"),
        pytest.param({"alerts": {"0": am_alert()}}, id="alerts-object"),
        pytest.param({"alerts": "am_alert"}, id="alerts-string"),
        pytest.param({"alerts": None}, id="alerts-null"),
    ],
)
def test_garbage_bodies_raise_formatter_error(body: Any) -> None:
    with pytest.raises(FormatterError):
        format_alertmanager_webhook(body)
    with pytest.raises(FormatterError):
        PrometheusProvider.format_alerts(body, {})


def test_all_entries_bad_raises_formatter_error_naming_them() -> None:
    payload = am_payload(am_alert(status="pending"), "not an alert")  # type: ignore[arg-type]
    with pytest.raises(FormatterError, match=r"alerts\[0\].*alerts\[1\]"):
        format_alertmanager_webhook(payload)


@pytest.mark.parametrize(
    "bad_entry",
    [
        pytest.param("not an object", id="string-entry"),
        pytest.param(None, id="null-entry"),
        pytest.param(am_alert(status="pending"), id="unknown-status"),
        pytest.param(am_alert(starts_at="yesterday-ish"), id="bad-startsAt"),
        pytest.param({**am_alert(), "labels": "alertname=Oops"}, id="labels-not-object"),
        pytest.param({**am_alert(), "annotations": ["summary"]}, id="annotations-not-object"),
    ],
)
def test_one_bad_entry_among_good_ones_keeps_the_good_ones(bad_entry: Any) -> None:
    payload = am_payload(
        am_alert(labels={"alertname": "First"}, fingerprint="f1"),
        bad_entry,
        am_alert(labels={"alertname": "Second"}, fingerprint="f2"),
    )
    alerts = format_alertmanager_webhook(payload)
    assert [(a.name, a.fingerprint) for a in alerts] == [("First", "f1"), ("Second", "f2")]
    stamped = PrometheusProvider.format_alerts(payload, {})
    assert [a.name for a in stamped] == ["First", "Second"]


# --- PrometheusProvider.format_alerts ----------------------------------------------


def test_format_alerts_stamps_provider_type_id_and_source() -> None:
    payload = am_payload(am_alert(fingerprint="f1"), am_alert(fingerprint=None, labels={"alertname": "B"}))
    alerts = PrometheusProvider.format_alerts(payload, {"content-type": "application/json"}, provider_id="am-prod")
    assert len(alerts) == 2
    for alert in alerts:
        assert alert.providerType == "prometheus"
        assert alert.providerId == "am-prod"
        assert alert.source == ["prometheus"]
        assert alert.fingerprint
    assert alerts[0].fingerprint == "f1"
    assert alerts[1].fingerprint == fingerprint_from_labels({"alertname": "B"})


def test_format_alerts_without_provider_id_leaves_it_empty() -> None:
    (alert,) = PrometheusProvider.format_alerts(am_payload(), {})
    assert alert.providerId is None
    assert alert.providerType == "prometheus"
