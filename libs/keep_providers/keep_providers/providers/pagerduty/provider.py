from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import httpx

from keep_providers.base import BaseIncidentProvider, ProviderConfig, ProviderScope, WebhookSetup
from keep_providers.exceptions import OutboundError, PartialFormatError, ProviderConfigError
from keep_providers.http import create_client
from keep_providers.models import AlertDto, ExternalIncident
from keep_providers.providers.pagerduty import api
from keep_providers.providers.pagerduty.config import PagerDutyConfig
from keep_providers.providers.pagerduty.formatter import format_incident_list, format_pagerduty_webhook
from keep_providers.webhooks import InboundWebhook, hmac_digest, require_signature

__all__ = ["PROVIDER", "PagerDutyProvider"]

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-PagerDuty-Signature"
_SIGNATURE_VERSION = "v1="
_API_DOC = "https://developer.pagerduty.com/docs/authentication"


def _v1_signatures(header: str) -> list[str]:
    # Several signatures while PagerDuty rotates the secret: any one is enough.
    parts = (part.strip() for part in header.split(","))
    return [part.removeprefix(_SIGNATURE_VERSION) for part in parts if part.startswith(_SIGNATURE_VERSION)]


class PagerDutyProvider(BaseIncidentProvider):
    """PagerDuty: receives V3 (and V2) incident webhooks, pulls open incidents, sets up a
    webhook subscription."""

    PROVIDER_TYPE: ClassVar[str] = "pagerduty"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "PagerDuty"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Incident Management",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert", "incident")
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = PagerDutyConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope("incidents:read", "List open incidents (pull)", documentation_url=_API_DOC),
        ProviderScope(
            "webhook_subscriptions:write",
            "Create the webhook subscription (checked by reading subscriptions; needs a full-access key)",
            mandatory=False,
            documentation_url=_API_DOC,
        ),
    )
    WEBHOOK_SIGNATURE: ClassVar[str | None] = (
        f"{SIGNATURE_HEADER}: comma-separated v1=<hex HMAC-SHA256 of the raw body keyed with the subscription secret>"
    )

    @property
    def _settings(self) -> PagerDutyConfig:
        assert isinstance(self.config, PagerDutyConfig)
        return self.config

    def create_http_client(self) -> httpx.AsyncClient:
        return create_client(base_url=self._settings.api_url)

    def _headers(self) -> dict[str, str]:
        if self._settings.api_key is None:
            raise ProviderConfigError("pagerduty: api_key is needed to call the PagerDuty API")
        return api.api_headers(self._settings.api_key.get_secret_value())

    async def _list(self, path: str, key: str, params: Sequence[tuple[str, str]] = ()) -> list[Any]:
        """Every item of an offset-paginated list (`limit`, `offset`, `more`)."""
        headers = self._headers()
        items: list[Any] = []
        for _ in range(api.MAX_PAGES):
            paging = [("limit", str(api.PAGE_SIZE)), ("offset", str(len(items)))]
            body = (await self.request("GET", path, params=[*params, *paging], headers=headers)).json()
            page = body.get(key) if isinstance(body, Mapping) else None
            if not isinstance(page, list):
                raise OutboundError(f"PagerDuty {path} answered without a {key!r} list")
            items.extend(page)
            if not body.get("more") or not page:
                break
        return items

    # --- inbound ---------------------------------------------------------------

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_pagerduty_webhook(payload)

    @classmethod
    async def verify_webhook(cls, webhook: InboundWebhook, config: ProviderConfig | None) -> None:
        secret = config.webhook_secret if isinstance(config, PagerDutyConfig) else None
        if secret is None:
            return
        expected = hmac_digest(secret.get_secret_value(), webhook.body)
        require_signature(
            webhook, SIGNATURE_HEADER, expected, description=str(cls.WEBHOOK_SIGNATURE), candidates=_v1_signatures
        )

    # --- pull ------------------------------------------------------------------

    async def _open_incident_alerts(self) -> list[AlertDto]:
        statuses = [("statuses[]", status) for status in api.OPEN_STATUSES]
        incidents = await self._list("/incidents", "incidents", statuses)
        try:
            return format_incident_list(incidents)
        except PartialFormatError as partial:
            # One odd incident must not hide all the others from the pull.
            logger.warning(
                "pagerduty provider %s: skipped incidents: %s", self.provider_id, "; ".join(partial.problems)
            )
            return partial.alerts

    async def get_alerts(self) -> list[AlertDto]:
        return await self._open_incident_alerts()

    async def get_incidents(self) -> list[ExternalIncident]:
        """Open (triggered or acknowledged) incidents; each names the alert its webhooks become."""
        return [
            ExternalIncident.model_validate(
                {
                    "id": alert.id,
                    "title": alert.name,
                    "status": alert.status,
                    "severity": alert.severity,
                    "url": alert.url,
                    "service": alert.service,
                    "created_at": alert.firingStartTime,
                    "alert_fingerprints": [alert.fingerprint] if alert.fingerprint else [],
                    "number": alert.labels.get("incident_number"),
                }
            )
            for alert in await self._open_incident_alerts()
        ]

    async def validate_scopes(self) -> dict[str, bool | str]:
        try:
            headers = self._headers()
        except ProviderConfigError as exc:
            return {scope.name: str(exc) for scope in self.PROVIDER_SCOPES}
        checks = {"incidents:read": "/incidents", "webhook_subscriptions:write": "/webhook_subscriptions"}
        results: dict[str, bool | str] = {}
        for scope, path in checks.items():
            try:
                await self.request("GET", path, params={"limit": "1"}, headers=headers)
                results[scope] = True
            except OutboundError as exc:
                results[scope] = api.refusal_reason(exc)
        return results

    # --- webhook setup ---------------------------------------------------------

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> WebhookSetup:
        """One account-wide V3 subscription per URL.

        PagerDuty cannot change a subscription's delivery method, where our API key
        travels, so an existing one is replaced, not updated. The signing secret it
        returns on creation becomes the instance's `webhook_secret`.
        """
        url = api.webhook_url(keep_api_url, self.provider_id)
        headers = self._headers()
        subscriptions = await self._list("/webhook_subscriptions", "webhook_subscriptions")
        replaced = [
            str(sub.get("id")) for sub in subscriptions if isinstance(sub, Mapping) and _delivery_url(sub) == url
        ]
        for subscription_id in replaced:
            await self.request("DELETE", f"/webhook_subscriptions/{subscription_id}", headers=headers)
        delivery = {
            "type": "http_delivery_method",
            "url": url,
            "custom_headers": [{"name": "X-API-KEY", "value": api_key}],
        }
        body = {"webhook_subscription": {**api.subscription_body(tenant_id), "delivery_method": delivery}}
        created = (await self.request("POST", "/webhook_subscriptions", headers=headers, json=body)).json()
        subscription = _mapping(_mapping(created).get("webhook_subscription"))
        secret = _mapping(subscription.get("delivery_method")).get("secret")
        return WebhookSetup(
            summary={
                "webhook_url": url,
                "api_key_sent_as": "header X-API-KEY",
                "events": list(api.WEBHOOK_EVENTS),
                "action": "replaced" if replaced else "created",
                "replaced_subscription_ids": replaced,
                "subscription_id": str(subscription.get("id")),
                "signature_verification": "on" if secret else "off: PagerDuty returned no signing secret",
            },
            config_updates={"webhook_secret": secret} if secret else {},
        )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _delivery_url(subscription: Mapping[str, Any]) -> str | None:
    url = _mapping(subscription.get("delivery_method")).get("url")
    return str(url).rstrip("/") if url else None


PROVIDER = PagerDutyProvider
