"""The provider contract: one class per integration, with a validated config.

A provider overrides what its source supports; `capabilities()` reports which of the
optional methods it overrides, so the API and the services never call one that is not
there.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
from pydantic import ValidationError

from keep_providers._fingerprint import fingerprint_from_alert
from keep_providers.config import ProviderConfig
from keep_providers.exceptions import FormatterError, PartialFormatError, ProviderConfigError
from keep_providers.http import DEFAULT_RETRY, RetryPolicy, create_client, send_with_retries
from keep_providers.models import AlertDto, ExternalIncident, TopologyService
from keep_providers.webhooks import InboundWebhook

__all__ = [
    "BaseIncidentProvider",
    "BaseProvider",
    "BaseTopologyProvider",
    "HealthCheck",
    "NotifyResult",
    "ProviderConfig",
    "ProviderHealthMixin",
    "ProviderScope",
    "RateLimit",
    "WebhookSetup",
]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `requests` calls per `per_seconds` to one provider instance."""

    requests: int
    per_seconds: float


@dataclass(frozen=True, slots=True)
class NotifyResult:
    """What an outbound call answered, summarised without any secret."""

    status_code: int
    summary: str
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class ProviderScope:
    """A permission the provider needs in the source system, checked by `validate_scopes()`."""

    name: str
    description: str
    mandatory: bool = True
    documentation_url: str | None = None


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """One finding of a health report: `ok` False means the user should act on `detail`."""

    name: str
    ok: bool
    detail: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WebhookSetup:
    """What `setup_webhook()` did, for sources that hand back a credential of their own
    (a signing secret): `config_updates` are merged into the installed config, stored
    encrypted and never returned; `summary` is what the API shows."""

    summary: Mapping[str, Any]
    config_updates: Mapping[str, Any] = field(default_factory=dict)


# Optional methods and the capability each one gives; see `capabilities()`.
_CAPABILITY_METHODS = {
    "format": ("format_alert", "format_configured_alert"),
    "pull": ("get_alerts",),
    "notify": ("notify",),
    "query": ("query",),
    "setup_webhook": ("setup_webhook",),
    "scopes": ("validate_scopes",),
    "verify_webhook": ("verify_webhook",),
    "topology": ("pull_topology",),
    "incidents": ("get_incidents",),
    "health": ("health_report",),
}


