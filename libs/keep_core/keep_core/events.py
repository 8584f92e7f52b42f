"""Topic payloads: the public contract of every topic.

Each model names its version in `schema`; a breaking change is a new model with a new
version, never an edit of a published one.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from keep_providers import AlertDto, AlertSeverity
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ORIGIN_HEADER",
    "PULL_ORIGIN",
    "ActionOutcome",
    "ActionRequest",
    "ActionResult",
    "AlertEvent",
    "ErrorEvent",
    "IncidentChange",
    "IncidentEvent",
    "IncidentSnapshot",
    "IncidentStatus",
    "RawEvent",
    "new_event_id",
    "utcnow",
]


def new_event_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# On RawEvents the normalizer's pull scheduler writes: their body is a list of alerts
# already formatted by the provider. The gateway never forwards this header, so a
# webhook cannot pass itself off as pulled alerts.
ORIGIN_HEADER = "x-keep-origin"
PULL_ORIGIN = "pull"


class RawEvent(_Event):
    """A payload as a source sent it, before any formatter ran (`<p>.alerts.raw`)."""

    schema_: Literal["keep.raw_event.v1"] = Field(default="keep.raw_event.v1", alias="schema")
    event_id: str = Field(default_factory=new_event_id)
    tenant_id: str
    provider_type: str
    provider_id: str | None = None
    received_at: datetime = Field(default_factory=utcnow)
    content_type: str = "application/json"
    headers: dict[str, str] = Field(default_factory=dict, description="Selected, non-secret request headers")
    body: str = Field(description="The request body exactly as received (UTF-8 text)")


class AlertEvent(_Event):
    """One normalized, deduplicated alert (`<p>.alerts`, keyed `tenant:fingerprint`)."""

    schema_: Literal["keep.alert.v1"] = Field(default="keep.alert.v1", alias="schema")
    event_id: str
    tenant_id: str
    fingerprint: str
    alert: AlertDto


class ErrorEvent(_Event):
    """A raw event that could not be processed, kept whole so it can be replayed."""

    schema_: Literal["keep.alert_error.v1"] = Field(default="keep.alert_error.v1", alias="schema")
    event_id: str
    stage: Literal["normalize"]
    error_type: str
    error_message: str
    raw: RawEvent
    attempt: int = Field(default=1, ge=1)
    failed_at: datetime = Field(default_factory=utcnow)


class IncidentStatus(enum.StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class IncidentChange(enum.StrEnum):
    CREATED = "created"
    ALERT_ADDED = "alert_added"
    STATUS_CHANGED = "status_changed"
    RESOLVED = "resolved"


class IncidentSnapshot(_Event):
    id: str
    tenant_id: str
    name: str
    status: IncidentStatus
    severity: AlertSeverity
    rule: str
    group_key: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    alert_count: int
    firing_alert_count: int
    alert_fingerprints: list[str]


class IncidentEvent(_Event):
    """One change to an incident (`<p>.incidents`, keyed `tenant:incident_id`).

    `version` grows by one per change of an incident, so consumers can drop repeats.
    """

    schema_: Literal["keep.incident.v1"] = Field(default="keep.incident.v1", alias="schema")
    event_id: str
    tenant_id: str
    change: IncidentChange
    version: int = Field(ge=1)
    incident: IncidentSnapshot


class ActionRequest(_Event):
    """One outbound call to make (`<p>.actions.requests`, keyed by provider instance)."""

    schema_: Literal["keep.action_request.v1"] = Field(default="keep.action_request.v1", alias="schema")
    request_id: str = Field(default_factory=new_event_id)
    tenant_id: str
    rule: str
    provider_type: str
    provider_instance: str
    params: dict[str, Any]
    idempotency_key: str
    incident_id: str
    created_at: datetime = Field(default_factory=utcnow)


class ActionOutcome(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ActionResult(_Event):
    """How an action request ended (`<p>.actions.results`, keyed by provider instance)."""

    schema_: Literal["keep.action_result.v1"] = Field(default="keep.action_result.v1", alias="schema")
    request_id: str
    tenant_id: str
    rule: str
    provider_instance: str
    idempotency_key: str
    outcome: ActionOutcome
    attempts: int = Field(ge=0)
    status_code: int | None = None
    response_summary: str = Field(description="A short, secret-free summary of the last answer")
    finished_at: datetime = Field(default_factory=utcnow)
