from __future__ import annotations

import json
from typing import Any

from keep_core.exceptions import BrokerUnavailable
from keep_core.provider_instances import InstanceCache
from keep_providers import ProvidersFactory
from keep_providers.exceptions import FormatterError, OutboundError, ProviderConfigError, WebhookAuthError
from keep_providers.providers.keep.provider import parse_alert_payload
from keep_providers.webhooks import InboundWebhook
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingest_gateway.endpoints.paging import page_params
from ingest_gateway.metrics import EVENTS_REJECTED
from ingest_gateway.publisher import RawEventPublisher
from ingest_gateway.responses import json_error

__all__ = ["get_alert", "list_alerts", "post_alert_event", "post_provider_event"]

GENERIC_PROVIDER_TYPE = "keep"


def _is_json_media_type(content_type: str) -> bool:
    # text/plain too: Amazon SNS and some other sources label their JSON that way.
    return content_type in ("application/json", "text/plain") or content_type.endswith("+json")


async def _json_body(request: Request) -> tuple[bytes, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not _is_json_media_type(content_type):
        raise HTTPException(415, f"expected Content-Type application/json, got {content_type or 'none'}")
    body = await request.body()
    try:
        return body, json.loads(body)
    except UnicodeDecodeError:
        raise HTTPException(400, "request body is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise HTTPException(
            400, f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


async def _verify(request: Request, provider_type: str, body: bytes) -> str | None:
    """Check the webhook against its installed instance; return the handshake answer
    when the source sent one instead of alerts."""
    cls = request.app.state.providers.get_class(provider_type)
    provider_id = request.query_params.get("provider_id")
    config = None
    if provider_id:
        cache: InstanceCache = request.app.state.instance_cache
        instance = await cache.get(request.state.tenant_id, provider_id)
        if instance is None:
            raise HTTPException(404, f"no installed provider {provider_id!r}")
        if instance.provider_type != provider_type:
            raise HTTPException(400, f"provider {provider_id!r} is a {instance.provider_type} provider")
        try:
            config = cache.parsed_config(instance, cls)
        except ProviderConfigError as exc:
            raise HTTPException(409, f"installed provider cannot be used: {exc}") from None
    webhook = InboundWebhook(body=body, headers=dict(request.headers), query=dict(request.query_params))
    try:
        await cls.verify_webhook(webhook, config)
        answer: str | None = await cls.answer_handshake(webhook, config)
    except WebhookAuthError as exc:
        raise HTTPException(401, str(exc)) from None
    except OutboundError as exc:
        raise HTTPException(502, f"could not verify the webhook with its source: {exc}") from None
    return answer


async def _accept(request: Request, provider_type: str, validate_generic: bool) -> Response:
    publisher: RawEventPublisher = request.app.state.publisher
    try:
        body, payload = await _json_body(request)
        if handshake := await _verify(request, provider_type, body):
            return JSONResponse({"detail": handshake})
        if validate_generic:
            try:
                parse_alert_payload(payload)
            except FormatterError as exc:
                raise HTTPException(422, str(exc)) from None
        event = await publisher.publish(
            tenant_id=request.state.tenant_id,
            provider_type=provider_type,
            provider_id=request.query_params.get("provider_id"),
            body=body,
            headers=request.headers,
        )
    except HTTPException as rejected:
        EVENTS_REJECTED.labels(str(rejected.status_code)).inc()
        raise
    except BrokerUnavailable:
        EVENTS_REJECTED.labels("503").inc()
        retry_after = str(request.app.state.settings.retry_after_seconds)
        return json_error(503, "the event store is unavailable; retry later", headers={"Retry-After": retry_after})
    return JSONResponse({"event_id": event.event_id}, status_code=202)


async def post_alert_event(request: Request) -> Response:
    """One alert or a list of alerts in our own (Keep's) format."""
    return await _accept(request, GENERIC_PROVIDER_TYPE, validate_generic=True)


async def post_provider_event(request: Request) -> Response:
    """A monitoring system's native webhook; the normalizer runs its formatter."""
    provider_type: str = request.path_params["provider_type"]
    factory: ProvidersFactory = request.app.state.providers
    if not factory.has_formatter(provider_type):
        EVENTS_REJECTED.labels("404").inc()
        return json_error(404, f"unknown provider type {provider_type!r}; known: {', '.join(factory.provider_types())}")
    return await _accept(request, provider_type, validate_generic=provider_type == GENERIC_PROVIDER_TYPE)


async def list_alerts(request: Request) -> Response:
    limit, offset = page_params(request)
    status = request.query_params.get("status")
    async with request.app.state.pool.connection() as conn:
        cursor = await conn.execute(
            "SELECT alert FROM alerts WHERE tenant_id = %s AND (%s::text IS NULL OR status = %s) "
            "ORDER BY last_received DESC, fingerprint LIMIT %s OFFSET %s",
            (request.state.tenant_id, status, status, limit, offset),
        )
        rows = await cursor.fetchall()
    return JSONResponse([row[0] for row in rows])


async def get_alert(request: Request) -> Response:
    async with request.app.state.pool.connection() as conn:
        cursor = await conn.execute(
            "SELECT alert FROM alerts WHERE tenant_id = %s AND fingerprint = %s",
            (request.state.tenant_id, request.path_params["fingerprint"]),
        )
        row = await cursor.fetchone()
    if row is None:
        return json_error(404, "no alert with that fingerprint")
    return JSONResponse(row[0])