class BaseProvider:
    PROVIDER_TYPE: ClassVar[str]
    PROVIDER_DISPLAY_NAME: ClassVar[str]
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ()
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ()
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = ProviderConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = ()
    # Used only when the source carries no stable id of its own.
    FINGERPRINT_FIELDS: ClassVar[tuple[str, ...]] = ()
    RATE_LIMIT: ClassVar[RateLimit | None] = None
    # How the source signs its webhooks, said in a 401 when a signature does not verify.
    WEBHOOK_SIGNATURE: ClassVar[str | None] = None
    # Default seconds between pulls for an instance that does not set its own.
    PULL_INTERVAL_SECONDS: ClassVar[float] = 60.0

    def __init__(
        self,
        provider_id: str,
        config: Mapping[str, Any] | ProviderConfig,
        *,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self.provider_id = provider_id
        self.config = config if isinstance(config, ProviderConfig) else self.parse_config(config)
        # How outbound calls of this instance are retried.
        self.retry = retry
        self._http: httpx.AsyncClient | None = None
        self.validate_config()

    @classmethod
    def parse_config(cls, raw: Mapping[str, Any]) -> ProviderConfig:
        try:
            return cls.CONFIG_MODEL.model_validate(dict(raw))
        except ValidationError as exc:
            # Field names and reasons only: input values may be secrets.
            reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'config'}: {e['msg']}" for e in exc.errors())
            raise ProviderConfigError(f"invalid {cls.PROVIDER_TYPE} config: {reasons}") from None

    def validate_config(self) -> None:
        """Checks across fields that a pydantic model cannot express; raise ProviderConfigError."""

    @property
    def http(self) -> httpx.AsyncClient:
        """This instance's client, built on first use and closed by `dispose()`."""
        if self._http is None:
            self._http = self.create_http_client()
        return self._http

    def create_http_client(self) -> httpx.AsyncClient:
        """Override to set per-instance timeouts or a base URL; always through create_client."""
        return create_client()

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call to the source through the shared retry policy; OutboundError on failure."""
        return await send_with_retries(self.http, self.http.build_request(method, url, **kwargs), policy=self.retry)

    async def dispose(self) -> None:
        """Release what the instance holds (clients, sessions)."""
        if self._http is not None:
            await self._http.aclose()
        self._http = None

    @classmethod
    @functools.cache
    def capabilities(cls) -> frozenset[str]:
        # Per class, computed once: the normalizer asks for every event.
        return frozenset(
            capability
            for capability, methods in _CAPABILITY_METHODS.items()
            if any(_overrides(cls, method) for method in methods)
        )

    # --- inbound ---------------------------------------------------------------

    @classmethod
    def formats_per_instance(cls) -> bool:
        """Whether formatting needs the installed instance's config."""
        return _overrides(cls, "format_configured_alert")

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        """Turn a native payload into alerts; raise FormatterError when it is not one."""
        raise NotImplementedError

    @classmethod
    def format_configured_alert(
        cls, payload: Any, headers: Mapping[str, str], config: ProviderConfig | None
    ) -> list[AlertDto]:
        """Formatters that depend on the installed instance's config override this."""
        return cls.format_alert(payload, headers)

    @classmethod
    async def verify_webhook(cls, webhook: InboundWebhook, config: ProviderConfig | None) -> None:
        """Raise WebhookAuthError unless the webhook provably comes from the source.
        `config` is the installed instance's, None when the sender named none."""

    @classmethod
    async def answer_handshake(cls, webhook: InboundWebhook, config: ProviderConfig | None) -> str | None:
        """Complete a subscription handshake the source sends instead of alerts (SNS),
        returning what was done; None when the webhook carries alerts."""
        return None

    @classmethod
    def format_alerts(
        cls,
        payload: Any,
        headers: Mapping[str, str],
        *,
        provider_id: str | None = None,
        config: ProviderConfig | None = None,
    ) -> list[AlertDto]:
        """Format, then stamp provenance and a fingerprint on every alert.

        Raises PartialFormatError with the stamped good alerts when some entries failed.
        """
        if "format" not in cls.capabilities():
            raise FormatterError(f"{cls.PROVIDER_TYPE} provider does not receive alerts")
        try:
            alerts = cls.format_configured_alert(payload, headers, config)
        except PartialFormatError as partial:
            cls.stamp(partial.alerts, provider_id)
            raise
        except FormatterError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FormatterError(f"{cls.PROVIDER_TYPE} payload not understood: {type(exc).__name__}: {exc}") from exc
        return cls.stamp(alerts, provider_id)

    @classmethod
    def stamp(cls, alerts: list[AlertDto], provider_id: str | None, *, pushed: bool = True) -> list[AlertDto]:
        for alert in alerts:
            alert.providerType = cls.PROVIDER_TYPE
            alert.providerId = provider_id
            alert.pushed = pushed
            if not alert.source:
                alert.source = [cls.PROVIDER_TYPE]
            if not alert.fingerprint:
                alert.fingerprint = cls.fallback_fingerprint(alert)
        return alerts

    @classmethod
    def fallback_fingerprint(cls, alert: AlertDto) -> str:
        fields: Sequence[str] = cls.FINGERPRINT_FIELDS
        if not fields:
            raise FormatterError(f"{cls.PROVIDER_TYPE} alert has no fingerprint and the provider declares no fields")
        return fingerprint_from_alert(alert, fields)

    async def get_alerts(self) -> list[AlertDto]:
        """The alerts currently active in the source (pull)."""
        raise NotImplementedError

    async def pull_alerts(self) -> list[AlertDto]:
        """`get_alerts()` stamped like pushed alerts, so dedup treats both alike."""
        return self.stamp(await self.get_alerts(), self.provider_id, pushed=False)

    async def setup_webhook(self, tenant_id: str, keep_api_url: str, api_key: str) -> Mapping[str, Any] | WebhookSetup:
        """Register our webhook URL in the source, sending `api_key` (a new one on every
        call, the previous one is revoked); return what was created, no secret in it."""
        raise NotImplementedError

    async def validate_scopes(self) -> dict[str, bool | str]:
        """Per scope in PROVIDER_SCOPES: True, or why the source refused it."""
        return {}

    # --- outbound --------------------------------------------------------------

    async def notify(self, params: Mapping[str, Any]) -> NotifyResult:
        """Send one notification; raise OutboundError when the destination refuses it."""
        raise NotImplementedError

    async def query(self, params: Mapping[str, Any]) -> Any:
        """Read data from the source (used by enrichment and workflows)."""
        raise NotImplementedError


class BaseTopologyProvider(BaseProvider):
    async def pull_topology(self) -> list[TopologyService]:
        """Services and their dependencies as the source knows them."""
        raise NotImplementedError


class BaseIncidentProvider(BaseProvider):
    async def get_incidents(self) -> list[ExternalIncident]:
        """Incidents the source itself manages."""
        raise NotImplementedError


class ProviderHealthMixin:
    """For sources that can tell how healthy their own alerting is (rules failing to
    evaluate, silenced receivers, ...)."""

    async def health_report(self) -> list[HealthCheck]:
        raise NotImplementedError


_FRAMEWORK_BASES = frozenset({BaseProvider, BaseTopologyProvider, BaseIncidentProvider, ProviderHealthMixin, object})


def _overrides(cls: type, method: str) -> bool:
    """True when `method` comes from the provider itself, not from the framework's bases."""
    for klass in cls.__mro__:
        if method in klass.__dict__:
            return klass not in _FRAMEWORK_BASES
    return False
