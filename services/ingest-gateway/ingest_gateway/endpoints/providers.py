"""`/api/providers`: provider types, and installing, changing and checking instances.

Responses never carry a secret: sensitive config fields are left out entirely (not
masked, so not even their length shows); `secrets_set` names the ones that have a value.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from typing import Any, TypeVar

from keep_core.apikeys import replace_named_api_key
from keep_core.provider_instances import DuplicateProviderName, InstanceCache, ProviderInstance, ProviderInstanceStore
from keep_providers import BaseProvider, ProviderHealthMixin, ProvidersFactory, WebhookSetup
from keep_providers.config import public_config, revealed_config, secret_field_names
from keep_providers.exceptions import OutboundError, ProviderConfigError, UnknownProviderType
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingest_gateway.settings import GatewaySettings

__all__ = [
    "delete_provider",
    "get_provider",
    "install_provider",
    "list_installed",
    "list_provider_types",
    "provider_health",
    "setup_provider_webhook",
    "update_provider",
]

T = TypeVar("T")


class InstallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=200)
    config: dict[str, Any] = Field(default_factory=dict)
    pull_enabled: bool = False
    pull_interval_seconds: float | None = Field(default=None, ge=10, le=86400)
    validate_scopes: bool = True


class UpdateRequest(BaseModel):
    """Only what is sent changes; config fields merge into the stored config, so secrets
    the client never saw need not be sent back."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    config: dict[str, Any] | None = None
    pull_enabled: bool | None = None
    pull_interval_seconds: float | None = Field(default=None, ge=10, le=86400)
    validate_scopes: bool = True


M = TypeVar("M", bound=BaseModel)


async def _parse(request: Request, model: type[M]) -> M:
    try:
        return model.model_validate(json.loads(await request.body()))
    except json.JSONDecodeError as exc:
        raise HTTPException(400, f"request body is not valid JSON: {exc.msg}") from None
    except ValidationError as exc:
        # Field names and reasons, never the values: they may be secrets.
        reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise HTTPException(422, reasons) from None


def _factory(request: Request) -> ProvidersFactory:
    factory: ProvidersFactory = request.app.state.providers
    return factory


def _store(request: Request) -> ProviderInstanceStore:
    store: ProviderInstanceStore = request.app.state.instances
    return store


def _settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


async def _external(request: Request, call: Awaitable[T], what: str) -> T:
    """A call to the source system, bounded in time; its failures are the source's (502)."""
    try:
        async with asyncio.timeout(_settings(request).provider_call_timeout_seconds):
            return await call
    except TimeoutError:
        raise HTTPException(504, f"{what}: the source did not answer in time") from None
    except OutboundError as exc:
        raise HTTPException(502, f"{what}: {exc}") from None


def _view(instance: ProviderInstance, factory: ProvidersFactory) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": instance.id,
        "type": instance.provider_type,
        "name": instance.name,
        "config": None,
        "secrets_set": [],
        "pull": {
            "enabled": instance.pull_enabled,
            "interval_seconds": instance.pull_interval_seconds,
            "last_pull_at": instance.last_pull_at.isoformat() if instance.last_pull_at else None,
            "last_error": instance.last_pull_error,
            "last_count": instance.last_pull_count,
        },
        "webhook": {
            "url": f"/api/alerts/event/{instance.provider_type}?provider_id={instance.id}",
            "setup": instance.webhook_setup,
        },
        "created_at": instance.created_at.isoformat(),
        "updated_at": instance.updated_at.isoformat(),
    }
    try:
        cls = factory.get_class(instance.provider_type)
        config = cls.parse_config(instance.config)
    except (UnknownProviderType, ProviderConfigError) as exc:
        # The provider's package was removed or its config model changed since install.
        view["problem"] = str(exc)
        return view
    view["config"] = public_config(config)
    view["secrets_set"] = sorted(name for name in secret_field_names(cls.CONFIG_MODEL) if instance.config.get(name))
    return view


def _build(factory: ProvidersFactory, provider_type: str, config: dict[str, Any]) -> BaseProvider:
    try:
        return factory.get_class(provider_type)("validation", config)
    except UnknownProviderType as exc:
        raise HTTPException(404, f"{exc}; known: {', '.join(factory.provider_types())}") from None
    except ProviderConfigError as exc:
        raise HTTPException(422, str(exc)) from None


