from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import httpx

from keep_providers.base import BaseProvider, ProviderConfig, ProviderScope
from keep_providers.exceptions import OutboundError, PartialFormatError, ProviderConfigError
from keep_providers.models import AlertDto
from keep_providers.oauth import TokenCache, json_with_token
from keep_providers.providers.azuremonitor.config import AzureMonitorConfig
from keep_providers.providers.azuremonitor.formatter import format_azure_monitor_webhook
from keep_providers.providers.azuremonitor.pulled import format_pulled_alerts, read_page

__all__ = ["ACTION_GROUP_NAME", "PROVIDER", "AzureMonitorProvider"]

logger = logging.getLogger(__name__)

ALERTS_READ = "Microsoft.AlertsManagement/alerts/read"
ACTION_GROUPS_WRITE = "Microsoft.Insights/actionGroups/write"

ACTION_GROUP_NAME = "keep-aiops"
# An action group's short name (shown in SMS and e-mails) is at most 12 characters.
_ACTION_GROUP_SHORT_NAME = "keepaiops"
_ALERTS_API_VERSION = "2019-05-05-preview"
_ACTION_GROUPS_API_VERSION = "2023-01-01"
# The alert states still worth showing; the list filter takes one state per call.
_ACTIVE_ALERT_STATES = ("New", "Acknowledged")
# A runaway nextLink chain ends here rather than looping forever.
_MAX_PAGES = 200
_CREDENTIAL_FIELDS = ("tenant_id", "client_id", "client_secret")


