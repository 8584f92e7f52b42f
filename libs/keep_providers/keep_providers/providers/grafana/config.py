from __future__ import annotations

from pydantic import Field, SecretStr

from keep_providers.config import HttpUrl, ProviderConfig

__all__ = ["GrafanaConfig"]


class GrafanaConfig(ProviderConfig):
    host: HttpUrl = Field(description="Grafana base URL, e.g. https://grafana.example.com (with its sub-path, if any)")
    token: SecretStr = Field(
        description="Service account token (pull: alert.instances:read; webhook setup: alert.provisioning:*)"
    )
    verify_tls: bool = Field(default=True, description="Verify Grafana's TLS certificate (off only for self-signed)")
