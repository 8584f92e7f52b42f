from __future__ import annotations

import faust
from keep_core.postgres import create_pool
from keep_core.provider_instances import ProviderInstanceStore
from keep_core.topics import TopicNames
from keep_core.worker import create_worker_app, on_shutdown

from normalizer.agents import register_agents
from normalizer.settings import NormalizerSettings
from normalizer.tables import declare_dedup_table
from normalizer.topics import declare_topics

__all__ = ["create_app"]


def create_app(settings: NormalizerSettings) -> faust.App:
    # PostgreSQL holds the installed providers: their configs for formatting and pull.
    # Not part of readiness: every other provider formats without it.
    pool = create_pool(settings)
    app = create_worker_app(settings, service="normalizer")
    on_shutdown(app, pool.close)
    topics = declare_topics(app, TopicNames(settings.topic_prefix))
    dedup = declare_dedup_table(app, partitions=settings.topic_partitions)
    register_agents(app, topics, dedup, settings, ProviderInstanceStore.from_settings(pool, settings))
    return app
