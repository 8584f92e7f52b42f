from __future__ import annotations

from keep_core.worker import WorkerSettings
from pydantic import Field

__all__ = ["NormalizerSettings"]


class NormalizerSettings(WorkerSettings):
    pull_tick_seconds: float = Field(
        default=5.0, gt=0, description="How often the leader looks for installed providers due a pull"
    )
    pull_timeout_seconds: float = Field(default=60.0, gt=0, description="Longest one pull may take")
    pull_concurrency: int = Field(default=8, ge=1, description="Providers pulled at the same time")
    pull_chunk_size: int = Field(default=500, ge=1, description="Pulled alerts per raw event")
