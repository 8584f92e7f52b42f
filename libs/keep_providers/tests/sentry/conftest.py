"""Sentry test fixtures: payloads from payloads/*.json and a fake Sentry REST API.

The fake answers like sentry.io: Bearer tokens, `{"detail": ...}` errors, issue lists
paginated by a Link header whose `rel="next"` link says `results="true"` or `"false"`.
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

GOOD_TOKEN = "sntrys-good-token"
ISSUES_ONLY_TOKEN = "sntrys-issues-only"
ORG = "acme"
APP_SLUG = "keep-aiops-abc123"


def api_issue(issue_id: str, *, title: str | None = None, level: str = "error") -> dict[str, Any]:
    """An issue as `GET /api/0/organizations/{org}/issues/` returns it."""
    return {
        "id": issue_id,
        "shortId": f"CHECKOUT-{issue_id[-2:]}",
        "title": title or f"ValueError: bad total in order {issue_id}",
        "culprit": "checkout.views in total",
        "permalink": f"https://acme.sentry.io/issues/{issue_id}/",
        "level": level,
        "status": "unresolved",
        "substatus": "ongoing",
        "platform": "python",
        "project": {"id": "42", "name": "checkout", "slug": "checkout"},
        "type": "error",
        "metadata": {"type": "ValueError", "value": f"bad total in order {issue_id}"},
        "count": "12",
        "userCount": 3,
        "firstSeen": "2024-05-14T08:00:00.000000Z",
        "lastSeen": "2024-05-14T09:00:00.000000Z",
    }


@pytest.fixture
def make_issue() -> Callable[..., dict[str, Any]]:
    return api_issue


@dataclass
class FakeSentry:
    good_token = GOOD_TOKEN
    issues_only_token = ISSUES_ONLY_TOKEN
    org = ORG
    app_slug = APP_SLUG

    issues: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    # Status codes answered before the real answer, to exercise retries.
    failures: list[int] = field(default_factory=list)
    app: dict[str, Any] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    put_bodies: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def starlette(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/0/organizations/{org}/issues/", self.issues_endpoint),
                Route("/api/0/organizations/{org}/projects/", self.projects_endpoint),
                Route("/api/0/sentry-apps/{slug}/", self.app_endpoint, methods=["GET", "PUT"]),
            ]
        )

    def _refusal(self, request: Request, *, needs_projects: bool = False) -> Response | None:
        self.requests.append((request.method, request.url.path, dict(request.query_params)))
        if self.failures:
            return JSONResponse({"detail": "Internal Error"}, status_code=self.failures.pop(0))
        token = request.headers.get("authorization", "")
        if token not in (f"Bearer {GOOD_TOKEN}", f"Bearer {ISSUES_ONLY_TOKEN}"):
            return JSONResponse({"detail": "Invalid token"}, status_code=401)
        if needs_projects and token == f"Bearer {ISSUES_ONLY_TOKEN}":
            return JSONResponse({"detail": "You do not have permission to perform this action."}, status_code=403)
        if request.path_params.get("org", ORG) != ORG:
            return JSONResponse({"detail": "The requested resource does not exist"}, status_code=404)
        return None

    async def issues_endpoint(self, request: Request) -> Response:
        if (refused := self._refusal(request)) is not None:
            return refused
        start = int(request.query_params.get("cursor", "0:0:0").split(":")[1])
        page = self.issues[start : start + self.page_size]
        following = start + self.page_size
        more = "true" if following < len(self.issues) else "false"
        base = f"{self.url}{request.url.path}?query=is%3Aunresolved"
        previous = f"0:{max(start - self.page_size, 0)}:1"
        link = (
            f'<{base}&cursor={previous}>; rel="previous"; results="{str(start > 0).lower()}"; cursor="{previous}", '
            f'<{base}&cursor=0:{following}:0>; rel="next"; results="{more}"; cursor="0:{following}:0"'
        )
        return JSONResponse(page, headers={"Link": link})

    async def projects_endpoint(self, request: Request) -> Response:
        if (refused := self._refusal(request, needs_projects=True)) is not None:
            return refused
        return JSONResponse([{"id": "42", "slug": "checkout", "name": "checkout"}])

    async def app_endpoint(self, request: Request) -> Response:
        if (refused := self._refusal(request)) is not None:
            return refused
        if request.path_params["slug"] != self.app.get("slug"):
            return JSONResponse({"detail": "The requested resource does not exist"}, status_code=404)
        if request.method == "PUT":
            body = await request.json()
            if "name" not in body or "scopes" not in body:
                return JSONResponse({"name": ["This field is required."]}, status_code=400)
            self.put_bodies.append(body)
            self.app.update(body)
        return JSONResponse(self.app)


@pytest.fixture
def fake_sentry(local_api: Callable[[Any], str]) -> FakeSentry:
    fake = FakeSentry(
        app={
            "slug": APP_SLUG,
            "name": "keep-aiops",
            "scopes": ["event:read", "project:read", "org:write"],
            "events": [],
            "webhookUrl": None,
            "isAlertable": False,
            "status": "internal",
        }
    )
    fake.url = local_api(fake.starlette())
    return fake
