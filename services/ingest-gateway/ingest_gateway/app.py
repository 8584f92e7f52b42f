"""The gateway app factory: routes, middleware and the resources they share."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from keep_core.postgres import create_pool
from keep_core.provider_instances import InstanceCache, ProviderInstanceStore
from keep_core.secretbox import SecretBoxError
from keep_providers import ProvidersFactory
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ingest_gateway.api_keys import ApiKeyCache
from ingest_gateway.endpoints import alerts, health, incidents, providers
from ingest_gateway.middleware.auth import ApiKeyMiddleware
from ingest_gateway.middleware.body_limit import BodyLimitMiddleware
from ingest_gateway.publisher import RawEventPublisher
from ingest_gateway.responses import json_error
from ingest_gateway.settings import GatewaySettings

__all__ = ["create_app"]

ROUTES = [
    Route("/api/alerts/event", alerts.post_alert_event, methods=["POST"]),
    Route("/api/alerts/event/{provider_type}", alerts.post_provider_event, methods=["POST"]),
    Route("/api/alerts", alerts.list_alerts, methods=["GET"]),
    Route("/api/alerts/{fingerprint}", alerts.get_alert, methods=["GET"]),
    Route("/api/incidents", incidents.list_incidents, methods=["GET"]),
    Route("/api/providers", providers.list_provider_types, methods=["GET"]),
    Route("/api/providers", providers.install_provider, methods=["POST"]),
    Route("/api/providers/installed", providers.list_installed, methods=["GET"]),
    Route("/api/providers/{provider_id}", providers.get_provider, methods=["GET"]),
    Route("/api/providers/{provider_id}", providers.update_provider, methods=["PATCH"]),
    Route("/api/providers/{provider_id}", providers.delete_provider, methods=["DELETE"]),
    Route("/api/providers/{provider_id}/webhook", providers.setup_provider_webhook, methods=["POST"]),
    Route("/api/providers/{provider_id}/health", providers.provider_health, methods=["GET"]),
    Route("/api/incidents/{incident_id}", incidents.get_incident, methods=["GET"]),
    Route("/healthz", health.healthz, methods=["GET"]),
    Route("/readyz", health.readyz, methods=["GET"]),
    Route("/metrics", health.metrics, methods=["GET"]),
]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_error(exc.status_code, str(exc.detail), headers=exc.headers)


async def _secret_key_error(request: Request, exc: Exception) -> Response:
    return json_error(503, f"installed providers are unavailable: {exc}")


def create_app(settings: GatewaySettings) -> Starlette:
    pool = create_pool(settings)
    publisher = RawEventPublisher(settings)
    api_keys = ApiKeyCache(pool, refresh_seconds=settings.api_key_refresh_seconds)
    factory = ProvidersFactory()
    instances = ProviderInstanceStore.from_settings(pool, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Neither waits for its server: the gateway starts and reports not-ready instead.
        await pool.open(wait=False)
        await publisher.start()
        try:
            yield
        finally:
            await publisher.stop()
            await factory.dispose()
            await pool.close()

    app = Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
            Middleware(ApiKeyMiddleware, keys=api_keys),
        ],
        exception_handlers={HTTPException: _http_error, SecretBoxError: _secret_key_error},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.pool = pool
    app.state.publisher = publisher
    app.state.api_keys = api_keys
    app.state.providers = factory
    app.state.instances = instances
    app.state.instance_cache = InstanceCache(instances, ttl_seconds=settings.provider_cache_seconds)
    return app
