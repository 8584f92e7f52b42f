from __future__ import annotations

from keep_core.worker import WorkerSettings

__all__ = ["NormalizerSettings"]


class NormalizerSettings(WorkerSettings):
    pass
