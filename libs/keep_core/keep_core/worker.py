"""The faust app every stream-processing service is built on: broker, credentials and a
small Starlette app for health, readiness and metrics, so each service adds only agents."""

from __future__ import annotations

import ssl
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import faust
from faust.contrib.asgi import serve_asgi
from mode import Service
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from keep_core.kafka import client_options, faust_broker_url
from keep_core.observability import configure_logging
from keep_core.settings import Settings

__all__ = ["ReadinessCheck", "WorkerSettings", "bytes_topic", "create_worker_app", "on_shutdown", "run_worker"]

ReadinessCheck = Callable[[], Awaitable[str | None]]


class WorkerSettings(Settings):
    http_host: str = Field(default="0.0.0.0", description="Address of the health and metrics server")
    http_port: int = Field(default=6066, ge=1, le=65535, description="Port of the health and metrics server")
    batch_size: int = Field(default=500, ge=1, description="Events an agent takes at once")
    batch_seconds: float = Field(default=0.2, gt=0, description="Longest wait to fill a batch")
    data_dir: Path = Field(
        default=Path(tempfile.gettempdir()) / "keep-aiops",
        description="Where faust keeps its local files (tables live in memory and in changelog topics)",
    )
    kafka_rebalance_timeout_seconds: float = Field(
        default=60.0, gt=0, description="How long a consumer-group rebalance may wait for members to rejoin"
    )
    kafka_session_timeout_seconds: float = Field(
        default=60.0, gt=0, description="How long a silent worker keeps its partitions"
    )


def _credentials(settings: Settings) -> Any:
    context: ssl.SSLContext | None = client_options(settings).get("ssl_context")
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


def _health_app(app: faust.App, readiness: ReadinessCheck | None) -> Starlette:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        problems = []
        if app.rebalancing:
            problems.append("rebalancing")
        if readiness is not None and (problem := await readiness()):
            problems.append(problem)
        if problems:
            return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(routes=[Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)])


def create_worker_app(settings: WorkerSettings, *, service: str, readiness: ReadinessCheck | None = None) -> faust.App:
    app_id = f"{settings.topic_prefix}-{service}"
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # faust creates only the last level
    app = faust.App(
        app_id,
        datadir=str(settings.data_dir / app_id),
        broker=faust_broker_url(settings),
        broker_credentials=_credentials(settings),
        store="memory://",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        producer_acks=-1,
        producer_max_batch_size=256 * 1024,
        consumer_auto_offset_reset="earliest",
        broker_rebalance_timeout=settings.kafka_rebalance_timeout_seconds,
        broker_session_timeout=settings.kafka_session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, settings.kafka_session_timeout_seconds / 3),
        autodiscover=False,
    )
    # Served once table recovery is done: before that the worker is not live for traffic.
    serve_asgi(
        app,
        _health_app(app, readiness),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        lifespan="off",
    )
    return app


def bytes_topic(app: faust.App, name: str) -> Any:
    """A topic of raw bytes: keep_core.codec decodes, so agents never see faust's serializers."""
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")


def on_shutdown(app: faust.App, close: Callable[[], Awaitable[None]]) -> None:
    """Run `close` when the worker stops (release pools and clients)."""

    class _Closer(Service):
        async def on_stop(self) -> None:
            await close()

    app.service(_Closer)


def run_worker(app: faust.App, settings: Settings, *, service: str) -> None:
    """Run until SIGTERM/SIGINT, as a container runs it."""
    configure_logging(settings, service)
    # faust narrates every service start and stop at INFO; an operator needs its warnings.
    loglevel = "debug" if settings.log_level == "DEBUG" else "warning"
    worker = faust.Worker(app, loglevel=loglevel, quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()
