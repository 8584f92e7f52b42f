"""What a provider sees of an inbound webhook, and the signature checks sources use."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from keep_providers.exceptions import WebhookAuthError

__all__ = ["InboundWebhook", "hmac_digest", "require_signature", "signatures_match"]


@dataclass(frozen=True, slots=True)
class InboundWebhook:
    """The request as received: exact body bytes (signatures cover them), lower-case
    header names, query parameters."""

    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def hmac_digest(
    secret: str | bytes,
    message: bytes,
    *,
    algorithm: Literal["sha1", "sha256", "sha512"] = "sha256",
    encoding: Literal["hex", "base64"] = "hex",
) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, message, getattr(hashlib, algorithm)).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")


def signatures_match(expected: str, received: str) -> bool:
    """Constant-time, so that timing tells an attacker nothing about the right value."""
    return hmac.compare_digest(expected.encode("utf-8"), received.strip().encode("utf-8"))


def require_signature(
    webhook: InboundWebhook,
    header_name: str,
    expected: str,
    *,
    description: str,
    candidates: Callable[[str], Iterable[str]] = lambda header: (header,),
) -> None:
    """Raise WebhookAuthError unless the `header_name` header carries the hex digest
    `expected` (case aside). `candidates` reads the signatures out of the header when it
    holds several: any one is enough. `description` tells the sender what was expected."""
    header = webhook.header(header_name)
    if not header:
        raise WebhookAuthError(f"missing {header_name} header; expected {description}")
    if not any(signatures_match(expected, candidate.lower()) for candidate in candidates(header)):
        raise WebhookAuthError(f"{header_name} does not match; expected {description}")
