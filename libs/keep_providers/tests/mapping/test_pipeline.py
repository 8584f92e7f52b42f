"""A source without a provider, onboarded by config alone: install a mapping instance
through the API, post the source's own JSON to it, and find the mapped alerts."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_an_installed_mapping_turns_a_custom_body_into_alerts(
    stack: Any,
    services: Any,
    wait_until: Callable[..., Any],
    payload: Callable[[str], Any],
    observer_config: dict[str, Any],
) -> None:
    services.start("normalizer", stack.env)
    services.start("correlator", stack.env)
    gateway = services.start("gateway", stack.env)
    client = httpx.Client(base_url=gateway, headers={"X-API-KEY": stack.api_key}, timeout=20.0)

    refused = client.post(
        "/api/providers",
        json={
            "type": "mapping",
            "name": "broken-observer",
            "config": {**observer_config, "fields": {**observer_config["fields"], "name": "{{ entry.title "}},
        },
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith(
        "invalid mapping config: fields: Value error, 'name': template syntax error: unexpected end of template"
    )
    name_only = client.post(
        "/api/providers",
        json={
            "type": "mapping",
            "name": "name-only",
            "config": {"fields": {"name": "$.title"}, "fingerprint_fields": ["name"]},
        },
    )
    assert name_only.status_code == 422, name_only.text
    assert "fingerprint_fields: Value error, `name` alone would merge unrelated alerts" in name_only.json()["detail"]

    installed = client.post(
        "/api/providers",
        json={"type": "mapping", "name": "acme-observer", "config": observer_config, "validate_scopes": False},
    )
    assert installed.status_code == 201, installed.text
    endpoint = installed.json()["webhook"]["url"]
    assert endpoint == f"/api/alerts/event/mapping?provider_id={installed.json()['id']}"
    assert installed.json()["config"]["alerts_path"] == "$.data.items[*]"

    body = payload("observer_items")
    accepted = client.post(endpoint, json=body)
    assert accepted.status_code == 202, accepted.text

    def all_three() -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = client.get("/api/alerts").json()
        return found if len(found) == 3 else None

    alerts = wait_until(all_three)
    by_fingerprint = {alert["fingerprint"]: alert for alert in alerts}
    assert {fp: (a["name"], a["status"], a["severity"]) for fp, a in by_fingerprint.items()} == {
        "evt-9001": ("Payment latency p99 above 2 s", "firing", "critical"),
        "evt-9002": ("Zahlungsdienst: Latenz über 2 s — 東京 ⚠️", "acknowledged", "warning"),
        "evt-9003": ("Queue depth back to normal", "resolved", "high"),
    }
    payments = by_fingerprint["evt-9001"]
    assert (payments["service"], payments["environment"]) == ("payments", "prod")
    assert payments["labels"] == {"region": "eu-central-1", "account": "acme-prod", "source": "acme-observer"}
    assert (payments["providerType"], payments["providerId"]) == ("mapping", installed.json()["id"])
    assert by_fingerprint["evt-9002"]["assignee"] == "Zoë"

    # The source closes the first event: the same alert changes status, no new alert appears.
    closed = copy.deepcopy(body)
    closed["data"]["items"][0]["state"] = "closed"
    assert client.post(endpoint, json=closed).status_code == 202

    def first_resolved() -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = client.get("/api/alerts").json()
        statuses = {alert["fingerprint"]: alert["status"] for alert in found}
        return found if statuses.get("evt-9001") == "resolved" else None

    alerts = wait_until(first_resolved)
    assert sorted(alert["fingerprint"] for alert in alerts) == ["evt-9001", "evt-9002", "evt-9003"]
