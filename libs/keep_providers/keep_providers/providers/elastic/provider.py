from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import httpx
from pydantic import Field, SecretStr

from keep_providers.base import BaseProvider, ProviderScope
from keep_providers.config import HttpUrl, ProviderConfig
from keep_providers.exceptions import FormatterError, OutboundError, PartialFormatError, ProviderConfigError
from keep_providers.formatting import format_each
from keep_providers.models import AlertDto
from keep_providers.providers.elastic.alerts_index import PAGE_SIZE, active_alerts_search, format_alert_document
from keep_providers.providers.elastic.formatter import format_elastic_webhook
from keep_providers.providers.elastic.refusals import elasticsearch_reason, kibana_reason
from keep_providers.providers.elastic.templates import KIBANA_BODY_TEMPLATE

__all__ = ["PROVIDER", "ElasticConfig", "ElasticProvider"]

logger = logging.getLogger(__name__)

READ_ALERTING = "read:alerting"
READ_CONNECTORS = "read:connectors"
READ_ALERTS_INDEX = "read:alerts-index"

_CONNECTOR_TYPE = ".webhook"
# `.alerts-*` starts with a dot and so matches Kibana's hidden aliases anyway; a pattern
# a user writes without one would not.
_SEARCH_PARAMS = {"expand_wildcards": "open,hidden"}


class ElasticConfig(ProviderConfig):
    kibana_url: HttpUrl | None = Field(
        default=None, description="Kibana base URL, for setting up the connector (e.g. https://kb.example.com:9243)"
    )
    elasticsearch_url: HttpUrl | None = Field(
        default=None,
        description="Elasticsearch base URL, for pulling active alerts from Kibana's alert indices "
        "(e.g. https://es.example.com:9243)",
    )
    # One key serves both: a key created in Kibana is an Elasticsearch API key.
    api_key: SecretStr | None = Field(
        default=None,
        description="API key (the encoded form) for Kibana and Elasticsearch, sent as `Authorization: ApiKey <key>`",
    )
    space_id: str | None = Field(
        default=None,
        description="Kibana space holding the rules; empty for the default space",
        pattern=r"^[a-z0-9_-]+$",
    )
    alerts_index: str = Field(
        default=".alerts-*",
        description="Index pattern (or comma-separated list) of Kibana's alert indices to pull from",
        pattern=r"^[a-z0-9._*,:+-]+$",
    )


