"""Bearer tokens from an OAuth2 token endpoint, cached per provider instance until
shortly before they expire (Azure client credentials, Google service accounts, ...)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from keep_providers.exceptions import OutboundError

__all__ = ["Fetch", "TokenCache", "json_with_token"]

# A token is renewed this long (at most a tenth of its lifetime) before it expires, so
# no call carries one that expires on the way.
_RENEW_MARGIN_SECONDS = 300.0

Fetch = Callable[[], Awaitable[httpx.Response]]


class TokenCache:
    """Holds one bearer token and fetches a new one when it is about to expire."""

    def __init__(self, fetch: Fetch, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        # Concurrent calls wait for one fetch instead of each asking for a token.
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._token, lifetime = _parse(await self._fetch())
                self._expires_at = self._clock() + lifetime - min(_RENEW_MARGIN_SECONDS, lifetime / 10)
            return self._token

    def forget(self) -> None:
        """Drop the token, e.g. after the source refused it."""
        self._token = None


def _parse(response: httpx.Response) -> tuple[str, float]:
    try:
        body: Any = response.json()
        token, lifetime = body["access_token"], float(body.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError):
        raise OutboundError(
            f"token endpoint {response.url.host} answered {response.status_code} without an access_token",
            status_code=response.status_code,
        ) from None
    if not isinstance(token, str) or not token:
        raise OutboundError(f"token endpoint {response.url.host} answered an empty access_token")
    return token, lifetime


Send = Callable[..., Awaitable[httpx.Response]]


async def json_with_token(send: Send, tokens: TokenCache, method: str, url: str, **kwargs: Any) -> Any:
    """One call with the cached bearer token (`send` is the provider's `request`); its JSON body."""
    headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {await tokens.token()}"}
    try:
        response = await send(method, url, headers=headers, **kwargs)
    except OutboundError as exc:
        if exc.status_code == 401:
            # Revoked or expired early: the next call asks for a new one.
            tokens.forget()
        raise
    try:
        return response.json()
    except ValueError:
        raise OutboundError(
            f"{method} {response.url.host} answered {response.status_code} without JSON",
            status_code=response.status_code,
        ) from None