async def _check_scopes(request: Request, provider: BaseProvider) -> dict[str, bool | str]:
    """Every scope's result; 400 when a mandatory one failed, since the instance would not work."""
    if "scopes" not in provider.capabilities():
        return {}
    results = await _external(request, provider.validate_scopes(), "validating scopes")
    failed = [
        scope.name for scope in provider.PROVIDER_SCOPES if scope.mandatory and results.get(scope.name) is not True
    ]
    if failed:
        raise _ScopesFailed(failed, results)
    return results


class _ScopesFailed(Exception):
    def __init__(self, failed: list[str], results: dict[str, bool | str]) -> None:
        super().__init__(f"mandatory scopes not granted: {', '.join(failed)}")
        self.results = results


async def _validated(
    request: Request, provider_type: str, config: dict[str, Any], check: bool
) -> tuple[dict[str, Any], dict[str, bool | str]]:
    """The config as it will be stored (validated, defaults filled in) and the scope results."""
    provider = _build(_factory(request), provider_type, config)
    try:
        scopes = await _check_scopes(request, provider) if check else {}
        return revealed_config(provider.config), scopes
    finally:
        await provider.dispose()


def _scopes_failed(exc: _ScopesFailed) -> Response:
    return JSONResponse({"detail": str(exc), "scopes": exc.results}, status_code=400)


async def _instance(request: Request) -> ProviderInstance:
    instance = await _store(request).get(request.state.tenant_id, request.path_params["provider_id"])
    if instance is None:
        raise HTTPException(404, "no installed provider with that id")
    return instance


async def _live(request: Request, instance: ProviderInstance) -> BaseProvider:
    try:
        return await _factory(request).instance(
            instance.id, instance.provider_type, instance.config, version=instance.cache_version
        )
    except (UnknownProviderType, ProviderConfigError) as exc:
        raise HTTPException(409, f"installed provider cannot be used: {exc}") from None


async def _forget(request: Request, instance: ProviderInstance) -> None:
    cache: InstanceCache = request.app.state.instance_cache
    cache.forget(instance.tenant_id, instance.id)
    await _factory(request).drop_instance(instance.id)


async def list_provider_types(request: Request) -> Response:
    return JSONResponse(_factory(request).describe_all())


async def list_installed(request: Request) -> Response:
    instances = await _store(request).installed(request.state.tenant_id)
    return JSONResponse([_view(instance, _factory(request)) for instance in instances])


async def get_provider(request: Request) -> Response:
    return JSONResponse(_view(await _instance(request), _factory(request)))


async def install_provider(request: Request) -> Response:
    wanted = await _parse(request, InstallRequest)
    try:
        config, scopes = await _validated(request, wanted.type, wanted.config, wanted.validate_scopes)
    except _ScopesFailed as exc:
        return _scopes_failed(exc)
    try:
        instance = await _store(request).create(
            request.state.tenant_id,
            wanted.type,
            wanted.name,
            config,
            pull_enabled=wanted.pull_enabled and "pull" in _factory(request).get_class(wanted.type).capabilities(),
            pull_interval_seconds=wanted.pull_interval_seconds,
        )
    except DuplicateProviderName as exc:
        raise HTTPException(409, str(exc)) from None
    return JSONResponse({**_view(instance, _factory(request)), "scopes": scopes}, status_code=201)


async def update_provider(request: Request) -> Response:
    instance = await _instance(request)
    changes = await _parse(request, UpdateRequest)
    config = {**instance.config, **(changes.config or {})}
    try:
        config, scopes = await _validated(
            request, instance.provider_type, config, changes.validate_scopes and changes.config is not None
        )
    except _ScopesFailed as exc:
        return _scopes_failed(exc)
    sent = changes.model_fields_set
    try:
        updated = await _store(request).update(
            instance,
            name=changes.name or instance.name,
            config=config,
            pull_enabled=changes.pull_enabled if changes.pull_enabled is not None else instance.pull_enabled,
            pull_interval_seconds=(
                changes.pull_interval_seconds if "pull_interval_seconds" in sent else instance.pull_interval_seconds
            ),
        )
    except DuplicateProviderName as exc:
        raise HTTPException(409, str(exc)) from None
    await _forget(request, instance)
    return JSONResponse({**_view(updated, _factory(request)), "scopes": scopes})


