from __future__ import annotations

import uvicorn
from keep_core.observability import configure_logging

from ingest_gateway.app import create_app
from ingest_gateway.settings import GatewaySettings

__all__ = ["run"]


def run() -> None:
    settings = GatewaySettings()
    configure_logging(settings, "gateway")
    uvicorn.run(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,
        access_log=False,
        # Lets in-flight requests finish (each bounded by the Kafka send timeout) on SIGTERM.
        timeout_graceful_shutdown=int(settings.kafka_send_timeout_seconds) + 5,
    )
