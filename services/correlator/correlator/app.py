from __future__ import annotations

import functools

import faust
from keep_core.postgres import create_pool, postgres_problem
from keep_core.topics import TopicNames
from keep_core.worker import bytes_topic, create_worker_app, on_shutdown

from correlator.agents import register_agents
from correlator.rules import CorrelationRule
from correlator.settings import CorrelatorSettings
from correlator.store.postgres import PostgresIncidentStore

__all__ = ["create_app"]


def create_app(settings: CorrelatorSettings) -> faust.App:
    pool = create_pool(settings)

    app = create_worker_app(settings, service="correlator", readiness=functools.partial(postgres_problem, pool))
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
