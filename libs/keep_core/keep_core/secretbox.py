"""Encryption at rest for installed providers' configs (they hold API tokens).

Fernet (AES-128-CBC with HMAC-SHA256) keyed from `KEEP_SECRET_KEY`: any long string
works, since the key is derived from it, and a tampered or wrongly keyed blob fails
to open instead of decoding into garbage.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["SecretBox", "SecretBoxError"]

# Fixed, so every replica derives the same key; distinct, so the derived key is not
# the sha256 of the secret that some other system may also compute.
_KEY_CONTEXT = b"keep-aiops provider config v1\x00"


class SecretBoxError(Exception):
    """The secret key is missing, or a blob was not sealed with it."""


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        if len(secret_key) < 16:
            raise SecretBoxError("KEEP_SECRET_KEY must be at least 16 characters")
        digest = hashlib.sha256(_KEY_CONTEXT + secret_key.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, values: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(values, separators=(",", ":")).encode("utf-8"))

    def open(self, blob: bytes) -> dict[str, Any]:
        try:
            opened: dict[str, Any] = json.loads(self._fernet.decrypt(bytes(blob)))
        except InvalidToken:
            raise SecretBoxError("stored provider config cannot be decrypted with this KEEP_SECRET_KEY") from None
        return opened
