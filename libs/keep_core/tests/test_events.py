"""keep_core.events through keep_core.codec: round trips, schema names, and the published JSON Schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema
import pytest
from keep_core import events
from keep_core.codec import decode, encode, encode_key
from keep_core.events import (
    ActionOutcome,
    ActionRequest,
    ActionResult,
    AlertEvent,
    ErrorEvent,
    IncidentChange,
    IncidentEvent,
    IncidentSnapshot,
    IncidentStatus,
    RawEvent,
)
from keep_core.exceptions import BadPayload
from keep_providers import AlertDto, AlertSeverity, AlertStatus
from pydantic import BaseModel

NOW = datetime(2024, 5, 1, 10, 0, 0, 123000, tzinfo=UTC)

RAW = RawEvent(
    event_id="raw-1",
    tenant_id="acme",
    provider_type="prometheus",
    provider_id="am-prod",
    received_at=NOW,
    headers={"user-agent": "Alertmanager/0.27.0"},
    body=json.dumps({"version": "4", "status": "firing", "alerts": [{"labels": {"alertname": "Überlast"}}]}),
)

ALERT = AlertDto(
    name="Überlast",
    status=AlertStatus.FIRING,
    severity=AlertSeverity.CRITICAL,
    lastReceived=NOW,
    firingStartTime=NOW,
    service="checkout",
    source=["prometheus"],
    labels={"alertname": "Überlast", "instance": "db-1"},
    annotations={"summary": "disk full"},
    fingerprint="1a30ba71cca2921f",
    providerType="prometheus",
    providerId="am-prod",
    endsAt=None,
    receiver="keep",
)

SNAPSHOT = IncidentSnapshot(
    id="inc-42",
    tenant_id="acme",
    name="checkout degraded",
    status=IncidentStatus.FIRING,
    severity=AlertSeverity.HIGH,
    rule="by-service",
    group_key="service=checkout",
    created_at=NOW,
    updated_at=NOW,
    alert_count=2,
    firing_alert_count=1,
    alert_fingerprints=["f1", "f2"],
)

SAMPLES: dict[str, BaseModel] = {
    "keep.raw_event.v1": RAW,
    "keep.alert.v1": AlertEvent(event_id="raw-1:0", tenant_id="acme", fingerprint="1a30ba71cca2921f", alert=ALERT),
    "keep.alert_error.v1": ErrorEvent(
        event_id="raw-1",
        stage="normalize",
        error_type="FormatterError",
        error_message="body is not JSON",
        raw=RAW,
        attempt=2,
        failed_at=NOW,
    ),
    "keep.incident.v1": IncidentEvent(
        event_id="evt-3", tenant_id="acme", change=IncidentChange.ALERT_ADDED, version=3, incident=SNAPSHOT
    ),
    "keep.action_request.v1": ActionRequest(
        request_id="req-1",
        tenant_id="acme",
        rule="notify-ops",
        provider_type="webhook",
        provider_instance="ops-webhook",
        params={"body": {"event": "created", "nested": [1, 2.5, None, True]}},
        idempotency_key="notify-ops:inc-42:3",
        incident_id="inc-42",
        created_at=NOW,
    ),
    "keep.action_result.v1": ActionResult(
        request_id="req-1",
        tenant_id="acme",
        rule="notify-ops",
        provider_instance="ops-webhook",
        idempotency_key="notify-ops:inc-42:3",
        outcome=ActionOutcome.SUCCEEDED,
        attempts=2,
        status_code=200,
        response_summary="ok",
        finished_at=NOW,
    ),
}


def event_models() -> list[type[BaseModel]]:
    """Every model in keep_core.events that is a topic value (it names its schema)."""
    models = []
    for name in events.__all__:
        candidate = getattr(events, name)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel) and "schema_" in candidate.model_fields:
            models.append(candidate)
    return models


def schema_name(model: type[BaseModel]) -> str:
    default = model.model_fields["schema_"].default
    assert isinstance(default, str)
    return default


def test_every_event_model_has_a_sample() -> None:
    names = {schema_name(model) for model in event_models()}
    assert len(names) == 6
    assert names == set(SAMPLES)
    for name, sample in SAMPLES.items():
        assert schema_name(type(sample)) == name


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_event_round_trips_through_the_codec(name: str) -> None:
    sample = SAMPLES[name]
    data = encode(sample)
    assert isinstance(data, bytes)
    decoded = decode(type(sample), data)
    assert decoded == sample
    assert encode(decoded) == data
    assert decode(type(sample), data.decode("utf-8")) == sample


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_encoded_json_names_its_schema_version(name: str) -> None:
    document = json.loads(encode(SAMPLES[name]))
    assert document["schema"] == name
    assert name.endswith(".v1")
    assert "schema_" not in document


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_json_schema_validates_the_encoded_json(name: str) -> None:
    model = type(SAMPLES[name])
    schema = model.model_json_schema(by_alias=True)
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads(encode(SAMPLES[name]))
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_json_schema_rejects_a_wrong_schema_name(name: str) -> None:
    model = type(SAMPLES[name])
    schema = model.model_json_schema(by_alias=True)
    document = json.loads(encode(SAMPLES[name]))
    document["schema"] = name.replace(".v1", ".v2")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def test_alert_event_keeps_alert_extra_fields_and_unicode() -> None:
    sample = SAMPLES["keep.alert.v1"]
    data = encode(sample)
    assert "Überlast".encode() in data
    decoded = decode(AlertEvent, data)
    assert decoded.alert.model_dump()["receiver"] == "keep"
    assert decoded.alert.severity is AlertSeverity.CRITICAL
    assert decoded.alert.lastReceived == NOW


def test_decoding_one_schema_as_another_fails() -> None:
    with pytest.raises(BadPayload):
        decode(AlertEvent, encode(SAMPLES["keep.raw_event.v1"]))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(None, id="none"),
        pytest.param(b"", id="empty"),
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"\xff\xfe\x00", id="not-utf8"),
        pytest.param(b"[]", id="list"),
        pytest.param(b"{}", id="empty-object"),
        pytest.param(b'{"schema": "keep.raw_event.v1"}', id="missing-fields"),
        pytest.param(
            b'{"schema": "keep.raw_event.v2", "tenant_id": "a", "provider_type": "p", "body": ""}', id="future-version"
        ),
        pytest.param(b'{"tenant_id": "a", "provider_type": "p", "body": "", "surprise": 1}', id="unknown-field"),
    ],
)
def test_decode_of_garbage_raises_bad_payload(data: bytes | None) -> None:
    with pytest.raises(BadPayload) as caught:
        decode(RawEvent, data)
    assert "RawEvent" in str(caught.value)


def test_events_are_immutable() -> None:
    with pytest.raises(ValueError):
        RAW.tenant_id = "other"  # type: ignore[misc]


def test_encode_key_joins_parts_with_colons() -> None:
    assert encode_key("acme", "1a30ba71cca2921f") == b"acme:1a30ba71cca2921f"
    assert encode_key("acme", "prometheus", "am-prod") == b"acme:prometheus:am-prod"
