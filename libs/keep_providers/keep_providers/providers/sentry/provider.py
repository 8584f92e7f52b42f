from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from keep_providers.base import BaseProvider, ProviderConfig, ProviderScope
from keep_providers.exceptions import OutboundError, PartialFormatError, ProviderConfigError
from keep_providers.http import create_client
from keep_providers.models import AlertDto
from keep_providers.providers.sentry import api
from keep_providers.providers.sentry.config import SentryConfig
from keep_providers.providers.sentry.formatter import format_issue_list, format_sentry_webhook
from keep_providers.webhooks import InboundWebhook, hmac_digest, require_signature

__all__ = ["PROVIDER", "SentryProvider"]

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Sentry-Hook-Signature"
_SCOPES_DOC = "https://docs.sentry.io/api/permissions/"
# Resources whose webhooks carry alerts; Sentry refuses one the integration has no scope for.
_ISSUE_EVENT_SCOPES = frozenset({"event:read", "event:write", "event:admin"})


class SentryProvider(BaseProvider):
    """Sentry: receives integration-platform and WebHooks-plugin webhooks, pulls unresolved issues."""

    PROVIDER_TYPE: ClassVar[str] = "sentry"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Sentry"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring", "Developer Tools")
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = SentryConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope("event:read", "List unresolved issues (pull)", documentation_url=_SCOPES_DOC),
        ProviderScope(
            "project:read", "List the organization's projects", mandatory=False, documentation_url=_SCOPES_DOC
        ),
    )
    WEBHOOK_SIGNATURE: ClassVar[str | None] = (
        f"{SIGNATURE_HEADER}: hex HMAC-SHA256 of the raw body keyed with the integration's Client Secret"
    )

    @property
    def _settings(self) -> SentryConfig:
        assert isinstance(self.config, SentryConfig)
        return self.config

    def validate_config(self) -> None:
        if self._settings.api_token is not None and not self._settings.organization_slug:
            raise ProviderConfigError("invalid sentry config: organization_slug is required with api_token")

    def create_http_client(self) -> httpx.AsyncClient:
        return create_client(base_url=self._settings.api_url)

    def _auth(self) -> dict[str, str]:
        token = self._settings.api_token
        if token is None or not self._settings.organization_slug:
            raise ProviderConfigError("sentry: api_token and organization_slug are needed to call the Sentry API")
        return {"Authorization": f"Bearer {token.get_secret_value()}"}

    # --- inbound ---------------------------------------------------------------

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_sentry_webhook(payload, headers)

    @classmethod
    async def verify_webhook(cls, webhook: InboundWebhook, config: ProviderConfig | None) -> None:
        secret = config.client_secret if isinstance(config, SentryConfig) else None
        if secret is None:
            return
        expected = hmac_digest(secret.get_secret_value(), webhook.body)
        require_signature(webhook, SIGNATURE_HEADER, expected, description=str(cls.WEBHOOK_SIGNATURE))

    # --- pull ------------------------------------------------------------------

    async def get_alerts(self) -> list[AlertDto]:
        headers = self._auth()
        path = api.issues_path(self._settings.organization_slug or "")
        issues: list[Any] = []
        cursor: str | None = None
        for _ in range(api.MAX_PAGES):
            params = {"query": "is:unresolved", "limit": str(api.PAGE_SIZE)}
            if cursor:
                params["cursor"] = cursor
            response = await self.request("GET", path, params=params, headers=headers)
            page = response.json()
            issues.extend(page if isinstance(page, list) else [page])
            cursor = api.next_cursor(response)
            if cursor is None:
                break
        try:
            return format_issue_list(issues)
        except PartialFormatError as partial:
            # One odd issue must not hide all the others from the pull.
            logger.warning("sentry provider %s: skipped issues: %s", self.provider_id, "; ".join(partial.problems))
            return partial.alerts

    async def validate_scopes(self) -> dict[str, bool | str]:
        try:
            headers = self._auth()
        except ProviderConfigError as exc:
            return {scope.name: str(exc) for scope in self.PROVIDER_SCOPES}
        organization = self._settings.organization_slug or ""
        checks = {
            "event:read": (api.issues_path(organization), {"query": "is:unresolved", "limit": "1"}),
            "project:read": (api.projects_path(organization), {}),
        }
        results: dict[str, bool | str] = {}
        for scope, (path, params) in checks.items():
            try:
                await self.request("GET", path, params=params, headers=headers)
                results[scope] = True
            except OutboundError as exc:
                results[scope] = api.refusal_reason(exc)
        return results

    # --- webhook setup ---------------------------------------------------------

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> Mapping[str, Any]:
        """Point the internal integration's webhook at us (`PUT /api/0/sentry-apps/{slug}/`,
        which needs the org:write scope); unchanged when it already does."""
        slug = self._settings.sentry_app_slug
        if not slug:
            raise ProviderConfigError("sentry: setup_webhook needs sentry_app_slug (the internal integration's slug)")
        headers = self._auth()
        path = api.sentry_app_path(slug)
        app = (await self.request("GET", path, headers=headers)).json()
        target = api.webhook_url(keep_api_url, self.provider_id, api_key)
        scopes = list(app.get("scopes") or [])
        events = list(app.get("events") or [])
        if "issue" not in events and _ISSUE_EVENT_SCOPES & set(scopes):
            events.append("issue")
        described = {
            "sentry_app": slug,
            "webhook_url": api.webhook_url(keep_api_url, self.provider_id, None),
            "api_key_sent_as": "query parameter api_key",
            "events": events,
        }
        if app.get("webhookUrl") == target and events == list(app.get("events") or []) and app.get("isAlertable"):
            return {**described, "action": "unchanged"}
        body = {"name": app.get("name") or slug, "scopes": scopes, "events": events, "webhookUrl": target}
        await self.request("PUT", path, headers=headers, json={**body, "isAlertable": True})
        return {**described, "action": "updated"}


PROVIDER = SentryProvider
