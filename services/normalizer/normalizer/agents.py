"""The two stages: format raw events, then drop full duplicates.

Formatting runs where the raw event lands (keyed by source); dedup runs where the
fingerprint's state lives, so the stages are joined by the internal normalized topic,
keyed `tenant:fingerprint`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import faust
from faust.types import TableT
from keep_core.codec import decode, encode, encode_key
from keep_core.events import AlertEvent, ErrorEvent, RawEvent
from keep_core.exceptions import BadPayload
from keep_providers import ProvidersFactory
from keep_providers.exceptions import ProviderError

from normalizer.metrics import ALERTS_DUPLICATE, ALERTS_FORWARDED, ALERTS_NORMALIZED, EVENTS_FAILED
from normalizer.normalize import content_digest, normalize
from normalizer.settings import NormalizerSettings
from normalizer.topics import NormalizerTopics

__all__ = ["register_agents"]

logger = logging.getLogger(__name__)

UNKNOWN = "unknown"


def _unreadable(value: bytes) -> RawEvent:
    # Not even a RawEvent: keep the bytes anyway, so nothing acknowledged is lost.
    return RawEvent(tenant_id=UNKNOWN, provider_type=UNKNOWN, body=value.decode("utf-8", errors="replace"))


def _failure(raw: RawEvent, exc: Exception) -> ErrorEvent:
    EVENTS_FAILED.labels(type(exc).__name__).inc()
    return ErrorEvent(
        event_id=raw.event_id, stage="normalize", error_type=type(exc).__name__, error_message=str(exc)[:2000], raw=raw
    )


def register_agents(
    app: faust.App, topics: NormalizerTopics, dedup: TableT[str, str], settings: NormalizerSettings
) -> None:
    factory = ProvidersFactory()

    async def format_raw(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for batch in stream.take(settings.batch_size, within=settings.batch_seconds):
            for value in batch:
                try:
                    raw = decode(RawEvent, value)
                except BadPayload as exc:
                    failure = _failure(_unreadable(value), exc)
                    await topics.errors.send(key=failure.event_id.encode(), value=encode(failure))
                    continue
                try:
                    events = normalize(raw, factory)
                except ProviderError as exc:
                    failure = _failure(raw, exc)
                except Exception as exc:
                    # A formatter bug must cost one event a trip to the dead letters, not
                    # stop the partition.
                    logger.exception("formatter %s crashed on event %s", raw.provider_type, raw.event_id)
                    failure = _failure(raw, exc)
                else:
                    ALERTS_NORMALIZED.labels(raw.provider_type).inc(len(events))
                    for event in events:
                        await topics.normalized.send(
                            key=encode_key(event.tenant_id, event.fingerprint), value=encode(event)
                        )
                    continue
                logger.info("event %s to dead letters: %s", raw.event_id, failure.error_message)
                await topics.errors.send(key=failure.event_id.encode(), value=encode(failure))
            yield None

    async def deduplicate(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        # One event at a time, not in batches: faust writes a table's changelog to the
        # partition of the event being processed, so a write needs a current event.
        async for value in stream:
            event = decode(AlertEvent, value)
            state_key = f"{event.tenant_id}:{event.fingerprint}"
            digest = content_digest(event.alert)
            if dedup.get(state_key) == digest:
                ALERTS_DUPLICATE.inc()
            else:
                dedup[state_key] = digest
                await topics.alerts.send(key=encode_key(event.tenant_id, event.fingerprint), value=encode(event))
                ALERTS_FORWARDED.inc()
            yield None

    app.agent(topics.raw, name="format-raw")(format_raw)
    app.agent(topics.normalized, name="deduplicate")(deduplicate)
