"""Pulls alerts from installed providers that can, on one normalizer at a time.

Pulled alerts enter `<prefix>.alerts.raw` like pushed ones, so dedup and correlation
treat both alike. An alert the previous pull saw firing and this one does not is
published resolved: sources' alert APIs list only what is active.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from keep_core.events import ORIGIN_HEADER, PULL_ORIGIN, RawEvent
from keep_core.provider_instances import ProviderInstance, ProviderInstanceStore
from keep_providers import AlertDto, AlertStatus, ProvidersFactory
from keep_providers.exceptions import UnknownProviderType

from normalizer.metrics import PULL_FAILURES, PULLED_ALERTS
from normalizer.settings import NormalizerSettings

__all__ = ["PullScheduler"]

logger = logging.getLogger(__name__)

Publish = Callable[[RawEvent], Awaitable[None]]

# What a resolved copy of a vanished alert needs: enough to find and show it.
_REMEMBERED_FIELDS = ("name", "service", "environment", "labels", "source")


class PullScheduler:
    def __init__(
        self,
        store: ProviderInstanceStore,
        factory: ProvidersFactory,
        publish: Publish,
        settings: NormalizerSettings,
    ) -> None:
        self._store = store
        self._factory = factory
        self._publish = publish
        self._settings = settings
        self._limit = asyncio.Semaphore(settings.pull_concurrency)

    async def run_due(self, now: float) -> int:
        """Pull every instance whose interval has passed; return how many were pulled."""
        enabled = await self._store.pull_enabled()
        # Instances of providers deleted or no longer pulled release their clients.
        await self._factory.retain({instance.id for instance in enabled})
        due = [instance for instance in enabled if self._is_due(instance, now)]
        await asyncio.gather(*(self._pull_one(instance) for instance in due))
        return len(due)

    def _is_due(self, instance: ProviderInstance, now: float) -> bool:
        if instance.last_pull_at is None:
            return True
        try:
            default = self._factory.get_class(instance.provider_type).PULL_INTERVAL_SECONDS
        except UnknownProviderType:
            return False
        interval = instance.pull_interval_seconds or default
        return instance.last_pull_at.timestamp() + interval <= now

    async def _pull_one(self, instance: ProviderInstance) -> None:
        async with self._limit:
            try:
                provider = await self._factory.instance(
                    instance.id, instance.provider_type, instance.config, version=instance.cache_version
                )
                async with asyncio.timeout(self._settings.pull_timeout_seconds):
                    alerts = await provider.pull_alerts()
            except Exception as exc:
                # Whatever the source did, the next tick tries again; the error is shown by
                # the provider's health endpoint.
                PULL_FAILURES.labels(instance.provider_type).inc()
                reason = f"{type(exc).__name__}: {exc}"[:500]
                logger.warning("pull from provider %s (%s) failed: %s", instance.id, instance.provider_type, reason)
                await self._store.record_pull(instance.id, error=reason, count=None, state=None)
                return
            vanished = _resolved_copies(instance, alerts)
            await self._publish_in_chunks(instance, alerts + vanished)
            PULLED_ALERTS.labels(instance.provider_type).inc(len(alerts))
            await self._store.record_pull(instance.id, error=None, count=len(alerts), state=_remember(alerts))

    async def _publish_in_chunks(self, instance: ProviderInstance, alerts: list[AlertDto]) -> None:
        size = self._settings.pull_chunk_size
        for start in range(0, len(alerts), size):
            chunk = alerts[start : start + size]
            await self._publish(
                RawEvent(
                    tenant_id=instance.tenant_id,
                    provider_type=instance.provider_type,
                    provider_id=instance.id,
                    headers={ORIGIN_HEADER: PULL_ORIGIN},
                    body=json.dumps([alert.model_dump(mode="json") for alert in chunk], ensure_ascii=False),
                )
            )


def _remember(alerts: list[AlertDto]) -> dict[str, Any]:
    return {
        alert.fingerprint: alert.model_dump(mode="json", include=set(_REMEMBERED_FIELDS))
        for alert in alerts
        if alert.fingerprint and alert.status != AlertStatus.RESOLVED
    }


def _resolved_copies(instance: ProviderInstance, alerts: list[AlertDto]) -> list[AlertDto]:
    present = {alert.fingerprint for alert in alerts}
    return [
        AlertDto.model_validate(
            {
                **remembered,
                "status": AlertStatus.RESOLVED,
                "fingerprint": fingerprint,
                "providerType": instance.provider_type,
                "providerId": instance.id,
                "pushed": False,
            }
        )
        for fingerprint, remembered in instance.pull_state.items()
        if fingerprint not in present
    ]
