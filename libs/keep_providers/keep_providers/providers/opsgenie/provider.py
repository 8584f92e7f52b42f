from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, TypeVar

import httpx
from pydantic import Field, SecretStr

from keep_providers.base import BaseIncidentProvider, ProviderScope
from keep_providers.config import HttpUrl, ProviderConfig
from keep_providers.exceptions import FormatterError, OutboundError, ProviderConfigError
from keep_providers.models import AlertDto, ExternalIncident
from keep_providers.providers.opsgenie.api import alert_from_api, incident_from_api
from keep_providers.providers.opsgenie.formatter import format_opsgenie_webhook
from keep_providers.providers.opsgenie.integration import (
    API_KEY_HEADER,
    FORWARDED_ACTIONS,
    INTEGRATION_NAME,
    INTEGRATIONS_PATH,
    find_ours,
    integration_body,
    webhook_url,
)

__all__ = ["PROVIDER", "OpsgenieConfig", "OpsgenieProvider"]

logger = logging.getLogger(__name__)

REGION_API_URLS: Mapping[str, str] = {
    "us": "https://api.opsgenie.com",
    "eu": "https://api.eu.opsgenie.com",
}

PAGE_SIZE = 100
# Opsgenie refuses offset + limit above 20,000: no listing goes further.
MAX_PAGES = 20_000 // PAGE_SIZE
_REASON_LIMIT = 200

T = TypeVar("T")


class OpsgenieConfig(ProviderConfig):
    api_key: SecretStr | None = Field(
        default=None,
        description="Opsgenie API key (API integration or account key with read access), sent as GenieKey; "
        "needed only to pull, and with configuration access to set up the webhook",
    )
    region: Literal["us", "eu"] = Field(default="us", description="Opsgenie region of the account")
    api_url: HttpUrl | None = Field(default=None, description="API base URL, overriding the region's")


class OpsgenieProvider(BaseIncidentProvider):
    """Opsgenie: receives its Webhook integration (and sets it up); pulls open alerts and incidents."""

    PROVIDER_TYPE: ClassVar[str] = "opsgenie"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Opsgenie"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Incident Management",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert", "incident")
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = OpsgenieConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope(
            name="alerts:read",
            description="List alerts (API key with Read access)",
            documentation_url="https://docs.opsgenie.com/docs/alert-api",
        ),
        ProviderScope(
            name="incidents:read",
            description="List incidents (Standard or Enterprise plan)",
            mandatory=False,
            documentation_url="https://docs.opsgenie.com/docs/incident-api",
        ),
        ProviderScope(
            name="configuration:write",
            description="Create and update our Webhook integration (setup_webhook): an API key with "
            "configuration access",
            mandatory=False,
            documentation_url="https://docs.opsgenie.com/docs/integration-api",
        ),
    )

    @property
    def _settings(self) -> OpsgenieConfig:
        assert isinstance(self.config, OpsgenieConfig)
        return self.config

    @property
    def api_url(self) -> str:
        return self._settings.api_url or REGION_API_URLS[self._settings.region]

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_opsgenie_webhook(payload)

    def _headers(self) -> dict[str, str]:
        if self._settings.api_key is None:
            raise ProviderConfigError("opsgenie: set api_key to call the Opsgenie API")
        return {"Authorization": f"GenieKey {self._settings.api_key.get_secret_value()}"}

    async def get_alerts(self) -> list[AlertDto]:
        return await self._list("/v2/alerts", alert_from_api, "alerts")

    async def get_incidents(self) -> list[ExternalIncident]:
        return await self._list("/v1/incidents", incident_from_api, "incidents")

    async def _list(self, path: str, convert: Callable[[Any], T], label: str) -> list[T]:
        """Every open record, following `paging.next` page by page."""
        url: str | None = f"{self.api_url}{path}"
        params: dict[str, str] | None = {"query": "status:open", "limit": str(PAGE_SIZE), "offset": "0"}
        records: list[Any] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = await self.request("GET", url, params=params, headers=self._headers())
            body = response.json()
            records.extend(body.get("data") or [])
            url, params = self._next_page(body), None
        return _convert_all(records, convert, label)

    def _next_page(self, body: Mapping[str, Any]) -> str | None:
        paging = body.get("paging")
        next_url = paging.get("next") if isinstance(paging, Mapping) else None
        if not next_url:
            return None
        # The key goes with every call: follow only links back to the configured API.
        if httpx.URL(next_url).host != httpx.URL(self.api_url).host:
            raise OutboundError(f"Opsgenie paging link leads away from {httpx.URL(self.api_url).host}")
        return str(next_url)

    async def validate_scopes(self) -> dict[str, bool | str]:
        if self._settings.api_key is None:
            return {scope.name: "api_key is not set" for scope in self.PROVIDER_SCOPES}
        return {
            "alerts:read": await self._check("/v2/alerts"),
            "incidents:read": await self._check("/v1/incidents"),
            # Opsgenie refuses the Integration API, reads included, to keys without configuration access.
            "configuration:write": await self._check(INTEGRATIONS_PATH),
        }

    async def _check(self, path: str) -> bool | str:
        # One attempt, not self.request: Opsgenie's refusal body says why.
        url = f"{self.api_url}{path}"
        try:
            response = await self.http.get(url, params={"limit": "1"}, headers=self._headers())
        except httpx.HTTPError as exc:
            return f"{httpx.URL(url).host} unreachable: {type(exc).__name__}"
        if response.is_success:
            return True
        return f"Opsgenie answered {response.status_code}: {_opsgenie_reason(response)}"

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> Mapping[str, Any]:
        """Create our Webhook integration, or update it (new URL and key) when it exists."""
        url = webhook_url(keep_api_url, self.provider_id)
        body = integration_body(url, api_key)
        integrations = f"{self.api_url}{INTEGRATIONS_PATH}"
        listed = await self.request("GET", integrations, params={"type": "Webhook"}, headers=self._headers())
        integration_id = find_ours(listed.json())
        if integration_id is None:
            created = await self.request("POST", integrations, json=body, headers=self._headers())
            integration_id = _created_id(created)
            action = "created"
        else:
            await self.request("PUT", f"{integrations}/{integration_id}", json=body, headers=self._headers())
            action = "updated"
        return {
            "integration": INTEGRATION_NAME,
            "integration_id": integration_id,
            "action": action,
            "webhook_url": url,
            "api_key_sent_as": f"header {API_KEY_HEADER}",
            "alert_actions": list(FORWARDED_ACTIONS),
        }


def _created_id(response: httpx.Response) -> str | None:
    body = response.json()
    data = body.get("data") if isinstance(body, Mapping) else None
    return str(data["id"]) if isinstance(data, Mapping) and data.get("id") else None


def _convert_all(records: list[Any], convert: Callable[[Any], T], label: str) -> list[T]:
    converted: list[T] = []
    problems: list[str] = []
    for index, record in enumerate(records):
        try:
            converted.append(convert(record))
        except (FormatterError, ValueError, TypeError, KeyError) as exc:
            problems.append(f"{label}[{index}]: {exc}")
    if problems:
        # One odd record must not stop the pull of all the others.
        logger.warning("opsgenie: %d %s skipped: %s", len(problems), label, "; ".join(problems)[:500])
    return converted


def _opsgenie_reason(response: httpx.Response) -> str:
    # Opsgenie errors are {"message", "took", "requestId"}.
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no reason given"
    message = body.get("message") if isinstance(body, Mapping) else None
    return str(message)[:_REASON_LIMIT] if message else response.reason_phrase or "no reason given"


PROVIDER = OpsgenieProvider
