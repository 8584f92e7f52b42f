"""Service account keys and the OAuth2 tokens they are exchanged for (RFC 7523).

The key signs a short JWT (RS256) naming the account, the scope and the token
endpoint; the endpoint answers a bearer token, cached per instance until shortly
before it expires.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from keep_providers.exceptions import ProviderConfigError

__all__ = ["JWT_BEARER_GRANT", "MONITORING_READ_SCOPE", "ServiceAccountKey"]

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MONITORING_READ_SCOPE = "https://www.googleapis.com/auth/monitoring.read"
_DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
# Google accepts assertions valid for at most an hour.
_ASSERTION_LIFETIME_SECONDS = 3600


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class ServiceAccountKey:
    client_email: str
    token_uri: str
    private_key: rsa.RSAPrivateKey
    private_key_id: str | None
    project_id: str | None

    @classmethod
    def parse(cls, key_json: str) -> ServiceAccountKey:
        """Field names only in errors: the content is a credential."""
        try:
            key: Any = json.loads(key_json)
        except ValueError:
            raise ProviderConfigError("invalid gcpmonitoring config: service_account_json is not JSON") from None
        if not isinstance(key, dict):
            raise ProviderConfigError("invalid gcpmonitoring config: service_account_json is not a JSON object")
        missing = [name for name in ("client_email", "private_key") if not isinstance(key.get(name), str)]
        if missing:
            raise ProviderConfigError(f"invalid gcpmonitoring config: service_account_json lacks {', '.join(missing)}")
        try:
            private_key = serialization.load_pem_private_key(key["private_key"].encode(), password=None)
        except (ValueError, TypeError):
            raise ProviderConfigError(
                "invalid gcpmonitoring config: service_account_json private_key is not a PEM private key"
            ) from None
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ProviderConfigError("invalid gcpmonitoring config: service_account_json private_key is not RSA")
        token_uri = str(key.get("token_uri") or _DEFAULT_TOKEN_URI)
        if urlsplit(token_uri).scheme not in ("http", "https") or not urlsplit(token_uri).hostname:
            raise ProviderConfigError("invalid gcpmonitoring config: service_account_json token_uri is not a URL")
        return cls(
            client_email=key["client_email"],
            token_uri=token_uri,
            private_key=private_key,
            private_key_id=key.get("private_key_id") if isinstance(key.get("private_key_id"), str) else None,
            project_id=key.get("project_id") if isinstance(key.get("project_id"), str) else None,
        )

    def assertion(self, scope: str, *, now: float | None = None) -> str:
        """The signed JWT that the token endpoint exchanges for an access token."""
        issued = int(time.time() if now is None else now)
        header = {"alg": "RS256", "typ": "JWT", **({"kid": self.private_key_id} if self.private_key_id else {})}
        claims = {
            "iss": self.client_email,
            "scope": scope,
            "aud": self.token_uri,
            "iat": issued,
            "exp": issued + _ASSERTION_LIFETIME_SECONDS,
        }
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        signature = self.private_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"
