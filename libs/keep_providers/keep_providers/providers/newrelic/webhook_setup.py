"""Register our webhook in New Relic: a WEBHOOK destination (our URL, the API key as a
custom header), a channel on it that renders our payload template, and a workflow that
sends every issue of the account to that channel.

Each of the three is looked up by its exact name and updated when found, so running the
setup again only replaces the key and the settings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from keep_providers.exceptions import OutboundError
from keep_providers.providers.newrelic.formatter import WEBHOOK_PAYLOAD
from keep_providers.providers.newrelic.nerdgraph import mutation_result
from keep_providers.providers.newrelic.setup_queries import (
    CHANNELS_QUERY,
    CREATE_CHANNEL,
    CREATE_DESTINATION,
    CREATE_WORKFLOW,
    DESTINATIONS_QUERY,
    UPDATE_CHANNEL,
    UPDATE_DESTINATION,
    UPDATE_WORKFLOW,
    WORKFLOWS_QUERY,
)

__all__ = ["API_KEY_HEADER", "NOTIFICATION_TRIGGERS", "SETUP_NAME", "GraphQL", "WebhookInstaller"]

# The name of the destination, the channel and the workflow alike.
SETUP_NAME = "keep-aiops"
API_KEY_HEADER = "X-API-KEY"
NOTIFICATION_TRIGGERS = ("ACTIVATED", "ACKNOWLEDGED", "CLOSED")

# Sends a query with its variables and returns its `data`.
GraphQL = Callable[[str, Mapping[str, Any]], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True, slots=True)
class WebhookInstaller:
    graphql: GraphQL
    # Named in errors: NerdGraph refuses with a 200, which says nothing of where.
    host: str
    account_id: int

    async def install(self, url: str, api_key: str) -> dict[str, Any]:
        destination_id, destination_action = await self._destination(url, api_key)
        channel_id, channel_action = await self._channel(destination_id)
        workflow_id, workflow_action = await self._workflow(channel_id)
        return {
            "url": url,
            "destination": {"name": SETUP_NAME, "id": destination_id, "action": destination_action},
            "channel": {"name": SETUP_NAME, "id": channel_id, "action": channel_action},
            "workflow": {"name": SETUP_NAME, "id": workflow_id, "action": workflow_action},
        }

    async def _destination(self, url: str, api_key: str) -> tuple[str, str]:
        settings = {
            "name": SETUP_NAME,
            "properties": [{"key": "url", "value": url}],
            "auth": {
                "type": "CUSTOM_HEADERS",
                "customHeaders": {"customHeaders": [{"key": API_KEY_HEADER, "value": api_key}]},
            },
        }
        # The name filter also matches partially: only the exact name is ours.
        existing = await self._find(
            DESTINATIONS_QUERY, ("aiNotifications", "destinations"), {"name": SETUP_NAME, "type": "WEBHOOK"}
        )
        if existing is None:
            variables: dict[str, Any] = {"destination": {**settings, "type": "WEBHOOK"}}
            created = await self._mutate(CREATE_DESTINATION, "aiNotificationsCreateDestination", variables)
            return self._id_of(created, "destination"), "created"
        variables = {"destinationId": existing["id"], "destination": settings}
        await self._mutate(UPDATE_DESTINATION, "aiNotificationsUpdateDestination", variables)
        return str(existing["id"]), "updated"

    async def _channel(self, destination_id: str) -> tuple[str, str]:
        properties = [{"key": "payload", "value": WEBHOOK_PAYLOAD, "label": "Payload Template"}]
        existing = await self._find(
            CHANNELS_QUERY, ("aiNotifications", "channels"), {"name": SETUP_NAME, "destinationId": destination_id}
        )
        if existing is None:
            channel = {
                "name": SETUP_NAME,
                "type": "WEBHOOK",
                "product": "IINT",
                "destinationId": destination_id,
                "properties": properties,
            }
            created = await self._mutate(CREATE_CHANNEL, "aiNotificationsCreateChannel", {"channel": channel})
            return self._id_of(created, "channel"), "created"
        channel_update = {"name": SETUP_NAME, "active": True, "properties": properties}
        await self._mutate(
            UPDATE_CHANNEL, "aiNotificationsUpdateChannel", {"channelId": existing["id"], "channel": channel_update}
        )
        return str(existing["id"]), "updated"

    async def _workflow(self, channel_id: str) -> tuple[str, str]:
        # Every issue carries the ids of the accounts it belongs to: this matches all of ours.
        issues_filter = {
            "name": SETUP_NAME,
            "type": "FILTER",
            "predicates": [
                {"attribute": "labels.accountIds", "operator": "EXACTLY_MATCHES", "values": [str(self.account_id)]}
            ],
        }
        destination = {"channelId": channel_id, "notificationTriggers": list(NOTIFICATION_TRIGGERS)}
        settings = {
            "name": SETUP_NAME,
            "workflowEnabled": True,
            "destinationsEnabled": True,
            "destinationConfigurations": [destination],
        }
        existing = await self._find(WORKFLOWS_QUERY, ("aiWorkflows", "workflows"), {"name": SETUP_NAME})
        if existing is None:
            workflow = {
                **settings,
                "issuesFilter": issues_filter,
                "enrichmentsEnabled": False,
                # What the UI picks by default: issues the user muted entirely stay quiet.
                "mutingRulesHandling": "DONT_NOTIFY_FULLY_MUTED_ISSUES",
            }
            created = await self._mutate(CREATE_WORKFLOW, "aiWorkflowsCreateWorkflow", {"createWorkflowData": workflow})
            return self._id_of(created, "workflow"), "created"
        # Updating a filter in place takes its id; without one New Relic attaches a new filter.
        filter_id = (existing.get("issuesFilter") or {}).get("id")
        updated_filter = {"filterInput": issues_filter, **({"id": filter_id} if filter_id else {})}
        workflow = {**settings, "id": existing["id"], "issuesFilter": updated_filter}
        await self._mutate(UPDATE_WORKFLOW, "aiWorkflowsUpdateWorkflow", {"updateWorkflowData": workflow})
        return str(existing["id"]), "updated"

    async def _find(self, query: str, path: tuple[str, str], filters: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The entity named SETUP_NAME among every page the filtered query returns."""
        cursor: str | None = None
        while True:
            variables = {"accountId": self.account_id, "filters": dict(filters), "cursor": cursor}
            data = await self.graphql(query, variables)
            page = data["actor"]["account"][path[0]][path[1]]
            for entity in page.get("entities") or []:
                if entity.get("name") == SETUP_NAME:
                    return dict(entity)
            cursor = page.get("nextCursor")
            if not cursor:
                return None

    async def _mutate(self, mutation: str, name: str, variables: Mapping[str, Any]) -> Mapping[str, Any]:
        data = await self.graphql(mutation, {"accountId": self.account_id, **variables})
        return mutation_result(data, name, self.host)

    def _id_of(self, result: Mapping[str, Any], entity: str) -> str:
        created = result.get(entity)
        if not isinstance(created, Mapping) or not created.get("id"):
            raise OutboundError(f"POST {self.host} created a {entity} without an id")
        return str(created["id"])
