from __future__ import annotations

from keep_core.worker import run_worker

from correlator.app import create_app
from correlator.settings import CorrelatorSettings

__all__ = ["run"]


def run() -> None:
    settings = CorrelatorSettings()
    run_worker(create_app(settings), settings, service="correlator")
