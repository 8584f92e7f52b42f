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

__all__ = ["PROVIDER", "NewRelicProvider"]


class NewRelicProvider(BaseProvider):
    """New Relic: receives workflow webhooks (our template) and pulls open issues."""

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

    async def validate_scopes(self) -> dict[str, bool | str]:
        user = await self._check(USER_QUERY, {})
        if user is not True:
            # Without a valid key nothing else can be checked.
            return {"user_key": user, "ai.issues:read": user}
        return {
            "user_key": True,
            "ai.issues:read": await self._check(ISSUES_QUERY, {"accountId": self.settings.account_id, "cursor": None}),
        }

    async def _check(self, query: str, variables: Mapping[str, Any]) -> bool | str:
        try:
            await self._graphql(query, variables)
        except GraphQLRefused as refused:
            return refused.reason
        except OutboundError as exc:
            return str(exc)
        return True


PROVIDER = NewRelicProvider