async def delete_provider(request: Request) -> Response:
    instance = await _instance(request)
    await _store(request).delete(instance.tenant_id, instance.id)
    await _forget(request, instance)
    return Response(status_code=204)


async def setup_provider_webhook(request: Request) -> Response:
    instance = await _instance(request)
    provider = await _live(request, instance)
    if "setup_webhook" not in provider.capabilities():
        raise HTTPException(400, f"{instance.provider_type} cannot set its webhook up; see its documentation")
    settings = _settings(request)
    keep_api_url = (settings.public_url or str(request.base_url)).rstrip("/")
    # A key of its own, so that revoking it affects this source only; replaced on every
    # setup because the previous one is stored hashed and cannot be handed out again.
    async with request.app.state.pool.connection() as conn:
        api_key = await replace_named_api_key(conn, instance.tenant_id, f"webhook:{instance.id}")
    request.app.state.api_keys.expire()
    outcome = await _external(
        request, provider.setup_webhook(instance.tenant_id, keep_api_url, api_key), "setting the webhook up"
    )
    setup = outcome if isinstance(outcome, WebhookSetup) else WebhookSetup(summary=outcome)
    result = dict(setup.summary)
    if setup.config_updates:
        # A credential the source generated (a signing secret): kept like any other secret.
        config = revealed_config(provider.parse_config({**instance.config, **setup.config_updates}))
        instance = await _store(request).update(
            instance,
            name=instance.name,
            config=config,
            pull_enabled=instance.pull_enabled,
            pull_interval_seconds=instance.pull_interval_seconds,
        )
        await _forget(request, instance)
    await _store(request).record_webhook_setup(instance, result)
    return JSONResponse({"provider_id": instance.id, "keep_api_url": keep_api_url, "result": result})


async def provider_health(request: Request) -> Response:
    instance = await _instance(request)
    provider = await _live(request, instance)
    checks: list[dict[str, Any]] = []
    if "scopes" in provider.capabilities():
        try:
            results = await _check_scopes(request, provider)
            checks.append({"name": "scopes", "ok": True, "detail": "all mandatory scopes granted", "data": results})
        except _ScopesFailed as exc:
            checks.append({"name": "scopes", "ok": False, "detail": str(exc), "data": exc.results})
        except HTTPException as exc:
            checks.append({"name": "scopes", "ok": False, "detail": str(exc.detail), "data": {}})
    if instance.pull_enabled:
        checks.append(
            {
                "name": "pull",
                "ok": instance.last_pull_at is not None and instance.last_pull_error is None,
                "detail": instance.last_pull_error or ("not pulled yet" if instance.last_pull_at is None else "ok"),
                "data": {
                    "last_pull_at": instance.last_pull_at.isoformat() if instance.last_pull_at else None,
                    "last_count": instance.last_pull_count,
                },
            }
        )
    if isinstance(provider, ProviderHealthMixin) and "health" in provider.capabilities():
        try:
            report = await _external(request, provider.health_report(), "health report")
            checks.extend({"name": c.name, "ok": c.ok, "detail": c.detail, "data": dict(c.data)} for c in report)
        except HTTPException as exc:
            checks.append({"name": "health_report", "ok": False, "detail": str(exc.detail), "data": {}})
    async with request.app.state.pool.connection() as conn:
        cursor = await conn.execute(
            "SELECT max(last_received), count(*) FROM alerts WHERE tenant_id = %s AND alert->>'providerId' = %s",
            (instance.tenant_id, instance.id),
        )
        last_received, alert_count = await cursor.fetchone() or (None, 0)
    return JSONResponse(
        {
            "provider_id": instance.id,
            "type": instance.provider_type,
            "healthy": all(check["ok"] for check in checks),
            "checks": checks,
            "alerts": {
                "count": alert_count,
                "last_received": last_received.isoformat() if last_received else None,
            },
        }
    )
