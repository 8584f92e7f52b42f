"""New Relic test helpers: webhook bodies from our documented template, and a local
fake of NerdGraph that answers like the real one (200 with `errors` when it refuses,
mutations with `errors` inside their payload)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

USER_KEY = "NRAK-TESTKEY0123456789"
ACCOUNT_ID = 4420147


def issue(number: int, **extra: Any) -> dict[str, Any]:
    """An issue as NerdGraph's aiIssues returns it."""
    return {
        "issueId": f"issue-{number}",
        "title": [f"Condition {number} breached"],
        "priority": "HIGH",
        "state": "ACTIVATED",
        "description": [f"Issue {number}"],
        "conditionName": [f"Condition {number}"],
        "policyName": ["Golden signals"],
        "entityNames": ["checkout-api"],
        "createdAt": 1717408800000,
        "updatedAt": 1717408860000,
        "closedAt": None,
        "totalIncidents": 1,
        "sources": ["newrelic"],
        "deepLinkUrl": f"https://one.newrelic.com/alerts-ai/issues/issue-{number}",
        **extra,
    }


_MUTATION = re.compile(r"\b(ai(?:Notifications|Workflows)\w+)\s*\(")

# Mutation -> (the store it changes, the key of the entity in its answer).
_MUTATIONS = {
    "aiNotificationsCreateDestination": ("destinations", "destination"),
    "aiNotificationsUpdateDestination": ("destinations", "destination"),
    "aiNotificationsCreateChannel": ("channels", "channel"),
    "aiNotificationsUpdateChannel": ("channels", "channel"),
    "aiWorkflowsCreateWorkflow": ("workflows", "workflow"),
    "aiWorkflowsUpdateWorkflow": ("workflows", "workflow"),
}


def not_found(kind: str) -> dict[str, Any]:
    return {"__typename": "AiNotificationsResponseError", "type": "ENTITY_NOT_FOUND", "description": f"no {kind}"}


