"""keep-aiops provider framework: the alert model, fingerprinting and the integrations."""

from __future__ import annotations

from keep_providers._fingerprint import fingerprint_from_fields, fingerprint_from_labels
from keep_providers.base import BaseProvider, NotifyResult, ProviderConfig, RateLimit
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus
from keep_providers.registry import ProvidersFactory

__all__ = [
    "AlertDto",
    "AlertSeverity",
    "AlertStatus",
    "BaseProvider",
    "NotifyResult",
    "ProviderConfig",
    "ProvidersFactory",
    "RateLimit",
    "fingerprint_from_fields",
    "fingerprint_from_labels",
]
