from __future__ import annotations

import faust
from keep_core.postgres import create_pool
from keep_core.topics import TopicNames
from keep_core.worker import bytes_topic, create_worker_app, on_shutdown

from correlator.agents import register_agents
from correlator.rules import CorrelationRule
from correlator.settings import CorrelatorSettings
from correlator.store.postgres import PostgresIncidentStore

__all__ = ["create_app"]


def create_app(settings: CorrelatorSettings) -> faust.App:
    pool = create_pool(settings)

    async def postgres_problem() -> str | None:
        try:
            async with pool.connection(timeout=2.0) as conn:
                await conn.execute("SELECT 1")
        except Exception as exc:
            return f"postgres: {type(exc).__name__}"
        return None

    app = create_worker_app(settings, service="correlator", readiness=postgres_problem)
    names = TopicNames(settings.topic_prefix)

    on_shutdown(app, pool.close)
    register_agents(
        app,
        alerts=bytes_topic(app, names.alerts),
        errors=bytes_topic(app, names.errors),
        incidents=bytes_topic(app, names.incidents),
        store=PostgresIncidentStore(pool, CorrelationRule.from_settings(settings)),
        settings=settings,
    )
    return app
