"""The incident store on real PostgreSQL: grouping, resolving, and redelivery."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from correlator.rules import CorrelationRule
from correlator.store.postgres import PostgresIncidentStore
from keep_core.events import AlertEvent
from keep_core.postgres import create_pool
from keep_providers import AlertDto, AlertSeverity, AlertStatus

pytestmark = pytest.mark.integration

T = TypeVar("T")
START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
RULE = CorrelationRule(name="default", group_by=("service",), window=timedelta(minutes=30))


def _event(
    stack: Any,
    event_id: str,
    fingerprint: str,
    *,
    service: str | None = "checkout",
    status: AlertStatus = AlertStatus.FIRING,
    severity: AlertSeverity = AlertSeverity.WARNING,
    minutes: float = 0,
    name: str = "HighErrorRate",
) -> AlertEvent:
    alert = AlertDto(
        name=name,
        status=status,
        severity=severity,
        service=service,
        fingerprint=fingerprint,
        lastReceived=START + timedelta(minutes=minutes),
    )
    return AlertEvent(event_id=event_id, tenant_id=stack.tenant, fingerprint=fingerprint, alert=alert)


def _run(stack: Any, scenario: Callable[[PostgresIncidentStore], Awaitable[T]]) -> T:
    async def main() -> T:
        pool = create_pool(stack.settings())
        store = PostgresIncidentStore(pool, RULE)
        await store.open()
        try:
            return await scenario(store)
        finally:
            # Nothing here publishes: mark this tenant's events so that no other test's
            # correlator relays them into its own topics.
            async with pool.connection() as conn:
                await conn.execute(
                    "UPDATE incident_outbox SET published_at = now() WHERE payload->>'tenant_id' = %s", (stack.tenant,)
                )
            await pool.close()

    return asyncio.run(main())


def _changes(messages: list[Any]) -> list[tuple[str, int, str, int]]:
    decoded = [json.loads(message.value) for message in messages]
    return [(d["change"], d["version"], d["incident"]["status"], d["incident"]["alert_count"]) for d in decoded]


def test_alerts_of_one_service_share_an_incident_that_resolves_with_the_last_alert(stack: Any) -> None:
    async def scenario(store: PostgresIncidentStore) -> list[Any]:
        return [
            await store.apply_alerts(
                [_event(stack, "e1", "fp-a"), _event(stack, "e2", "fp-b", minutes=1, severity=AlertSeverity.CRITICAL)]
            ),
            await store.apply_alerts([_event(stack, "e3", "fp-a", status=AlertStatus.RESOLVED, minutes=2)]),
            await store.apply_alerts([_event(stack, "e4", "fp-b", status=AlertStatus.RESOLVED, minutes=3)]),
        ]

    first, partly, last = _run(stack, scenario)
    assert _changes(first) == [("created", 1, "firing", 1), ("alert_added", 2, "firing", 2)]
    assert json.loads(first[1].value)["incident"]["severity"] == "critical"
    assert partly == []
    assert _changes(last) == [("resolved", 3, "resolved", 2)]


def test_redelivered_events_change_nothing(stack: Any) -> None:
    batch = [_event(stack, "r1", "fp-r"), _event(stack, "r2", "fp-r", status=AlertStatus.RESOLVED, minutes=1)]

    async def scenario(store: PostgresIncidentStore) -> tuple[list[Any], list[Any]]:
        return await store.apply_alerts(batch), await store.apply_alerts(batch)

    first, again = _run(stack, scenario)
    assert [c[0] for c in _changes(first)] == ["created", "resolved"]
    assert again == []


def test_other_services_and_alerts_outside_the_window_open_new_incidents(stack: Any) -> None:
    async def scenario(store: PostgresIncidentStore) -> list[Any]:
        return await store.apply_alerts(
            [
                _event(stack, "w1", "fp-1"),
                _event(stack, "w2", "fp-2", service="payments"),
                _event(stack, "w3", "fp-3", minutes=45),
                _event(stack, "w4", "fp-4", service=None, name="Orphan"),
            ]
        )

    messages = _run(stack, scenario)
    incidents = {json.loads(m.value)["incident"]["id"] for m in messages}
    assert [c[0] for c in _changes(messages)] == ["created"] * 4
    assert len(incidents) == 4
    names = sorted(json.loads(m.value)["incident"]["name"] for m in messages)
    assert names == ["Orphan", "checkout: HighErrorRate", "checkout: HighErrorRate", "payments: HighErrorRate"]


def test_unpublished_outbox_rows_are_claimed_once_and_marked(stack: Any) -> None:
    async def scenario(store: PostgresIncidentStore) -> tuple[int, int, int]:
        messages = await store.apply_alerts([_event(stack, "o1", "fp-o")])
        claimed = await store.claim_unpublished(older_than_seconds=0, limit=1000)
        ours = [m for m in claimed if m.outbox_id in {message.outbox_id for message in messages}]
        await store.mark_published([m.outbox_id for m in ours])
        after = await store.claim_unpublished(older_than_seconds=0, limit=1000)
        return len(messages), len(ours), len([m for m in after if m.outbox_id in {o.outbox_id for o in ours}])

    assert _run(stack, scenario) == (1, 1, 0)
