from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from keep_providers.base import BaseProvider, ProviderConfig, ProviderScope
from keep_providers.exceptions import OutboundError
from keep_providers.http import create_client
from keep_providers.models import AlertDto
from keep_providers.providers.newrelic.config import NewRelicConfig
from keep_providers.providers.newrelic.formatter import format_issue, format_newrelic_webhook
from keep_providers.providers.newrelic.nerdgraph import (
    ISSUES_QUERY,
    USER_QUERY,
    GraphQLRefused,
    data_of,
    issue_as_webhook,
)
from keep_providers.providers.newrelic.setup_queries import DESTINATIONS_QUERY, WORKFLOWS_QUERY
from keep_providers.providers.newrelic.webhook_setup import SETUP_NAME, WebhookInstaller

__all__ = ["PROVIDER", "NewRelicProvider"]


class NewRelicProvider(BaseProvider):
    """New Relic: receives workflow webhooks (our template), pulls open issues and
    registers its own webhook (destination, channel, workflow)."""

    PROVIDER_TYPE: ClassVar[str] = "newrelic"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "New Relic"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = NewRelicConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope("user_key", "A valid user key (NerdGraph answers as that user)"),
        ProviderScope(
            "ai.issues:read",
            "Read the account's issues (pull)",
            documentation_url="https://docs.newrelic.com/docs/alerts/incident-management/Issues-and-Incident-management-and-response/",
        ),
        ProviderScope(
            "ai.workflows:read",
            "Read notification destinations and workflows (setup_webhook; creating them also needs "
            "a user allowed to manage workflows, which cannot be checked without creating one)",
            mandatory=False,
            documentation_url="https://docs.newrelic.com/docs/apis/nerdgraph/examples/nerdgraph-api-workflows/",
        ),
    )

    @property
    def settings(self) -> NewRelicConfig:
        assert isinstance(self.config, NewRelicConfig)
        return self.config

    def create_http_client(self) -> httpx.AsyncClient:
        return create_client(base_url=self.settings.base_url)

    async def _graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
        response = await self.request(
            "POST",
            "/graphql",
            json={"query": query, "variables": dict(variables or {})},
            headers={"API-Key": self.settings.api_key.get_secret_value()},
        )
        return data_of(response.json(), response.request.url.host)

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_newrelic_webhook(payload)

    async def get_alerts(self) -> list[AlertDto]:
        alerts: list[AlertDto] = []
        cursor: str | None = None
        while True:
            data = await self._graphql(ISSUES_QUERY, {"accountId": self.settings.account_id, "cursor": cursor})
            page = data["actor"]["account"]["aiIssues"]["issues"]
            alerts.extend(format_issue(issue_as_webhook(issue)) for issue in page.get("issues") or [])
            cursor = page.get("nextCursor")
            if not cursor:
                return alerts

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> Mapping[str, Any]:
        url = f"{keep_api_url.rstrip('/')}/api/alerts/event/{self.PROVIDER_TYPE}?provider_id={self.provider_id}"
        installer = WebhookInstaller(self._graphql, self.http.base_url.host, self.settings.account_id)
        return await installer.install(url, api_key)

    async def validate_scopes(self) -> dict[str, bool | str]:
        user = await self._check(USER_QUERY, {})
        if user is not True:
            # Without a valid key nothing else can be checked.
            return {scope.name: user for scope in self.PROVIDER_SCOPES}
        account = self.settings.account_id
        return {
            "user_key": True,
            "ai.issues:read": await self._check(ISSUES_QUERY, {"accountId": account, "cursor": None}),
            "ai.workflows:read": await self._check_all(
                (DESTINATIONS_QUERY, {"accountId": account, "filters": {"name": SETUP_NAME}, "cursor": None}),
                (WORKFLOWS_QUERY, {"accountId": account, "filters": {"name": SETUP_NAME}, "cursor": None}),
            ),
        }

    async def _check_all(self, *checks: tuple[str, Mapping[str, Any]]) -> bool | str:
        """True when every query is answered, else why the first refused one was not."""
        for query, variables in checks:
            result = await self._check(query, variables)
            if result is not True:
                return result
        return True

    async def _check(self, query: str, variables: Mapping[str, Any]) -> bool | str:
        try:
            await self._graphql(query, variables)
        except GraphQLRefused as refused:
            return refused.reason
        except OutboundError as exc:
            return str(exc)
        return True


PROVIDER = NewRelicProvider
