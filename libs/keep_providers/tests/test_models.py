"""AlertDto (the one alert model) and KeepProvider (alerts already in that form)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from keep_providers import AlertDto, AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError
from keep_providers.providers.keep.provider import KeepProvider
from pydantic import ValidationError

# --- AlertSeverity -----------------------------------------------------------------


def test_severity_ranks_critical_high_warning_info_low() -> None:
    assert AlertSeverity.CRITICAL > AlertSeverity.HIGH > AlertSeverity.WARNING > AlertSeverity.INFO > AlertSeverity.LOW


def test_severity_ordering_is_not_alphabetical() -> None:
    # Alphabetically "critical" < "high" and "low" < "warning"; by rank it is the reverse.
    assert AlertSeverity.CRITICAL > AlertSeverity.HIGH
    assert not AlertSeverity.CRITICAL < AlertSeverity.HIGH
    assert AlertSeverity.WARNING > AlertSeverity.LOW
    assert AlertSeverity.INFO < AlertSeverity.WARNING


def test_severity_sorting_and_max() -> None:
    members = list(AlertSeverity)
    random.Random(7).shuffle(members)
    assert sorted(members) == [
        AlertSeverity.LOW,
        AlertSeverity.INFO,
        AlertSeverity.WARNING,
        AlertSeverity.HIGH,
        AlertSeverity.CRITICAL,
    ]
    assert max([AlertSeverity.WARNING, AlertSeverity.CRITICAL, AlertSeverity.INFO]) is AlertSeverity.CRITICAL
    assert min([AlertSeverity.WARNING, AlertSeverity.HIGH, AlertSeverity.LOW]) is AlertSeverity.LOW


def test_severity_non_strict_comparisons() -> None:
    assert AlertSeverity.HIGH >= AlertSeverity.HIGH
    assert AlertSeverity.HIGH <= AlertSeverity.HIGH
    assert AlertSeverity.HIGH >= AlertSeverity.WARNING
    assert not AlertSeverity.HIGH <= AlertSeverity.WARNING
    assert AlertSeverity.LOW <= AlertSeverity.INFO
    assert not AlertSeverity.LOW >= AlertSeverity.INFO


def test_severity_compares_only_with_severities() -> None:
    with pytest.raises(TypeError):
        _ = AlertSeverity.HIGH < 3  # type: ignore[operator]


# --- AlertDto ----------------------------------------------------------------------


def test_minimal_alert_gets_documented_defaults() -> None:
    alert = AlertDto(name="HighCPU")
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.INFO
    assert alert.environment == "undefined"
    assert alert.labels == {}
    assert alert.lastReceived.tzinfo is not None


def test_empty_name_is_rejected() -> None:
    with pytest.raises(ValidationError):
        AlertDto(name="")


def test_naive_datetimes_become_utc() -> None:
    naive = datetime(2024, 3, 1, 12, 30)
    alert = AlertDto(name="x", lastReceived=naive, firingStartTime=naive, startedAt=naive)
    for value in (alert.lastReceived, alert.firingStartTime, alert.startedAt):
        assert value == naive.replace(tzinfo=UTC)
        assert value is not None and value.utcoffset() == timedelta(0)


def test_naive_iso_strings_become_utc_and_compare_with_aware_ones() -> None:
    alert = AlertDto.model_validate({"name": "x", "lastReceived": "2024-03-01T12:30:00"})
    assert alert.lastReceived == datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
    assert alert.lastReceived < datetime(2024, 3, 1, 12, 31, tzinfo=UTC)


def test_aware_datetimes_keep_their_instant() -> None:
    plus_two = timezone(timedelta(hours=2))
    alert = AlertDto(name="x", lastReceived=datetime(2024, 3, 1, 14, 30, tzinfo=plus_two))
    assert alert.lastReceived == datetime(2024, 3, 1, 12, 30, tzinfo=UTC)


def test_non_string_label_and_annotation_values_are_stringified() -> None:
    alert = AlertDto.model_validate(
        {
            "name": "x",
            "labels": {"port": 8080, "canary": True, "ratio": 0.5, "owner": None, "zone": "eu-1"},
            "annotations": {"value": 97.5, "paged": False},
        }
    )
    assert alert.labels == {"port": "8080", "canary": "true", "ratio": "0.5", "owner": "", "zone": "eu-1"}
    assert alert.annotations == {"value": "97.5", "paged": "false"}


def test_extra_fields_are_kept() -> None:
    alert = AlertDto.model_validate({"name": "x", "ticket": "OPS-1234", "runbook": {"url": "https://rb"}})
    dumped = alert.model_dump(mode="json")
    assert dumped["ticket"] == "OPS-1234"
    assert dumped["runbook"] == {"url": "https://rb"}
    assert AlertDto.model_validate_json(alert.model_dump_json()).model_dump()["ticket"] == "OPS-1234"


def test_unknown_severity_and_status_are_rejected() -> None:
    with pytest.raises(ValidationError):
        AlertDto.model_validate({"name": "x", "severity": "catastrophic"})
    with pytest.raises(ValidationError):
        AlertDto.model_validate({"name": "x", "status": "burning"})


# --- KeepProvider ------------------------------------------------------------------


def keep_alert(**overrides: Any) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "name": "HighErrorRate",
        "status": "firing",
        "severity": "high",
        "service": "checkout",
        "environment": "prod",
        "message": "5xx above 5% for 10m",
        "labels": {"region": "eu-west-1", "team": "payments"},
    }
    alert.update(overrides)
    return alert


def test_keep_provider_accepts_a_single_alert() -> None:
    (alert,) = KeepProvider.format_alerts(keep_alert(), {})
    assert alert.name == "HighErrorRate"
    assert alert.severity is AlertSeverity.HIGH
    assert alert.service == "checkout"
    assert alert.providerType == "keep"
    assert alert.source == ["keep"]
    assert alert.fingerprint


def test_keep_provider_accepts_a_list_of_alerts() -> None:
    alerts = KeepProvider.format_alerts([keep_alert(name="A"), keep_alert(name="B", status="resolved")], {})
    assert [(a.name, a.status) for a in alerts] == [("A", AlertStatus.FIRING), ("B", AlertStatus.RESOLVED)]


def test_keep_provider_keeps_a_sender_fingerprint_and_source() -> None:
    (alert,) = KeepProvider.format_alerts(keep_alert(fingerprint="sender-fp-1", source=["grafana"]), {})
    assert alert.fingerprint == "sender-fp-1"
    assert alert.source == ["grafana"]


def test_keep_provider_rejects_an_empty_list() -> None:
    with pytest.raises(FormatterError, match="no alert"):
        KeepProvider.format_alerts([], {})


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        pytest.param({"status": "firing"}, r"alert \[0\] is invalid: name", id="missing-name"),
        pytest.param(keep_alert(name=""), r"alert \[0\] is invalid: name", id="empty-name"),
        pytest.param(
            [keep_alert(), keep_alert(severity="catastrophic")], r"alert \[1\] is invalid: severity", id="bad-severity"
        ),
        pytest.param([keep_alert(), "HighErrorRate"], r"alert \[1\] is not a JSON object", id="not-an-object"),
        pytest.param("HighErrorRate", r"alert \[0\] is not a JSON object", id="string-body"),
        pytest.param(keep_alert(labels=["a", "b"]), r"alert \[0\] is invalid: labels", id="labels-list"),
    ],
)
def test_invalid_alert_raises_formatter_error_with_a_reason(payload: Any, reason: str) -> None:
    with pytest.raises(FormatterError, match=reason):
        KeepProvider.format_alerts(payload, {})


def fingerprint_of(**overrides: Any) -> str:
    (alert,) = KeepProvider.format_alerts(keep_alert(**overrides), {})
    assert alert.fingerprint is not None
    return alert.fingerprint


def test_fallback_fingerprint_of_the_same_alert_twice_is_equal() -> None:
    assert fingerprint_of() == fingerprint_of()


def test_fallback_fingerprint_ignores_volatile_and_descriptive_fields() -> None:
    assert fingerprint_of() == fingerprint_of(
        status="resolved", message="back to normal", lastReceived="2030-01-01T00:00:00Z"
    )


def test_fallback_fingerprint_is_not_the_name_alone() -> None:
    assert fingerprint_of(labels={"region": "eu-west-1"}) != fingerprint_of(labels={"region": "us-east-1"})
    assert fingerprint_of(service="checkout") != fingerprint_of(service="search")
    assert fingerprint_of(environment="prod") != fingerprint_of(environment="staging")


def test_fallback_fingerprint_ignores_label_order() -> None:
    assert fingerprint_of(labels={"a": "1", "b": "2"}) == fingerprint_of(labels={"b": "2", "a": "1"})


def test_fallback_fingerprint_missing_service_differs_from_empty_service() -> None:
    without = keep_alert()
    del without["service"]
    (alert,) = KeepProvider.format_alerts(without, {})
    assert alert.fingerprint != fingerprint_of(service="")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param({"a": "1\nb=2"}, {"a": "1", "b": "2"}, id="newline-in-value"),
        pytest.param({"a=b": "c"}, {"a": "b=c"}, id="equals-in-key"),
        pytest.param({"a": ""}, {}, id="empty-label-vs-none"),
    ],
)
def test_fallback_fingerprint_label_sets_that_differ_never_collide(
    first: dict[str, str], second: dict[str, str]
) -> None:
    assert fingerprint_of(labels=first) != fingerprint_of(labels=second)
