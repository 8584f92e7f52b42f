"""What an installed Prometheus / Alertmanager instance needs to be pulled from.

Every field is optional: receiving Alertmanager's webhook needs none of them.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from keep_providers.config import HttpUrl, ProviderConfig

__all__ = ["PrometheusConfig"]


class PrometheusConfig(ProviderConfig):
    alertmanager_url: HttpUrl | None = Field(
        default=None,
        description="Alertmanager base URL (e.g. http://alertmanager:9093); alerts are pulled from it when set",
    )
    prometheus_url: HttpUrl | None = Field(
        default=None,
        description="Prometheus base URL (e.g. http://prometheus:9090); alerts are pulled from it when "
        "Alertmanager is not set, and rule health always comes from it",
    )
    username: str | None = Field(default=None, description="Basic auth user, when a proxy guards the APIs")
    password: SecretStr | None = Field(default=None, description="Basic auth password")
    bearer_token: SecretStr | None = Field(
        default=None, description="Bearer token, when a proxy guards the APIs (instead of basic auth)"
    )
    verify_tls: bool = Field(default=True, description="Verify the servers' TLS certificates")
