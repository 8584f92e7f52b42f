"""PostgreSQL: the connection pool every service uses, and the migration runner."""

from __future__ import annotations

import asyncio
import importlib.resources
import logging

import psycopg
from psycopg_pool import AsyncConnectionPool

from keep_core.settings import Settings

__all__ = ["MIGRATION_LOCK_ID", "create_pool", "migrate", "postgres_problem"]

logger = logging.getLogger(__name__)

# Any constant works: it only has to be the same for every concurrent `migrate`.
MIGRATION_LOCK_ID = 0x6B656570


def create_pool(settings: Settings, *, min_size: int = 1) -> AsyncConnectionPool:
    """An unopened pool; the owner opens it in its lifespan (`await pool.open()`)."""
    return AsyncConnectionPool(
        settings.postgres_dsn.get_secret_value(),
        min_size=min_size,
        max_size=settings.postgres_pool_max_size,
        open=False,
        # A dead connection is found before use, not by the request that gets it.
        check=AsyncConnectionPool.check_connection,
        kwargs={"autocommit": False},
    )


async def postgres_problem(pool: AsyncConnectionPool, *, timeout: float = 2.0) -> str | None:
    """For readiness checks: None when a query answers in time, else what went wrong."""
    try:
        async with asyncio.timeout(timeout), pool.connection() as conn:
            await conn.execute("SELECT 1")
    except Exception as exc:
        return f"postgres: {type(exc).__name__}"
    return None


def _migration_files() -> list[tuple[str, str]]:
    folder = importlib.resources.files("keep_core") / "migrations"
    files = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".sql"))
    return [(name.removesuffix(".sql"), (folder / name).read_text(encoding="utf-8")) for name in files]


def migrate(dsn: str) -> list[str]:
    """Apply the migrations not applied yet, in order; safe to run from several replicas at once."""
    applied: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_ID,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for version, sql in _migration_files():
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql.encode("utf-8"))
                    conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
                logger.info("applied migration %s", version)
                applied.append(version)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_ID,))
    return applied
