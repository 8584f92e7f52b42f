"""Every inbound provider through the running pipeline: its documented firing payload
(`libs/keep_providers/tests/<type>/payloads/firing.json`) posted to the gateway comes
out of `GET /api/alerts` as the alerts its formatter makes, and posting it again is
dropped as a duplicate. Providers whose webhooks need an installed instance (signed
deliveries, per-instance mappings) have their own `test_pipeline.py` instead."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from keep_core.apikeys import generate_api_key, store_api_key
from keep_providers import ProvidersFactory

from conftest import ServiceProcesses, Stack, eventually

pytestmark = pytest.mark.e2e

PROVIDER_TESTS = Path(__file__).parent.parent / "libs" / "keep_providers" / "tests"
FACTORY = ProvidersFactory()
INBOUND = [name for name in FACTORY.provider_types() if FACTORY.has_formatter(name)]
WITH_OWN_PIPELINE_TEST = [name for name in INBOUND if (PROVIDER_TESTS / name / "test_pipeline.py").exists()]
BY_FIRING_PAYLOAD = [name for name in INBOUND if name not in WITH_OWN_PIPELINE_TEST]


@dataclass
class Pipeline:
    stack: Stack
    gateway: str
    normalizer: str


@pytest.fixture(scope="module")
def pipeline(new_stack: Callable[[], Stack], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    stack = new_stack()
    processes = ServiceProcesses(tmp_path_factory.mktemp("pipeline"))
    try:
        normalizer = processes.start("normalizer", stack.env)
        processes.start("correlator", stack.env)
        gateway = processes.start("gateway", stack.env)
        yield Pipeline(stack, gateway, normalizer)
    finally:
        processes.stop_all()


def _duplicates_dropped(normalizer: str) -> float:
    text = httpx.get(f"{normalizer}/metrics").text
    match = re.search(r"^keep_normalizer_alerts_duplicate_total ([0-9.e+]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_every_inbound_provider_is_covered_by_a_pipeline_test() -> None:
    uncovered = [
        name for name in BY_FIRING_PAYLOAD if not (PROVIDER_TESTS / name / "payloads" / "firing.json").exists()
    ]
    assert not uncovered, f"add payloads/firing.json or test_pipeline.py for: {uncovered}"
    assert len(INBOUND) >= 15


@pytest.mark.parametrize("provider_type", BY_FIRING_PAYLOAD)
def test_firing_payload_comes_out_of_the_pipeline_as_its_formatted_alerts(
    pipeline: Pipeline, postgres_dsn: str, provider_type: str
) -> None:
    body = (PROVIDER_TESTS / provider_type / "payloads" / "firing.json").read_bytes()
    expected = {
        alert.fingerprint: (alert.name, alert.status.value, alert.severity.value)
        for alert in FACTORY.get_class(provider_type).format_alerts(json.loads(body), {})
    }
    # A tenant of its own per provider, so that the alerts listed are this provider's.
    tenant, key = f"{pipeline.stack.tenant}-{provider_type}", generate_api_key()
    with psycopg.connect(postgres_dsn) as conn:
        store_api_key(conn, tenant, key, name="pipeline")
    client = httpx.Client(
        base_url=pipeline.gateway, headers={"X-API-KEY": key, "Content-Type": "application/json"}, timeout=20.0
    )
    accepted = eventually(lambda: client.post(f"/api/alerts/event/{provider_type}", content=body).status_code == 202)
    assert accepted

    def listed() -> dict[str, tuple[str, str, str]]:
        alerts = client.get("/api/alerts").json()
        return {
            a["fingerprint"]: (a["name"], a["status"], a["severity"])
            for a in alerts
            if a["providerType"] == provider_type
        }

    assert eventually(lambda: listed() == expected and listed(), timeout=60.0) == expected

    before = _duplicates_dropped(pipeline.normalizer)
    assert client.post(f"/api/alerts/event/{provider_type}", content=body).status_code == 202
    assert eventually(lambda: _duplicates_dropped(pipeline.normalizer) - before >= len(expected))
    assert listed() == expected
