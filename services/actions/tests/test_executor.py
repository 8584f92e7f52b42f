"""The executor against real PostgreSQL and a local webhook destination that answers
like a real one: errors, rate limiting with Retry-After, then success."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from actions.executor import Executor
from actions.rules import ActionsConfig
from actions.store import ActionRunStore
from keep_core.events import ActionOutcome, ActionRequest
from keep_core.postgres import create_pool
from keep_providers.http import RetryPolicy

pytestmark = pytest.mark.integration

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.05)


def _config(url: str) -> ActionsConfig:
    return ActionsConfig.model_validate(
        {
            "providers": {
                "hook": {
                    "type": "webhook",
                    "config": {"url": url, "headers": {"X-Token": "s3cr3t-token"}},
                    "rate_limit": {"requests": 100, "per_seconds": 1},
                }
            },
            "rules": [{"name": "notify", "on": ["created"], "provider": "hook"}],
        }
    )


def _request(stack: Any, key: str) -> ActionRequest:
    return ActionRequest(
        tenant_id=stack.tenant,
        rule="notify",
        provider_type="webhook",
        provider_instance="hook",
        params={"body": {"event": "created", "key": key}},
        idempotency_key=f"{stack.prefix}:{key}",
        incident_id=f"incident-{key}",
    )


def _execute(stack: Any, url: str, batches: list[list[ActionRequest]]) -> list[list[Any]]:
    async def main() -> list[list[Any]]:
        pool = create_pool(stack.settings())
        store = ActionRunStore(pool)
        await store.open()
        executor = Executor(_config(url), store, retry=FAST_RETRY)
        try:
            return [await executor.run_batch(batch) for batch in batches]
        finally:
            await executor.dispose()
            await pool.close()

    return asyncio.run(main())


def _run_row(stack: Any, key: str) -> Any:
    with psycopg.connect(stack.dsn) as conn:
        return conn.execute(
            "SELECT outcome, attempts, status_code, request->>'idempotency_key' FROM action_runs "
            "WHERE idempotency_key = %s",
            (f"{stack.prefix}:{key}",),
        ).fetchone()


def test_errors_and_429_are_retried_and_the_call_lands_once(stack: Any, webhook_receiver: Any) -> None:
    webhook_receiver.script = [(500, {}), (429, {"Retry-After": "0"})]
    request = _request(stack, "a")
    (results, repeat) = _execute(stack, webhook_receiver.url, [[request], [request]])
    assert [(r.outcome, r.attempts, r.status_code) for r in results] == [(ActionOutcome.SUCCEEDED, 3, 200)]
    assert repeat == []  # already succeeded: not called again
    assert [r["status"] for r in webhook_receiver.requests] == [500, 429, 200]
    assert webhook_receiver.requests[-1]["body"] == {"event": "created", "key": "a"}
    assert webhook_receiver.requests[-1]["headers"]["X-Token"] == "s3cr3t-token"
    assert _run_row(stack, "a")[:3] == ("succeeded", 3, 200)


def test_a_call_that_keeps_failing_is_recorded_with_its_request_and_no_secret(
    stack: Any, webhook_receiver: Any
) -> None:
    webhook_receiver.script = [(503, {})] * 3
    (results,) = _execute(stack, webhook_receiver.url, [[_request(stack, "b")]])
    (result,) = results
    assert (result.outcome, result.attempts, result.status_code) == (ActionOutcome.FAILED, 3, 503)
    assert "s3cr3t" not in result.model_dump_json()
    assert "/hook" not in result.response_summary
    outcome, attempts, status, stored_key = _run_row(stack, "b")
    assert (outcome, attempts, status, stored_key) == ("failed", 3, 503, f"{stack.prefix}:b")


def test_a_refused_request_is_not_retried(stack: Any, webhook_receiver: Any) -> None:
    webhook_receiver.script = [(400, {})]
    (results,) = _execute(stack, webhook_receiver.url, [[_request(stack, "c")]])
    assert [(r.outcome, r.attempts, r.status_code) for r in results] == [(ActionOutcome.FAILED, 1, 400)]
    assert len(webhook_receiver.requests) == 1


def test_calls_to_one_destination_keep_their_order(stack: Any, webhook_receiver: Any) -> None:
    batch = [_request(stack, str(i)) for i in range(8)]
    _execute(stack, webhook_receiver.url, [batch])
    assert [r["body"]["key"] for r in webhook_receiver.requests] == [str(i) for i in range(8)]
