"""Datadog test helpers: webhook bodies from our documented template, and a local fake
of the Datadog API (monitors, validate, Webhooks integration)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

API_KEY = "dd-api-key-0123456789abcdef"
APP_KEY = "dd-app-key-fedcba9876543210"


def monitor(monitor_id: int, *, groups: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    """A monitor as GET /api/v1/monitor?group_states=... returns it."""
    return {
        "id": monitor_id,
        "name": f"Monitor {monitor_id}",
        "type": "query alert",
        "query": "avg(last_5m):avg:system.cpu.user{*} by {host} > 90",
        "message": "CPU high @webhook-keep",
        "tags": ["env:prod", "service:api"],
        "priority": None,
        "overall_state": "Alert" if groups else "OK",
        "options": {"silenced": {}},
        "state": {
            "groups": {
                name: {"name": name, "status": status, "last_triggered_ts": 1717408800, "last_nodata_ts": 0}
                for name, status in (groups or {}).items()
            }
        },
        **extra,
    }


@dataclass
class FakeDatadog:
    monitors: list[dict[str, Any]] = field(default_factory=list)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Status codes answered before the real answer, to exercise retries.
    failures: list[int] = field(default_factory=list)
    app_key_scopes: set[str] = field(default_factory=lambda: {"monitors_read", "integrations_manage"})
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v1/validate", self.validate),
                Route("/api/v1/monitor", self.list_monitors),
                Route("/api/v1/integration/webhooks/configuration/webhooks", self.create_webhook, methods=["POST"]),
                Route(
                    "/api/v1/integration/webhooks/configuration/webhooks/{name}",
                    self.webhook,
                    methods=["GET", "PUT"],
                ),
            ]
        )

    def _refuse(self, request: Request, scope: str | None) -> Response | None:
        self.requests.append((request.method, request.url.path, dict(request.query_params)))
        if self.failures:
            status = self.failures.pop(0)
            return JSONResponse({"errors": ["Rate limit exceeded"]}, status, headers={"Retry-After": "0"})
        if request.headers.get("DD-API-KEY") != API_KEY:
            return JSONResponse({"errors": ["Forbidden"]}, 403)
        if scope is not None and (
            request.headers.get("DD-APPLICATION-KEY") != APP_KEY or scope not in self.app_key_scopes
        ):
            return JSONResponse({"errors": ["Forbidden"]}, 403)
        return None

    async def validate(self, request: Request) -> Response:
        return self._refuse(request, None) or JSONResponse({"valid": True})

    async def list_monitors(self, request: Request) -> Response:
        if refused := self._refuse(request, "monitors_read"):
            return refused
        page = int(request.query_params.get("page", 0))
        size = int(request.query_params.get("page_size", 100))
        return JSONResponse(self.monitors[page * size : (page + 1) * size])

    async def create_webhook(self, request: Request) -> Response:
        if refused := self._refuse(request, "integrations_manage"):
            return refused
        body = await request.json()
        if body["name"] in self.webhooks:
            return JSONResponse({"errors": ["Webhook already exists"]}, 400)
        self.webhooks[body["name"]] = body
        return JSONResponse(body)

    async def webhook(self, request: Request) -> Response:
        if refused := self._refuse(request, "integrations_manage"):
            return refused
        name = request.path_params["name"]
        if name not in self.webhooks:
            return JSONResponse({"errors": ["Webhook not found"]}, 404)
        if request.method == "PUT":
            self.webhooks[name] = {**self.webhooks[name], **(await request.json())}
        return JSONResponse(self.webhooks[name])


@pytest.fixture
def fake_datadog(local_api: Callable[[Any], str]) -> tuple[FakeDatadog, str]:
    fake = FakeDatadog()
    return fake, local_api(fake.app())


@pytest.fixture
def monitor_factory() -> Callable[..., dict[str, Any]]:
    return monitor
