"""Makes outbound calls: one provider instance per configured destination, each behind
its own rate limit, failures summarised without secrets."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence

from keep_core.events import ActionOutcome, ActionRequest, ActionResult
from keep_providers import BaseProvider, ProvidersFactory
from keep_providers.exceptions import OutboundError
from keep_providers.http import RetryPolicy

from actions.ratelimit import TokenBucket
from actions.rules import ActionsConfig
from actions.store import ActionRunStore

__all__ = ["Executor"]

logger = logging.getLogger(__name__)

# For a provider that declares no limit of its own.
_DEFAULT_RATE = (10, 1.0)


class Executor:
    def __init__(self, config: ActionsConfig, store: ActionRunStore, *, retry: RetryPolicy) -> None:
        factory = ProvidersFactory()
        self._store = store
        self._providers: dict[str, BaseProvider] = {}
        self._buckets: dict[str, TokenBucket] = {}
        for name, instance in config.providers.items():
            cls = factory.get_class(instance.type)
            self._providers[name] = cls(name, instance.config, retry=retry)
            if instance.rate_limit is not None:
                limit = (instance.rate_limit.requests, instance.rate_limit.per_seconds)
            elif cls.RATE_LIMIT is not None:
                limit = (cls.RATE_LIMIT.requests, cls.RATE_LIMIT.per_seconds)
            else:
                limit = _DEFAULT_RATE
            self._buckets[name] = TokenBucket(*limit)

    async def dispose(self) -> None:
        for provider in self._providers.values():
            await provider.dispose()

    async def run_batch(self, requests: Sequence[ActionRequest]) -> list[ActionResult]:
        """Destinations run side by side; calls to one destination keep their order."""
        by_instance: dict[str, list[ActionRequest]] = defaultdict(list)
        for request in requests:
            by_instance[request.provider_instance].append(request)
        groups = await asyncio.gather(*(self._run_in_order(group) for group in by_instance.values()))
        return [result for group in groups for result in group]

    async def _run_in_order(self, requests: Sequence[ActionRequest]) -> list[ActionResult]:
        results = []
        for request in requests:
            if not await self._store.claim(request):
                logger.info("action %s already succeeded; skipped", request.idempotency_key)
                continue
            result = await self._call(request)
            await self._store.finish(result)
            results.append(result)
        return results

    async def _call(self, request: ActionRequest) -> ActionResult:
        provider = self._providers.get(request.provider_instance)

        def result(outcome: ActionOutcome, attempts: int, status_code: int | None, summary: str) -> ActionResult:
            return ActionResult(
                request_id=request.request_id,
                tenant_id=request.tenant_id,
                rule=request.rule,
                provider_instance=request.provider_instance,
                idempotency_key=request.idempotency_key,
                outcome=outcome,
                attempts=attempts,
                status_code=status_code,
                response_summary=summary,
            )

        if provider is None:
            return result(
                ActionOutcome.FAILED, 0, None, f"provider instance {request.provider_instance!r} is not configured"
            )
        await self._buckets[request.provider_instance].acquire()
        try:
            answer = await provider.notify(request.params)
        except OutboundError as exc:
            logger.warning("action %s failed after %d attempt(s): %s", request.idempotency_key, exc.attempts, exc)
            return result(ActionOutcome.FAILED, exc.attempts, exc.status_code, str(exc))
        return result(ActionOutcome.SUCCEEDED, answer.attempts, answer.status_code, answer.summary)
