from __future__ import annotations

from pydantic import Field, SecretStr

from keep_providers.config import HttpUrl, ProviderConfig

__all__ = ["SentryConfig"]


class SentryConfig(ProviderConfig):
    client_secret: SecretStr | None = Field(
        default=None,
        description="The integration's Client Secret; when set, every webhook must carry a valid Sentry-Hook-Signature",
    )
    api_token: SecretStr | None = Field(
        default=None,
        description="Auth token of the internal integration (scopes event:read, project:read; "
        "org:write to set the webhook up); needed for pull",
    )
    organization_slug: str | None = Field(
        default=None, description="Organization slug, as in sentry.io/organizations/<slug>/"
    )
    sentry_app_slug: str | None = Field(
        default=None, description="Slug of the internal integration whose webhook URL setup_webhook sets"
    )
    api_url: HttpUrl = Field(default="https://sentry.io", description="Sentry base URL (self-hosted or a region URL)")
