"""The provider contract: one class per integration, with a validated config."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from keep_providers._fingerprint import fingerprint_from_fields
from keep_providers.exceptions import FormatterError, ProviderConfigError
from keep_providers.http import DEFAULT_RETRY, RetryPolicy
from keep_providers.models import AlertDto

__all__ = ["BaseProvider", "NotifyResult", "ProviderConfig", "RateLimit"]


class ProviderConfig(BaseModel):
    """Base of every provider's auth config; secrets are `SecretStr` fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


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


class BaseProvider:
    PROVIDER_TYPE: ClassVar[str]
    PROVIDER_DISPLAY_NAME: ClassVar[str]
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ()
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ()
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = ProviderConfig
    # Used only when the source carries no stable id of its own.
    FINGERPRINT_FIELDS: ClassVar[tuple[str, ...]] = ()
    RATE_LIMIT: ClassVar[RateLimit | None] = None
    WEBHOOK_AUTH: ClassVar[str] = "api_key"

    def __init__(
        self, provider_id: str, config: Mapping[str, Any] | ProviderConfig, *, retry: RetryPolicy = DEFAULT_RETRY
    ) -> None:
        self.provider_id = provider_id
        self.config = config if isinstance(config, ProviderConfig) else self._parse_config(config)
        # How outbound calls of this instance are retried.
        self.retry = retry

    @classmethod
    def _parse_config(cls, raw: Mapping[str, Any]) -> ProviderConfig:
        try:
            return cls.CONFIG_MODEL.model_validate(dict(raw))
        except ValidationError as exc:
            # Field names and reasons only: input values may be secrets.
            reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ProviderConfigError(f"invalid {cls.PROVIDER_TYPE} config: {reasons}") from None

    async def dispose(self) -> None:
        """Release what the instance holds (clients, sessions)."""

    @classmethod
    def capabilities(cls) -> frozenset[str]:
        overridden = {
            "format": cls.format_alert is not BaseProvider.format_alert,
            "notify": cls.notify is not BaseProvider.notify,
        }
        return frozenset(name for name, present in overridden.items() if present)

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        """Turn a native payload into alerts; raise FormatterError when it is not one."""
        raise NotImplementedError

    async def notify(self, params: Mapping[str, Any]) -> NotifyResult:
        """Send one notification; raise OutboundError when the destination refuses it."""
        raise NotImplementedError

    @classmethod
    def format_alerts(
        cls, payload: Any, headers: Mapping[str, str], *, provider_id: str | None = None
    ) -> list[AlertDto]:
        """Format, then stamp provenance and a fingerprint on every alert."""
        if "format" not in cls.capabilities():
            raise FormatterError(f"{cls.PROVIDER_TYPE} provider does not receive alerts")
        try:
            alerts = cls.format_alert(payload, headers)
        except FormatterError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FormatterError(f"{cls.PROVIDER_TYPE} payload not understood: {type(exc).__name__}: {exc}") from exc
        for alert in alerts:
            alert.providerType = cls.PROVIDER_TYPE
            alert.providerId = provider_id
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
        values = alert.model_dump(mode="json")
        return fingerprint_from_fields({name: _canonical_value(values.get(name)) for name in fields}, fields)


def _canonical_value(value: object) -> object:
    # Mappings hash by content, not by insertion order. JSON, not a `k=v` join: a
    # newline or `=` inside a label must not make two label sets read alike.
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return value
