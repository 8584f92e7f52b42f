"""What an installed Zabbix instance needs to pull problems."""

from __future__ import annotations

from pydantic import Field, SecretStr

from keep_providers.config import HttpUrl, ProviderConfig

__all__ = ["ZabbixConfig"]


class ZabbixConfig(ProviderConfig):
    zabbix_url: HttpUrl = Field(
        description="Zabbix frontend URL (e.g. https://zabbix.example.com); the API is its /api_jsonrpc.php"
    )
    api_token: SecretStr = Field(
        description="API token (Users > API tokens) of a user allowed to read problems; a Super admin's "
        "to let setup_webhook create the media type"
    )
    auth_in_body: bool = Field(
        default=False,
        description="Zabbix before 6.4: send the token as the request's `auth` field instead of an "
        "Authorization: Bearer header",
    )
