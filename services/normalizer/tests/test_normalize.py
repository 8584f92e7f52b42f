"""normalizer.normalize: raw events to alert events, and the content digest used for dedup."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from keep_core.events import AlertEvent, RawEvent
from keep_providers import AlertDto, AlertStatus, ProvidersFactory
from keep_providers.exceptions import FormatterError, ProviderError, UnknownProviderType
from normalizer.normalize import alert_events, content_digest, format_raw

RECEIVED_AT = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def normalize(raw: RawEvent, factory: ProvidersFactory) -> list[AlertEvent]:
    return alert_events(raw, format_raw(raw, factory))


@pytest.fixture(scope="module")
def factory() -> ProvidersFactory:
    return ProvidersFactory()


def am_alert(name: str, fingerprint: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": name, "severity": "warning", **labels},
        "annotations": {"summary": f"{name} is happening"},
        "startsAt": "2024-05-01T09:55:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2024-05-01T09:59:00Z",
        "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=up",
        "fingerprint": fingerprint,
    }


def am_payload(*alerts: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="DiskFull"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "keep",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.org:9093",
        "alerts": list(alerts),
    }


def raw_event(body: str, *, provider_type: str = "prometheus", **fields: Any) -> RawEvent:
    values: dict[str, Any] = {
        "event_id": "raw-123",
        "tenant_id": "acme",
        "provider_type": provider_type,
        "provider_id": "am-prod",
        "received_at": RECEIVED_AT,
        "body": body,
    }
    values.update(fields)
    return RawEvent(**values)


# --- normalize ---------------------------------------------------------------------


def test_event_ids_are_derived_from_the_raw_event_id_and_index(factory: ProvidersFactory) -> None:
    payload = am_payload(am_alert("DiskFull", "f1", instance="a"), am_alert("DiskFull", "f2", instance="b"))
    events = normalize(raw_event(json.dumps(payload)), factory)
    assert [e.event_id for e in events] == ["raw-123:0", "raw-123:1"]
    assert [e.fingerprint for e in events] == ["f1", "f2"]
    assert all(e.tenant_id == "acme" for e in events)


def test_normalizing_the_same_raw_event_twice_gives_the_same_events(factory: ProvidersFactory) -> None:
    raw = raw_event(json.dumps(am_payload(am_alert("DiskFull", "f1"), am_alert("HighCPU", "f2"))))
    first = normalize(raw, factory)
    second = normalize(raw, factory)
    assert [e.event_id for e in first] == [e.event_id for e in second]
    assert [content_digest(e.alert) for e in first] == [content_digest(e.alert) for e in second]


def test_last_received_is_set_from_received_at(factory: ProvidersFactory) -> None:
    (event,) = normalize(raw_event(json.dumps(am_payload(am_alert("DiskFull", "f1")))), factory)
    assert event.alert.lastReceived == RECEIVED_AT


def test_last_received_overrides_what_the_sender_claims(factory: ProvidersFactory) -> None:
    body = json.dumps({"name": "HighErrorRate", "lastReceived": "1999-01-01T00:00:00Z"})
    (event,) = normalize(raw_event(body, provider_type="keep"), factory)
    assert event.alert.lastReceived == RECEIVED_AT


def test_alerts_carry_fingerprint_and_provenance(factory: ProvidersFactory) -> None:
    (event,) = normalize(raw_event(json.dumps(am_payload(am_alert("DiskFull", "f1")))), factory)
    assert event.fingerprint == event.alert.fingerprint == "f1"
    assert event.alert.providerType == "prometheus"
    assert event.alert.providerId == "am-prod"


def test_keep_format_alert_gets_a_fallback_fingerprint(factory: ProvidersFactory) -> None:
    body = json.dumps([{"name": "HighErrorRate", "service": "checkout"}, {"name": "HighErrorRate", "service": "cart"}])
    first, second = normalize(raw_event(body, provider_type="keep"), factory)
    assert first.fingerprint and second.fingerprint
    assert first.fingerprint != second.fingerprint


@pytest.mark.parametrize("body", ["", "not json", "{", "<xml/>", '{"alerts": [}'])
def test_non_json_body_raises_formatter_error(factory: ProvidersFactory, body: str) -> None:
    with pytest.raises(FormatterError, match="not JSON"):
        normalize(raw_event(body), factory)


def test_json_that_is_not_an_alertmanager_body_raises_formatter_error(factory: ProvidersFactory) -> None:
    with pytest.raises(FormatterError):
        normalize(raw_event(json.dumps(["nope"])), factory)


def test_payload_with_no_alert_raises_formatter_error(factory: ProvidersFactory) -> None:
    with pytest.raises(FormatterError, match="no alert"):
        normalize(raw_event(json.dumps(am_payload())), factory)


def test_unknown_provider_type_raises_provider_error(factory: ProvidersFactory) -> None:
    with pytest.raises(UnknownProviderType) as caught:
        normalize(raw_event(json.dumps(am_payload(am_alert("X", "f"))), provider_type="nagios-9000"), factory)
    assert isinstance(caught.value, ProviderError)


def test_provider_without_formatter_raises_provider_error(factory: ProvidersFactory) -> None:
    # The webhook provider only sends; a raw event addressed to it cannot be formatted.
    with pytest.raises(FormatterError, match="webhook"):
        normalize(raw_event(json.dumps({"name": "x"}), provider_type="webhook"), factory)


# --- content_digest ----------------------------------------------------------------


def alert(**overrides: Any) -> AlertDto:
    values: dict[str, Any] = {
        "name": "DiskFull",
        "status": "firing",
        "severity": "warning",
        "fingerprint": "f1",
        "labels": {"instance": "db-1", "mount": "/var"},
        "annotations": {"summary": "disk 91% full"},
        "lastReceived": RECEIVED_AT,
    }
    values.update(overrides)
    return AlertDto.model_validate(values)


def test_digest_ignores_last_received() -> None:
    assert content_digest(alert()) == content_digest(alert(lastReceived=RECEIVED_AT + timedelta(minutes=5)))


def test_digest_ignores_the_event_id() -> None:
    assert content_digest(alert(id="one")) == content_digest(alert(id="two"))


def test_digest_changes_with_status() -> None:
    assert content_digest(alert()) != content_digest(alert(status=AlertStatus.RESOLVED))


def test_digest_changes_with_labels() -> None:
    assert content_digest(alert()) != content_digest(alert(labels={"instance": "db-2", "mount": "/var"}))
    assert content_digest(alert()) != content_digest(alert(labels={"instance": "db-1"}))


def test_digest_changes_with_annotations() -> None:
    assert content_digest(alert()) != content_digest(alert(annotations={"summary": "disk 99% full"}))


def test_digest_changes_with_severity_and_extra_fields() -> None:
    assert content_digest(alert()) != content_digest(alert(severity="critical"))
    assert content_digest(alert()) != content_digest(alert(ticket="OPS-1"))


def test_digest_ignores_label_insertion_order() -> None:
    forward = alert(labels={"instance": "db-1", "mount": "/var"})
    backward = alert(labels={"mount": "/var", "instance": "db-1"})
    assert content_digest(forward) == content_digest(backward)


def test_repeat_of_the_same_alertmanager_alert_has_the_same_digest(factory: ProvidersFactory) -> None:
    payload = json.dumps(am_payload(am_alert("DiskFull", "f1")))
    (first,) = normalize(raw_event(payload, event_id="raw-1"), factory)
    (repeat,) = normalize(raw_event(payload, event_id="raw-2", received_at=RECEIVED_AT + timedelta(minutes=1)), factory)
    assert content_digest(first.alert) == content_digest(repeat.alert)
    resolved = json.dumps(am_payload(am_alert("DiskFull", "f1", status="resolved")))
    (change,) = normalize(raw_event(resolved, event_id="raw-3"), factory)
    assert change.fingerprint == first.fingerprint
    assert content_digest(change.alert) != content_digest(first.alert)
