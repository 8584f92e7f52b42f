"""keep-aiops shared contracts: settings, topic names, event envelopes and their errors."""

from __future__ import annotations

from keep_core.events import (
    ActionOutcome,
    ActionRequest,
    ActionResult,
    AlertEvent,
    ErrorEvent,
    IncidentChange,
    IncidentEvent,
    IncidentSnapshot,
    IncidentStatus,
    RawEvent,
)
from keep_core.exceptions import BadPayload, BrokerUnavailable, KeepError, StoreError
from keep_core.settings import Settings
from keep_core.topics import TopicNames

__all__ = [
    "ActionOutcome",
    "ActionRequest",
    "ActionResult",
    "AlertEvent",
    "BadPayload",
    "BrokerUnavailable",
    "ErrorEvent",
    "IncidentChange",
    "IncidentEvent",
    "IncidentSnapshot",
    "IncidentStatus",
    "KeepError",
    "RawEvent",
    "Settings",
    "StoreError",
    "TopicNames",
]
