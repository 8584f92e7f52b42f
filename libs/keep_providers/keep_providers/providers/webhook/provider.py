from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import httpx
from pydantic import AnyHttpUrl, Field, SecretStr

from keep_providers.base import BaseProvider, NotifyResult, ProviderConfig, RateLimit
from keep_providers.http import create_client, send_with_retries

__all__ = ["PROVIDER", "WebhookConfig", "WebhookProvider"]


class WebhookConfig(ProviderConfig):
    url: AnyHttpUrl = Field(description="Where the JSON body is sent")
    method: Literal["POST", "PUT"] = Field(default="POST", description="HTTP method")
    headers: dict[str, SecretStr] = Field(
        default_factory=dict, description="Extra request headers; values are treated as secrets"
    )
    timeout_seconds: float = Field(default=10.0, gt=0, le=120, description="Per-attempt timeout")


class WebhookProvider(BaseProvider):
    """Generic outbound webhook: sends the rendered JSON body to a URL."""

    PROVIDER_TYPE: ClassVar[str] = "webhook"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Webhook"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Developer Tools",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("messaging",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = WebhookConfig
    RATE_LIMIT: ClassVar[RateLimit | None] = RateLimit(requests=10, per_seconds=1.0)

    @property
    def _settings(self) -> WebhookConfig:
        assert isinstance(self.config, WebhookConfig)
        return self.config

    def create_http_client(self) -> httpx.AsyncClient:
        return create_client(timeout=httpx.Timeout(self._settings.timeout_seconds, connect=5.0))

    async def notify(self, params: Mapping[str, Any]) -> NotifyResult:
        headers = {name: value.get_secret_value() for name, value in self._settings.headers.items()}
        request = self.http.build_request(
            self._settings.method, str(self._settings.url), json=params.get("body", params), headers=headers
        )
        attempts = 0

        def count(attempt: int) -> None:
            nonlocal attempts
            attempts = attempt

        response = await send_with_retries(self.http, request, policy=self.retry, on_attempt=count)
        return NotifyResult(status_code=response.status_code, summary=response.text[:200], attempts=attempts)


PROVIDER = WebhookProvider
