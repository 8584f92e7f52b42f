from __future__ import annotations

from pydantic import Field, SecretStr

from keep_providers.config import HttpUrl, ProviderConfig

__all__ = ["PagerDutyConfig"]


class PagerDutyConfig(ProviderConfig):
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Signing secret of the webhook subscription; when set, every webhook must carry a "
        "matching v1 signature in X-PagerDuty-Signature",
    )
    api_key: SecretStr | None = Field(
        default=None, description="REST API key (read-only is enough for pull; full access to set the webhook up)"
    )
    api_url: HttpUrl = Field(
        default="https://api.pagerduty.com", description="REST API base URL (https://api.eu.pagerduty.com in the EU)"
    )
