"""Amazon SNS over HTTPS: the message envelope, its signature, and the subscription
handshake.

AWS signs every message with a key whose certificate it serves from an SNS host; the
certificate URL travels inside the message, so the host is checked before anything is
fetched, or a forger could point us at a certificate of their own.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from keep_providers.exceptions import WebhookAuthError
from keep_providers.http import RetryPolicy, create_client, send_with_retries

__all__ = [
    "MESSAGE_TYPES",
    "NOTIFICATION",
    "SUBSCRIPTION_CONFIRMATION",
    "UNSUBSCRIBE_CONFIRMATION",
    "SnsTrust",
    "confirm_subscription",
    "parse_body",
    "sns_message",
    "string_to_sign",
    "verify_signature",
]

NOTIFICATION = "Notification"
SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"
MESSAGE_TYPES = frozenset({NOTIFICATION, SUBSCRIPTION_CONFIRMATION, UNSUBSCRIBE_CONFIRMATION})

# The signed keys, in the order AWS concatenates them; Subject only when present.
_NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_CONFIRMATION_KEYS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
_OPTIONAL_KEYS = frozenset({"Subject"})

_HASH_BY_SIGNATURE_VERSION: Mapping[str, type[hashes.HashAlgorithm]] = {
    "1": hashes.SHA1,
    "2": hashes.SHA256,
}

# AWS rotates signing certificates rarely; a handful of URLs covers every region in use.
_CERTIFICATE_CACHE_SIZE = 32
_MAX_CERTIFICATE_BYTES = 64 * 1024
# Verification runs inside the sender's request: a short retry, not the outbound default.
_FETCH_RETRY = RetryPolicy(attempts=2, backoff=0.2, max_retry_after=2.0)

_signing_keys: OrderedDict[str, rsa.RSAPublicKey] = OrderedDict()


@dataclass(frozen=True, slots=True)
class SnsTrust:
    """Which hosts may serve certificates and subscription confirmations."""

    host_pattern: str
    allow_insecure: bool = False

    def check_url(self, url: Any, what: str) -> str:
        if not isinstance(url, str) or not url:
            raise WebhookAuthError(f"SNS message has no {what}")
        parts = urlsplit(url)
        schemes = ("https", "http") if self.allow_insecure else ("https",)
        if parts.scheme not in schemes:
            raise WebhookAuthError(f"SNS {what} must use https")
        if not parts.hostname or re.fullmatch(self.host_pattern, parts.hostname) is None:
            raise WebhookAuthError(f"SNS {what} host {parts.hostname!r} is not an SNS host")
        return url


def sns_message(payload: Any) -> dict[str, Any] | None:
    """The payload as an SNS message, or None when it is not one (EventBridge, a raw alarm)."""
    if isinstance(payload, dict) and payload.get("Type") in MESSAGE_TYPES and "TopicArn" in payload:
        return payload
    return None


def string_to_sign(message: Mapping[str, Any]) -> bytes:
    """AWS's canonical form: `key\\nvalue\\n` for each signed key of the message type."""
    keys = _NOTIFICATION_KEYS if message.get("Type") == NOTIFICATION else _CONFIRMATION_KEYS
    lines: list[str] = []
    for key in keys:
        value = message.get(key)
        if value is None:
            if key in _OPTIONAL_KEYS:
                continue
            raise WebhookAuthError(f"SNS {message.get('Type')} message lacks the signed key {key}")
        lines.extend((key, str(value)))
    return ("\n".join(lines) + "\n").encode("utf-8")


async def _fetch_signing_key(url: str) -> rsa.RSAPublicKey:
    async with create_client() as client:
        response = await send_with_retries(client, client.build_request("GET", url), policy=_FETCH_RETRY)
    if len(response.content) > _MAX_CERTIFICATE_BYTES:
        raise WebhookAuthError(f"SNS signing certificate from {response.url.host} is too large")
    try:
        certificate = x509.load_pem_x509_certificate(response.content)
    except ValueError:
        raise WebhookAuthError(f"SNS signing certificate from {response.url.host} is not a PEM certificate") from None
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise WebhookAuthError(f"SNS signing certificate from {response.url.host} is expired or not yet valid")
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise WebhookAuthError(f"SNS signing certificate from {response.url.host} does not hold an RSA key")
    return key


async def _signing_key(url: str) -> rsa.RSAPublicKey:
    if (cached := _signing_keys.get(url)) is not None:
        _signing_keys.move_to_end(url)
        return cached
    key = await _fetch_signing_key(url)
    _signing_keys[url] = key
    while len(_signing_keys) > _CERTIFICATE_CACHE_SIZE:
        _signing_keys.popitem(last=False)
    return key


async def verify_signature(message: Mapping[str, Any], trust: SnsTrust) -> None:
    """Raise WebhookAuthError unless AWS signed exactly this message."""
    version = str(message.get("SignatureVersion") or "")
    algorithm = _HASH_BY_SIGNATURE_VERSION.get(version)
    if algorithm is None:
        raise WebhookAuthError(f"SNS SignatureVersion {version!r} is not supported; expected 1 or 2")
    encoded = message.get("Signature")
    if not isinstance(encoded, str) or not encoded:
        raise WebhookAuthError("SNS message has no Signature")
    try:
        signature = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookAuthError("SNS Signature is not base64") from None
    signed = string_to_sign(message)
    key = await _signing_key(trust.check_url(message.get("SigningCertURL"), "SigningCertURL"))
    try:
        key.verify(signature, signed, padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise WebhookAuthError(
            f"SNS signature (SignatureVersion {version}) does not verify against the SigningCertURL certificate"
        ) from None


async def confirm_subscription(message: Mapping[str, Any], trust: SnsTrust) -> str:
    """Visit the SubscribeURL of a SubscriptionConfirmation, which is how SNS subscribes us."""
    url = trust.check_url(message.get("SubscribeURL"), "SubscribeURL")
    async with create_client() as client:
        await send_with_retries(client, client.build_request("GET", url), policy=_FETCH_RETRY)
    return f"subscribed to {message.get('TopicArn')}"


def parse_body(body: bytes) -> Any:
    """The webhook body as JSON, or None when it is not JSON at all."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
