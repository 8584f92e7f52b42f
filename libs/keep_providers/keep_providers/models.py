"""The one alert model every provider formats into.

Field names follow Keep's AlertDto so that Keep users and Keep-format senders feel at
home; unknown fields are kept (`extra="allow"`) because senders put useful context in
places no schema foresees.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["AlertDto", "AlertSeverity", "AlertStatus", "ExternalIncident", "TopologyService", "label_text"]


class AlertStatus(enum.StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"
    ACKNOWLEDGED = "acknowledged"
    SUPPRESSED = "suppressed"
    PENDING = "pending"
    MAINTENANCE = "maintenance"


class AlertSeverity(enum.StrEnum):
    """Ordered: `AlertSeverity.CRITICAL > AlertSeverity.HIGH` compares by rank, not by text."""

    CRITICAL = "critical"
    HIGH = "high"
    WARNING = "warning"
    INFO = "info"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, AlertSeverity):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, AlertSeverity):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, AlertSeverity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, AlertSeverity):
            return NotImplemented
        return self.rank >= other.rank


_SEVERITY_RANK = {
    AlertSeverity.LOW: 1,
    AlertSeverity.INFO: 2,
    AlertSeverity.WARNING: 3,
    AlertSeverity.HIGH: 4,
    AlertSeverity.CRITICAL: 5,
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AlertDto(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, use_enum_values=False)

    id: str | None = None
    name: str = Field(min_length=1)
    status: AlertStatus = AlertStatus.FIRING
    severity: AlertSeverity = AlertSeverity.INFO
    lastReceived: datetime = Field(default_factory=_utcnow)
    firingStartTime: datetime | None = None
    startedAt: datetime | None = None
    environment: str = "undefined"
    service: str | None = None
    source: list[str] = Field(default_factory=list)
    message: str | None = None
    description: str | None = None
    url: str | None = None
    imageUrl: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    fingerprint: str | None = None
    providerId: str | None = None
    providerType: str | None = None
    pushed: bool = True

    @field_validator("lastReceived", "firingStartTime", "startedAt")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # Naive timestamps are taken as UTC so that comparisons never raise.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("labels", "annotations", mode="before")
    @classmethod
    def _stringify(cls, value: Any) -> Any:
        # Senders put numbers and booleans in labels; a label set is strings by nature.
        if isinstance(value, dict):
            return {str(k): label_text(v) for k, v in value.items()}
        return value


def label_text(value: Any) -> str:
    """A label value as text: senders put numbers, booleans and nulls in labels."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class TopologyService(BaseModel):
    """A service as a topology source knows it, with what it depends on."""

    model_config = ConfigDict(extra="allow")

    service: str = Field(min_length=1)
    display_name: str | None = None
    environment: str = "undefined"
    description: str | None = None
    team: str | None = None
    # Dependency service name -> protocol or kind of the edge ("http", "grpc", ...).
    dependencies: dict[str, str] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)


class ExternalIncident(BaseModel):
    """An incident managed by the source itself (PagerDuty, Opsgenie, ...)."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    title: str
    status: AlertStatus
    severity: AlertSeverity = AlertSeverity.INFO
    url: str | None = None
    service: str | None = None
    created_at: datetime | None = None
    alert_fingerprints: list[str] = Field(default_factory=list)
