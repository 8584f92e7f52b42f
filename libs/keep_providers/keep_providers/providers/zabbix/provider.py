from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from keep_providers.base import BaseProvider, ProviderConfig, ProviderScope
from keep_providers.exceptions import FormatterError, OutboundError
from keep_providers.models import AlertDto
from keep_providers.providers.zabbix.config import ZabbixConfig
from keep_providers.providers.zabbix.formatter import format_zabbix_webhook
from keep_providers.providers.zabbix.jsonrpc import ZabbixApiError, ZabbixRpc
from keep_providers.providers.zabbix.mediatype import (
    API_KEY_PARAMETER,
    MEDIA_TYPE_NAME,
    URL_PARAMETER,
    mediatype_body,
    webhook_url,
)
from keep_providers.providers.zabbix.problems import format_problem, hosts_by_event

__all__ = ["PROVIDER", "ZabbixProvider"]

logger = logging.getLogger(__name__)

_DOCS = "https://www.zabbix.com/documentation/current/en/manual/api/reference"


class ZabbixProvider(BaseProvider):
    """Zabbix: receives its webhook media type (docs/providers/zabbix.md), creates that media
    type, and pulls open problems over the JSON-RPC API."""

    PROVIDER_TYPE: ClassVar[str] = "zabbix"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Zabbix"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = ZabbixConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope(
            name="problem.get",
            description="Read open problems (API method problem.get)",
            documentation_url=f"{_DOCS}/problem/get",
        ),
        ProviderScope(
            name="event.get",
            description="Read events with their hosts (event.get); without it pulled problems carry no host. "
            "Hosts show only where the user's role can read the host group",
            mandatory=False,
            documentation_url=f"{_DOCS}/event/get",
        ),
        ProviderScope(
            name="mediatype.create",
            description="Create and update the keep-aiops webhook media type (setup_webhook): a Super admin "
            "user; checked by reading media type scripts, which only Super admins may (Zabbix 6.4.19+)",
            mandatory=False,
            documentation_url=f"{_DOCS}/mediatype/create",
        ),
    )
    # problem.get has no offset: pages follow each other by event id.
    PAGE_SIZE: ClassVar[int] = 500

    @property
    def _settings(self) -> ZabbixConfig:
        assert isinstance(self.config, ZabbixConfig)
        return self.config

    @property
    def _rpc(self) -> ZabbixRpc:
        settings = self._settings
        return ZabbixRpc(self.request, settings.zabbix_url, settings.api_token, auth_in_body=settings.auth_in_body)

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_zabbix_webhook(payload)

    async def _open_problems(self, rpc: ZabbixRpc) -> list[Any]:
        params: dict[str, Any] = {
            "output": "extend",
            "selectTags": "extend",
            "recent": False,
            "sortfield": ["eventid"],
            "sortorder": "ASC",
            "limit": self.PAGE_SIZE,
        }
        problems: list[Any] = []
        while True:
            page = await rpc.call("problem.get", params)
            if not isinstance(page, list):
                raise OutboundError("problem.get answered no list")
            problems.extend(page)
            if len(page) < self.PAGE_SIZE:
                return problems
            params["eventid_from"] = str(int(page[-1]["eventid"]) + 1)

    async def _hosts(self, rpc: ZabbixRpc, event_ids: list[str]) -> dict[str, list[Mapping[str, Any]]]:
        if not event_ids:
            return {}
        params = {"eventids": event_ids, "output": ["eventid"], "selectHosts": ["hostid", "host", "name"]}
        try:
            return hosts_by_event(await rpc.call("event.get", params))
        except ZabbixApiError as exc:
            # Host names are context, not the alert: a role without event.get still pulls.
            logger.warning("zabbix pull without host names: %s", exc)
            return {}

    async def get_alerts(self) -> list[AlertDto]:
        rpc = self._rpc
        problems = await self._open_problems(rpc)
        ids = [str(p["eventid"]) for p in problems if isinstance(p, Mapping) and p.get("eventid")]
        hosts = await self._hosts(rpc, ids)
        alerts = []
        for problem in problems:
            event_id = str(problem.get("eventid")) if isinstance(problem, Mapping) else ""
            try:
                alerts.append(format_problem(problem, hosts.get(event_id, []), self._settings.zabbix_url))
            except FormatterError as exc:
                logger.warning("zabbix pull skipped problem %s: %s", event_id or "?", exc)
        return alerts

    async def validate_scopes(self) -> dict[str, bool | str]:
        rpc = self._rpc
        # Scope -> the read-only call that proves it.
        probes: dict[str, tuple[str, dict[str, Any]]] = {
            "problem.get": ("problem.get", {"output": ["eventid"], "recent": False, "limit": 1}),
            "event.get": ("event.get", {"output": ["eventid"], "selectHosts": ["hostid"], "limit": 1}),
            "mediatype.create": (
                "mediatype.get",
                {"output": ["mediatypeid", "script"], "selectMessageTemplates": "extend", "limit": 1},
            ),
        }
        results: dict[str, bool | str] = {}
        for scope, (method, params) in probes.items():
            try:
                await rpc.call(method, params)
            except ZabbixApiError as exc:
                results[scope] = f"{'authentication failed' if exc.is_auth_failure else 'refused'}: {exc.reason}"
            except OutboundError as exc:
                auth = exc.status_code in (401, 403)
                results[scope] = f"authentication failed: {exc}" if auth else str(exc)
            else:
                results[scope] = True
        return results

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> Mapping[str, Any]:
        """Create the keep-aiops webhook media type, or update it (new URL and key) when it
        exists. Users and actions are left alone: see the module doc of `mediatype`."""
        rpc = self._rpc
        url = webhook_url(keep_api_url, self.provider_id)
        body = mediatype_body(url, api_key)
        try:
            found = await rpc.call("mediatype.get", {"output": ["mediatypeid"], "filter": {"name": MEDIA_TYPE_NAME}})
            existing = [str(m["mediatypeid"]) for m in found if isinstance(m, Mapping) and m.get("mediatypeid")]
            if existing:
                await rpc.call("mediatype.update", {"mediatypeid": existing[0], **body})
                mediatype_id, action = existing[0], "updated"
            else:
                created = await rpc.call("mediatype.create", body)
                mediatype_id, action = str(created["mediatypeids"][0]), "created"
        except ZabbixApiError as exc:
            raise _without_secret(exc, api_key) from None
        except (KeyError, IndexError, TypeError) as exc:
            raise OutboundError(f"Zabbix answered an unexpected media type result: {type(exc).__name__}") from None
        return {
            "media_type": MEDIA_TYPE_NAME,
            "mediatype_id": mediatype_id,
            "action": action,
            "webhook_url": url,
            "api_key_sent_as": f"header X-API-KEY (media type parameter {API_KEY_PARAMETER})",
            "url_parameter": URL_PARAMETER,
            "next_steps": "attach the media type to a user (Users > Media) and send it from a trigger action's "
            "operations, recovery and update operations",
        }


def _without_secret(exc: ZabbixApiError, secret: str) -> ZabbixApiError:
    # Zabbix validation errors may quote a parameter they refused: never let it be the key.
    if secret and secret in exc.reason:
        return ZabbixApiError(exc.method, exc.host, {"code": exc.code, "message": "(a refused value withheld)"})
    return exc


PROVIDER = ZabbixProvider
