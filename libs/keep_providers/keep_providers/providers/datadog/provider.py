from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from keep_providers.base import BaseProvider, ProviderConfig, ProviderScope
from keep_providers.exceptions import OutboundError, WebhookAuthError
from keep_providers.http import create_client
from keep_providers.models import AlertDto
from keep_providers.providers.datadog.config import DatadogConfig
from keep_providers.providers.datadog.formatter import WEBHOOK_PAYLOAD, format_datadog_webhook
from keep_providers.providers.datadog.monitors import GROUP_STATES, alerts_from_monitor
from keep_providers.webhooks import InboundWebhook, signatures_match

__all__ = ["PROVIDER", "SECRET_HEADER", "DatadogProvider"]

# Datadog cannot sign a body; it can send fixed custom headers, so a shared secret rides in one.
SECRET_HEADER = "X-Keep-Webhook-Secret"
PAGE_SIZE = 100
_WEBHOOKS_PATH = "/api/v1/integration/webhooks/configuration/webhooks"


class DatadogProvider(BaseProvider):
    """Datadog: receives monitor notifications from the Webhooks integration, pulls
    monitors in alert, and installs our webhook."""

    PROVIDER_TYPE: ClassVar[str] = "datadog"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Datadog"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = DatadogConfig
    # Alerts without a monitor id or aggregation key (plain events) are told apart by these.
    FINGERPRINT_FIELDS: ClassVar[tuple[str, ...]] = ("name", "labels")
    WEBHOOK_SIGNATURE: ClassVar[str | None] = f"the instance's webhook secret in the {SECRET_HEADER} header"
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope("api_key", "A valid API key (GET /api/v1/validate)"),
        ProviderScope(
            "monitors_read",
            "Read monitors and their group states (pull)",
            documentation_url="https://docs.datadoghq.com/account_management/rbac/permissions/#monitors",
        ),
        ProviderScope(
            "integrations_manage",
            "Read and write the Webhooks integration (setup_webhook)",
            mandatory=False,
            documentation_url="https://docs.datadoghq.com/account_management/rbac/permissions/#integrations",
        ),
    )

    @property
    def settings(self) -> DatadogConfig:
        assert isinstance(self.config, DatadogConfig)
        return self.config

    def create_http_client(self) -> httpx.AsyncClient:
        return create_client(base_url=self.settings.base_url)

    def _auth(self) -> dict[str, str]:
        return {
            "DD-API-KEY": self.settings.api_key.get_secret_value(),
            "DD-APPLICATION-KEY": self.settings.app_key.get_secret_value(),
        }

    @property
    def webhook_name(self) -> str:
        # Datadog webhook names allow letters, digits, '-' and '_'; one per instance.
        return "keep-aiops-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.provider_id)

    # --- inbound ---------------------------------------------------------------

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_datadog_webhook(payload)

    @classmethod
    async def verify_webhook(cls, webhook: InboundWebhook, config: ProviderConfig | None) -> None:
        if not isinstance(config, DatadogConfig) or config.webhook_secret is None:
            return
        received = webhook.header(SECRET_HEADER)
        if received is None or not signatures_match(config.webhook_secret.get_secret_value(), received):
            raise WebhookAuthError(f"expected the instance's webhook secret in the {SECRET_HEADER} header")

    # --- pull ------------------------------------------------------------------

    async def get_alerts(self) -> list[AlertDto]:
        alerts: list[AlertDto] = []
        page = 0
        while True:
            response = await self.request(
                "GET",
                "/api/v1/monitor",
                params={"group_states": GROUP_STATES, "page": page, "page_size": PAGE_SIZE},
                headers=self._auth(),
            )
            monitors = response.json()
            for monitor in monitors:
                alerts.extend(alerts_from_monitor(monitor, self.settings.app_url))
            if len(monitors) < PAGE_SIZE:
                return alerts
            page += 1

    async def validate_scopes(self) -> dict[str, bool | str]:
        return {
            "api_key": await self._check("GET", "/api/v1/validate", "the API key is not valid"),
            "monitors_read": await self._check(
                "GET", "/api/v1/monitor", "the application key lacks monitors_read", params={"page_size": 1}
            ),
            "integrations_manage": await self._check(
                "GET",
                f"{_WEBHOOKS_PATH}/{self.webhook_name}",
                "the application key lacks integrations_manage",
                absent_is_ok=True,
            ),
        }

    async def _check(
        self, method: str, path: str, forbidden: str, *, absent_is_ok: bool = False, **kwargs: Any
    ) -> bool | str:
        try:
            await self.request(method, path, headers=self._auth(), **kwargs)
        except OutboundError as exc:
            if absent_is_ok and exc.status_code == 404:
                return True
            if exc.status_code in (401, 403):
                return f"{forbidden} ({exc})"
            return str(exc)
        return True

    # --- webhook installation --------------------------------------------------

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> Mapping[str, Any]:
        url = f"{keep_api_url.rstrip('/')}/api/alerts/event/{self.PROVIDER_TYPE}?provider_id={self.provider_id}"
        headers = {"Content-Type": "application/json", "X-API-KEY": api_key}
        if self.settings.webhook_secret is not None:
            headers[SECRET_HEADER] = self.settings.webhook_secret.get_secret_value()
        body = {
            "url": url,
            "payload": json.dumps(WEBHOOK_PAYLOAD),
            "custom_headers": json.dumps(headers),
            "encode_as": "json",
        }
        path = f"{_WEBHOOKS_PATH}/{self.webhook_name}"
        try:
            await self.request("GET", path, headers=self._auth())
        except OutboundError as exc:
            if exc.status_code != 404:
                raise
            await self.request("POST", _WEBHOOKS_PATH, json={"name": self.webhook_name, **body}, headers=self._auth())
            action = "created"
        else:
            await self.request("PUT", path, json=body, headers=self._auth())
            action = "updated"
        return {"webhook": self.webhook_name, "action": action, "url": url, "mention": f"@webhook-{self.webhook_name}"}


PROVIDER = DatadogProvider
