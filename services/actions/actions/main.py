from __future__ import annotations

from keep_core.worker import run_worker

from actions.app import create_app
from actions.settings import ActionsSettings

__all__ = ["run"]


def run() -> None:
    settings = ActionsSettings()
    run_worker(create_app(settings), settings, service="actions")
