"""keep-aiops provider framework: the alert model, fingerprinting and the integrations."""

from __future__ import annotations

from keep_providers._fingerprint import fingerprint_from_fields, fingerprint_from_labels
from keep_providers.base import (
    BaseIncidentProvider,
    BaseProvider,
    BaseTopologyProvider,
    HealthCheck,
    NotifyResult,
    ProviderHealthMixin,
    ProviderScope,
    RateLimit,
    WebhookSetup,
)
from keep_providers.config import ProviderConfig
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus
from keep_providers.registry import ProvidersFactory

__all__ = [
    "AlertDto",
    "AlertSeverity",
    "AlertStatus",
    "BaseIncidentProvider",
    "BaseProvider",
    "BaseTopologyProvider",
    "HealthCheck",
    "NotifyResult",
    "ProviderConfig",
    "ProviderHealthMixin",
    "ProviderScope",
    "ProvidersFactory",
    "RateLimit",
    "WebhookSetup",
    "fingerprint_from_fields",
    "fingerprint_from_labels",
]
