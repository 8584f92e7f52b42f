"""The two stages: format raw events, then drop full duplicates.

Formatting runs where the raw event lands (keyed by source); dedup runs where the
fingerprint's state lives, so the stages are joined by the internal normalized topic,
keyed `tenant:fingerprint`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import faust
from faust.types import TableT
from keep_core.codec import decode, encode, encode_key
from keep_core.events import AlertEvent, ErrorEvent, RawEvent
from keep_core.exceptions import BadPayload
from keep_core.provider_instances import InstanceCache, ProviderInstanceStore
from keep_core.secretbox import SecretBoxError
from keep_providers import AlertDto, ProviderConfig, ProvidersFactory
from keep_providers.exceptions import PartialFormatError, ProviderError

from normalizer.metrics import ALERTS_DUPLICATE, ALERTS_FORWARDED, ALERTS_NORMALIZED, EVENTS_FAILED
from normalizer.normalize import alert_events, content_digest, format_raw
from normalizer.pull import PullScheduler
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


class InstanceConfigs:
    """The installed instance's config, for the formatters that depend on it."""

    def __init__(self, factory: ProvidersFactory, store: ProviderInstanceStore, ttl_seconds: float) -> None:
        self._factory = factory
        self._cache = InstanceCache(store, ttl_seconds=ttl_seconds)

    async def for_event(self, raw: RawEvent) -> ProviderConfig | None:
        cls = self._factory.get_class(raw.provider_type)
        if raw.provider_id is None or not cls.formats_per_instance():
            return None
        try:
            instance = await self._cache.get(raw.tenant_id, raw.provider_id)
        except SecretBoxError as exc:
            raise ProviderError(str(exc)) from None
        if instance is None or instance.provider_type != raw.provider_type:
            return None
        return self._cache.parsed_config(instance, cls)


def register_agents(
    app: faust.App,
    topics: NormalizerTopics,
    dedup: TableT[str, str],
    settings: NormalizerSettings,
    store: ProviderInstanceStore,
) -> None:
    factory = ProvidersFactory()
    configs = InstanceConfigs(factory, store, settings.provider_cache_seconds)

    async def publish_raw(raw: RawEvent) -> None:
        key = encode_key(raw.tenant_id, raw.provider_type, raw.provider_id or "")
        await topics.raw.send(key=key, value=encode(raw))

    puller = PullScheduler(store, factory, publish_raw, settings)

    async def send_alerts(raw: RawEvent, alerts: list[AlertDto]) -> None:
        events = alert_events(raw, alerts)
        ALERTS_NORMALIZED.labels(raw.provider_type).inc(len(events))
        for event in events:
            await topics.normalized.send(key=encode_key(event.tenant_id, event.fingerprint), value=encode(event))

    async def format_raw_events(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        await store.open()
        async for batch in stream.take(settings.batch_size, within=settings.batch_seconds):
            for value in batch:
                try:
                    raw = decode(RawEvent, value)
                except BadPayload as exc:
                    failure = _failure(_unreadable(value), exc)
                    await topics.errors.send(key=failure.event_id.encode(), value=encode(failure))
                    continue
                try:
                    alerts = format_raw(raw, factory, await configs.for_event(raw))
                except PartialFormatError as partial:
                    # The good entries go on; the raw event goes to the dead letters too,
                    # so what was dropped can be seen and replayed (dedup absorbs the rest).
                    await send_alerts(raw, partial.alerts)
                    failure = _failure(raw, partial)
                except ProviderError as exc:
                    failure = _failure(raw, exc)
                except Exception as exc:
                    # A formatter bug must cost one event a trip to the dead letters, not
                    # stop the partition.
                    logger.exception("formatter %s crashed on event %s", raw.provider_type, raw.event_id)
                    failure = _failure(raw, exc)
                else:
                    await send_alerts(raw, alerts)
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

    async def pull_providers() -> None:
        await store.open()
        try:
            await puller.run_due(time.time())
        except Exception:
            # PostgreSQL away, most likely: the next tick tries again, and the worker
            # keeps normalizing meanwhile.
            logger.exception("looking for providers due a pull failed")

    app.agent(topics.raw, name="format-raw")(format_raw_events)
    app.agent(topics.normalized, name="deduplicate")(deduplicate)
    # One replica pulls at a time: faust runs leader timers on the group leader only.
    app.timer(settings.pull_tick_seconds, on_leader=True, name="pull-providers")(pull_providers)
