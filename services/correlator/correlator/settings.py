from __future__ import annotations

from keep_core.worker import WorkerSettings
from pydantic import Field

__all__ = ["CorrelatorSettings"]


class CorrelatorSettings(WorkerSettings):
    correlation_group_by: str = Field(
        default="service",
        description="Comma-separated alert attributes or labels that group alerts into one incident; "
        "when none is present the alert name is used",
    )
    correlation_window_minutes: float = Field(
        default=30.0, gt=0, description="An alert joins an open incident whose last alert came within this window"
    )
    outbox_relay_seconds: float = Field(
        default=10.0, gt=0, description="How often unpublished incident events are retried"
    )
