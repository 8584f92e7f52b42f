"""keep-aiops actions: rules turn incident changes into outbound calls."""

from __future__ import annotations

from actions.app import create_app
from actions.settings import ActionsSettings

__all__ = ["ActionsSettings", "create_app"]
