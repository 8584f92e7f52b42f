"""What a Dynatrace instance needs: its environment URL and an API token."""

from __future__ import annotations

from pydantic import Field, SecretStr

from keep_providers.config import HttpUrl, ProviderConfig

__all__ = ["DynatraceConfig"]


class DynatraceConfig(ProviderConfig):
    environment_url: HttpUrl = Field(
        description="Environment URL: https://<id>.live.dynatrace.com (SaaS) or https://<host>/e/<id> (Managed)"
    )
    api_token: SecretStr = Field(
        description="API token with problems.read (pull); settings.read and settings.write for setup_webhook"
    )
    alerting_profile: str = Field(
        default="Default",
        min_length=1,
        description="Name of the alerting profile whose problems setup_webhook sends to us",
    )
