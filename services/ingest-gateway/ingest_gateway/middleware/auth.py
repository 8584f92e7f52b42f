"""API-key authentication for `/api/*`, in every form a monitoring system can send."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from ingest_gateway.api_keys import ApiKeyCache
from ingest_gateway.responses import json_error

__all__ = ["ACCEPTED_FORMS", "ApiKeyMiddleware", "extract_api_key"]

ACCEPTED_FORMS = (
    "X-API-KEY header, Authorization: Bearer <key>, Authorization: Basic with user 'api_key' "
    "and the key as password, or ?api_key= for sources that cannot set headers"
)
_BASIC_USER = "api_key"


def extract_api_key(headers: Headers, query_string: bytes) -> str | None:
    if key := headers.get("x-api-key"):
        return key
    authorization = headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(credentials.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return password if user == _BASIC_USER and password else None
    values = parse_qs(query_string.decode("latin-1")).get("api_key")
    return values[0] if values else None


class ApiKeyMiddleware:
    """Puts the caller's tenant in `request.state.tenant_id`; 401 when there is none."""

    def __init__(self, app: ASGIApp, *, keys: ApiKeyCache, protected_prefix: str = "/api/") -> None:
        self.app = app
        self.keys = keys
        self.protected_prefix = protected_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.protected_prefix):
            await self.app(scope, receive, send)
            return
        key = extract_api_key(Headers(scope=scope), scope.get("query_string", b""))
        if key is None:
            response = json_error(
                401, f"missing API key; send it as {ACCEPTED_FORMS}", headers={"WWW-Authenticate": "Bearer"}
            )
            await response(scope, receive, send)
            return
        tenant = await self.keys.tenant_for(key)
        if tenant is None:
            await json_error(401, "invalid API key", headers={"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        scope.setdefault("state", {})["tenant_id"] = tenant
        await self.app(scope, receive, send)
