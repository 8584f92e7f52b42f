"""The gateway built by its app factory, against the real broker and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from ingest_gateway import GatewaySettings, create_app
from keep_core.codec import decode
from keep_core.events import RawEvent
from keep_core.topics import TopicNames
from starlette.testclient import TestClient

pytestmark = pytest.mark.integration

ALERT = {"name": "DiskFull", "status": "firing", "severity": "warning", "service": "db", "labels": {"host": "db-1"}}


@pytest.fixture
def client(stack: Any, wait_until: Any) -> Iterator[TestClient]:
    settings = stack.settings(GatewaySettings, max_body_bytes=4096)
    with TestClient(create_app(settings)) as test_client:
        wait_until(lambda: test_client.get("/readyz").status_code == 200)
        yield test_client


def _read_raw(stack: Any, count: int) -> list[RawEvent]:
    async def consume() -> list[RawEvent]:
        consumer = AIOKafkaConsumer(
            TopicNames(stack.prefix).raw,
            bootstrap_servers=stack.bootstrap,
            auto_offset_reset="earliest",
            group_id=f"{stack.prefix}-reader",
        )
        await consumer.start()
        try:
            events: list[RawEvent] = []
            async with asyncio.timeout(30):
                while len(events) < count:
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        events.extend(decode(RawEvent, record.value) for record in records)
            return events
        finally:
            await consumer.stop()

    return asyncio.run(consume())


def test_accepted_event_is_on_the_raw_topic_with_its_body_and_no_credentials(client: TestClient, stack: Any) -> None:
    body = json.dumps([ALERT, {**ALERT, "name": "CPUHigh"}])
    answer = client.post(
        "/api/alerts/event", content=body, headers={"X-API-KEY": stack.api_key, "Content-Type": "application/json"}
    )
    assert answer.status_code == 202
    (event,) = _read_raw(stack, 1)
    assert event.event_id == answer.json()["event_id"]
    assert (event.tenant_id, event.provider_type, event.body) == (stack.tenant, "keep", body)
    assert stack.api_key not in event.model_dump_json()
    assert "x-api-key" not in event.headers


@pytest.mark.parametrize(
    "form",
    ["x-api-key", "bearer", "basic", "query"],
)
def test_every_documented_api_key_form_is_accepted(client: TestClient, stack: Any, form: str) -> None:
    headers = {"Content-Type": "application/json"}
    url = "/api/alerts/event"
    if form == "x-api-key":
        headers["X-API-KEY"] = stack.api_key
    elif form == "bearer":
        headers["Authorization"] = f"Bearer {stack.api_key}"
    elif form == "basic":
        headers["Authorization"] = "Basic " + base64.b64encode(f"api_key:{stack.api_key}".encode()).decode()
    else:
        url += f"?api_key={stack.api_key}"
    assert client.post(url, json=ALERT, headers=headers).status_code == 202


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing API key"),
        ({"X-API-KEY": "keep_not-a-real-key"}, "invalid API key"),
        ({"Authorization": "Basic " + base64.b64encode(b"someone:secret").decode()}, "missing API key"),
    ],
)
def test_requests_without_a_valid_key_get_401_with_a_reason(
    client: TestClient, headers: dict[str, str], reason: str
) -> None:
    answer = client.post("/api/alerts/event", json=ALERT, headers=headers)
    assert answer.status_code == 401
    assert reason in answer.json()["detail"]
    assert client.get("/api/incidents", headers=headers).status_code == 401


def test_bad_requests_get_the_right_status_and_a_reason(client: TestClient, stack: Any) -> None:
    key = {"X-API-KEY": stack.api_key}
    cases = [
        (client.post("/api/alerts/event", content="{nope", headers={**key, "Content-Type": "application/json"}), 400),
        (client.post("/api/alerts/event", content="<a/>", headers={**key, "Content-Type": "application/xml"}), 415),
        (client.post("/api/alerts/event/no-such-tool", json={}, headers=key), 404),
        (client.post("/api/alerts/event", json={"status": "firing"}, headers=key), 422),
        (client.post("/api/alerts/event", json=[], headers=key), 422),
        (client.post("/api/alerts/event", json={"name": "x" * 5000}, headers=key), 413),
        (client.get("/api/incidents/does-not-exist", headers=key), 404),
        (client.get("/api/alerts?limit=many", headers=key), 400),
    ]
    for answer, status in cases:
        assert answer.status_code == status, answer.text
        assert answer.json()["detail"]


def test_body_over_the_limit_without_content_length_is_refused(client: TestClient, stack: Any) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    answer = client.post(
        "/api/alerts/event", content=chunks(), headers={"X-API-KEY": stack.api_key, "Content-Type": "application/json"}
    )
    assert answer.status_code == 413


def test_health_readiness_and_metrics(client: TestClient, stack: Any) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    client.post("/api/alerts/event", json=ALERT, headers={"X-API-KEY": stack.api_key})
    metrics = client.get("/metrics").text
    assert 'keep_gateway_events_accepted_total{provider_type="keep"}' in metrics


def test_without_a_reachable_broker_the_gateway_answers_503_with_retry_after(stack: Any) -> None:
    from keep_core.devstack.process import free_port

    settings = stack.settings(
        GatewaySettings, kafka_bootstrap_servers=f"127.0.0.1:{free_port()}", kafka_send_timeout_seconds=1.0
    )
    with TestClient(create_app(settings)) as unreachable:
        answer = unreachable.post("/api/alerts/event", json=ALERT, headers={"X-API-KEY": stack.api_key})
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == str(settings.retry_after_seconds)
        readiness = unreachable.get("/readyz")
        assert readiness.status_code == 503
        assert "kafka: not connected" in readiness.json()["problems"]
