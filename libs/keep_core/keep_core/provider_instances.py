"""Installed providers in PostgreSQL, configs sealed by the SecretBox.

Every service that needs an installed provider reads it here: the gateway (API and
webhook verification), the normalizer (per-instance formatting and pull).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from keep_providers import BaseProvider, ProviderConfig
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from keep_core.secretbox import SecretBox, SecretBoxError
from keep_core.settings import Settings

__all__ = ["DuplicateProviderName", "InstanceCache", "ProviderInstance", "ProviderInstanceStore"]

logger = logging.getLogger(__name__)


class DuplicateProviderName(Exception):
    """The tenant already has an installed provider with that name."""


@dataclass(frozen=True, slots=True)
class ProviderInstance:
    id: str
    tenant_id: str
    provider_type: str
    name: str
    # In clear, secrets included: never put it in a response or a log as is.
    config: dict[str, Any]
    config_version: int
    pull_enabled: bool
    pull_interval_seconds: float | None
    last_pull_at: datetime | None
    last_pull_error: str | None
    last_pull_count: int | None
    pull_state: dict[str, Any]
    webhook_setup: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime

    @property
    def cache_version(self) -> str:
        """Changes whenever the config does; what live instances are cached by."""
        return f"{self.provider_type}:{self.config_version}"


_COLUMNS = (
    "id, tenant_id, provider_type, name, config_encrypted, config_version, pull_enabled, pull_interval_seconds, "
    "last_pull_at, last_pull_error, last_pull_count, pull_state, webhook_setup, created_at, updated_at"
)


class ProviderInstanceStore:
    def __init__(self, pool: AsyncConnectionPool, box: SecretBox | None) -> None:
        self._pool = pool
        self._box = box
        # Ids already reported unreadable: said once, not on every pull tick.
        self._unreadable: set[str] = set()

    @classmethod
    def from_settings(cls, pool: AsyncConnectionPool, settings: Settings) -> ProviderInstanceStore:
        key = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
        return cls(pool, SecretBox(key) if key else None)

    async def open(self) -> None:
        await self._pool.open()

    @property
    def box(self) -> SecretBox:
        if self._box is None:
            raise SecretBoxError("KEEP_SECRET_KEY is not set: installed providers cannot be stored or read")
        return self._box

    def _instance(self, row: dict[str, Any]) -> ProviderInstance:
        values = {key: value for key, value in row.items() if key != "config_encrypted"}
        return ProviderInstance(config=self.box.open(row["config_encrypted"]), **values)

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(sql, params)
            return await cursor.fetchall()

    async def _fetch(self, sql: str, params: tuple[Any, ...]) -> list[ProviderInstance]:
        return [self._instance(row) for row in await self._rows(sql, params)]

    async def create(
        self,
        tenant_id: str,
        provider_type: str,
        name: str,
        config: dict[str, Any],
        *,
        pull_enabled: bool,
        pull_interval_seconds: float | None,
    ) -> ProviderInstance:
        sealed = self.box.seal(config)
        try:
            rows = await self._fetch(
                "INSERT INTO provider_instances (id, tenant_id, provider_type, name, config_encrypted, pull_enabled, "
                f"pull_interval_seconds) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
                (str(uuid.uuid4()), tenant_id, provider_type, name, sealed, pull_enabled, pull_interval_seconds),
            )
        except psycopg.errors.UniqueViolation:
            raise DuplicateProviderName(f"a provider named {name!r} is already installed") from None
        return rows[0]

    async def get(self, tenant_id: str, provider_id: str) -> ProviderInstance | None:
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM provider_instances WHERE tenant_id = %s AND id::text = %s",
            (tenant_id, provider_id),
        )
        return rows[0] if rows else None

    async def installed(self, tenant_id: str) -> list[ProviderInstance]:
        return await self._fetch(
            f"SELECT {_COLUMNS} FROM provider_instances WHERE tenant_id = %s ORDER BY created_at, id", (tenant_id,)
        )

    async def update(
        self,
        instance: ProviderInstance,
        *,
        name: str,
        config: dict[str, Any],
        pull_enabled: bool,
        pull_interval_seconds: float | None,
    ) -> ProviderInstance:
        """A changed config bumps config_version, which retires cached live instances."""
        config_changed = config != instance.config
        try:
            rows = await self._fetch(
                f"UPDATE provider_instances SET name = %s, config_encrypted = %s, "
                f"config_version = config_version + %s, pull_enabled = %s, pull_interval_seconds = %s, "
                f"pull_state = CASE WHEN %s THEN '{{}}'::jsonb ELSE pull_state END, updated_at = now() "
                f"WHERE tenant_id = %s AND id = %s RETURNING {_COLUMNS}",
                (
                    name,
                    self.box.seal(config),
                    int(config_changed),
                    pull_enabled,
                    pull_interval_seconds,
                    config_changed,
                    instance.tenant_id,
                    instance.id,
                ),
            )
        except psycopg.errors.UniqueViolation:
            raise DuplicateProviderName(f"a provider named {name!r} is already installed") from None
        return rows[0]

    async def delete(self, tenant_id: str, provider_id: str) -> bool:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                "DELETE FROM provider_instances WHERE tenant_id = %s AND id::text = %s", (tenant_id, provider_id)
            )
            return cursor.rowcount > 0

    async def pull_enabled(self) -> list[ProviderInstance]:
        """Every tenant's instances that pull; the scheduler decides which are due, since
        the default interval is the provider class's. One that cannot be decrypted (stored
        under another secret key) is left out and logged, so it stops no other pull."""
        readable = []
        for row in await self._rows(
            f"SELECT {_COLUMNS} FROM provider_instances WHERE pull_enabled ORDER BY last_pull_at NULLS FIRST, id", ()
        ):
            try:
                readable.append(self._instance(row))
            except SecretBoxError as exc:
                if row["id"] not in self._unreadable:
                    logger.error("provider %s (tenant %s) is not pulled: %s", row["id"], row["tenant_id"], exc)
                    self._unreadable.add(row["id"])
        return readable

    async def record_pull(
        self, provider_id: str, *, error: str | None, count: int | None, state: dict[str, Any] | None
    ) -> None:
        """`state` None keeps the previous one: a failed pull says nothing about what resolved."""
        async with self._pool.connection() as conn:
            await conn.execute(
                "UPDATE provider_instances SET last_pull_at = now(), last_pull_error = %s, "
                "last_pull_count = coalesce(%s, last_pull_count), pull_state = coalesce(%s, pull_state) "
                "WHERE id = %s",
                (error, count, Jsonb(state) if state is not None else None, provider_id),
            )

    async def record_webhook_setup(self, instance: ProviderInstance, result: dict[str, Any]) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(
                "UPDATE provider_instances SET webhook_setup = %s WHERE tenant_id = %s AND id = %s",
                (Jsonb(result), instance.tenant_id, instance.id),
            )


class InstanceCache:
    """Installed instances by (tenant, id) for the hot paths (webhook verification,
    formatting), so that a burst of webhooks costs one query per instance, not one each.
    A change made elsewhere shows within `ttl_seconds`."""

    # Ids come from query strings: bound what unknown ones can make us remember.
    MAX_ENTRIES = 10_000

    def __init__(self, store: ProviderInstanceStore, *, ttl_seconds: float = 10.0) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._entries: dict[tuple[str, str], tuple[float, ProviderInstance | None]] = {}
        # Parsed once per config version: parsing validates, which a mapping's templates make costly.
        self._parsed: dict[str, tuple[str, ProviderConfig]] = {}

    async def get(self, tenant_id: str, provider_id: str) -> ProviderInstance | None:
        key = (tenant_id, provider_id)
        cached = self._entries.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        instance = await self._store.get(tenant_id, provider_id)
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (now, instance)
        return instance

    def parsed_config(self, instance: ProviderInstance, cls: type[BaseProvider]) -> ProviderConfig:
        """The instance's config as its provider's model; ProviderConfigError when it no longer fits."""
        parsed = self._parsed.get(instance.id)
        if parsed is None or parsed[0] != instance.cache_version:
            if len(self._parsed) >= self.MAX_ENTRIES:
                self._parsed.clear()
            parsed = (instance.cache_version, cls.parse_config(instance.config))
            self._parsed[instance.id] = parsed
        return parsed[1]

    def forget(self, tenant_id: str, provider_id: str) -> None:
        self._entries.pop((tenant_id, provider_id), None)
        self._parsed.pop(provider_id, None)
