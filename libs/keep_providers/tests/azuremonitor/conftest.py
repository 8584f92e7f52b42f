"""A fake Microsoft Entra token endpoint and Azure Resource Manager, answering like the
real ones: token errors are {"error": "invalid_client", "error_description": ...},
ARM errors {"error": {"code": ..., "message": ...}}; alert lists page with `nextLink`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TENANT = "aaaaaaaa-1111-2222-3333-bbbbbbbbbbbb"
CLIENT_ID = "cccccccc-1111-2222-3333-dddddddddddd"
CLIENT_SECRET = "client-SECRET-value"
SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
RESOURCE_GROUP = "monitoring-rg"


def api_alert(guid: str, *, state: str = "New", condition: str = "Fired", severity: str = "Sev1") -> dict[str, Any]:
    """An alert as `GET .../Microsoft.AlertsManagement/alerts` lists it."""
    return {
        "id": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.AlertsManagement/alerts/{guid}",
        "type": "Microsoft.AlertsManagement/alerts",
        "name": "checkout-vm-cpu-high",
        "properties": {
            "essentials": {
                "severity": severity,
                "signalType": "Metric",
                "alertState": state,
                "monitorCondition": condition,
                "monitorService": "Platform",
                "targetResource": f"/subscriptions/{SUBSCRIPTION}/resourcegroups/shop-prod/providers/"
                "microsoft.compute/virtualmachines/checkout-vm-01",
                "targetResourceName": "checkout-vm-01",
                "targetResourceGroup": "shop-prod",
                "targetResourceType": "virtualmachines",
                "sourceCreatedId": "6cd6b2ce-8c54-468f-aff0-9d12aebb7e49",
                "smartGroupId": "23d6b2ce-8c54-468f-aff0-5d32aebb7e56",
                "alertRule": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/shop-prod/providers/"
                "microsoft.insights/metricAlerts/checkout-vm-cpu-high",
                "startDateTime": "2026-11-28T13:05:24.3713213Z",
                "lastModifiedDateTime": "2026-11-28T13:05:24.3713213Z",
                "lastModifiedUserName": "System",
                "description": "CPU above 90% on the checkout VM for 5 minutes",
                "actionStatus": {"isSuppressed": False},
            }
        },
    }


@dataclass
class FakeAzure:
    url: str = ""
    secret: str = CLIENT_SECRET
    token_lifetime: int = 3599
    # Token that ARM accepts; the role decides what it may do.
    can_read_alerts: bool = True
    can_write_action_groups: bool = True
    alerts: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"New": [], "Acknowledged": []})
    page_size: int = 2
    # Answer this many ARM calls with 503 first.
    unavailable_times: int = 0
    # nextLink host override, to test that the token is not sent elsewhere.
    next_link_base: str | None = None
    action_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    arm_calls: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    issued: int = 0

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            # parse_qsl, not request.form(): python-multipart is not installed.
            form = dict(parse_qsl((await request.body()).decode()))
            self.token_requests.append(form)
            if request.path_params["tenant"] != TENANT:
                return JSONResponse(
                    {"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."}, 400
                )
            if form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT_ID:
                return JSONResponse({"error": "unauthorized_client", "error_description": "AADSTS700016"}, 400)
            if form.get("client_secret") != self.secret:
                return JSONResponse(
                    {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."},
                    401,
                )
            if form.get("scope") != f"{self.url}/.default":
                return JSONResponse({"error": "invalid_scope", "error_description": "AADSTS70011"}, 400)
            self.issued += 1
            return JSONResponse(
                {"token_type": "Bearer", "expires_in": self.token_lifetime, "access_token": f"arm-token-{self.issued}"}
            )

        def arm_error(status: int, code: str, message: str) -> Response:
            return JSONResponse({"error": {"code": code, "message": message}}, status)

        def guard(request: Request, allowed: bool) -> Response | None:
            self.arm_calls.append((request.method, request.url.path, dict(request.query_params)))
            if self.unavailable_times > 0:
                self.unavailable_times -= 1
                return arm_error(503, "ServiceUnavailable", "try again")
            if not request.headers.get("authorization", "").startswith("Bearer arm-token-"):
                return arm_error(401, "InvalidAuthenticationToken", "The access token is invalid.")
            if not allowed:
                return arm_error(403, "AuthorizationFailed", "The client does not have authorization.")
            return None

        async def alerts(request: Request) -> Response:
            if refused := guard(request, self.can_read_alerts):
                return refused
            query = request.query_params
            assert query["api-version"] == "2019-05-05-preview"
            matching = self.alerts.get(query.get("alertState", "New"), [])
            size = int(query.get("pageCount", self.page_size))
            start = int(query.get("skipToken", 0))
            body: dict[str, Any] = {"value": matching[start : start + size]}
            if start + size < len(matching) and "pageCount" not in query:
                base = self.next_link_base or self.url
                body["nextLink"] = (
                    f"{base}{request.url.path}?api-version=2019-05-05-preview"
                    f"&alertState={query['alertState']}&monitorCondition=Fired&skipToken={start + size}"
                )
            return JSONResponse(body)

        async def action_groups(request: Request) -> Response:
            if refused := guard(request, self.can_write_action_groups):
                return refused
            return JSONResponse({"value": list(self.action_groups.values())})

        async def action_group(request: Request) -> Response:
            if refused := guard(request, self.can_write_action_groups):
                return refused
            assert request.query_params["api-version"] == "2023-01-01"
            name = request.path_params["name"]
            if request.method == "GET":
                if name not in self.action_groups:
                    return arm_error(404, "ResourceNotFound", f"The Resource '{name}' was not found.")
                return JSONResponse(self.action_groups[name])
            body = await request.json()
            created = name not in self.action_groups
            self.action_groups[name] = {
                "id": request.url.path,
                "name": name,
                "type": "Microsoft.Insights/ActionGroups",
                **copy.deepcopy(body),
            }
            return JSONResponse(self.action_groups[name], 201 if created else 200)

        sub = "/subscriptions/{sub}"
        groups = sub + "/resourceGroups/{rg}/providers/Microsoft.Insights/actionGroups"
        return Starlette(
            routes=[
                Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
                Route(sub + "/providers/Microsoft.AlertsManagement/alerts", alerts),
                Route(groups, action_groups),
                Route(groups + "/{name}", action_group, methods=["GET", "PUT"]),
            ]
        )

    def config(self, **changes: Any) -> dict[str, Any]:
        return {
            "tenant_id": TENANT,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "subscription_id": SUBSCRIPTION,
            "resource_group": RESOURCE_GROUP,
            "login_url": self.url,
            "management_url": self.url,
            **changes,
        }


@pytest.fixture
def fake_azure(local_api: Callable[[Any], str]) -> FakeAzure:
    fake = FakeAzure()
    fake.url = local_api(fake.app())
    return fake


@pytest.fixture
def make_api_alert() -> Callable[..., dict[str, Any]]:
    return api_alert
