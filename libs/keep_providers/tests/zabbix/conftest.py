"""Webhook bodies built from our documented media type parameters, and a fake Zabbix
JSON-RPC API (api_jsonrpc.php) that answers like Zabbix 6.4+: errors as HTTP 200 with
an `error` object, problem.get sorted by eventid with `limit` and `eventid_from`, and
media types (mediatype.get/create/update) as a Super admin or, since 6.4.19, an Admin
sees them: Admins read only a few fields and may not create or update."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

TOKEN = "zbx-token-0123456789abcdef"
# What mediatype.get returns to an Admin (not Super admin) user since Zabbix 6.4.19.
ADMIN_MEDIATYPE_FIELDS = ("mediatypeid", "name", "type", "status", "maxattempts")


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
    # Media type id -> the media type as last created or updated.
    mediatypes: dict[str, dict[str, Any]] = field(default_factory=dict)
    mediatype_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(31))
    user_type: str = "super admin"
    # Make mediatype.create quote the value of this parameter in its refusal.
    refuse_parameter: str | None = None

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
            elif method.startswith("mediatype."):
                answer = self._mediatype(method, params)
                if "error" in answer:
                    return rpc_error(*answer["error"], request_id)
                result = answer["result"]
            else:
                return rpc_error(-32601, "Method not found.", "Incorrect API method.", request_id)
            return JSONResponse({"jsonrpc": "2.0", "result": result, "id": request_id})

        return Starlette(routes=[Route("/api_jsonrpc.php", api, methods=["POST"])])

    def _mediatype(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        admin = self.user_type == "admin"
        if method == "mediatype.get":
            output = params.get("output", "extend")
            fields = set(output) if isinstance(output, list) else None
            if admin and (fields is None or fields - set(ADMIN_MEDIATYPE_FIELDS)):
                allowed = ", ".join(f'"{name}"' for name in ADMIN_MEDIATYPE_FIELDS)
                return {
                    "error": (
                        -32602,
                        "Invalid params.",
                        f'Invalid parameter "/output": value must be one of {allowed}.',
                    )
                }
            if admin and "selectMessageTemplates" in params:
                return {
                    "error": (
                        -32602,
                        "Invalid params.",
                        'Invalid parameter "/": unexpected parameter "selectMessageTemplates".',
                    )
                }
            wanted = params.get("filter", {}).get("name")
            found = [m for m in self.mediatypes.values() if wanted in (None, m["name"])][: params.get("limit")]
            return {"result": [{k: v for k, v in m.items() if fields is None or k in fields} for m in found]}
        if admin:
            return {"error": (-32500, "Application error.", f'No permissions to call "{method}".')}
        if method == "mediatype.create":
            if any(m["name"] == params.get("name") for m in self.mediatypes.values()):
                return {"error": (-32602, "Invalid params.", f'Media type "{params.get("name")}" already exists.')}
            if params.get("type") == 4 and not params.get("script"):
                return {"error": (-32602, "Invalid params.", 'Invalid parameter "/1/script": cannot be empty.')}
            refused = [p["value"] for p in params.get("parameters", []) if p["name"] == self.refuse_parameter]
            if refused:
                return {
                    "error": (
                        -32602,
                        "Invalid params.",
                        f'Invalid parameter "/1/parameters": "{refused[0]}" is too long.',
                    )
                }
            mediatype_id = str(next(self.mediatype_ids))
            self.mediatypes[mediatype_id] = {**params, "mediatypeid": mediatype_id}
            return {"result": {"mediatypeids": [mediatype_id]}}
        if method == "mediatype.update":
            mediatype_id = str(params.get("mediatypeid"))
            if mediatype_id not in self.mediatypes:
                return {
                    "error": (-32500, "Application error.", "No permissions to referred object or it does not exist!")
                }
            self.mediatypes[mediatype_id] = {**self.mediatypes[mediatype_id], **params}
            return {"result": {"mediatypeids": [mediatype_id]}}
        return {"error": (-32601, "Method not found.", "Incorrect API method.")}

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
