from __future__ import annotations

from keep_core.worker import run_worker

from normalizer.app import create_app
from normalizer.settings import NormalizerSettings

__all__ = ["run"]


def run() -> None:
    settings = NormalizerSettings()
    run_worker(create_app(settings), settings, service="normalizer")
