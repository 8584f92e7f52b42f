from __future__ import annotations

from pathlib import Path

from keep_core.worker import WorkerSettings
from pydantic import Field

__all__ = ["ActionsSettings"]


class ActionsSettings(WorkerSettings):
    actions_file: Path | None = Field(
        default=None, description="YAML file with the outbound providers and the action rules; none means no actions"
    )
    action_attempts: int = Field(default=5, ge=1, le=20, description="Attempts per outbound call before it fails")
    action_backoff_seconds: float = Field(default=0.5, gt=0, description="First retry delay; doubles per attempt")
