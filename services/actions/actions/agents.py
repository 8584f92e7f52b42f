"""Incident changes become action requests (keyed by destination), which the executor
runs; results go to PostgreSQL and the results topic."""

from __future__ import annotations

from collections.abc import AsyncIterator

import faust
from faust.types import TopicT
from keep_core.codec import decode, encode
from keep_core.events import ActionRequest, IncidentEvent

from actions.executor import Executor
from actions.rules import ActionsConfig
from actions.settings import ActionsSettings
from actions.store import ActionRunStore

__all__ = ["plan_requests", "register_agents"]


def plan_requests(event: IncidentEvent, config: ActionsConfig) -> list[ActionRequest]:
    requests = []
    for rule in config.rules:
        if not rule.matches(event):
            continue
        instance = config.providers[rule.provider]
        requests.append(
            ActionRequest(
                tenant_id=event.tenant_id,
                rule=rule.name,
                provider_type=instance.type,
                provider_instance=rule.provider,
                incident_id=event.incident.id,
                # One call per rule and incident change, however often the change is delivered.
                idempotency_key=f"{rule.name}:{event.incident.id}:{event.version}",
                params={
                    "body": {
                        "event": event.change.value,
                        "rule": rule.name,
                        "incident": event.incident.model_dump(mode="json"),
                    }
                },
            )
        )
    return requests


def register_agents(
    app: faust.App,
    *,
    incidents: TopicT,
    requests: TopicT,
    results: TopicT,
    config: ActionsConfig,
    store: ActionRunStore,
    executor: Executor,
    settings: ActionsSettings,
) -> None:
    async def plan(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for batch in stream.take(settings.batch_size, within=settings.batch_seconds):
            for value in batch:
                for request in plan_requests(decode(IncidentEvent, value), config):
                    await requests.send(key=request.provider_instance.encode(), value=encode(request))
            yield None

    async def execute(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        await store.open()
        async for batch in stream.take(settings.batch_size, within=settings.batch_seconds):
            for result in await executor.run_batch([decode(ActionRequest, value) for value in batch]):
                await results.send(key=result.provider_instance.encode(), value=encode(result))
            yield None

    app.agent(incidents, name="plan-actions")(plan)
    app.agent(requests, name="execute-actions")(execute)
