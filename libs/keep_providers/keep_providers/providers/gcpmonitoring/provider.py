from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from keep_providers.base import BaseProvider
from keep_providers.models import AlertDto
from keep_providers.providers.gcpmonitoring.formatter import format_gcp_monitoring_webhook

__all__ = ["PROVIDER", "GcpMonitoringProvider"]


class GcpMonitoringProvider(BaseProvider):
    """Google Cloud Monitoring: receives webhook notification channels (schema 1.2)."""

    PROVIDER_TYPE: ClassVar[str] = "gcpmonitoring"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Google Cloud Monitoring"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring", "Cloud Infrastructure")
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_gcp_monitoring_webhook(payload)


PROVIDER = GcpMonitoringProvider
