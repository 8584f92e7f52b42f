from __future__ import annotations

import faust
from keep_core.postgres import create_pool
from keep_core.topics import TopicNames
from keep_core.worker import bytes_topic, create_worker_app, on_shutdown
from keep_providers.http import RetryPolicy

from actions.agents import register_agents
from actions.executor import Executor
from actions.rules import load_actions_config
from actions.settings import ActionsSettings
from actions.store import ActionRunStore

__all__ = ["create_app"]


def create_app(settings: ActionsSettings) -> faust.App:
    # A broken rules file stops the service at start, not at the first incident.
    config = load_actions_config(settings.actions_file)
    pool = create_pool(settings)
    store = ActionRunStore(pool)
    executor = Executor(
        config, store, retry=RetryPolicy(attempts=settings.action_attempts, backoff=settings.action_backoff_seconds)
    )
    app = create_worker_app(settings, service="actions")
    names = TopicNames(settings.topic_prefix)

    async def close() -> None:
        await executor.dispose()
        await pool.close()

    on_shutdown(app, close)
    register_agents(
        app,
        incidents=bytes_topic(app, names.incidents),
        requests=bytes_topic(app, names.action_requests),
        results=bytes_topic(app, names.action_results),
        config=config,
        store=store,
        executor=executor,
        settings=settings,
    )
    return app
