"""Dynatrace test helpers: notification bodies from our documented template, and a
local fake of the environment API v2 (problems, settings objects)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

API_TOKEN = "dt0c01.TESTTOKEN.SECRETPART"


def problem(number: int, **extra: Any) -> dict[str, Any]:
    """A problem as GET /api/v2/problems lists it."""
    return {
        "problemId": f"{number}_1717408800000V2",
        "displayId": f"P-24061{number:02d}",
        "title": f"Response time degradation {number}",
        "impactLevel": "SERVICE",
        "severityLevel": "PERFORMANCE",
        "status": "OPEN",
        "affectedEntities": [{"entityId": {"id": "SERVICE-1", "type": "SERVICE"}, "name": "cart"}],
        "impactedEntities": [{"entityId": {"id": "SERVICE-1", "type": "SERVICE"}, "name": "cart"}],
        "rootCauseEntity": None,
        "managementZones": [{"id": "1", "name": "Production"}],
        "entityTags": [
            {"context": "CONTEXTLESS", "key": "env", "value": "production", "stringRepresentation": "env:production"}
        ],
        "problemFilters": [],
        "startTime": 1717408800000,
        "endTime": -1,
        **extra,
    }


def _error(code: int, message: str) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, code)


@dataclass
class FakeDynatrace:
    problems: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    token_scopes: set[str] = field(default_factory=lambda: {"problems.read", "settings.read", "settings.write"})
    settings: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "profile-default": {"schemaId": "builtin:alerting.profile", "value": {"name": "Default"}},
            "profile-ops": {"schemaId": "builtin:alerting.profile", "value": {"name": "Ops"}},
        }
    )
    failures: list[int] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    # Which schema a nextPageKey continues: the real API encodes it in the key.
    _last_schema: str | None = None

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v2/problems", self.list_problems),
                Route("/api/v2/settings/objects", self.objects, methods=["GET", "POST"]),
                Route("/api/v2/settings/objects/{object_id}", self.update_object, methods=["PUT"]),
            ]
        )

    def _refuse(self, request: Request, scope: str) -> Response | None:
        self.requests.append((request.method, request.url.path, dict(request.query_params)))
        if self.failures:
            status = self.failures.pop(0)
            return JSONResponse({"error": {"code": status, "message": "busy"}}, status, headers={"Retry-After": "0"})
        if request.headers.get("Authorization") != f"Api-Token {API_TOKEN}":
            return _error(401, "Token Authentication failed")
        if scope not in self.token_scopes:
            return _error(403, f"Token is missing required scope. Use one of: {scope}")
        return None

    def _page(self, items: list[Any], request: Request, key: str) -> Response:
        params = request.query_params
        if "nextPageKey" in params and len(params) > 1:
            return _error(400, "nextPageKey must be the only query parameter")
        start = int(params.get("nextPageKey", 0))
        size = int(params.get("pageSize", self.page_size)) if "pageSize" in params else self.page_size
        size = min(size, self.page_size)
        body: dict[str, Any] = {"totalCount": len(items), "pageSize": size, key: items[start : start + size]}
        if start + size < len(items):
            body["nextPageKey"] = str(start + size)
        return JSONResponse(body)

    async def list_problems(self, request: Request) -> Response:
        if refused := self._refuse(request, "problems.read"):
            return refused
        return self._page(self.problems, request, "problems")

    async def objects(self, request: Request) -> Response:
        if request.method == "POST":
            if refused := self._refuse(request, "settings.write"):
                return refused
            created = []
            for entry in await request.json():
                if not entry["value"].get("alertingProfile", "").startswith("profile-"):
                    return _error(400, "alertingProfile is not a valid profile")
                if request.query_params.get("validateOnly") == "true":
                    created.append({"code": 200})
                    continue
                object_id = f"notification-{len(self.settings)}"
                self.settings[object_id] = {"schemaId": entry["schemaId"], "value": entry["value"]}
                created.append({"code": 200, "objectId": object_id})
            return JSONResponse(created)
        if refused := self._refuse(request, "settings.read"):
            return refused
        schema = request.query_params.get("schemaIds")
        if schema is None and "nextPageKey" in request.query_params:
            # The fake remembers no cursor state: all objects of every schema share one order.
            schema = self._last_schema
        self._last_schema = schema
        items = [
            {"objectId": object_id, "value": stored["value"]}
            for object_id, stored in self.settings.items()
            if stored["schemaId"] == schema
        ]
        return self._page(items, request, "items")

    async def update_object(self, request: Request) -> Response:
        if refused := self._refuse(request, "settings.write"):
            return refused
        object_id = request.path_params["object_id"]
        if object_id not in self.settings:
            return _error(404, "Setting not found")
        self.settings[object_id]["value"] = (await request.json())["value"]
        return JSONResponse({"code": 200, "objectId": object_id})


@pytest.fixture
def fake_dynatrace(local_api: Callable[[Any], str]) -> tuple[FakeDynatrace, str]:
    fake = FakeDynatrace()
    return fake, local_api(fake.app())


@pytest.fixture
def problem_factory() -> Callable[..., dict[str, Any]]:
    return problem
