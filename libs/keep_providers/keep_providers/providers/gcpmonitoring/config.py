"""What an installed Cloud Monitoring instance needs to pull alerts.

Every field is optional: receiving webhook notifications needs none of them. Pulling
needs a service account key (the JSON file Google hands out) with the Monitoring
Alert Viewer role.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from keep_providers.config import HttpUrl, ProviderConfig

__all__ = ["GcpMonitoringConfig"]


class GcpMonitoringConfig(ProviderConfig):
    service_account_json: SecretStr | None = Field(
        default=None,
        description="The service account's JSON key file, whole (client_email, private_key, token_uri, ...)",
    )
    project_id: str | None = Field(
        default=None,
        description="Project (metrics scope) whose alerts are pulled; the key file's project_id when empty",
    )
    monitoring_url: HttpUrl = Field(
        default="https://monitoring.googleapis.com",
        description="Cloud Monitoring API endpoint (a private or regional one, if used)",
    )
