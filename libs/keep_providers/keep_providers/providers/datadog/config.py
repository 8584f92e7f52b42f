"""What a Datadog instance needs: API and application keys, the site, and an optional
shared secret that our webhook sends back in a header."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from keep_providers.config import HttpUrl, ProviderConfig

__all__ = ["DatadogConfig", "DatadogSite"]

# Datadog's sites: the API lives at `api.<site>`.
DatadogSite = Literal[
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "datadoghq.eu",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "uk1.datadoghq.com",
    "ddog-gov.com",
    "us2.ddog-gov.com",
]


class DatadogConfig(ProviderConfig):
    api_key: SecretStr = Field(description="Datadog API key (Organization settings > API keys)")
    app_key: SecretStr = Field(
        description="Datadog application key with monitors_read (and integrations_manage for setup_webhook)"
    )
    site: DatadogSite = Field(default="datadoghq.com", description="Datadog site your organization lives on")
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Shared secret Datadog sends in the X-Keep-Webhook-Secret header; webhooks without it are refused",
    )
    api_url: HttpUrl | None = Field(default=None, description="Override of https://api.<site> (proxies, tests)")

    @property
    def base_url(self) -> str:
        return self.api_url or f"https://api.{self.site}"

    @property
    def app_url(self) -> str:
        """Where people open monitors: `app.` only on the sites named by their bare domain."""
        return f"https://app.{self.site}" if self.site.count(".") == 1 else f"https://{self.site}"
