"""The pull scheduler against the real PostgreSQL, a provider from a separate package
and a local fake of its vendor's API; what it would publish is collected."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from keep_core.events import ORIGIN_HEADER, PULL_ORIGIN, RawEvent
from keep_core.postgres import create_pool
from keep_core.provider_instances import ProviderInstanceStore
from keep_core.secretbox import SecretBox
from keep_providers import ProvidersFactory
from normalizer.pull import PullScheduler
from normalizer.settings import NormalizerSettings

pytestmark = pytest.mark.integration


class Harness:
    def __init__(self, store: ProviderInstanceStore, settings: NormalizerSettings) -> None:
        self.store = store
        self.published: list[RawEvent] = []
        self.scheduler = PullScheduler(store, ProvidersFactory(), self._publish, settings)

    async def _publish(self, raw: RawEvent) -> None:
        self.published.append(raw)

    def alerts(self) -> list[dict[str, Any]]:
        return [alert for raw in self.published for alert in json.loads(raw.body)]


@pytest.fixture
async def harness(stack: Any, acme_provider_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    monkeypatch.syspath_prepend(str(acme_provider_path))
    settings = stack.settings(NormalizerSettings, pull_chunk_size=2)
    pool = create_pool(settings)
    await pool.open()
    try:
        yield Harness(ProviderInstanceStore.from_settings(pool, settings), settings)
    finally:
        await pool.close()


async def _install(harness: Harness, stack: Any, acme_api: Any, name: str = "acme", **config: Any) -> str:
    instance = await harness.store.create(
        stack.tenant,
        "acme",
        name,
        {"url": acme_api.url, "token": "good-token", **config},
        pull_enabled=True,
        pull_interval_seconds=60,
    )
    return instance.id


async def test_due_instance_is_pulled_in_chunks_marked_as_pulled(harness: Harness, stack: Any, acme_api: Any) -> None:
    acme_api.alerts = [{"id": str(n), "title": f"Alert {n}", "state": "open"} for n in range(5)]
    provider_id = await _install(harness, stack, acme_api)

    assert await harness.scheduler.run_due(time.time()) == 1
    assert [len(json.loads(raw.body)) for raw in harness.published] == [2, 2, 1]
    assert {raw.headers[ORIGIN_HEADER] for raw in harness.published} == {PULL_ORIGIN}
    assert {(raw.tenant_id, raw.provider_type, raw.provider_id) for raw in harness.published} == {
        (stack.tenant, "acme", provider_id)
    }
    assert sorted(alert["fingerprint"] for alert in harness.alerts()) == [f"acme-{n}" for n in range(5)]
    assert {alert["pushed"] for alert in harness.alerts()} == {False}
    instance = await harness.store.get(stack.tenant, provider_id)
    assert instance is not None
    assert (instance.last_pull_count, instance.last_pull_error) == (5, None)

    harness.published.clear()
    assert await harness.scheduler.run_due(time.time()) == 0, "not due again before its interval"
    assert await harness.scheduler.run_due(time.time() + 61) == 1


async def test_an_alert_gone_from_the_source_is_published_resolved_once(
    harness: Harness, stack: Any, acme_api: Any
) -> None:
    acme_api.alerts = [
        {"id": "1", "title": "Disk full", "state": "open", "service": "db"},
        {"id": "2", "title": "CPU", "state": "open"},
    ]
    await _install(harness, stack, acme_api)
    await harness.scheduler.run_due(time.time())
    acme_api.alerts = acme_api.alerts[1:]
    harness.published.clear()

    await harness.scheduler.run_due(time.time() + 61)
    by_fingerprint = {alert["fingerprint"]: alert for alert in harness.alerts()}
    assert by_fingerprint["acme-1"]["status"] == "resolved"
    assert (by_fingerprint["acme-1"]["name"], by_fingerprint["acme-1"]["service"]) == ("Disk full", "db")
    assert by_fingerprint["acme-2"]["status"] == "firing"

    harness.published.clear()
    await harness.scheduler.run_due(time.time() + 122)
    assert [alert["fingerprint"] for alert in harness.alerts()] == ["acme-2"], "resolved once, then forgotten"


async def test_a_failing_source_is_recorded_and_keeps_what_was_firing(
    harness: Harness, stack: Any, acme_api: Any
) -> None:
    acme_api.alerts = [{"id": "1", "title": "Disk full", "state": "open"}]
    provider_id = await _install(harness, stack, acme_api)
    await harness.scheduler.run_due(time.time())
    del acme_api.tokens["good-token"]
    harness.published.clear()

    await harness.scheduler.run_due(time.time() + 61)
    assert harness.published == [], "a failed pull resolves nothing"
    instance = await harness.store.get(stack.tenant, provider_id)
    assert instance is not None and instance.last_pull_error is not None
    assert "401" in instance.last_pull_error and "good-token" not in instance.last_pull_error
    assert list(instance.pull_state) == ["acme-1"]


async def test_an_instance_sealed_with_another_key_does_not_stop_the_others(
    harness: Harness, stack: Any, acme_api: Any
) -> None:
    acme_api.alerts = [{"id": "1", "title": "Disk full", "state": "open"}]
    foreign = ProviderInstanceStore(harness.store._pool, SecretBox("another-deployment-secret-key"))
    await foreign.create(
        stack.tenant,
        "acme",
        "foreign",
        {"url": acme_api.url, "token": "x"},
        pull_enabled=True,
        pull_interval_seconds=None,
    )
    await _install(harness, stack, acme_api)

    assert await harness.scheduler.run_due(time.time()) == 1
    assert [alert["fingerprint"] for alert in harness.alerts()] == ["acme-1"]
