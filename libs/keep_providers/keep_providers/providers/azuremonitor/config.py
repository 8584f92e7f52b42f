"""What an installed Azure Monitor instance needs to pull alerts and set up its webhook.

Every field is optional: receiving action group webhooks needs none of them. Pulling
needs a service principal (tenant, client id and secret) and the subscription.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from keep_providers.config import HttpUrl, ProviderConfig

__all__ = ["AzureMonitorConfig"]


class AzureMonitorConfig(ProviderConfig):
    tenant_id: str | None = Field(default=None, description="Microsoft Entra tenant (directory) id")
    client_id: str | None = Field(default=None, description="Application (client) id of the service principal")
    client_secret: SecretStr | None = Field(default=None, description="Client secret of the service principal")
    subscription_id: str | None = Field(default=None, description="Subscription whose alerts are pulled")
    resource_group: str | None = Field(
        default=None, description="Resource group that holds the keep-aiops action group (webhook setup only)"
    )
    login_url: HttpUrl = Field(
        default="https://login.microsoftonline.com",
        description="Microsoft Entra login endpoint (another cloud's, e.g. https://login.microsoftonline.us)",
    )
    management_url: HttpUrl = Field(
        default="https://management.azure.com",
        description="Azure Resource Manager endpoint (another cloud's, e.g. https://management.usgovcloudapi.net)",
    )
