"""The Authorization header the configured credentials give, for both APIs."""

from __future__ import annotations

import base64

from keep_providers.providers.prometheus.config import PrometheusConfig

__all__ = ["authorization_headers"]


def authorization_headers(config: PrometheusConfig) -> dict[str, str]:
    if config.bearer_token is not None:
        return {"Authorization": f"Bearer {config.bearer_token.get_secret_value()}"}
    if config.username is not None and config.password is not None:
        pair = f"{config.username}:{config.password.get_secret_value()}".encode()
        return {"Authorization": f"Basic {base64.b64encode(pair).decode('ascii')}"}
    return {}
