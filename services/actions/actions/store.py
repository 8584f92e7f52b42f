"""Action runs in PostgreSQL: the idempotency record of every outbound call, and the
dead-letter store of those that failed (with the request, so they can be replayed)."""

from __future__ import annotations

from keep_core.events import ActionRequest, ActionResult
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

__all__ = ["ActionRunStore"]


class ActionRunStore:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def open(self) -> None:
        await self._pool.open()

    async def claim(self, request: ActionRequest) -> bool:
        """True when the call should be made: it never ran, or has not succeeded yet."""
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                "INSERT INTO action_runs (idempotency_key, request_id, tenant_id, rule, provider_instance, "
                "incident_id, outcome, request) VALUES (%s, %s, %s, %s, %s, %s, 'pending', %s) "
                "ON CONFLICT (idempotency_key) DO UPDATE SET request_id = EXCLUDED.request_id "
                "WHERE action_runs.outcome <> 'succeeded' RETURNING 1",
                (
                    request.idempotency_key,
                    request.request_id,
                    request.tenant_id,
                    request.rule,
                    request.provider_instance,
                    request.incident_id,
                    Jsonb(request.model_dump(mode="json", by_alias=True)),
                ),
            )
            return await cursor.fetchone() is not None

    async def finish(self, result: ActionResult) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(
                "UPDATE action_runs SET outcome = %s, attempts = attempts + %s, status_code = %s, "
                "response_summary = %s, finished_at = %s WHERE idempotency_key = %s",
                (
                    result.outcome.value,
                    result.attempts,
                    result.status_code,
                    result.response_summary,
                    result.finished_at,
                    result.idempotency_key,
                ),
            )
