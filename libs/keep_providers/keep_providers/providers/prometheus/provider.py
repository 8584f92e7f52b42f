from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import httpx

from keep_providers.base import BaseProvider, HealthCheck, ProviderConfig, ProviderHealthMixin, ProviderScope
from keep_providers.exceptions import OutboundError, PartialFormatError, ProviderConfigError
from keep_providers.http import create_client
from keep_providers.models import AlertDto
from keep_providers.providers.prometheus.auth import authorization_headers
from keep_providers.providers.prometheus.config import PrometheusConfig
from keep_providers.providers.prometheus.formatter import format_alertmanager_webhook
from keep_providers.providers.prometheus.health import rule_health_checks
from keep_providers.providers.prometheus.pulled import format_alertmanager_alerts, format_prometheus_alerts

__all__ = ["PROVIDER", "PrometheusProvider"]

logger = logging.getLogger(__name__)

ALERTMANAGER_READ = "alertmanager:read"
PROMETHEUS_READ = "prometheus:read"


class PrometheusProvider(BaseProvider, ProviderHealthMixin):
    """Prometheus and Alertmanager: receives Alertmanager's webhook (version 4), pulls
    active alerts from Alertmanager (or Prometheus) and reports rule health.

    There is no setup_webhook: Alertmanager's receivers live in its config file.
    """

    PROVIDER_TYPE: ClassVar[str] = "prometheus"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Prometheus Alertmanager"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = PrometheusConfig
    # Neither is mandatory for every install: each is needed only when its URL is set.
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope(
            name=ALERTMANAGER_READ,
            description="Read Alertmanager's API v2 (alerts, status); needed when alertmanager_url is set",
            mandatory=False,
            documentation_url="https://prometheus.io/docs/alerting/latest/clients/",
        ),
        ProviderScope(
            name=PROMETHEUS_READ,
            description="Read Prometheus' HTTP API (alerts, rules, build info); needed when prometheus_url is set",
            mandatory=False,
            documentation_url="https://prometheus.io/docs/prometheus/latest/querying/api/",
        ),
    )

    @property
    def _settings(self) -> PrometheusConfig:
        assert isinstance(self.config, PrometheusConfig)
        return self.config

    def validate_config(self) -> None:
        settings = self._settings
        if (settings.username is None) != (settings.password is None):
            raise ProviderConfigError("invalid prometheus config: basic auth needs both username and password")
        if settings.bearer_token is not None and settings.username is not None:
            raise ProviderConfigError("invalid prometheus config: use basic auth or a bearer token, not both")

    def create_http_client(self) -> httpx.AsyncClient:
        return create_client(verify=self._settings.verify_tls)

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_alertmanager_webhook(payload)

    # --- pull ------------------------------------------------------------------

    async def _get_json(self, base_url: str, path: str) -> Any:
        response = await self.request("GET", f"{base_url}{path}", headers=authorization_headers(self._settings))
        try:
            return response.json()
        except ValueError:
            raise OutboundError(
                f"GET {httpx.URL(base_url).host}{path} answered {response.status_code} without JSON",
                status_code=response.status_code,
            ) from None

    async def get_alerts(self) -> list[AlertDto]:
        settings = self._settings
        if settings.alertmanager_url is not None:
            body = await self._get_json(settings.alertmanager_url, "/api/v2/alerts")
            return _keep_good(format_alertmanager_alerts, body)
        if settings.prometheus_url is not None:
            body = await self._get_json(settings.prometheus_url, "/api/v1/alerts")
            return _keep_good(format_prometheus_alerts, body)
        raise ProviderConfigError("prometheus pull needs alertmanager_url or prometheus_url")

    # --- scopes ----------------------------------------------------------------

    async def validate_scopes(self) -> dict[str, bool | str]:
        settings = self._settings
        checks = {
            ALERTMANAGER_READ: ("alertmanager_url", settings.alertmanager_url, "/api/v2/status"),
            PROMETHEUS_READ: ("prometheus_url", settings.prometheus_url, "/api/v1/status/buildinfo"),
        }
        results: dict[str, bool | str] = {}
        for scope, (field, base_url, path) in checks.items():
            if base_url is None:
                results[scope] = f"not checked: {field} is not set"
                continue
            try:
                await self._get_json(base_url, path)
            except OutboundError as exc:
                results[scope] = _refusal_reason(exc)
            else:
                results[scope] = True
        return results

    # --- health ----------------------------------------------------------------

    async def health_report(self) -> list[HealthCheck]:
        prometheus_url = self._settings.prometheus_url
        if prometheus_url is None:
            return [HealthCheck(name="rules", ok=False, detail="not checked: prometheus_url is not set")]
        try:
            body = await self._get_json(prometheus_url, "/api/v1/rules")
        except OutboundError as exc:
            return [HealthCheck(name="rules", ok=False, detail=_refusal_reason(exc))]
        return rule_health_checks(body)


def _refusal_reason(exc: OutboundError) -> str:
    if exc.status_code in (401, 403):
        return f"authentication failed: {exc}"
    return str(exc)


def _keep_good(format_body: Callable[[Any], list[AlertDto]], body: Any) -> list[AlertDto]:
    # A pull keeps what it could read; the rest is logged, not fatal.
    try:
        return format_body(body)
    except PartialFormatError as partial:
        logger.warning("prometheus pull skipped %d alerts: %s", len(partial.problems), partial)
        return partial.alerts


PROVIDER = PrometheusProvider
