"""Installed providers through the running pipeline: a provider from a separately
built package receives pushed alerts, and its alerts API is pulled by exactly one of
two normalizers, with vanished alerts resolved."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

PULL_INTERVAL = 10.0


def _alerts_by_fingerprint(client: httpx.Client) -> dict[str, dict[str, Any]]:
    return {alert["fingerprint"]: alert for alert in client.get("/api/alerts").json()}


def test_third_party_provider_installs_receives_pushed_alerts_and_is_pulled_by_one_normalizer(
    stack: Any,
    services: Any,
    acme_api: Any,
    acme_provider_path: Path,
    wait_until: Callable[..., Any],
) -> None:
    env = {**stack.env, "PYTHONPATH": str(acme_provider_path), "KEEP_PULL_TICK_SECONDS": "1"}
    services.start("normalizer", env)
    services.start("normalizer-2", env, command="normalizer")
    services.start("correlator", env)
    gateway = services.start("gateway", env)
    client = httpx.Client(base_url=gateway, headers={"X-API-KEY": stack.api_key}, timeout=20.0)
    acme_api.alerts = [
        {"id": "a1", "title": "Disk full", "state": "open", "priority": "p1", "service": "db"},
        {"id": "a2", "title": "Disk full", "state": "open", "priority": "p3", "service": "web"},
        {"id": "a3", "title": "Queue backlog", "state": "acked", "service": "jobs"},
    ]

    installed = client.post(
        "/api/providers",
        json={
            "type": "acme",
            "name": "acme",
            "config": {"url": acme_api.url, "token": "good-token"},
            "pull_enabled": True,
            "pull_interval_seconds": PULL_INTERVAL,
        },
    )
    assert installed.status_code == 201, installed.text
    provider_id = installed.json()["id"]

    pulled = wait_until(lambda: len(_alerts_by_fingerprint(client)) == 3 and _alerts_by_fingerprint(client))
    assert {fp: (a["name"], a["status"], a["severity"], a["pushed"]) for fp, a in pulled.items()} == {
        "acme-a1": ("Disk full", "firing", "critical", False),
        "acme-a2": ("Disk full", "firing", "warning", False),
        "acme-a3": ("Queue backlog", "acknowledged", "info", False),
    }
    assert {alert["providerId"] for alert in pulled.values()} == {provider_id}

    pushed = client.post(
        f"/api/alerts/event/acme?provider_id={provider_id}",
        json={"incidents": [{"id": "p9", "title": "Pushed one", "state": "open", "priority": "p2"}]},
    )
    assert pushed.status_code == 202
    alert = wait_until(lambda: _alerts_by_fingerprint(client).get("acme-p9"))
    assert (alert["status"], alert["severity"], alert["pushed"], alert["providerType"]) == (
        "firing",
        "high",
        True,
        "acme",
    )

    # Gone from the source's active list: the next pull resolves it.
    acme_api.alerts = acme_api.alerts[1:]
    resolved = wait_until(
        lambda: _alerts_by_fingerprint(client)["acme-a1"]["status"] == "resolved", timeout=PULL_INTERVAL * 4
    )
    assert resolved
    assert _alerts_by_fingerprint(client)["acme-a2"]["status"] == "firing"

    # Both normalizers tick every second; only the leader pulls, so no two pulls overlap.
    first_pages = acme_api.pull_started
    assert len(first_pages) >= 2
    gaps = [later - earlier for earlier, later in itertools.pairwise(first_pages)]
    assert min(gaps) >= PULL_INTERVAL * 0.8, gaps

    health = client.get(f"/api/providers/{provider_id}/health").json()
    pull_check = next(check for check in health["checks"] if check["name"] == "pull")
    assert pull_check["ok"] is True and pull_check["data"]["last_count"] == 2
    assert health["alerts"]["count"] == 4
