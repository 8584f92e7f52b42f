"""keep-aiops correlator: alert state and incidents in PostgreSQL."""

from __future__ import annotations

from correlator.app import create_app
from correlator.settings import CorrelatorSettings

__all__ = ["CorrelatorSettings", "create_app"]