@dataclass
class FakeNerdGraph:
    issues: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    failures: list[int] = field(default_factory=list)
    readable_accounts: set[int] = field(default_factory=lambda: {ACCOUNT_ID})
    bodies: list[dict[str, Any]] = field(default_factory=list)
    # Notification destinations, channels and workflows by id, as the mutations left them.
    destinations: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    workflows: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Names of the mutations received, in order.
    mutations: list[str] = field(default_factory=list)
    # Mutation name -> the error its payload answers with instead of acting.
    refusals: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1

    def new_id(self, prefix: str) -> str:
        self.next_id += 1
        return f"{prefix}-{self.next_id}"

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/graphql", self.graphql, methods=["POST"])])

    async def graphql(self, request: Request) -> Response:
        body = await request.json()
        self.bodies.append(body)
        if self.failures:
            return JSONResponse({"error": "busy"}, self.failures.pop(0), headers={"Retry-After": "0"})
        if request.headers.get("API-Key") != USER_KEY:
            return JSONResponse(
                {"errors": [{"message": "Invalid API key", "extensions": {"errorClass": "UNAUTHORIZED"}}]}, 401
            )
        query: str = body["query"]
        if "user {" in query:
            return JSONResponse({"data": {"actor": {"user": {"id": 1}}}})
        account = body["variables"]["accountId"]
        if account not in self.readable_accounts:
            return JSONResponse(
                {
                    "data": {"actor": {"account": None}},
                    "errors": [
                        {
                            "message": "Access denied.",
                            "path": ["actor", "account"],
                            "extensions": {"errorClass": "FORBIDDEN"},
                        }
                    ],
                }
            )
        variables: dict[str, Any] = body["variables"]
        mutation = _MUTATION.search(query) if query.lstrip().startswith("mutation") else None
        if mutation:
            return JSONResponse({"data": {mutation[1]: self.mutate(mutation[1], variables)}})
        if "destinations(" in query:
            return self.listing("aiNotifications", "destinations", self.matching_destinations(variables), variables)
        if "channels(" in query:
            return self.listing("aiNotifications", "channels", self.matching_channels(variables), variables)
        if "workflows(" in query:
            named = (variables.get("filters") or {}).get("name")
            found = [w for w in self.workflows.values() if named is None or w["name"] == named]
            return self.listing("aiWorkflows", "workflows", found, variables)
        start = int(variables.get("cursor") or 0)
        page = self.issues[start : start + self.page_size]
        more = start + self.page_size < len(self.issues)
        issues = {"issues": page, "nextCursor": str(start + self.page_size) if more else None}
        return JSONResponse({"data": {"actor": {"account": {"aiIssues": {"issues": issues}}}}})

    def listing(self, group: str, kind: str, found: list[dict[str, Any]], variables: dict[str, Any]) -> Response:
        start = int(variables.get("cursor") or 0)
        more = start + self.page_size < len(found)
        # The real API answers an empty string, not null, after the last page.
        page = {
            "entities": found[start : start + self.page_size],
            "nextCursor": str(start + self.page_size) if more else "",
        }
        return JSONResponse({"data": {"actor": {"account": {group: {kind: page}}}}})

    def matching_destinations(self, variables: dict[str, Any]) -> list[dict[str, Any]]:
        filters = variables.get("filters") or {}
        # Like New Relic: the name filter is case-insensitive and matches partially.
        name = str(filters.get("name", "")).lower()
        return [
            d
            for d in self.destinations.values()
            if name in d["name"].lower() and filters.get("type") in (None, d["type"])
        ]

    def matching_channels(self, variables: dict[str, Any]) -> list[dict[str, Any]]:
        filters = variables.get("filters") or {}
        name = str(filters.get("name", "")).lower()
        return [
            c
            for c in self.channels.values()
            if name in c["name"].lower() and filters.get("destinationId") in (None, c["destinationId"])
        ]

    def mutate(self, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.mutations.append(name)
        store_name, key = _MUTATIONS[name]
        refusal = self.refusals.get(name)
        error = refusal if refusal is not None else self.check(name, variables)
        if error is not None:
            return {key: None, "errors": [error]}
        store: dict[str, dict[str, Any]] = getattr(self, store_name)
        if name == "aiNotificationsCreateDestination":
            entity = {"id": self.new_id("dest"), **variables["destination"]}
        elif name == "aiNotificationsUpdateDestination":
            entity = {**store[variables["destinationId"]], **variables["destination"]}
        elif name == "aiNotificationsCreateChannel":
            entity = {"id": self.new_id("chan"), "active": True, **variables["channel"]}
        elif name == "aiNotificationsUpdateChannel":
            entity = {**store[variables["channelId"]], **variables["channel"]}
        elif name == "aiWorkflowsCreateWorkflow":
            data = variables["createWorkflowData"]
            entity = {
                "id": self.new_id("wf"),
                **data,
                "issuesFilter": {"id": self.new_id("filter"), **data["issuesFilter"]},
            }
        else:
            data = variables["updateWorkflowData"]
            entity = {**store[data["id"]], **data}
            update = data.get("issuesFilter")
            if update is not None:
                # A filter id that is not the workflow's own gets a new filter, as in New Relic.
                old = store[data["id"]]["issuesFilter"]["id"]
                filter_id = old if update.get("id") == old else self.new_id("filter")
                entity["issuesFilter"] = {"id": filter_id, **update["filterInput"]}
        store[entity["id"]] = entity
        return {key: {"id": entity["id"]}, "errors": []}

    def check(self, name: str, variables: dict[str, Any]) -> dict[str, Any] | None:
        """The error New Relic answers for inputs that name nothing it has."""
        if name == "aiNotificationsUpdateDestination" and variables["destinationId"] not in self.destinations:
            return not_found("destination")
        if name == "aiNotificationsCreateChannel" and variables["channel"]["destinationId"] not in self.destinations:
            return not_found("destination")
        if name == "aiNotificationsUpdateChannel" and variables["channelId"] not in self.channels:
            return not_found("channel")
        if name == "aiWorkflowsCreateWorkflow":
            data = variables["createWorkflowData"]
            if any(w["name"] == data["name"] for w in self.workflows.values()):
                return {"type": "DUPLICATE", "description": "A workflow with this name already exists"}
        if name.startswith("aiWorkflows"):
            data = variables.get("createWorkflowData") or variables["updateWorkflowData"]
            if name == "aiWorkflowsUpdateWorkflow" and data["id"] not in self.workflows:
                return {"type": "INVALID_PARAMETER", "description": "no workflow"}
            for configuration in data.get("destinationConfigurations", []):
                if configuration["channelId"] not in self.channels:
                    return {"type": "CHANNEL_NOT_FOUND", "description": "no channel"}
        return None


@pytest.fixture
def fake_nerdgraph(local_api: Callable[[Any], str]) -> tuple[FakeNerdGraph, str]:
    fake = FakeNerdGraph()
    return fake, local_api(fake.app())


@pytest.fixture
def issue_factory() -> Callable[..., dict[str, Any]]:
    return issue
