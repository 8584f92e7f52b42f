"""A fake Grafana alerting API (Starlette) and the provider wired to it.

It answers like Grafana 11/12: 401 with Grafana's body for an unknown token, 403 with
its "Permissions needed" body for a token lacking the action, rule pagination through
`group_limit`/`group_next_token`, and scripted 429/503 answers before success.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from keep_providers.http import RetryPolicy
from keep_providers.providers.grafana.provider import GrafanaProvider
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ALL_ACTIONS = frozenset(
    {"alert.instances:read", "alert.rules:read", "alert.provisioning:read", "alert.provisioning:write"}
)
ADMIN_TOKEN = "glsa_admin_0123456789abcdef"
READER_TOKEN = "glsa_reader_0123456789abcdef"
FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGrafana:
    """State of the fake: tests arrange it, then read what the provider did."""

    tokens: dict[str, frozenset[str]] = field(
        default_factory=lambda: {ADMIN_TOKEN: ALL_ACTIONS, READER_TOKEN: frozenset({"alert.instances:read"})}
    )
    alerts: list[dict[str, Any]] = field(default_factory=list)
    rule_groups: list[dict[str, Any]] = field(default_factory=list)
    # Grafana before 11.4 ignores group_limit and answers every group at once.
    paginates_rules: bool = True
    contact_points: list[dict[str, Any]] = field(default_factory=list)
    policies: dict[str, Any] = field(default_factory=lambda: {"receiver": "grafana-default-email"})
    # Status codes answered, in order, before the real answer (429s carry Retry-After: 0).
    failures: list[int] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""

    def app(self) -> Starlette:
        routes = [
            Route("/api/alertmanager/grafana/api/v2/alerts", self._alerts, methods=["GET"]),
            Route("/api/prometheus/grafana/api/v1/rules", self._rules, methods=["GET"]),
            Route("/api/v1/provisioning/contact-points", self._contact_points, methods=["GET", "POST"]),
            Route("/api/v1/provisioning/contact-points/{uid}", self._update_contact_point, methods=["PUT"]),
            Route("/api/v1/provisioning/policies", self._policies, methods=["GET", "PUT"]),
            Route("/api/access-control/user/permissions", self._permissions, methods=["GET"]),
        ]
        return Starlette(routes=routes)

    def calls(self, method: str, path_end: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(path_end)]

    # --- the gate every endpoint passes ------------------------------------------------

    async def _gate(self, request: Request, action: str | None) -> JSONResponse | None:
        body = await request.body()
        self.requests.append(
            Recorded(
                request.method,
                request.url.path,
                dict(request.query_params),
                {k.lower(): v for k, v in request.headers.items()},
                json.loads(body) if body else None,
            )
        )
        if self.failures:
            status = self.failures.pop(0)
            headers = {"Retry-After": "0"} if status == 429 else {}
            return JSONResponse({"message": "Service unavailable"}, status, headers=headers)
        auth = request.headers.get("authorization", "")
        granted = self.tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
        if granted is None:
            return JSONResponse(
                {"message": "invalid API key", "messageId": "api-key.invalid", "statusCode": 401, "traceID": ""}, 401
            )
        if action is not None and action not in granted:
            return JSONResponse(
                {
                    "accessErrorId": "ACE0947587429",
                    "message": f"You'll need additional permissions to perform this action. "
                    f"Permissions needed: any of {action}",
                    "title": "Access denied",
                },
                403,
            )
        return None

    # --- endpoints ---------------------------------------------------------------------

    async def _alerts(self, request: Request) -> JSONResponse:
        if refused := await self._gate(request, "alert.instances:read"):
            return refused
        return JSONResponse(self.alerts)

    async def _rules(self, request: Request) -> JSONResponse:
        if refused := await self._gate(request, "alert.rules:read"):
            return refused
        groups = self.rule_groups
        data: dict[str, Any] = {}
        limit = request.query_params.get("group_limit")
        if self.paginates_rules and limit:
            token = request.query_params.get("group_next_token")
            start = int(token.removeprefix("page-")) if token else 0
            end = start + int(limit)
            groups = self.rule_groups[start:end]
            if end < len(self.rule_groups):
                data["groupNextToken"] = f"page-{end}"
        return JSONResponse({"status": "success", "data": {"groups": groups, **data}})

    async def _contact_points(self, request: Request) -> JSONResponse:
        action = "alert.provisioning:read" if request.method == "GET" else "alert.provisioning:write"
        if refused := await self._gate(request, action):
            return refused
        if request.method == "GET":
            name = request.query_params.get("name")
            return JSONResponse([_redacted(p) for p in self.contact_points if name is None or p["name"] == name])
        created = {**self.requests[-1].body, "uid": f"cp{len(self.contact_points) + 1}"}
        self.contact_points.append(created)
        return JSONResponse(_redacted(created), 202)

    async def _update_contact_point(self, request: Request) -> JSONResponse:
        if refused := await self._gate(request, "alert.provisioning:write"):
            return refused
        uid = request.path_params["uid"]
        for index, point in enumerate(self.contact_points):
            if point["uid"] == uid:
                self.contact_points[index] = {**self.requests[-1].body, "uid": uid}
                return JSONResponse({"message": "contactpoint updated"}, 202)
        return JSONResponse({"message": "contact point not found"}, 404)

    async def _policies(self, request: Request) -> JSONResponse:
        action = "alert.provisioning:read" if request.method == "GET" else "alert.provisioning:write"
        if refused := await self._gate(request, action):
            return refused
        if request.method == "GET":
            return JSONResponse(self.policies)
        self.policies = self.requests[-1].body
        return JSONResponse({"message": "policies updated"}, 202)

    async def _permissions(self, request: Request) -> JSONResponse:
        if refused := await self._gate(request, None):
            return refused
        auth = request.headers["authorization"].removeprefix("Bearer ")
        return JSONResponse({action: [] for action in sorted(self.tokens[auth])})


def _redacted(point: dict[str, Any]) -> dict[str, Any]:
    # Grafana never hands secure settings back.
    shown = copy.deepcopy(point)
    if "authorization_credentials" in shown.get("settings", {}):
        shown["settings"]["authorization_credentials"] = "[REDACTED]"
    return shown


@pytest.fixture
def grafana(local_api: Callable[[Any], str]) -> FakeGrafana:
    fake = FakeGrafana()
    fake.url = local_api(fake.app())
    return fake


# Tokens by role: what the fake grants each one.
TOKENS = {"admin": ADMIN_TOKEN, "reader": READER_TOKEN, "unknown": "glsa_revoked_0000000000000000"}


@pytest.fixture
async def make_provider(grafana: FakeGrafana) -> AsyncIterator[Callable[..., GrafanaProvider]]:
    """`make_provider(role="admin" | "reader" | "unknown")`: a provider on the fake,
    disposed after the test."""
    made: list[GrafanaProvider] = []

    def make(role: str = "admin") -> GrafanaProvider:
        provider = GrafanaProvider("test-id", {"host": grafana.url, "token": TOKENS[role]}, retry=FAST_RETRY)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.dispose()
