"""New Relic test helpers: webhook bodies from our documented template, and a local
fake of NerdGraph that answers like the real one (200 with `errors` when it refuses)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

USER_KEY = "NRAK-TESTKEY0123456789"
ACCOUNT_ID = 4420147


def issue(number: int, **extra: Any) -> dict[str, Any]:
    """An issue as NerdGraph's aiIssues returns it."""
    return {
        "issueId": f"issue-{number}",
        "title": [f"Condition {number} breached"],
        "priority": "HIGH",
        "state": "ACTIVATED",
        "description": [f"Issue {number}"],
        "conditionName": [f"Condition {number}"],
        "policyName": ["Golden signals"],
        "entityNames": ["checkout-api"],
        "createdAt": 1717408800000,
        "updatedAt": 1717408860000,
        "closedAt": None,
        "totalIncidents": 1,
        "sources": ["newrelic"],
        "deepLinkUrl": f"https://one.newrelic.com/alerts-ai/issues/issue-{number}",
        **extra,
    }


@dataclass
class FakeNerdGraph:
    issues: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    failures: list[int] = field(default_factory=list)
    readable_accounts: set[int] = field(default_factory=lambda: {ACCOUNT_ID})
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/graphql", self.graphql, methods=["POST"])])

    async def graphql(self, request: Request) -> Response:
        body = await request.json()
        self.bodies.append(body)
        if self.failures:
            return JSONResponse({"error": "busy"}, self.failures.pop(0), headers={"Retry-After": "0"})
        if request.headers.get("API-Key") != USER_KEY:
            return JSONResponse(
                {"errors": [{"message": "Invalid API key", "extensions": {"errorClass": "UNAUTHORIZED"}}]}, 401
            )
        query: str = body["query"]
        if "user {" in query:
            return JSONResponse({"data": {"actor": {"user": {"id": 1}}}})
        account = body["variables"]["accountId"]
        if account not in self.readable_accounts:
            return JSONResponse(
                {
                    "data": {"actor": {"account": None}},
                    "errors": [
                        {
                            "message": "Access denied.",
                            "path": ["actor", "account"],
                            "extensions": {"errorClass": "FORBIDDEN"},
                        }
                    ],
                }
            )
        start = int(body["variables"].get("cursor") or 0)
        page = self.issues[start : start + self.page_size]
        more = start + self.page_size < len(self.issues)
        issues = {"issues": page, "nextCursor": str(start + self.page_size) if more else None}
        return JSONResponse({"data": {"actor": {"account": {"aiIssues": {"issues": issues}}}}})


@pytest.fixture
def fake_nerdgraph(local_api: Callable[[Any], str]) -> tuple[FakeNerdGraph, str]:
    fake = FakeNerdGraph()
    return fake, local_api(fake.app())


@pytest.fixture
def issue_factory() -> Callable[..., dict[str, Any]]:
    return issue
