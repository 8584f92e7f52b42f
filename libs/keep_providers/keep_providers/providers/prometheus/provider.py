from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from keep_providers.base import BaseProvider
from keep_providers.models import AlertDto
from keep_providers.providers.prometheus.formatter import format_alertmanager_webhook

__all__ = ["PROVIDER", "PrometheusProvider"]


class PrometheusProvider(BaseProvider):
    """Prometheus Alertmanager: receives its webhook (version 4)."""

    PROVIDER_TYPE: ClassVar[str] = "prometheus"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Prometheus Alertmanager"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_alertmanager_webhook(payload)


PROVIDER = PrometheusProvider
