"""Dynatrace problem notifications rendered from our documented template
(docs/providers/dynatrace.md) with Dynatrace's placeholders."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.formatting import WARNINGS_FIELD
from keep_providers.providers.dynatrace.formatter import WEBHOOK_PAYLOAD, format_dynatrace_webhook
from keep_providers.providers.dynatrace.provider import DynatraceProvider

Body = Callable[..., dict[str, Any]]
PID = "-4522331287329452148_1717408800000V2"


def test_firing_body_maps_every_field(firing_body: dict[str, Any]) -> None:
    [alert] = DynatraceProvider.format_alerts(firing_body, {}, provider_id="dt-1")
    assert alert.name == "Failure rate increase on checkout-service"
    assert alert.fingerprint == PID
    assert alert.id == "P-2406123"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.HIGH
    assert alert.environment == "production"
    assert alert.service == "checkout-service"
    assert alert.labels == {"env": "production", "app": "checkout", "team": "payments"}
    assert alert.url is not None and alert.url.endswith(f"pid={PID}")
    assert alert.description == "Impacted: Failure rate increase on Web request service checkout-service"
    assert alert.firingStartTime == datetime(2024, 6, 3, 10, 0, tzinfo=UTC)
    dumped = alert.model_dump()
    assert dumped["problemImpact"] == "SERVICE"
    assert dumped["impactedEntities"][0]["entity"] == "SERVICE-5A1B2C3D4E5F6071"
    # endTime -1 means "still open": no end time at all.
    assert "problemEndTime" not in dumped
    assert alert.providerType == "dynatrace" and alert.providerId == "dt-1"


def test_resolved_keeps_the_fingerprint(webhook_body: Body) -> None:
    [firing] = DynatraceProvider.format_alerts(webhook_body(), {})
    details = {"startTime": 1717408800000, "endTime": 1717409400000}
    [resolved] = DynatraceProvider.format_alerts(webhook_body(State="RESOLVED", ProblemDetailsJSON=details), {})
    assert resolved.status is AlertStatus.RESOLVED
    assert resolved.model_dump()["problemEndTime"] == datetime(2024, 6, 3, 10, 10, tzinfo=UTC)
    assert resolved.fingerprint == firing.fingerprint


def test_merged_is_resolved_and_labelled(webhook_body: Body) -> None:
    [alert] = format_dynatrace_webhook(webhook_body(State="MERGED"))
    assert alert.status is AlertStatus.RESOLVED
    assert alert.labels["dynatrace_merged"] == "true"


def test_same_problem_twice_same_fingerprint_and_same_title_other_problem_differs(webhook_body: Body) -> None:
    [a] = format_dynatrace_webhook(webhook_body())
    [again] = format_dynatrace_webhook(webhook_body())
    [other] = format_dynatrace_webhook(webhook_body(PID="777_1717408900000V2", ProblemID="P-2406124"))
    assert a.fingerprint == again.fingerprint
    assert a.name == other.name and a.fingerprint != other.fingerprint


def test_without_pid_the_display_id_is_the_fingerprint(webhook_body: Body) -> None:
    # Dynatrace's "Send test notification" leaves {PID} unfilled.
    [alert] = format_dynatrace_webhook(webhook_body(PID="{PID}"))
    assert alert.fingerprint == "P-2406123"


def test_several_problems_in_one_body(webhook_body: Body) -> None:
    alerts = DynatraceProvider.format_alerts([webhook_body(), webhook_body(PID="2", State="RESOLVED")], {})
    assert [(a.fingerprint, a.status) for a in alerts] == [(PID, AlertStatus.FIRING), ("2", AlertStatus.RESOLVED)]


def test_minimal_body() -> None:
    [alert] = DynatraceProvider.format_alerts({"PID": "9_1V2"}, {})
    assert alert.name == "Dynatrace problem 9_1V2"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.INFO
    assert alert.labels == {} and alert.service is None and alert.description is None


def test_unicode_survives(webhook_body: Body) -> None:
    [alert] = format_dynatrace_webhook(webhook_body(ProblemTitle="Antwortzeit erhöht — 東京", Tags="team:données"))
    assert alert.name == "Antwortzeit erhöht — 東京"
    assert alert.labels == {"team": "données"}


def test_unexpected_fields_are_kept(webhook_body: Body) -> None:
    [alert] = format_dynatrace_webhook(webhook_body(ProblemDetailsText="details", labels="x", Owner="team-a"))
    dumped = alert.model_dump()
    assert dumped["ProblemDetailsText"] == "details"
    assert dumped["Owner"] == "team-a"
    assert dumped["dynatrace_labels"] == "x"


@pytest.mark.parametrize("body", ["text", 1, [], {"State": "OPEN"}, {"PID": "{PID}", "ProblemID": "{ProblemID}"}])
def test_garbage_is_refused(body: Any) -> None:
    with pytest.raises(FormatterError):
        DynatraceProvider.format_alerts(body, {})


def test_one_bad_entry_costs_only_itself(webhook_body: Body) -> None:
    with pytest.raises(PartialFormatError) as caught:
        DynatraceProvider.format_alerts([webhook_body(), 17], {})
    assert [a.fingerprint for a in caught.value.alerts] == [PID]
    assert caught.value.problems[0].startswith("alerts[1]")


def test_one_bad_field_is_dropped_and_named(webhook_body: Body) -> None:
    [alert] = format_dynatrace_webhook(webhook_body(ProblemDetailsJSON={"startTime": "soon", "endTime": -1}))
    warnings = alert.model_dump()[WARNINGS_FIELD]
    assert {w.split(" ")[0] for w in warnings} == {"firingStartTime", "startedAt"}
    assert alert.fingerprint == PID


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("OPEN", AlertStatus.FIRING),
        ("RESOLVED", AlertStatus.RESOLVED),
        ("CLOSED", AlertStatus.RESOLVED),
        ("MERGED", AlertStatus.RESOLVED),
        ("REOPENED", AlertStatus.FIRING),
    ],
)
def test_state_table(webhook_body: Body, state: str, status: AlertStatus) -> None:
    [alert] = format_dynatrace_webhook(webhook_body(State=state))
    assert alert.status is status
    assert alert.model_dump()["problemState"] == state


@pytest.mark.parametrize(
    ("category", "severity"),
    [
        ("AVAILABILITY", AlertSeverity.CRITICAL),
        ("ERROR", AlertSeverity.HIGH),
        ("MONITORING_UNAVAILABLE", AlertSeverity.HIGH),
        ("PERFORMANCE", AlertSeverity.WARNING),
        ("RESOURCE_CONTENTION", AlertSeverity.WARNING),
        ("CUSTOM_ALERT", AlertSeverity.INFO),
        ("INFO", AlertSeverity.INFO),
        ("SOMETHING_NEW", AlertSeverity.INFO),
    ],
)
def test_severity_table(webhook_body: Body, category: str, severity: AlertSeverity) -> None:
    [alert] = format_dynatrace_webhook(webhook_body(ProblemSeverity=category))
    assert alert.severity is severity
    assert alert.model_dump()["problemSeverity"] == category


def test_the_documented_template_renders_to_the_keys_we_read(firing_body: dict[str, Any]) -> None:
    rendered = re.sub(r"\{(ImpactedEntities|ProblemDetailsJSON)\}", "null", WEBHOOK_PAYLOAD)
    rendered = re.sub(r"\{[A-Za-z]+\}", "x", rendered)
    assert set(json.loads(rendered)) == set(firing_body)
