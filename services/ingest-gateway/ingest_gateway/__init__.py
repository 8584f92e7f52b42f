"""keep-aiops ingest gateway."""

from __future__ import annotations

from ingest_gateway.app import create_app
from ingest_gateway.settings import GatewaySettings

__all__ = ["GatewaySettings", "create_app"]
