from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx
from pydantic import Field, SecretStr

from keep_providers.base import BaseProvider, ProviderScope
from keep_providers.config import HttpUrl, ProviderConfig
from keep_providers.exceptions import ProviderConfigError
from keep_providers.models import AlertDto
from keep_providers.providers.elastic.formatter import format_elastic_webhook
from keep_providers.providers.elastic.templates import KIBANA_BODY_TEMPLATE

__all__ = ["PROVIDER", "ElasticConfig", "ElasticProvider"]

_CONNECTOR_TYPE = ".webhook"
_REASON_LIMIT = 200


class ElasticConfig(ProviderConfig):
    kibana_url: HttpUrl | None = Field(
        default=None, description="Kibana base URL, for setting up the connector (e.g. https://kb.example.com:9243)"
    )
    api_key: SecretStr | None = Field(
        default=None, description="Kibana API key (the encoded form), sent as `Authorization: ApiKey <key>`"
    )
    space_id: str | None = Field(
        default=None,
        description="Kibana space holding the rules; empty for the default space",
        pattern=r"^[a-z0-9_-]+$",
    )


class ElasticProvider(BaseProvider):
    """Elastic: receives Kibana alerting Webhook connector and Watcher webhook bodies;
    can create the Kibana connector. No pull: Kibana has no public API listing active
    alert instances (only an internal one)."""

    PROVIDER_TYPE: ClassVar[str] = "elastic"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Elastic (Kibana alerting, Watcher)"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = ElasticConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope(
            name="read:alerting",
            description="Read alerting rules (Kibana feature privilege for the rules' apps, read)",
            documentation_url="https://www.elastic.co/guide/en/kibana/current/alerting-setup.html",
        ),
        ProviderScope(
            name="read:connectors",
            description="Read connectors (Actions and Connectors privilege); setup_webhook needs 'all'",
            mandatory=False,
            documentation_url="https://www.elastic.co/guide/en/kibana/current/alerting-setup.html",
        ),
    )

    @property
    def _settings(self) -> ElasticConfig:
        assert isinstance(self.config, ElasticConfig)
        return self.config

    def validate_config(self) -> None:
        if (self._settings.kibana_url is None) != (self._settings.api_key is None):
            raise ProviderConfigError("elastic config: kibana_url and api_key go together")

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_elastic_webhook(payload)

    def _api(self, path: str) -> str:
        if self._settings.kibana_url is None:
            raise ProviderConfigError("elastic: set kibana_url and api_key to call Kibana")
        space = f"/s/{self._settings.space_id}" if self._settings.space_id else ""
        return f"{self._settings.kibana_url}{space}{path}"

    def _headers(self) -> dict[str, str]:
        assert self._settings.api_key is not None
        # kbn-xsrf: Kibana refuses writes without it (CSRF protection for API clients).
        return {"Authorization": f"ApiKey {self._settings.api_key.get_secret_value()}", "kbn-xsrf": "true"}

    async def validate_scopes(self) -> dict[str, bool | str]:
        if self._settings.kibana_url is None:
            return {scope.name: "kibana_url and api_key are not set" for scope in self.PROVIDER_SCOPES}
        return {
            "read:alerting": await self._check("/api/alerting/rules/_find", {"per_page": "1"}),
            "read:connectors": await self._check("/api/actions/connectors", {}),
        }

    async def _check(self, path: str, params: Mapping[str, str]) -> bool | str:
        # One attempt through the instance client, not self.request: a refusal's body
        # says why (missing privilege, bad key) and is what the user needs to see.
        url = self._api(path)
        try:
            response = await self.http.get(url, params=params, headers=self._headers())
        except httpx.HTTPError as exc:
            return f"{httpx.URL(url).host} unreachable: {type(exc).__name__}"
        if response.is_success:
            return True
        return f"Kibana answered {response.status_code}: {_kibana_reason(response)}"

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> Mapping[str, Any]:
        """Create or update one Webhook connector named after the tenant; rules then use
        it in their actions with KIBANA_BODY_TEMPLATE (Kibana cannot be told to)."""
        name = f"keep-aiops-{tenant_id}"
        target = f"{keep_api_url.rstrip('/')}/api/alerts/event/{self.PROVIDER_TYPE}?provider_id={self.provider_id}"
        # Basic auth (user `api_key`): Kibana keeps `secrets` encrypted and never
        # returns them, unlike headers, which any connector reader sees.
        definition = {
            "name": name,
            "config": {
                "url": target,
                "method": "post",
                "hasAuth": True,
                "headers": {"Content-Type": "application/json"},
            },
            "secrets": {"user": "api_key", "password": api_key},
        }
        listed = await self.request("GET", self._api("/api/actions/connectors"), headers=self._headers())
        existing = next(
            (
                connector
                for connector in listed.json()
                if connector.get("name") == name and connector.get("connector_type_id") == _CONNECTOR_TYPE
            ),
            None,
        )
        if existing is None:
            response = await self.request(
                "POST",
                self._api("/api/actions/connector"),
                json={**definition, "connector_type_id": _CONNECTOR_TYPE},
                headers=self._headers(),
            )
            action = "created"
        else:
            response = await self.request(
                "PUT", self._api(f"/api/actions/connector/{existing['id']}"), json=definition, headers=self._headers()
            )
            action = "updated"
        connector = response.json()
        return {
            "action": action,
            "connector_id": connector.get("id"),
            "connector_name": name,
            "url": target,
            "next_step": "add this connector to each rule's actions, run when active and recovered, "
            "with the body below (docs/providers/elastic.md)",
            "body_template": KIBANA_BODY_TEMPLATE,
        }


def _kibana_reason(response: httpx.Response) -> str:
    # Kibana errors are {"statusCode", "error", "message"}; other proxies answer HTML.
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no reason given"
    if isinstance(body, Mapping):
        message = body.get("message") or body.get("error")
        if message:
            return str(message)[:_REASON_LIMIT]
    return response.reason_phrase or "no reason given"


PROVIDER = ElasticProvider