class ElasticProvider(BaseProvider):
    """Elastic: receives Kibana alerting Webhook connector and Watcher webhook bodies;
    can create the Kibana connector; pulls active Kibana alerts from Elasticsearch's
    alert indices (Kibana's public API lists rules, not their active alerts)."""

    PROVIDER_TYPE: ClassVar[str] = "elastic"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Elastic (Kibana alerting, Watcher)"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = ElasticConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope(
            name=READ_ALERTING,
            description="Read alerting rules (Kibana feature privilege for the rules' apps, read)",
            documentation_url="https://www.elastic.co/guide/en/kibana/current/alerting-setup.html",
        ),
        ProviderScope(
            name=READ_CONNECTORS,
            description="Read connectors (Actions and Connectors privilege); setup_webhook needs 'all'",
            mandatory=False,
            documentation_url="https://www.elastic.co/guide/en/kibana/current/alerting-setup.html",
        ),
        # Not mandatory: needed only when elasticsearch_url is set (pull).
        ProviderScope(
            name=READ_ALERTS_INDEX,
            description="Index privilege 'read' on the alert indices (alerts_index); needed with elasticsearch_url",
            mandatory=False,
            documentation_url="https://www.elastic.co/guide/en/kibana/current/query-alerts.html",
        ),
    )

    @property
    def _settings(self) -> ElasticConfig:
        assert isinstance(self.config, ElasticConfig)
        return self.config

    def validate_config(self) -> None:
        settings = self._settings
        has_url = settings.kibana_url is not None or settings.elasticsearch_url is not None
        if has_url and settings.api_key is None:
            raise ProviderConfigError("elastic config: kibana_url and elasticsearch_url need api_key")
        if settings.api_key is not None and not has_url:
            raise ProviderConfigError("elastic config: api_key needs kibana_url or elasticsearch_url")

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_elastic_webhook(payload)

    def _api(self, path: str) -> str:
        if self._settings.kibana_url is None:
            raise ProviderConfigError("elastic: set kibana_url and api_key to call Kibana")
        space = f"/s/{self._settings.space_id}" if self._settings.space_id else ""
        return f"{self._settings.kibana_url}{space}{path}"

    def _auth(self) -> dict[str, str]:
        assert self._settings.api_key is not None
        return {"Authorization": f"ApiKey {self._settings.api_key.get_secret_value()}"}

    def _headers(self) -> dict[str, str]:
        # kbn-xsrf: Kibana refuses writes without it (CSRF protection for API clients).
        return {**self._auth(), "kbn-xsrf": "true"}

    def _search_url(self) -> str:
        if self._settings.elasticsearch_url is None:
            raise ProviderConfigError("elastic pull needs elasticsearch_url and api_key")
        return f"{self._settings.elasticsearch_url}/{self._settings.alerts_index}/_search"

    # --- pull ------------------------------------------------------------------

    async def get_alerts(self) -> list[AlertDto]:
        url = self._search_url()
        alerts: list[AlertDto] = []
        search_after: Sequence[Any] | None = None
        while True:
            response = await self.request(
                "POST",
                url,
                params=_SEARCH_PARAMS,
                json=active_alerts_search(search_after=search_after),
                headers=self._auth(),
            )
            hits = _search_hits(response)
            alerts.extend(self._format_hits(hits))
            if len(hits) < PAGE_SIZE:
                return alerts
            search_after = _sort_values(hits[-1])
            if not isinstance(search_after, list) or not search_after:
                raise OutboundError(f"POST {response.url.host} answered a full page without sort values")

    def _format_hits(self, hits: list[Any]) -> list[AlertDto]:
        kibana_url = self._settings.kibana_url
        # A pull keeps what it could read; the rest is logged, not fatal.
        try:
            return format_each(hits, lambda hit: format_alert_document(hit, kibana_url), label="hits")
        except PartialFormatError as partial:
            logger.warning("elastic pull skipped %d alert documents: %s", len(partial.problems), partial)
            return partial.alerts
        except FormatterError as exc:
            logger.warning("elastic pull skipped every alert document of a page: %s", exc)
            return []

    # --- scopes ----------------------------------------------------------------

    async def validate_scopes(self) -> dict[str, bool | str]:
        results: dict[str, bool | str] = {}
        if self._settings.kibana_url is None:
            results[READ_ALERTING] = results[READ_CONNECTORS] = "not checked: kibana_url is not set"
        else:
            results[READ_ALERTING] = await self._check_kibana("/api/alerting/rules/_find", {"per_page": "1"})
            results[READ_CONNECTORS] = await self._check_kibana("/api/actions/connectors", {})
        if self._settings.elasticsearch_url is None:
            results[READ_ALERTS_INDEX] = "not checked: elasticsearch_url is not set"
        else:
            results[READ_ALERTS_INDEX] = await self._check_alerts_index()
        return results

    async def _probe(self, method: str, url: str, **kwargs: Any) -> httpx.Response | str:
        # One attempt through the instance client, not self.request: a refusal's body
        # says why (missing privilege, bad key) and is what the user needs to see.
        try:
            return await self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            return f"{httpx.URL(url).host} unreachable: {type(exc).__name__}"

    async def _check_kibana(self, path: str, params: Mapping[str, str]) -> bool | str:
        response = await self._probe("GET", self._api(path), params=params, headers=self._headers())
        if isinstance(response, str):
            return response
        if response.is_success:
            return True
        return f"Kibana answered {response.status_code}: {kibana_reason(response)}"

    async def _check_alerts_index(self) -> bool | str:
        response = await self._probe(
            "POST",
            self._search_url(),
            params=_SEARCH_PARAMS,
            json=active_alerts_search(size=0),
            headers=self._auth(),
        )
        if isinstance(response, str):
            return response
        if not response.is_success:
            return f"Elasticsearch answered {response.status_code}: {elasticsearch_reason(response)}"
        # A wildcard pattern only expands to indices the key may read: no shard at all
        # is what a missing privilege looks like (or no alert index exists yet).
        if _searched_shards(response) == 0:
            return (
                f"no index matching {self._settings.alerts_index!r} was searched: none exists yet, "
                "or the key lacks the 'read' index privilege on it"
            )
        return True

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> Mapping[str, Any]:
        """Create or update one Webhook connector named after the tenant; rules then use
        it in their actions with KIBANA_BODY_TEMPLATE (Kibana cannot be told to)."""
        name = f"keep-aiops-{tenant_id}"
        target = f"{keep_api_url.rstrip('/')}/api/alerts/event/{self.PROVIDER_TYPE}?provider_id={self.provider_id}"
        # Basic auth (user `api_key`): Kibana keeps `secrets` encrypted and never
        # returns them, unlike headers, which any connector reader sees.
        definition = {
            "name": name,
            "config": {
                "url": target,
                "method": "post",
                "hasAuth": True,
                "headers": {"Content-Type": "application/json"},
            },
            "secrets": {"user": "api_key", "password": api_key},
        }
        listed = await self.request("GET", self._api("/api/actions/connectors"), headers=self._headers())
        existing = next(
            (
                connector
                for connector in listed.json()
                if connector.get("name") == name and connector.get("connector_type_id") == _CONNECTOR_TYPE
            ),
            None,
        )
        if existing is None:
            response = await self.request(
                "POST",
                self._api("/api/actions/connector"),
                json={**definition, "connector_type_id": _CONNECTOR_TYPE},
                headers=self._headers(),
            )
            action = "created"
        else:
            response = await self.request(
                "PUT", self._api(f"/api/actions/connector/{existing['id']}"), json=definition, headers=self._headers()
            )
            action = "updated"
        connector = response.json()
        return {
            "action": action,
            "connector_id": connector.get("id"),
            "connector_name": name,
            "url": target,
            "next_step": "add this connector to each rule's actions, run when active and recovered, "
            "with the body below (docs/providers/elastic.md)",
            "body_template": KIBANA_BODY_TEMPLATE,
        }


def _search_section(response: httpx.Response, key: str) -> Any:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get(key) if isinstance(body, Mapping) else None


def _search_hits(response: httpx.Response) -> list[Any]:
    hits = _search_section(response, "hits")
    found = hits.get("hits") if isinstance(hits, Mapping) else None
    if not isinstance(found, list):
        raise OutboundError(
            f"POST {response.url.host} answered {response.status_code} without search hits",
            status_code=response.status_code,
        )
    return found


def _sort_values(hit: Any) -> Any:
    return hit.get("sort") if isinstance(hit, Mapping) else None


def _searched_shards(response: httpx.Response) -> int | None:
    shards = _search_section(response, "_shards")
    total = shards.get("total") if isinstance(shards, Mapping) else None
    return total if isinstance(total, int) else None


PROVIDER = ElasticProvider
