"""API keys: generated here, stored only as sha256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import psycopg

from keep_core.settings import Settings

__all__ = [
    "KEY_PREFIX",
    "generate_api_key",
    "hash_api_key",
    "parse_seed_keys",
    "replace_named_api_key",
    "store_api_key",
]

KEY_PREFIX = "keep_"


def generate_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    # Keys are long random strings, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_seed_keys(settings: Settings) -> list[tuple[str, str]]:
    """`KEEP_API_KEYS` as (tenant, key) pairs; a key without `tenant:` goes to the default tenant."""
    if settings.api_keys is None:
        return []
    pairs: list[tuple[str, str]] = []
    for item in settings.api_keys.get_secret_value().split(","):
        item = item.strip()
        if not item:
            continue
        tenant, sep, key = item.partition(":")
        pairs.append((tenant, key) if sep else (settings.default_tenant, item))
    return pairs


def store_api_key(conn: psycopg.Connection[object], tenant_id: str, key: str, *, name: str = "") -> None:
    conn.execute("INSERT INTO tenants (id) VALUES (%s) ON CONFLICT DO NOTHING", (tenant_id,))
    conn.execute(
        "INSERT INTO api_keys (key_hash, tenant_id, name) VALUES (%s, %s, %s) ON CONFLICT (key_hash) DO NOTHING",
        (hash_api_key(key), tenant_id, name),
    )


async def replace_named_api_key(conn: psycopg.AsyncConnection[Any], tenant_id: str, name: str) -> str:
    """A new key named `name` for the tenant, revoking its previous keys of that name."""
    key = generate_api_key()
    async with conn.transaction():
        await conn.execute("DELETE FROM api_keys WHERE tenant_id = %s AND name = %s", (tenant_id, name))
        await conn.execute(
            "INSERT INTO api_keys (key_hash, tenant_id, name) VALUES (%s, %s, %s)", (hash_api_key(key), tenant_id, name)
        )
    return key
