"""The faust app every stream-processing service is built on: broker, credentials,
health, readiness and metrics pages, so that each service only adds its agents."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import Field

from keep_core.kafka import client_options, faust_broker_url
from keep_core.observability import configure_logging
from keep_core.settings import Settings

__all__ = ["ReadinessCheck", "WorkerSettings", "create_worker_app", "run_worker"]

ReadinessCheck = Callable[[], Awaitable[str | None]]


class WorkerSettings(Settings):
    http_host: str = Field(default="0.0.0.0", description="Address of the health and metrics server")
    http_port: int = Field(default=6066, ge=1, le=65535)
    batch_size: int = Field(default=500, ge=1, description="Events an agent takes at once")
    batch_seconds: float = Field(default=0.2, gt=0, description="Longest wait to fill a batch")


def _credentials(settings: Settings) -> Any:
    options = client_options(settings)
    context: ssl.SSLContext | None = options.get("ssl_context")
    if settings.kafka_sasl_mechanism:
        password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=password,
            ssl_context=context,
            mechanism=settings.kafka_sasl_mechanism,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def create_worker_app(settings: WorkerSettings, *, service: str, readiness: ReadinessCheck | None = None) -> faust.App:
    app = faust.App(
        f"{settings.topic_prefix}-{service}",
        broker=faust_broker_url(settings),
        broker_credentials=_credentials(settings),
        store="memory://",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        producer_acks=-1,
        producer_max_batch_size=256 * 1024,
        consumer_auto_offset_reset="earliest",
        web_host=settings.http_host,
        web_port=settings.http_port,
        web_in_thread=False,
        autodiscover=False,
        # Our own topics are created by `keep-aiops topics`; faust still creates its
        # changelog topics.
        topic_allow_declare=True,
    )

    @app.page("/healthz")
    async def healthz(self: View, request: Request) -> Response:
        return self.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(self: View, request: Request) -> Response:
        problems = []
        if app.in_recovery:
            problems.append("recovering table state")
        if app.rebalancing:
            problems.append("rebalancing")
        if readiness is not None:
            problem = await readiness()
            if problem:
                problems.append(problem)
        if problems:
            return self.json({"status": "not ready", "problems": problems}, status=503)
        return self.json({"status": "ready"})

    @app.page("/metrics")
    async def metrics(self: View, request: Request) -> Response:
        return self.bytes(generate_latest(), content_type=CONTENT_TYPE_LATEST)

    return app


def run_worker(app: faust.App, settings: Settings, *, service: str) -> None:
    """Run until SIGTERM/SIGINT, as a container runs it."""
    configure_logging(settings, service)
    worker = faust.Worker(app, loglevel=settings.log_level.lower(), quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()
