from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from keep_providers.base import BaseProvider, ProviderConfig, ProviderScope
from keep_providers.exceptions import OutboundError, PartialFormatError, ProviderConfigError
from keep_providers.models import AlertDto
from keep_providers.oauth import TokenCache, json_with_token
from keep_providers.providers.gcpmonitoring.auth import (
    JWT_BEARER_GRANT,
    MONITORING_READ_SCOPE,
    ServiceAccountKey,
)
from keep_providers.providers.gcpmonitoring.config import GcpMonitoringConfig
from keep_providers.providers.gcpmonitoring.formatter import format_gcp_monitoring_webhook
from keep_providers.providers.gcpmonitoring.pulled import format_pulled_alerts, read_page

__all__ = ["PROVIDER", "GcpMonitoringProvider"]

logger = logging.getLogger(__name__)

ALERTS_LIST = "monitoring.alerts.list"
# A runaway page-token chain ends here rather than looping forever.
_MAX_PAGES = 200


class GcpMonitoringProvider(BaseProvider):
    """Google Cloud Monitoring: receives webhook notification channels (schema 1.2) and
    pulls open alerts from the Alerts API.

    There is no setup_webhook: a channel must also be added to every alerting policy,
    which is the user's call (see the docs page)."""

    PROVIDER_TYPE: ClassVar[str] = "gcpmonitoring"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Google Cloud Monitoring"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring", "Cloud Infrastructure")
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = GcpMonitoringConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope(
            name=ALERTS_LIST,
            description="List the project's alerts (role Monitoring AlertViewer, roles/monitoring.alertViewer)",
            documentation_url="https://cloud.google.com/monitoring/access-control",
        ),
    )

    # The parsed service account key; None for a webhook-only install.
    _key: ServiceAccountKey | None

    def __init__(self, provider_id: str, config: Mapping[str, Any] | ProviderConfig, **kwargs: Any) -> None:
        super().__init__(provider_id, config, **kwargs)
        self._tokens = TokenCache(self._request_token)

    @property
    def settings(self) -> GcpMonitoringConfig:
        assert isinstance(self.config, GcpMonitoringConfig)
        return self.config

    def validate_config(self) -> None:
        secret = self.settings.service_account_json
        self._key = ServiceAccountKey.parse(secret.get_secret_value()) if secret is not None else None

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_gcp_monitoring_webhook(payload)

    # --- API calls -----------------------------------------------------------------

    @property
    def _project(self) -> str | None:
        return self.settings.project_id or (self._key.project_id if self._key else None)

    def _missing(self) -> list[str]:
        missing = [] if self._key else ["service_account_json"]
        return missing + ([] if self._project else ["project_id"])

    async def _request_token(self) -> httpx.Response:
        assert self._key is not None
        return await self.request(
            "POST",
            self._key.token_uri,
            data={"grant_type": JWT_BEARER_GRANT, "assertion": self._key.assertion(MONITORING_READ_SCOPE)},
        )

    async def _list_page(self, params: Mapping[str, str]) -> Any:
        url = f"{self.settings.monitoring_url}/v3/projects/{quote(self._project or '', safe='')}/alerts"
        return await json_with_token(self.request, self._tokens, "GET", url, params=params)

    # --- pull ----------------------------------------------------------------------

    async def get_alerts(self) -> list[AlertDto]:
        if missing := self._missing():
            raise ProviderConfigError(f"gcpmonitoring pull needs {', '.join(missing)}")
        params = {"filter": 'state="OPEN"'}
        entries: list[Any] = []
        for _ in range(_MAX_PAGES):
            page, next_token = read_page(await self._list_page(params))
            entries.extend(page)
            if next_token is None:
                break
            params = {**params, "pageToken": next_token}
        else:
            logger.warning("gcpmonitoring pull stopped after %d pages", _MAX_PAGES)
        try:
            return format_pulled_alerts(entries)
        except PartialFormatError as partial:
            # A pull keeps what it could read; the rest is logged, not fatal.
            logger.warning("gcpmonitoring pull skipped %d alerts: %s", len(partial.problems), partial)
            return partial.alerts

    # --- scopes --------------------------------------------------------------------

    async def validate_scopes(self) -> dict[str, bool | str]:
        if missing := self._missing():
            return {ALERTS_LIST: f"not checked: {', '.join(missing)} not set"}
        try:
            await self._tokens.token()
        except OutboundError as exc:
            return {ALERTS_LIST: f"authentication failed: {exc}"}
        try:
            await self._list_page({"pageSize": "1"})
        except OutboundError as exc:
            return {ALERTS_LIST: f"refused: {exc}" if exc.status_code in (401, 403) else str(exc)}
        return {ALERTS_LIST: True}


PROVIDER = GcpMonitoringProvider
