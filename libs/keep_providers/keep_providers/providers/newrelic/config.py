"""What a New Relic instance needs to pull issues through NerdGraph."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt, SecretStr

from keep_providers.config import HttpUrl, ProviderConfig

__all__ = ["NewRelicConfig"]

_API_HOSTS = {"US": "https://api.newrelic.com", "EU": "https://api.eu.newrelic.com"}


class NewRelicConfig(ProviderConfig):
    api_key: SecretStr = Field(description="New Relic user key (NRAK-...) of a user who can read the account's issues")
    account_id: PositiveInt = Field(description="New Relic account id whose issues are pulled")
    region: Literal["US", "EU"] = Field(default="US", description="Data center region of the account")
    api_url: HttpUrl | None = Field(default=None, description="Override of the NerdGraph host (proxies, tests)")

    @property
    def base_url(self) -> str:
        return self.api_url or _API_HOSTS[self.region]
