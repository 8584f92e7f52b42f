"""Turns an accepted request into a RawEvent on `<prefix>.alerts.raw`."""

from __future__ import annotations

import asyncio
import logging
import time

from keep_core.codec import encode, encode_key
from keep_core.events import RawEvent
from keep_core.exceptions import BrokerUnavailable
from keep_core.kafka import KafkaWriter
from keep_core.topics import TopicNames
from starlette.datastructures import Headers

from ingest_gateway.metrics import EVENTS_ACCEPTED, PUBLISH_SECONDS
from ingest_gateway.settings import GatewaySettings

__all__ = ["FORWARDED_HEADERS", "RawEventPublisher"]

logger = logging.getLogger(__name__)

# What formatters may need (signatures, event types); never credentials.
FORWARDED_HEADERS = frozenset(
    {
        "content-type",
        "user-agent",
        "x-request-id",
        "x-amz-sns-message-type",
        "x-amz-sns-topic-arn",
        "x-pagerduty-signature",
        "sentry-hook-signature",
        "sentry-hook-resource",
        "x-grafana-alerting-signature",
        "x-datadog-signature",
    }
)

_RECONNECT_SECONDS = 2.0


class RawEventPublisher:
    def __init__(self, settings: GatewaySettings) -> None:
        self._settings = settings
        self._topic = TopicNames(settings.topic_prefix).raw
        self._writer = KafkaWriter(settings)
        self._connector: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # The gateway comes up even while Kafka is down, answering 503 until it is back.
        self._connector = asyncio.create_task(self._connect_forever())

    async def _connect_forever(self) -> None:
        while not self._writer.started:
            try:
                await self._writer.start()
                logger.info("connected to Kafka (idempotent producer: %s)", self._writer.idempotent)
            except BrokerUnavailable as exc:
                logger.warning("%s; retrying in %.0fs", exc, _RECONNECT_SECONDS)
                await asyncio.sleep(_RECONNECT_SECONDS)

    async def stop(self) -> None:
        if self._connector is not None:
            self._connector.cancel()
        await self._writer.stop()

    @property
    def connected(self) -> bool:
        return self._writer.started

    async def publish(
        self, *, tenant_id: str, provider_type: str, provider_id: str | None, body: bytes, headers: Headers
    ) -> RawEvent:
        """Return once Kafka has the event; raise BrokerUnavailable otherwise."""
        event = RawEvent(
            tenant_id=tenant_id,
            provider_type=provider_type,
            provider_id=provider_id,
            content_type=headers.get("content-type", "application/json"),
            headers={name: value for name, value in headers.items() if name in FORWARDED_HEADERS},
            body=body.decode("utf-8"),
        )
        started = time.perf_counter()
        await self._writer.write(
            self._topic,
            encode(event),
            key=encode_key(tenant_id, provider_type, provider_id or ""),
            timeout=self._settings.kafka_send_timeout_seconds,
        )
        PUBLISH_SECONDS.observe(time.perf_counter() - started)
        EVENTS_ACCEPTED.labels(provider_type).inc()
        return event
