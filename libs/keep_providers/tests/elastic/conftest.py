"""Elastic test helpers: webhook bodies rendered from our templates, and a fake Kibana.

The fake answers like Kibana 8: `ApiKey` auth, `kbn-xsrf` required on writes, errors
as {"statusCode", "error", "message"}, connectors listed as a bare JSON array.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

API_KEY = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="


def render_mustache(template: str, variables: dict[str, str]) -> str:
    """What Kibana and Watcher do to a webhook body: {{name}} -> JSON-escaped text, "" when unknown."""

    def value(match: re.Match[str]) -> str:
        return json.dumps(variables.get(match.group(1), ""))[1:-1]

    return re.sub(r"\{\{([^}]+)\}\}", value, template)


@pytest.fixture
def kibana_body(firing_body: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """The firing body with sections overridden: kibana_body(alert={"id": "host-2"})."""

    def make(**sections: Any) -> dict[str, Any]:
        body = copy.deepcopy(firing_body)
        for key, value in sections.items():
            if isinstance(value, dict) and isinstance(body.get(key), dict):
                body[key].update(value)
            else:
                body[key] = value
        return body

    return make


@pytest.fixture
def watcher_body() -> Callable[..., dict[str, Any]]:
    def make(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "watch_id": "cluster-health-red",
            "execution_id": "cluster-health-red_3a1f0e7c-1b1d-4b2e-9a1e-0f3c7f0e2b1d-2024-11-28T14:05:00.000Z",
            "execution_time": "2024-11-28T14:05:00.512Z",
            "triggered_time": "2024-11-28T14:05:00.000Z",
            "status": "firing",
            "hits_total": "12",
            "value": "12",
            "metadata": {"name": "Cluster health red", "severity": "critical", "description": "Cluster is red"},
        }
        body.update(overrides)
        return body

    return make


@dataclass
class FakeKibana:
    connectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Per path, status codes answered before behaving normally (e.g. [503]).
    failures: dict[str, list[int]] = field(default_factory=dict)
    # Paths the key lacks the privilege for.
    forbidden: set[str] = field(default_factory=set)


def _error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": status, "error": error, "message": message}, status_code=status)


def kibana_app(state: FakeKibana) -> Starlette:
    async def guard(request: Request) -> JSONResponse | None:
        state.requests.append({"method": request.method, "path": request.url.path, "headers": dict(request.headers)})
        if request.headers.get("authorization") != f"ApiKey {API_KEY}":
            return _error(401, "Unauthorized", "[security_exception]: unable to authenticate with provided credentials")
        if request.method in ("POST", "PUT") and "kbn-xsrf" not in request.headers:
            return _error(400, "Bad Request", "Request must contain a kbn-xsrf header.")
        path = request.url.path
        if state.failures.get(path):
            status = state.failures[path].pop(0)
            return _error(status, "Service Unavailable", "try later")
        if any(path.endswith(suffix) for suffix in state.forbidden):
            return _error(403, "Forbidden", f"Unauthorized to access {path.rsplit('/api/', 1)[-1]}")
        return None

    async def find_rules(request: Request) -> JSONResponse:
        if refused := await guard(request):
            return refused
        return JSONResponse(
            {"page": 1, "per_page": int(request.query_params.get("per_page", 10)), "total": 0, "data": []}
        )

    async def list_connectors(request: Request) -> JSONResponse:
        if refused := await guard(request):
            return refused
        # Kibana never returns secrets.
        return JSONResponse([{k: v for k, v in c.items() if k != "secrets"} for c in state.connectors.values()])

    async def create_connector(request: Request) -> JSONResponse:
        if refused := await guard(request):
            return refused
        body = await request.json()
        state.requests[-1]["body"] = body
        connector = {"id": str(uuid.uuid4()), **body, "is_preconfigured": False, "is_deprecated": False}
        state.connectors[connector["id"]] = connector
        return JSONResponse({k: v for k, v in connector.items() if k != "secrets"})

    async def update_connector(request: Request) -> JSONResponse:
        if refused := await guard(request):
            return refused
        connector_id = request.path_params["connector_id"]
        if connector_id not in state.connectors:
            return _error(404, "Not Found", f"Saved object [action/{connector_id}] not found")
        body = await request.json()
        state.requests[-1]["body"] = body
        if "connector_type_id" in body:
            return _error(400, "Bad Request", "[request body.connector_type_id]: definition for this key is missing")
        state.connectors[connector_id].update(body)
        return JSONResponse({k: v for k, v in state.connectors[connector_id].items() if k != "secrets"})

    routes = []
    for prefix in ("", "/s/{space_id}"):
        routes += [
            Route(f"{prefix}/api/alerting/rules/_find", find_rules),
            Route(f"{prefix}/api/actions/connectors", list_connectors),
            Route(f"{prefix}/api/actions/connector", create_connector, methods=["POST"]),
            Route(f"{prefix}/api/actions/connector/{{connector_id}}", update_connector, methods=["PUT"]),
        ]
    return Starlette(routes=routes)


@pytest.fixture
def fake_kibana(local_api: Callable[[Any], str]) -> tuple[FakeKibana, str]:
    state = FakeKibana()
    return state, local_api(kibana_app(state))


@pytest.fixture
def mustache() -> Callable[[str, dict[str, str]], str]:
    return render_mustache


@pytest.fixture
def kibana_api_key() -> str:
    return API_KEY
