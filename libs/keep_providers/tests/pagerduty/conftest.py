"""PagerDuty test fixtures: payloads from payloads/*.json and a fake PagerDuty REST API.

The fake answers like api.pagerduty.com: `Authorization: Token token=...`, the
`{"error": {"message", "code"}}` error body, classic `limit`/`offset`/`more` pagination,
and a webhook subscription's secret only in the answer that created it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

GOOD_KEY = "u+good-rest-key"
READ_ONLY_KEY = "u+read-only-key"
SUBSCRIPTION_SECRET = "pd-generated-signing-secret-value"


def api_incident(incident_id: str, *, status: str = "triggered", key: str | None = None) -> dict[str, Any]:
    """An incident as `GET /incidents` returns it."""
    return {
        "id": incident_id,
        "type": "incident",
        "summary": f"[#{incident_id[-3:]}] Queue depth high on worker {incident_id}",
        "incident_number": int(incident_id[-3:]),
        "title": f"Queue depth high on worker {incident_id}",
        "description": f"Queue depth high on worker {incident_id}",
        "status": status,
        "incident_key": key if key is not None else f"queue/{incident_id}",
        "created_at": "2024-05-14T08:00:00Z",
        "urgency": "high",
        "html_url": f"https://acme.pagerduty.com/incidents/{incident_id}",
        "service": {"id": "PSVC001", "summary": "Workers", "type": "service_reference"},
        "priority": {"id": "PPRIO02", "summary": "P2", "type": "priority_reference"},
        "assignments": [{"assignee": {"id": "PUSER01", "summary": "Sam", "type": "user_reference"}}],
        "teams": [],
        "escalation_policy": {"id": "PEP0001", "summary": "Workers EP", "type": "escalation_policy_reference"},
    }


@pytest.fixture
def make_incident() -> Callable[..., dict[str, Any]]:
    return api_incident


@dataclass
class FakePagerDuty:
    good_key = GOOD_KEY
    read_only_key = READ_ONLY_KEY
    subscription_secret = SUBSCRIPTION_SECRET

    incidents: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    # Status codes answered before the real answer, to exercise retries.
    failures: list[int] = field(default_factory=list)
    requests: list[tuple[str, str, list[tuple[str, str]]]] = field(default_factory=list)
    writes: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    def starlette(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/incidents", self.list_incidents),
                Route("/webhook_subscriptions", self.subscriptions_endpoint, methods=["GET", "POST"]),
                Route("/webhook_subscriptions/{id}", self.delete_subscription, methods=["DELETE"]),
            ]
        )

    def _refusal(self, request: Request, *, write: bool = False) -> Response | None:
        self.requests.append((request.method, request.url.path, list(request.query_params.multi_items())))
        if self.failures:
            return JSONResponse({"error": {"message": "Internal Server Error"}}, status_code=self.failures.pop(0))
        if request.headers.get("accept") != "application/vnd.pagerduty+json;version=2":
            return JSONResponse({"error": {"message": "Unsupported API version", "code": 2001}}, status_code=400)
        auth = request.headers.get("authorization", "")
        if auth not in (f"Token token={GOOD_KEY}", f"Token token={READ_ONLY_KEY}"):
            return JSONResponse({"error": {"message": "Invalid API Key", "code": 2006}}, status_code=401)
        if write and auth == f"Token token={READ_ONLY_KEY}":
            return JSONResponse({"error": {"message": "Access Denied", "code": 2010}}, status_code=403)
        return None

    def _page(self, request: Request, items: list[dict[str, Any]], key: str) -> Response:
        limit = int(request.query_params.get("limit", "25"))
        offset = int(request.query_params.get("offset", "0"))
        page = items[offset : offset + limit]
        more = offset + limit < len(items)
        return JSONResponse({key: page, "limit": limit, "offset": offset, "total": None, "more": more})

    async def list_incidents(self, request: Request) -> Response:
        if (refused := self._refusal(request)) is not None:
            return refused
        statuses = request.query_params.getlist("statuses[]")
        matching = [incident for incident in self.incidents if not statuses or incident["status"] in statuses]
        return self._page(request, matching, "incidents")

    async def subscriptions_endpoint(self, request: Request) -> Response:
        if request.method == "GET":
            if (refused := self._refusal(request)) is not None:
                return refused
            redacted = [_redacted(subscription) for subscription in self.subscriptions]
            return self._page(request, redacted, "webhook_subscriptions")
        if (refused := self._refusal(request, write=True)) is not None:
            return refused
        body = (await request.json())["webhook_subscription"]
        self.writes.append(("POST", request.url.path, body))
        created = {
            **body,
            "id": f"PSUB{len(self.writes):03d}",
            "delivery_method": {**body["delivery_method"], "id": "PDM0001", "secret": SUBSCRIPTION_SECRET},
        }
        self.subscriptions.append(created)
        return JSONResponse({"webhook_subscription": created}, status_code=201)

    async def delete_subscription(self, request: Request) -> Response:
        if (refused := self._refusal(request, write=True)) is not None:
            return refused
        self.writes.append(("DELETE", request.url.path, {}))
        kept = [sub for sub in self.subscriptions if sub["id"] != request.path_params["id"]]
        if len(kept) == len(self.subscriptions):
            return JSONResponse({"error": {"message": "Not Found", "code": 2100}}, status_code=404)
        self.subscriptions = kept
        return Response(status_code=204)


def _redacted(subscription: dict[str, Any]) -> dict[str, Any]:
    delivery = dict(subscription.get("delivery_method", {}))
    delivery["secret"] = None
    delivery["custom_headers"] = [
        {"name": header["name"], "value": "-- redacted --"} for header in delivery.get("custom_headers", [])
    ]
    return {**subscription, "delivery_method": delivery}


@pytest.fixture
def fake_pagerduty(local_api: Callable[[Any], str]) -> FakePagerDuty:
    fake = FakePagerDuty()
    fake.url = local_api(fake.starlette())
    return fake
