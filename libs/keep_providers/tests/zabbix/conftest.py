"""Webhook bodies built from our documented media type parameters, and a fake Zabbix
JSON-RPC API (api_jsonrpc.php) that answers like Zabbix 6.4+: errors as HTTP 200 with
an `error` object, problem.get sorted by eventid with `limit` and `eventid_from`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

TOKEN = "zbx-token-0123456789abcdef"


def problem(eventid: str, **overrides: Any) -> dict[str, Any]:
    return {
        "eventid": eventid,
        "source": "0",
        "object": "0",
        "objectid": f"2{eventid}",
        "clock": "1714558542",
        "ns": "123456789",
        "r_eventid": "0",
        "r_clock": "0",
        "r_ns": "0",
        "correlationid": "0",
        "userid": "0",
        "name": f"Problem {eventid}",
        "acknowledged": "0",
        "severity": "4",
        "suppressed": "0",
        "opdata": "",
        "urls": [],
        "tags": [{"tag": "service", "value": "checkout"}],
        **overrides,
    }


def rpc_error(code: int, message: str, data: str, request_id: Any) -> JSONResponse:
    return JSONResponse({"jsonrpc": "2.0", "error": {"code": code, "message": message, "data": data}, "id": request_id})


@dataclass
class FakeZabbix:
    problems: list[dict[str, Any]] = field(default_factory=list)
    hosts: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    denied_methods: set[str] = field(default_factory=set)
    unavailable_times: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def app(self) -> Starlette:
        async def api(request: Request) -> Response:
            if self.unavailable_times > 0:
                self.unavailable_times -= 1
                return PlainTextResponse("Service Unavailable", status_code=503)
            body = await request.json()
            self.calls.append({"body": body, "authorization": request.headers.get("authorization")})
            method, params, request_id = body["method"], body.get("params", {}), body.get("id")
            token = body.get("auth") or request.headers.get("authorization", "").removeprefix("Bearer ")
            if token != TOKEN:
                return rpc_error(-32602, "Invalid params.", "Not authorized.", request_id)
            if method in self.denied_methods:
                return rpc_error(-32500, "Application error.", f'No permissions to call "{method}".', request_id)
            if method == "problem.get":
                result: Any = self._problem_get(params)
            elif method == "event.get":
                wanted = params.get("eventids") or list(self.hosts)
                result = [{"eventid": e, "hosts": self.hosts.get(e, [])} for e in wanted][: params.get("limit")]
            else:
                return rpc_error(-32601, "Method not found.", "Incorrect API method.", request_id)
            return JSONResponse({"jsonrpc": "2.0", "result": result, "id": request_id})

        return Starlette(routes=[Route("/api_jsonrpc.php", api, methods=["POST"])])

    def _problem_get(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        start = int(params.get("eventid_from", 0))
        found = sorted((p for p in self.problems if int(p["eventid"]) >= start), key=lambda p: int(p["eventid"]))
        return found[: params["limit"]] if params.get("limit") else found


@pytest.fixture
def fake_zabbix(local_api: Callable[[Any], str]) -> FakeZabbix:
    fake = FakeZabbix()
    fake.url = local_api(fake.app())
    return fake


@pytest.fixture
def zabbix_data(webhook_body: Callable[..., dict[str, Any]]) -> Any:
    """Builders for the test modules (they cannot import this conftest); `notification`
    is payloads/firing.json with some parameters replaced (None removes one)."""

    class Data:
        token = TOKEN
        notification = staticmethod(webhook_body)
        problem = staticmethod(problem)

    return Data
