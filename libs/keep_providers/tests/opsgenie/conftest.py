"""Opsgenie test helpers: webhook bodies, API records and a fake Opsgenie API.

The fake answers like api.opsgenie.com: `GenieKey` auth, errors as {"message",
"took", "requestId"}, lists as {"data", "paging": {"next", "first", "last"}} with
offset/limit and an absolute `next` link on the last page left out. Its Integration
API lists (filtered by `type`, no paging), creates (201, the new integration's meta)
and replaces integrations.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

API_KEY = "eb243592-faa2-4ba2-a551q-1afdf565c889"


@pytest.fixture
def og_body(firing_body: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """The firing body with alert fields and top-level keys overridden."""

    def make(*, alert: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
        body = copy.deepcopy(firing_body)
        body["alert"].update(alert or {})
        body.update(top)
        return body

    return make


def api_alert(number: int, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"8418d193-2dab-4490-b331-8c02cdd196b7-{number}",
        "tinyId": str(number),
        "alias": f"alias-{number}",
        "message": f"Alert {number}",
        "status": "open",
        "acknowledged": False,
        "isSeen": True,
        "tags": ["OverwriteQuietHours"],
        "snoozed": False,
        "count": 1,
        "lastOccurredAt": "2024-11-28T14:05:12.345Z",
        "createdAt": "2024-11-28T14:05:12.345Z",
        "updatedAt": "2024-11-28T14:06:00.001Z",
        "source": "Isengard",
        "owner": "morpheus@opsgenie.com",
        "priority": "P3",
        "teams": [{"id": "8418d193-2dab-4490-b331-8c02cdd196b7"}],
        "responders": [{"type": "team", "id": "8418d193-2dab-4490-b331-8c02cdd196b7"}],
        "integration": {"id": "4513b7ea-3b91-438f-b7e4-e3e54af9147c", "name": "Nebuchadnezzar", "type": "API"},
        "report": {"ackTime": 15702, "acknowledgedBy": "agent_smith@opsgenie.com"},
    }
    record.update(overrides)
    return record


def api_incident(number: int, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"70413a06-38d6-4c85-92b8-5ebc900d42e{number}",
        "serviceId": "9a9a9a9a-0000-4000-8000-000000000000",
        "tinyId": str(number),
        "message": f"Incident {number}",
        "status": "open",
        "tags": ["payments"],
        "createdAt": "2024-11-28T14:05:12.345Z",
        "updatedAt": "2024-11-28T14:06:00Z",
        "priority": "P1",
        "ownerTeam": "4513b7ea-3b91-438f-b7e4-e3e54af9147c",
        "responders": [],
        "extraProperties": {},
        "links": {
            "web": f"https://acme.app.opsgenie.com/incident/detail/inc-{number}",
            "api": f"https://api.opsgenie.com/v1/incidents/inc-{number}",
        },
    }
    record.update(overrides)
    return record


@dataclass
class FakeOpsgenie:
    alerts: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Per path, (status, headers) answered before behaving normally.
    failures: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    forbidden: set[str] = field(default_factory=set)
    # Replaces every paging.next link (to test links leading elsewhere).
    next_link_host: str | None = None
    # Integration id -> the integration as last created or replaced.
    integrations: dict[str, dict[str, Any]] = field(default_factory=dict)
    integration_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"message": message, "took": 0.002, "requestId": "6a4a9a8e-1d2b-4c6a-9a0e-3f7e5c1a2b3d"},
        status_code=status,
        headers=headers,
    )


def _refusal(state: FakeOpsgenie, request: Request, route: str) -> JSONResponse | None:
    """Records the request; the error Opsgenie would answer instead of serving it, if any."""
    state.requests.append(
        {
            "method": request.method,
            "path": request.url.path,
            "params": dict(request.query_params),
            "headers": dict(request.headers),
        }
    )
    if request.headers.get("authorization") != f"GenieKey {API_KEY}":
        return _error(401, "Could not authenticate")
    if state.failures.get(route):
        status, headers = state.failures[route].pop(0)
        return _error(status, "You are making too many requests!" if status == 429 else "Internal error", headers)
    if route in state.forbidden:
        return _error(403, "You are not authorized for this request")
    return None


def _meta(integration: dict[str, Any]) -> dict[str, Any]:
    return {key: integration[key] for key in ("id", "name", "enabled", "type")}


def opsgenie_app(state: FakeOpsgenie) -> Starlette:
    def listing(records: Callable[[], list[dict[str, Any]]]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> JSONResponse:
            path = request.url.path
            if (refused := _refusal(state, request, path)) is not None:
                return refused
            query = request.query_params.get("query", "")
            wanted = [r for r in records() if query != "status:open" or r["status"] == "open"]
            offset = int(request.query_params.get("offset", 0))
            limit = int(request.query_params.get("limit", 20))
            page = wanted[offset : offset + limit]
            base = state.next_link_host or str(request.base_url).rstrip("/")
            paging: dict[str, str] = {"first": f"{base}{path}?query={query}&offset=0&limit={limit}"}
            if offset + limit < len(wanted):
                paging["next"] = f"{base}{path}?query={query}&offset={offset + limit}&limit={limit}"
            return JSONResponse({"data": page, "paging": paging, "took": 0.605, "requestId": "r-1"})

        return endpoint

    async def integrations(request: Request) -> JSONResponse:
        if (refused := _refusal(state, request, "/v2/integrations")) is not None:
            return refused
        if request.method == "GET":
            wanted = request.query_params.get("type")
            found = [_meta(i) for i in state.integrations.values() if wanted in (None, i["type"])]
            return JSONResponse({"code": 200, "data": found, "took": 0.1, "requestId": "r-2"})
        body = await request.json()
        if not body.get("name") or not body.get("type"):
            return _error(422, "Name and type fields cannot be empty.")
        if any(i["name"] == body["name"] for i in state.integrations.values()):
            return _error(422, "Integration name should be unique.")
        integration = {**body, "id": f"4513b7ea-3b91-438f-b7e4-{next(state.integration_ids):012d}"}
        state.integrations[integration["id"]] = integration
        return JSONResponse({"data": _meta(integration), "took": 0.2, "requestId": "r-3"}, status_code=201)

    async def integration(request: Request) -> JSONResponse:
        if (refused := _refusal(state, request, "/v2/integrations")) is not None:
            return refused
        integration_id = request.path_params["integration_id"]
        if integration_id not in state.integrations:
            return _error(404, "Integration with id [" + integration_id + "] not found.")
        # Opsgenie's update replaces the whole integration: fields left out are reset.
        state.integrations[integration_id] = {**await request.json(), "id": integration_id}
        return JSONResponse({"data": _meta(state.integrations[integration_id]), "took": 0.2, "requestId": "r-4"})

    return Starlette(
        routes=[
            Route("/v2/alerts", listing(lambda: state.alerts)),
            Route("/v1/incidents", listing(lambda: state.incidents)),
            Route("/v2/integrations", integrations, methods=["GET", "POST"]),
            Route("/v2/integrations/{integration_id}", integration, methods=["PUT"]),
        ]
    )


@pytest.fixture
def fake_opsgenie(local_api: Callable[[Any], str]) -> tuple[FakeOpsgenie, str]:
    state = FakeOpsgenie()
    return state, local_api(opsgenie_app(state))


@pytest.fixture
def opsgenie_api_key() -> str:
    return API_KEY


@pytest.fixture
def make_api_alert() -> Callable[..., dict[str, Any]]:
    return api_alert


@pytest.fixture
def make_api_incident() -> Callable[..., dict[str, Any]]:
    return api_incident
