"""Alerts in, incidents out; plus the relay for incident events a crash left unpublished."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence

import faust
from faust.types import TopicT
from keep_core.codec import decode
from keep_core.events import AlertEvent, ErrorEvent

from correlator.metrics import ALERTS_APPLIED, INCIDENT_EVENTS_PUBLISHED
from correlator.settings import CorrelatorSettings
from correlator.store.base import IncidentStore, OutboxMessage

__all__ = ["register_agents"]

logger = logging.getLogger(__name__)

# Younger unpublished rows belong to a batch still publishing them.
_RELAY_GRACE_SECONDS = 30.0
_RELAY_BATCH = 500


def register_agents(
    app: faust.App,
    *,
    alerts: TopicT,
    errors: TopicT,
    incidents: TopicT,
    store: IncidentStore,
    settings: CorrelatorSettings,
) -> None:
    async def publish(messages: Sequence[OutboxMessage]) -> None:
        pending = [await incidents.send(key=message.key, value=message.value) for message in messages]
        for future in pending:
            await future  # acknowledged by Kafka before the outbox row is marked
        await store.mark_published([message.outbox_id for message in messages])
        INCIDENT_EVENTS_PUBLISHED.inc(len(messages))

    async def correlate(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        await store.open()
        async for batch in stream.take(settings.batch_size, within=settings.batch_seconds):
            events = [decode(AlertEvent, value) for value in batch]
            messages = await store.apply_alerts(events)
            ALERTS_APPLIED.inc(len(events))
            if messages:
                await publish(messages)
            yield None

    async def record_errors(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        await store.open()
        async for batch in stream.take(settings.batch_size, within=settings.batch_seconds):
            await store.record_errors([decode(ErrorEvent, value) for value in batch])
            yield None

    async def relay_outbox() -> None:
        await store.open()
        messages = await store.claim_unpublished(older_than_seconds=_RELAY_GRACE_SECONDS, limit=_RELAY_BATCH)
        if messages:
            logger.warning("publishing %d incident events left unpublished", len(messages))
            await publish(messages)

    app.agent(alerts, name="correlate")(correlate)
    app.agent(errors, name="record-errors")(record_errors)
    app.timer(settings.outbox_relay_seconds, name="relay-outbox")(relay_outbox)
