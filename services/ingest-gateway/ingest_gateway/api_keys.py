"""API keys in memory, reloaded from PostgreSQL, so that authenticating a webhook is no
database round trip on the ingest path."""

from __future__ import annotations

import asyncio
import logging
import time

from keep_core.apikeys import hash_api_key
from psycopg_pool import AsyncConnectionPool

__all__ = ["ApiKeyCache"]

logger = logging.getLogger(__name__)

# A key created a moment ago works after at most this long, without letting a flood of
# bad keys turn into a flood of queries.
_MISS_RELOAD_INTERVAL = 1.0


class ApiKeyCache:
    def __init__(self, pool: AsyncConnectionPool, *, refresh_seconds: float) -> None:
        self._pool = pool
        self._refresh_seconds = refresh_seconds
        self._tenants_by_hash: dict[str, str] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _reload(self, *, older_than: float) -> None:
        async with self._lock:
            if time.monotonic() - self._loaded_at < older_than:
                return  # another request reloaded while we waited
            async with self._pool.connection() as conn:
                rows = await (await conn.execute("SELECT key_hash, tenant_id FROM api_keys")).fetchall()
            self._tenants_by_hash = {key_hash: tenant for key_hash, tenant in rows}
            self._loaded_at = time.monotonic()

    async def tenant_for(self, key: str) -> str | None:
        """The tenant owning `key`, or None."""
        age = time.monotonic() - self._loaded_at
        if age > self._refresh_seconds:
            await self._reload(older_than=self._refresh_seconds)
        wanted = hash_api_key(key)
        tenant = self._lookup(wanted)
        if tenant is None and time.monotonic() - self._loaded_at > _MISS_RELOAD_INTERVAL:
            await self._reload(older_than=_MISS_RELOAD_INTERVAL)
            tenant = self._lookup(wanted)
        return tenant

    def expire(self) -> None:
        """Reload on next use: keys were created or revoked by this process."""
        self._loaded_at = float("-inf")

    def _lookup(self, wanted: str) -> str | None:
        # Looked up by the sha256 of the key: timing can only reveal hash prefixes, which
        # say nothing an attacker can use to forge a key.
        return self._tenants_by_hash.get(wanted)
