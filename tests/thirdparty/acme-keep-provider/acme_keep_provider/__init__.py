"""Acme Monitor: a made-up monitoring system with the features real ones have (signed
webhooks, an alerts API with pages, scopes, webhook registration)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from keep_providers import (
    AlertDto,
    AlertSeverity,
    AlertStatus,
    BaseProvider,
    ProviderConfig,
    ProviderScope,
    WebhookSetup,
)
from keep_providers.config import HttpUrl
from keep_providers.exceptions import FormatterError, OutboundError
from keep_providers.formatting import build_alert, format_each, lookup
from keep_providers.webhooks import InboundWebhook, hmac_digest, require_signature
from pydantic import Field, SecretStr

STATES = {"open": AlertStatus.FIRING, "closed": AlertStatus.RESOLVED, "acked": AlertStatus.ACKNOWLEDGED}
PRIORITIES = {"p1": AlertSeverity.CRITICAL, "p2": AlertSeverity.HIGH, "p3": AlertSeverity.WARNING}
SIGNATURE_HEADER = "X-Acme-Signature"
SIGNATURE_FORM = f"{SIGNATURE_HEADER}: hex HMAC-SHA256 of the body"


class AcmeConfig(ProviderConfig):
    url: HttpUrl = Field(description="Acme API base URL")
    token: SecretStr = Field(description="Acme API token")
    signing_secret: SecretStr | None = Field(default=None, description="Secret Acme signs webhooks with")


def _alert(entry: Mapping[str, Any]) -> AlertDto:
    return build_alert(
        name=entry["title"],
        status=lookup(STATES, entry.get("state"), AlertStatus.FIRING),
        severity=lookup(PRIORITIES, entry.get("priority"), AlertSeverity.INFO),
        fingerprint=f"acme-{entry['id']}",
        service=entry.get("service"),
    )


class AcmeProvider(BaseProvider):
    PROVIDER_TYPE: ClassVar[str] = "acme"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Acme Monitor"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = AcmeConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope("alerts:read", "Read alerts"),
        ProviderScope("webhooks:write", "Register webhooks", mandatory=False),
    )
    WEBHOOK_SIGNATURE: ClassVar[str | None] = SIGNATURE_FORM
    PULL_INTERVAL_SECONDS: ClassVar[float] = 30.0

    @property
    def settings(self) -> AcmeConfig:
        assert isinstance(self.config, AcmeConfig)
        return self.config

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.token.get_secret_value()}"}

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        if not isinstance(payload, dict) or not isinstance(payload.get("incidents"), list):
            raise FormatterError("an Acme webhook is an object with an 'incidents' list")
        return format_each(payload["incidents"], _alert, label="incidents")

    @classmethod
    async def verify_webhook(cls, webhook: InboundWebhook, config: ProviderConfig | None) -> None:
        if not isinstance(config, AcmeConfig) or config.signing_secret is None:
            return
        expected = hmac_digest(config.signing_secret.get_secret_value(), webhook.body)
        require_signature(webhook, SIGNATURE_HEADER, expected, description=SIGNATURE_FORM)

    async def validate_scopes(self) -> dict[str, bool | str]:
        try:
            granted = (await self.request("GET", f"{self.settings.url}/api/me", headers=self._auth())).json()["scopes"]
        except OutboundError as exc:
            return {scope.name: str(exc) for scope in self.PROVIDER_SCOPES}
        return {scope.name: scope.name in granted or "not granted" for scope in self.PROVIDER_SCOPES}

    async def get_alerts(self) -> list[AlertDto]:
        alerts: list[AlertDto] = []
        page: int | None = 1
        while page is not None:
            answer = await self.request(
                "GET", f"{self.settings.url}/api/alerts", params={"page": page}, headers=self._auth()
            )
            body = answer.json()
            alerts.extend(_alert(entry) for entry in body["items"])
            page = body.get("next_page")
        return alerts

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> WebhookSetup:
        url = f"{keep_api_url}/api/alerts/event/acme?provider_id={self.provider_id}"
        answer = await self.request(
            "PUT", f"{self.settings.url}/api/webhooks/keep", json={"url": url, "api_key": api_key}, headers=self._auth()
        )
        # Acme generates the secret it will sign deliveries with.
        return WebhookSetup(
            summary={"webhook": "keep", "url": url}, config_updates={"signing_secret": answer.json()["signing_secret"]}
        )
