from __future__ import annotations

from keep_core.settings import Settings
from pydantic import Field

__all__ = ["GatewaySettings"]


class GatewaySettings(Settings):
    gateway_host: str = Field(default="0.0.0.0", description="Address the gateway listens on")
    gateway_port: int = Field(default=8080, ge=1, le=65535)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="Largest accepted request body")
    kafka_send_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long a request waits for Kafka before answering 503"
    )
    retry_after_seconds: int = Field(default=5, ge=1, description="Retry-After sent with a 503")
    api_key_refresh_seconds: float = Field(default=30.0, gt=0, description="How often API keys are reloaded")
    public_url: str | None = Field(
        default=None,
        description="URL at which monitoring systems reach the gateway, given to sources by webhook setup; "
        "default: the URL the setup request came in on",
    )
    provider_call_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Longest a call to a source system (scopes, webhook setup, health) may take"
    )
