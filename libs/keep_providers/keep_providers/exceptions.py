"""Errors raised by providers.

ProviderError
├── FormatterError        a native payload could not be turned into alerts
│   └── PartialFormatError  ... for some of its entries; the rest are kept
├── WebhookAuthError      a webhook's signature or origin could not be verified
├── ProviderConfigError   an instance's configuration is invalid
├── UnknownProviderType   no provider is registered under that name
└── OutboundError         a call to an external system failed
    ├── OutboundTimeout   ... because it did not answer in time
    └── RateLimited       ... because it answered 429 and retries ran out
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keep_providers.models import AlertDto

__all__ = [
    "FormatterError",
    "OutboundError",
    "OutboundTimeout",
    "PartialFormatError",
    "ProviderConfigError",
    "ProviderError",
    "RateLimited",
    "UnknownProviderType",
    "WebhookAuthError",
]


class ProviderError(Exception):
    """Base of every error a provider raises."""


class FormatterError(ProviderError):
    """A native payload could not be turned into alerts."""


class PartialFormatError(FormatterError):
    """Some entries of a payload were formatted, others were not: `alerts` holds the
    good ones, `problems` says what was wrong with the rest."""

    def __init__(self, alerts: list[AlertDto], problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.alerts = alerts
        self.problems = problems


class WebhookAuthError(ProviderError):
    """A webhook failed its provider's verification; the message names the expected form."""


class ProviderConfigError(ProviderError):
    """A provider instance's configuration is invalid."""


class UnknownProviderType(ProviderError):
    """No provider is registered under the requested type name."""


class OutboundError(ProviderError):
    """A call to an external system failed; `status_code` is None when none was received."""

    def __init__(self, message: str, *, status_code: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retryable = retryable
        # How many attempts were made before giving up; set by the retry loop.
        self.attempts = 1


class OutboundTimeout(OutboundError):
    """The external system did not answer in time."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


class RateLimited(OutboundError):
    """The external system kept answering 429 until the retries ran out."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, status_code=429, retryable=True)
        self.retry_after = retry_after
