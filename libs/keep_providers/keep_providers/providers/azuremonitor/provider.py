from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from keep_providers.base import BaseProvider
from keep_providers.models import AlertDto
from keep_providers.providers.azuremonitor.formatter import format_azure_monitor_webhook

__all__ = ["PROVIDER", "AzureMonitorProvider"]


class AzureMonitorProvider(BaseProvider):
    """Azure Monitor: receives action group webhooks in the common alert schema."""

    PROVIDER_TYPE: ClassVar[str] = "azuremonitor"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Azure Monitor"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring", "Cloud Infrastructure")
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_azure_monitor_webhook(payload)


PROVIDER = AzureMonitorProvider