class AzureMonitorProvider(BaseProvider):
    """Azure Monitor: receives action group webhooks in the common alert schema, pulls
    fired alerts from the Alerts Management API and creates the action group that
    sends them to us."""

    PROVIDER_TYPE: ClassVar[str] = "azuremonitor"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Azure Monitor"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring", "Cloud Infrastructure")
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = AzureMonitorConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope(
            name=ALERTS_READ,
            description="List the subscription's alerts (built-in role Monitoring Reader)",
            documentation_url="https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles/monitor",
        ),
        ProviderScope(
            name=ACTION_GROUPS_WRITE,
            description="Create the keep-aiops action group in resource_group (Monitoring Contributor); "
            "checked by listing that group's action groups",
            mandatory=False,
            documentation_url="https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles/monitor",
        ),
    )

    def __init__(self, provider_id: str, config: Mapping[str, Any] | ProviderConfig, **kwargs: Any) -> None:
        super().__init__(provider_id, config, **kwargs)
        self._tokens = TokenCache(self._request_token)

    @property
    def settings(self) -> AzureMonitorConfig:
        assert isinstance(self.config, AzureMonitorConfig)
        return self.config

    def validate_config(self) -> None:
        given = [name for name in _CREDENTIAL_FIELDS if getattr(self.settings, name) is not None]
        if given and len(given) != len(_CREDENTIAL_FIELDS):
            raise ProviderConfigError(
                "invalid azuremonitor config: a service principal needs tenant_id, client_id and client_secret"
            )

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_azure_monitor_webhook(payload)

    # --- Resource Manager calls -----------------------------------------------------

    def _missing(self, *fields: str) -> list[str]:
        return [
            name for name in (*_CREDENTIAL_FIELDS, "subscription_id", *fields) if getattr(self.settings, name) is None
        ]

    def _require(self, action: str, *fields: str) -> None:
        if missing := self._missing(*fields):
            raise ProviderConfigError(f"azuremonitor {action} needs {', '.join(missing)}")

    async def _request_token(self) -> httpx.Response:
        settings = self.settings
        assert settings.client_secret is not None
        return await self.request(
            "POST",
            f"{settings.login_url}/{quote(settings.tenant_id or '', safe='')}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": settings.client_id,
                "client_secret": settings.client_secret.get_secret_value(),
                "scope": f"{settings.management_url}/.default",
            },
        )

    async def _arm(self, method: str, url: str, **kwargs: Any) -> Any:
        """One Resource Manager call; its JSON body."""
        return await json_with_token(self.request, self._tokens, method, url, **kwargs)

    @property
    def _subscription_url(self) -> str:
        return f"{self.settings.management_url}/subscriptions/{quote(self.settings.subscription_id or '', safe='')}"

    @property
    def _action_groups_url(self) -> str:
        group = f"{self._subscription_url}/resourceGroups/{quote(self.settings.resource_group or '', safe='')}"
        return f"{group}/providers/Microsoft.Insights/actionGroups"

    def _same_host(self, link: str) -> bool:
        # nextLink carries our bearer token along: only to Resource Manager itself.
        ours, theirs = httpx.URL(self.settings.management_url), httpx.URL(link)
        return (ours.scheme, ours.host, ours.port) == (theirs.scheme, theirs.host, theirs.port)

    async def _list_alerts(self, state: str) -> list[Any]:
        url = f"{self._subscription_url}/providers/Microsoft.AlertsManagement/alerts"
        params: dict[str, str] | None = {
            "api-version": _ALERTS_API_VERSION,
            "alertState": state,
            "monitorCondition": "Fired",
        }
        entries: list[Any] = []
        for _ in range(_MAX_PAGES):
            page, next_link = read_page(await self._arm("GET", url, params=params))
            entries.extend(page)
            if next_link is None:
                return entries
            if not self._same_host(next_link):
                raise OutboundError(
                    f"Alerts Management nextLink points to {httpx.URL(next_link).host}, not Resource Manager"
                )
            url, params = next_link, None
        logger.warning("azuremonitor pull stopped after %d pages", _MAX_PAGES)
        return entries

    # --- pull --------------------------------------------------------------------

    async def get_alerts(self) -> list[AlertDto]:
        self._require("pull")
        entries = [entry for state in _ACTIVE_ALERT_STATES for entry in await self._list_alerts(state)]
        try:
            return format_pulled_alerts(entries)
        except PartialFormatError as partial:
            # A pull keeps what it could read; the rest is logged, not fatal.
            logger.warning("azuremonitor pull skipped %d alerts: %s", len(partial.problems), partial)
            return partial.alerts

    # --- scopes ------------------------------------------------------------------

    async def validate_scopes(self) -> dict[str, bool | str]:
        if missing := self._missing():
            reason = f"not checked: {', '.join(missing)} not set"
            return {scope.name: reason for scope in self.PROVIDER_SCOPES}
        try:
            await self._tokens.token()
        except OutboundError as exc:
            reason = f"authentication failed: {exc}"
            return {scope.name: reason for scope in self.PROVIDER_SCOPES}
        results: dict[str, bool | str] = {}
        results[ALERTS_READ] = await self._check(
            f"{self._subscription_url}/providers/Microsoft.AlertsManagement/alerts",
            {"api-version": _ALERTS_API_VERSION, "pageCount": "1"},
        )
        if self.settings.resource_group is None:
            results[ACTION_GROUPS_WRITE] = "not checked: resource_group is not set"
        else:
            results[ACTION_GROUPS_WRITE] = await self._check(
                self._action_groups_url, {"api-version": _ACTION_GROUPS_API_VERSION}
            )
        return results

    async def _check(self, url: str, params: Mapping[str, str]) -> bool | str:
        try:
            await self._arm("GET", url, params=params)
        except OutboundError as exc:
            return f"refused: {exc}" if exc.status_code in (401, 403) else str(exc)
        return True

    # --- webhook setup -------------------------------------------------------------

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> Mapping[str, Any]:
        """Create or update the `keep-aiops` action group with one webhook receiver of
        ours; other receivers a user added to it are kept. Alert rules must then name
        this action group (Azure cannot attach it to rules for us)."""
        self._require("webhook setup", "resource_group")
        endpoint = f"{keep_api_url.rstrip('/')}/api/alerts/event/{self.PROVIDER_TYPE}"
        query = {"provider_id": self.provider_id}
        # Action group webhooks cannot set headers: the key rides in the query.
        receiver = {
            "name": ACTION_GROUP_NAME,
            "serviceUri": f"{endpoint}?{urlencode({**query, 'api_key': api_key})}",
            "useCommonAlertSchema": True,
        }
        url = f"{self._action_groups_url}/{ACTION_GROUP_NAME}"
        params = {"api-version": _ACTION_GROUPS_API_VERSION}
        existing = await self._existing_action_group(url, params)
        properties: dict[str, Any] = dict(existing.get("properties") or {}) if existing else {}
        others = [r for r in properties.get("webhookReceivers") or [] if r.get("name") != ACTION_GROUP_NAME]
        properties.update(
            {
                "groupShortName": properties.get("groupShortName") or _ACTION_GROUP_SHORT_NAME,
                "enabled": True,
                "webhookReceivers": [*others, receiver],
            }
        )
        body = {"location": (existing or {}).get("location") or "Global", "properties": properties}
        if existing and existing.get("tags"):
            body["tags"] = existing["tags"]
        created = await self._arm("PUT", url, params=params, json=body)
        return {
            "actionGroup": created.get("id") if isinstance(created, Mapping) else None,
            "action": "updated" if existing else "created",
            "receiver": ACTION_GROUP_NAME,
            "url": f"{endpoint}?{urlencode(query)}",
            "next": f"add the action group {ACTION_GROUP_NAME!r} to your alert rules",
        }

    async def _existing_action_group(self, url: str, params: Mapping[str, str]) -> Mapping[str, Any] | None:
        try:
            body = await self._arm("GET", url, params=params)
        except OutboundError as exc:
            if exc.status_code == 404:
                return None
            raise
        return body if isinstance(body, Mapping) else None


PROVIDER = AzureMonitorProvider
