"""The walking skeleton, end to end: four service processes, the real broker and
PostgreSQL, and a local webhook receiver."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from keep_core.kafka import ensure_topics

from conftest import start_broker

pytestmark = pytest.mark.e2e

PAYLOADS = Path(__file__).parent / "payloads"


def _firing() -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((PAYLOADS / "alertmanager_firing.json").read_text())
    return payload


def _resolved(firing: dict[str, Any]) -> dict[str, Any]:
    resolved = copy.deepcopy(firing)
    resolved["status"] = "resolved"
    for alert in resolved["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2026-11-28T13:20:00Z"
    return resolved


def _metric(base_url: str, name: str) -> float:
    text = httpx.get(f"{base_url}/metrics").text
    match = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _write_actions(path: Path, url: str) -> Path:
    path.write_text(
        "providers:\n"
        "  receiver:\n"
        "    type: webhook\n"
        f"    config: {{url: '{url}'}}\n"
        "rules:\n"
        "  - name: notify\n"
        "    on: [created, resolved]\n"
        "    provider: receiver\n"
    )
    return path


def test_alertmanager_alert_becomes_one_incident_and_one_notification_per_change(
    stack: Any, services: Any, webhook_receiver: Any, wait_until: Callable[..., Any], tmp_path: Path
) -> None:
    env = {**stack.env, "KEEP_ACTIONS_FILE": str(_write_actions(tmp_path / "actions.yaml", webhook_receiver.url))}
    normalizer = services.start("normalizer", env)
    services.start("correlator", env)
    services.start("actions", env)
    gateway = services.start("gateway", env)
    client = httpx.Client(base_url=gateway, headers={"X-API-KEY": stack.api_key}, timeout=20.0)
    firing = _firing()

    answer = client.post("/api/alerts/event/prometheus", json=firing)
    assert answer.status_code == 202, answer.text
    assert answer.json()["event_id"]

    alerts = wait_until(lambda: client.get("/api/alerts").json())
    assert [(a["name"], a["status"], a["severity"], a["fingerprint"]) for a in alerts] == [
        ("HighErrorRate", "firing", "critical", "5e2d1f3c9a7b4c11")
    ]
    incidents = wait_until(lambda: client.get("/api/incidents").json()["items"])
    assert len(incidents) == 1
    incident = incidents[0]
    assert (incident["status"], incident["severity"], incident["alert_count"]) == ("firing", "critical", 1)
    wait_until(lambda: len(webhook_receiver.delivered()) == 1)
    created = webhook_receiver.delivered()[0]["body"]
    assert (created["event"], created["incident"]["id"]) == ("created", incident["id"])

    # The same payload again is a full duplicate: dropped by the normalizer.
    assert client.post("/api/alerts/event/prometheus", json=firing).status_code == 202
    wait_until(lambda: _metric(normalizer, "keep_normalizer_alerts_duplicate_total") == 1.0)
    assert client.get("/api/incidents").json()["count"] == 1
    assert len(webhook_receiver.requests) == 1

    assert client.post("/api/alerts/event/prometheus", json=_resolved(firing)).status_code == 202
    resolved = wait_until(
        lambda: [i for i in client.get("/api/incidents").json()["items"] if i["status"] == "resolved"]
    )
    assert resolved[0]["id"] == incident["id"] and resolved[0]["resolved_at"]
    wait_until(lambda: len(webhook_receiver.delivered()) == 2)
    assert webhook_receiver.delivered()[1]["body"]["event"] == "resolved"
    detail = client.get(f"/api/incidents/{incident['id']}").json()
    assert [a["status"] for a in detail["alerts"]] == ["resolved"]
    assert client.get("/api/incidents").json()["count"] == 1


def test_unformattable_payload_goes_to_dead_letters_with_its_body(
    stack: Any, services: Any, postgres_dsn: str, wait_until: Callable[..., Any]
) -> None:
    import psycopg

    services.start("normalizer", stack.env)
    services.start("correlator", stack.env)
    gateway = services.start("gateway", stack.env)
    body = {"alerts": "not a list", "note": "kept verbatim ✓"}
    answer = httpx.post(f"{gateway}/api/alerts/event/prometheus", json=body, headers={"X-API-KEY": stack.api_key})
    assert answer.status_code == 202

    def dead_letter() -> Any:
        with psycopg.connect(postgres_dsn) as conn:
            return conn.execute(
                "SELECT error_type, raw->>'body' FROM alert_errors WHERE event_id = %s", (answer.json()["event_id"],)
            ).fetchone()

    error_type, raw_body = wait_until(dead_letter)
    assert error_type == "FormatterError"
    assert json.loads(raw_body) == body


def test_gateway_answers_503_not_202_while_the_broker_is_down(stack: Any, services: Any, tmp_path: Path) -> None:
    broker = start_broker(tmp_path / "own-broker")
    try:
        settings = stack.settings(kafka_bootstrap_servers=broker.bootstrap_servers)
        asyncio.run(ensure_topics(settings))
        env = {
            **stack.env,
            "KEEP_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "KEEP_KAFKA_SEND_TIMEOUT_SECONDS": "3",
            "KEEP_KAFKA_REQUEST_TIMEOUT_SECONDS": "3",
        }
        gateway = services.start("gateway", env)
        # The client's own timeout bounds the answer: a hanging request fails the test.
        client = httpx.Client(base_url=gateway, headers={"X-API-KEY": stack.api_key}, timeout=15.0)
        assert client.post("/api/alerts/event/prometheus", json=_firing()).status_code == 202
    finally:
        broker.stop()
    answer = client.post("/api/alerts/event/prometheus", json=_firing())
    assert answer.status_code == 503
    assert answer.headers["Retry-After"].isdigit()
    assert "detail" in answer.json()
    assert client.get("/readyz").status_code in (200, 503)
