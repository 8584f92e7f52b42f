from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from keep_providers.base import BaseProvider
from keep_providers.models import AlertDto
from keep_providers.providers.uptimekuma.formatter import format_uptimekuma_webhook

__all__ = ["PROVIDER", "UptimeKumaProvider"]


class UptimeKumaProvider(BaseProvider):
    """Uptime Kuma: receives its Webhook notification. Webhook only: Uptime Kuma has no
    stable REST API for monitor states (its socket.io API is internal to its UI)."""

    PROVIDER_TYPE: ClassVar[str] = "uptimekuma"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Uptime Kuma"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_uptimekuma_webhook(payload)


PROVIDER = UptimeKumaProvider
