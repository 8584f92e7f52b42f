from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from keep_providers.base import BaseProvider, HealthCheck, ProviderConfig, ProviderHealthMixin, ProviderScope
from keep_providers.formatting import format_each
from keep_providers.http import create_client
from keep_providers.models import AlertDto

from .api import ALERTS_PATH, CONTACT_POINTS_PATH, EDITABLE_IN_UI, POLICIES_PATH, RULES_PATH, json_body
from .config import GrafanaConfig
from .formatter import format_grafana_webhook
from .pull import alert_from_api, rule_health_checks
from .routing import CONTACT_POINT_NAME, contact_point_body, find_contact_point, with_keep_route
from .scopes import probe_scopes

__all__ = ["PROVIDER", "GrafanaProvider"]

# Rule groups per page; Grafana before 11.4 ignores it and answers all at once.
RULE_GROUPS_PER_PAGE = 100
_SCOPES_DOCS = (
    "https://grafana.com/docs/grafana/latest/administration/roles-and-permissions/access-control/"
    "custom-role-actions-scopes/"
)


class GrafanaProvider(BaseProvider, ProviderHealthMixin):
    """Grafana alerting: receives its webhook (unified alerting 9-12 and legacy), pulls
    active alerts, sets its contact point and route up, reports failing rules."""

    PROVIDER_TYPE: ClassVar[str] = "grafana"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Grafana"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = GrafanaConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope("alert.instances:read", "Read active alerts (pull)", True, _SCOPES_DOCS),
        ProviderScope("alert.rules:read", "Read alert rules and their health (health report)", False, _SCOPES_DOCS),
        ProviderScope("alert.provisioning:read", "Read contact points and policies (setup)", False, _SCOPES_DOCS),
        ProviderScope("alert.provisioning:write", "Write contact points and policies (setup)", False, _SCOPES_DOCS),
    )

    @property
    def _settings(self) -> GrafanaConfig:
        assert isinstance(self.config, GrafanaConfig)
        return self.config

    def create_http_client(self) -> httpx.AsyncClient:
        client = create_client(base_url=self._settings.host, verify=self._settings.verify_tls)
        client.headers["Authorization"] = f"Bearer {self._settings.token.get_secret_value()}"
        return client

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_grafana_webhook(payload)

    async def get_alerts(self) -> list[AlertDto]:
        # Silenced and inhibited alerts too: they come back as suppressed, not as gone.
        response = await self.request("GET", ALERTS_PATH, params={"silenced": "true", "inhibited": "true"})
        entries = json_body(response, list)
        return format_each(entries, lambda entry: alert_from_api(entry, self._settings.host))

    async def health_report(self) -> list[HealthCheck]:
        groups: list[Mapping[str, Any]] = []
        params: dict[str, str | int] = {"group_limit": RULE_GROUPS_PER_PAGE}
        seen_tokens: set[str] = set()
        while True:
            data = json_body(await self.request("GET", RULES_PATH, params=params), dict).get("data") or {}
            groups.extend(data.get("groups") or [])
            token = data.get("groupNextToken")
            # A token seen before would page forever.
            if not token or token in seen_tokens:
                return rule_health_checks(groups)
            seen_tokens.add(token)
            params = {"group_limit": RULE_GROUPS_PER_PAGE, "group_next_token": token}

    async def validate_scopes(self) -> dict[str, bool | str]:
        return await probe_scopes(self.http, self.PROVIDER_SCOPES)

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> Mapping[str, Any]:
        url = f"{keep_api_url}/api/alerts/event/{self.PROVIDER_TYPE}?provider_id={self.provider_id}"
        body = contact_point_body(url, api_key)
        # Grafana before 10 ignores `name`; find_contact_point filters all the same.
        listed = await self.request("GET", CONTACT_POINTS_PATH, params={"name": CONTACT_POINT_NAME})
        existing = find_contact_point(json_body(listed, list))
        if existing is not None:
            uid = str(existing["uid"])
            await self.request("PUT", f"{CONTACT_POINTS_PATH}/{uid}", json={**body, "uid": uid}, headers=EDITABLE_IN_UI)
            contact_point_action = "updated"
        else:
            created = await self.request("POST", CONTACT_POINTS_PATH, json=body, headers=EDITABLE_IN_UI)
            uid = str(json_body(created, dict).get("uid"))
            contact_point_action = "created"
        routed = with_keep_route(json_body(await self.request("GET", POLICIES_PATH), dict))
        if routed is not None:
            await self.request("PUT", POLICIES_PATH, json=routed, headers=EDITABLE_IN_UI)
        return {
            "contact_point": {"name": CONTACT_POINT_NAME, "uid": uid, "action": contact_point_action},
            "policy": {"action": "route added" if routed is not None else "unchanged", "receiver": CONTACT_POINT_NAME},
            "url": url,
        }


PROVIDER = GrafanaProvider
