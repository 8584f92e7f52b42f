"""Elastic test helpers: webhook bodies rendered from our templates, a fake Kibana and a
fake Elasticsearch holding Kibana's alert documents.

The fake Kibana answers like Kibana 8: `ApiKey` auth, `kbn-xsrf` required on writes, errors
as {"statusCode", "error", "message"}, connectors listed as a bare JSON array.
The fake Elasticsearch answers `_search` like Elasticsearch 8: `fields` as lists of values,
sort values per hit (dates as epoch millis), `search_after` paging, errors as
{"error": {"type", "reason"}, "status"}, and a wildcard the key may not read expanding to
no index at all (200, zero shards) while a named index it may not read is a 403.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
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


# --- fake Elasticsearch ----------------------------------------------------------

ALERTS_INDEX = ".alerts-stack.alerts-default"
_ES_KEY_ID = "VuaCfGcBCdbkQm-e5aOx"


@dataclass
class FakeElasticsearch:
    # Alert documents as `fields` would return them: every value a list.
    documents: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Status codes answered before behaving normally (e.g. [503]).
    failures: list[int] = field(default_factory=list)
    # Whether the key holds the `read` index privilege on the alert indices.
    readable: bool = True


def _es_error(status: int, kind: str, reason: str) -> JSONResponse:
    cause = {"type": kind, "reason": reason}
    return JSONResponse({"error": {"root_cause": [cause], **cause}, "status": status}, status_code=status)


def _sort_key(document: dict[str, Any]) -> list[Any]:
    start = datetime.fromisoformat(document["kibana.alert.start"][0])
    return [int(start.timestamp() * 1000), document["kibana.alert.uuid"][0]]


def _matches(document: dict[str, Any], query: dict[str, Any]) -> bool:
    for clause in query.get("bool", {}).get("filter", []):
        for name, value in clause["term"].items():
            if value not in document.get(name, []):
                return False
    return True


def elasticsearch_app(state: FakeElasticsearch) -> Starlette:
    async def search(request: Request) -> JSONResponse:
        body = await request.json()
        index = request.path_params["index"]
        state.requests.append(
            {
                "path": request.url.path,
                "params": dict(request.query_params),
                "headers": dict(request.headers),
                "body": body,
            }
        )
        if request.headers.get("authorization") != f"ApiKey {API_KEY}":
            return _es_error(401, "security_exception", "unable to authenticate with provided credentials")
        if state.failures:
            return _es_error(state.failures.pop(0), "unavailable_shards_exception", "try later")
        wildcard = "*" in index
        if not state.readable and not wildcard:
            return _es_error(
                403,
                "security_exception",
                f"action [indices:data/read/search] is unauthorized for API key id [{_ES_KEY_ID}] of user "
                f"[keep] on indices [{index}], this action is granted by the index privileges [read,all]",
            )
        # Aliases the key may read; each stands for one backing index of one shard here.
        searched = [d for d in state.documents if state.readable and fnmatch.fnmatch(d["alias"], index)]
        found = sorted(
            (d for d in searched if _matches(d["fields"], body.get("query", {}))), key=lambda d: _sort_key(d["fields"])
        )
        if "search_after" in body:
            found = [d for d in found if _sort_key(d["fields"]) > body["search_after"]]
        wanted = set(body.get("fields", []))
        hits = [
            {
                "_index": d["_index"],
                "_id": d["_id"],
                "_score": None,
                "fields": {name: values for name, values in d["fields"].items() if name in wanted},
                "sort": _sort_key(d["fields"]),
            }
            for d in found[: body.get("size", 10)]
        ]
        shards = len({d["alias"] for d in searched})
        return JSONResponse(
            {
                "took": 3,
                "timed_out": False,
                "_shards": {"total": shards, "successful": shards, "skipped": 0, "failed": 0},
                "hits": {"max_score": None, "hits": hits},
            }
        )

    return Starlette(routes=[Route("/{index}/_search", search, methods=["POST"])])


@pytest.fixture
def fake_elasticsearch(local_api: Callable[[Any], str]) -> tuple[FakeElasticsearch, str]:
    state = FakeElasticsearch()
    return state, local_api(elasticsearch_app(state))


@pytest.fixture
def alert_document() -> Callable[..., dict[str, Any]]:
    """An active alert document of the Elasticsearch query rule the webhook firing.json
    reports, in `fields` form; keyword overrides replace fields (None removes one)."""

    def make(changes: dict[str, Any] | None = None, *, alias: str = ALERTS_INDEX) -> dict[str, Any]:
        fields: dict[str, list[Any]] = {
            "@timestamp": ["2024-11-28T14:05:00.123Z"],
            "kibana.alert.uuid": ["b1f0c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"],
            "kibana.alert.instance.id": ["query matched"],
            "kibana.alert.status": ["active"],
            "kibana.alert.start": ["2024-11-28T14:00:00.000Z"],
            "kibana.alert.reason": [
                "Document count is 152 in the last 5m in logs-checkout-*. Alert when greater than 100."
            ],
            "kibana.alert.action_group": ["query matched"],
            "kibana.alert.flapping": [False],
            "kibana.alert.workflow_status": ["open"],
            "kibana.alert.rule.uuid": ["3d5b2e70-8f4a-11ee-b0c5-6f1d2a9c4e11"],
            "kibana.alert.rule.name": ["High error rate on checkout"],
            "kibana.alert.rule.tags": ["severity:critical", "team:payments", "service:checkout", "env:production"],
            "kibana.alert.rule.category": ["Elasticsearch query"],
            "kibana.alert.rule.rule_type_id": [".es-query"],
            "kibana.space_ids": ["default"],
            "kibana.version": ["8.15.0"],
        }
        for name, value in (changes or {}).items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value if isinstance(value, list) else [value]
        backing_index = f".internal{alias}-000001"
        return {"alias": alias, "_index": backing_index, "_id": str(uuid.uuid4()), "fields": fields}

    return make
