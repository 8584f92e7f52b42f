from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Mapping
from typing import Any, ClassVar

import httpx

from keep_providers.base import BaseProvider, ProviderConfig, ProviderScope
from keep_providers.exceptions import OutboundError, ProviderConfigError
from keep_providers.http import create_client
from keep_providers.models import AlertDto
from keep_providers.providers.dynatrace.config import DynatraceConfig
from keep_providers.providers.dynatrace.formatter import WEBHOOK_PAYLOAD, format_dynatrace_webhook, format_problem
from keep_providers.providers.dynatrace.problems import OPEN_PROBLEMS, problem_as_webhook

__all__ = ["PROVIDER", "DynatraceProvider"]

PAGE_SIZE = 100
_SETTINGS = "/api/v2/settings/objects"
_NOTIFICATIONS_SCHEMA = "builtin:problem.notifications"
_PROFILES_SCHEMA = "builtin:alerting.profile"


class DynatraceProvider(BaseProvider):
    """Dynatrace: receives problem notifications (custom integration webhook), pulls
    open problems, and installs the notification through the settings API."""

    PROVIDER_TYPE: ClassVar[str] = "dynatrace"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Dynatrace"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = DynatraceConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope(
            "problems.read",
            "Read problems (pull)",
            documentation_url="https://docs.dynatrace.com/docs/dynatrace-api/environment-api/problems-v2",
        ),
        ProviderScope(
            "settings.read", "Read alerting profiles and problem notifications (setup_webhook)", mandatory=False
        ),
        ProviderScope("settings.write", "Create or update our problem notification (setup_webhook)", mandatory=False),
    )

    @property
    def settings(self) -> DynatraceConfig:
        assert isinstance(self.config, DynatraceConfig)
        return self.config

    def create_http_client(self) -> httpx.AsyncClient:
        return create_client(base_url=self.settings.environment_url)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Api-Token {self.settings.api_token.get_secret_value()}"}

    async def _pages(self, path: str, params: Mapping[str, Any], items_key: str) -> AsyncIterator[Mapping[str, Any]]:
        """Every item of a paged v2 listing; a follow-up request carries only nextPageKey."""
        query: Mapping[str, Any] = params
        while True:
            answer = (await self.request("GET", path, params=query, headers=self._auth())).json()
            for item in answer.get(items_key) or []:
                yield item
            if not (next_key := answer.get("nextPageKey")):
                return
            query = {"nextPageKey": next_key}

    # --- inbound ---------------------------------------------------------------

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_dynatrace_webhook(payload)

    # --- pull ------------------------------------------------------------------

    async def get_alerts(self) -> list[AlertDto]:
        params = {"problemSelector": OPEN_PROBLEMS, "pageSize": PAGE_SIZE}
        return [
            format_problem(problem_as_webhook(problem, self.settings.environment_url))
            async for problem in self._pages("/api/v2/problems", params, "problems")
        ]

    async def validate_scopes(self) -> dict[str, bool | str]:
        scopes: dict[str, bool | str] = {
            "problems.read": await self._check("problems.read", self._first_problem()),
        }
        try:
            profile_id = await self._alerting_profile_id()
        except (OutboundError, ProviderConfigError) as exc:
            scopes["settings.read"] = _reason("settings.read", exc)
            scopes["settings.write"] = "not checked: settings.read is needed first"
            return scopes
        scopes["settings.read"] = True
        probe = self._notification("https://keep-aiops.invalid/api/alerts/event/dynatrace", "probe", profile_id)
        scopes["settings.write"] = await self._check("settings.write", self._validate_only(probe))
        return scopes

    async def _first_problem(self) -> None:
        await self.request("GET", "/api/v2/problems", params={"pageSize": 1}, headers=self._auth())

    async def _validate_only(self, value: Mapping[str, Any]) -> None:
        # Dynatrace checks the object and the token's right to write it, without storing it.
        body = [{"schemaId": _NOTIFICATIONS_SCHEMA, "scope": "environment", "value": value}]
        await self.request("POST", _SETTINGS, params={"validateOnly": "true"}, json=body, headers=self._auth())

    async def _check(self, scope: str, call: Awaitable[None]) -> bool | str:
        try:
            await call
        except OutboundError as exc:
            return _reason(scope, exc)
        return True

    # --- webhook installation --------------------------------------------------

    @property
    def notification_name(self) -> str:
        return f"keep-aiops {self.provider_id}"

    async def _alerting_profile_id(self) -> str:
        params = {"schemaIds": _PROFILES_SCHEMA, "scopes": "environment", "fields": "objectId,value"}
        async for item in self._pages(_SETTINGS, params, "items"):
            if (item.get("value") or {}).get("name") == self.settings.alerting_profile:
                return str(item["objectId"])
        raise ProviderConfigError(f"alerting profile {self.settings.alerting_profile!r} not found in Dynatrace")

    async def _existing_notification_id(self) -> str | None:
        params = {"schemaIds": _NOTIFICATIONS_SCHEMA, "scopes": "environment", "fields": "objectId,value"}
        async for item in self._pages(_SETTINGS, params, "items"):
            if (item.get("value") or {}).get("displayName") == self.notification_name:
                return str(item["objectId"])
        return None

    def _notification(self, url: str, api_key: str, profile_id: str) -> dict[str, Any]:
        return {
            "enabled": True,
            "displayName": self.notification_name,
            "type": "WEBHOOK",
            "alertingProfile": profile_id,
            "webHookNotification": {
                "url": url,
                "acceptAnyCertificate": False,
                "notifyEventMergesEnabled": True,
                "notifyClosedProblems": True,
                "useOAuth2": False,
                "headers": [
                    {"name": "Content-Type", "secret": False, "value": "application/json"},
                    {"name": "X-API-KEY", "secret": True, "secretValue": api_key},
                ],
                "payload": WEBHOOK_PAYLOAD,
            },
        }

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> Mapping[str, Any]:
        url = f"{keep_api_url.rstrip('/')}/api/alerts/event/{self.PROVIDER_TYPE}?provider_id={self.provider_id}"
        value = self._notification(url, api_key, await self._alerting_profile_id())
        object_id = await self._existing_notification_id()
        if object_id is None:
            body = [{"schemaId": _NOTIFICATIONS_SCHEMA, "scope": "environment", "value": value}]
            [created] = (await self.request("POST", _SETTINGS, json=body, headers=self._auth())).json()
            object_id, action = str(created["objectId"]), "created"
        else:
            await self.request("PUT", f"{_SETTINGS}/{object_id}", json={"value": value}, headers=self._auth())
            action = "updated"
        return {
            "notification": self.notification_name,
            "action": action,
            "objectId": object_id,
            "url": url,
            "alertingProfile": self.settings.alerting_profile,
        }


def _reason(scope: str, exc: Exception) -> str:
    if isinstance(exc, OutboundError) and exc.status_code in (401, 403):
        return f"the token lacks {scope} ({exc})"
    return str(exc)


PROVIDER = DynatraceProvider
