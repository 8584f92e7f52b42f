"""A fake Prometheus + Alertmanager behind an auth proxy, answering like the real APIs.

Bodies follow Alertmanager's OpenAPI v2 (`gettableAlerts`, `alertmanagerStatus`) and
Prometheus' HTTP API v1 (`/alerts`, `/rules`, `/status/buildinfo`) documentation.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

USERNAME = "keep"
PASSWORD = "s3cret-pa55"
BEARER = "tok-123"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def am_alert(
    fingerprint: str = "1a30ba71cca2921f",
    *,
    state: str = "active",
    labels: dict[str, str] | None = None,
    ends_at: str = "2999-01-01T00:00:00Z",
) -> dict[str, Any]:
    return {
        "annotations": {"summary": "Disk almost full", "description": "/ is at 93%"},
        "endsAt": ends_at,
        "fingerprint": fingerprint,
        "receivers": [{"name": "keep"}, {"name": "team-pager"}],
        "startsAt": "2024-05-01T10:00:00.000Z",
        "status": {
            "inhibitedBy": [],
            "silencedBy": ["0b1c2d3e"] if state == "suppressed" else [],
            "state": state,
        },
        "updatedAt": "2024-05-01T10:05:00.000Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=disk_used+%3E+0.9",
        "labels": labels or {"alertname": "DiskFull", "instance": "node-1:9100", "job": "node", "severity": "warning"},
    }


def prom_alert(*, state: str = "firing", labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "labels": labels or {"alertname": "HighLatency", "instance": "api-1:8080", "job": "api", "severity": "high"},
        "annotations": {"summary": "p99 above 2s"},
        "state": state,
        "activeAt": "2024-05-01T09:58:12.60602144Z",
        "value": "2.3e+00",
    }


def rule(name: str, *, health: str = "ok", last_error: str = "", kind: str = "alerting") -> dict[str, Any]:
    return {
        "name": name,
        "query": "up == 0",
        "health": health,
        "lastError": last_error,
        "type": kind,
        "evaluationTime": 0.0003,
        "lastEvaluation": "2024-05-01T10:00:00Z",
        **(
            {"duration": 300, "labels": {}, "annotations": {}, "alerts": [], "state": "inactive"}
            if kind == "alerting"
            else {}
        ),
    }


@dataclass
class FakePrometheus:
    """One server for both APIs; `expected_auth` None lets everything through."""

    expected_auth: str | None = None
    am_alerts: list[Any] = field(default_factory=lambda: [am_alert()])
    prom_alerts: list[Any] = field(default_factory=lambda: [prom_alert()])
    rule_groups: list[Any] = field(default_factory=list)
    # Answer 503 this many times before answering normally.
    unavailable_times: int = 0
    seen: list[tuple[str, str | None]] = field(default_factory=list)
    url: str = ""

    def app(self) -> Starlette:
        async def guarded(request: Request, answer: Callable[[], Any]) -> Response:
            self.seen.append((request.url.path, request.headers.get("authorization")))
            if self.unavailable_times > 0:
                self.unavailable_times -= 1
                return PlainTextResponse("Service Unavailable", status_code=503)
            if self.expected_auth is not None and request.headers.get("authorization") != self.expected_auth:
                return PlainTextResponse("401 Unauthorized", status_code=401)
            return JSONResponse(answer())

        async def am_alerts(request: Request) -> Response:
            return await guarded(request, lambda: self.am_alerts)

        async def am_status(request: Request) -> Response:
            return await guarded(
                request,
                lambda: {
                    "cluster": {"status": "ready", "peers": []},
                    "config": {"original": "route:\n  receiver: keep\n"},
                    "uptime": "2024-05-01T00:00:00Z",
                    "versionInfo": {"version": "0.27.0"},
                },
            )

        async def prom_alerts(request: Request) -> Response:
            return await guarded(request, lambda: {"status": "success", "data": {"alerts": self.prom_alerts}})

        async def buildinfo(request: Request) -> Response:
            return await guarded(request, lambda: {"status": "success", "data": {"version": "2.52.0"}})

        async def rules(request: Request) -> Response:
            return await guarded(request, lambda: {"status": "success", "data": {"groups": self.rule_groups}})

        return Starlette(
            routes=[
                Route("/api/v2/alerts", am_alerts),
                Route("/api/v2/status", am_status),
                Route("/api/v1/alerts", prom_alerts),
                Route("/api/v1/status/buildinfo", buildinfo),
                Route("/api/v1/rules", rules),
            ]
        )


@pytest.fixture
def fake_prometheus(local_api: Callable[[Any], str]) -> FakePrometheus:
    fake = FakePrometheus()
    fake.url = local_api(fake.app())
    return fake


@pytest.fixture
def helpers() -> Any:
    """Payload builders for the test modules (they cannot import this conftest)."""

    class Helpers:
        am_alert = staticmethod(am_alert)
        prom_alert = staticmethod(prom_alert)
        rule = staticmethod(rule)
        basic = staticmethod(basic)
        username = USERNAME
        password = PASSWORD
        bearer = BEARER

    return Helpers
