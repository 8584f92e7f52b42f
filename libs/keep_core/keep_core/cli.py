"""`keep-aiops`: run one service as a container would, or the whole pipeline with `up`.

Services are found through the `keep_aiops.services` entry points, so this library never
imports a service and an image holding one service offers just that command.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from importlib.metadata import entry_points

import psycopg

from keep_core.apikeys import generate_api_key, parse_seed_keys, store_api_key
from keep_core.kafka import ensure_topics
from keep_core.observability import configure_logging
from keep_core.postgres import migrate
from keep_core.settings import Settings

__all__ = ["main"]

SERVICE_ENTRY_POINTS = "keep_aiops.services"

logger = logging.getLogger("keep_aiops")


def _migrate(settings: Settings) -> None:
    applied = migrate(settings.postgres_dsn.get_secret_value())
    seeds = parse_seed_keys(settings)
    if seeds:
        with psycopg.connect(settings.postgres_dsn.get_secret_value()) as conn:
            for tenant, key in seeds:
                store_api_key(conn, tenant, key, name="seeded")
    logger.info("migrations applied: %s; API keys seeded: %d", ", ".join(applied) or "none", len(seeds))


def _topics(settings: Settings) -> None:
    created = asyncio.run(ensure_topics(settings))
    logger.info("topics created: %s", ", ".join(created) or "none (all present)")


def _create_api_key(settings: Settings, tenant: str, name: str) -> None:
    key = generate_api_key()
    with psycopg.connect(settings.postgres_dsn.get_secret_value()) as conn:
        store_api_key(conn, tenant, key, name=name)
    # The only time the key is shown: it is stored hashed.
    print(key)


def main(argv: list[str] | None = None) -> int:
    services = {entry.name: entry for entry in entry_points(group=SERVICE_ENTRY_POINTS)}
    parser = argparse.ArgumentParser(prog="keep-aiops", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="the whole pipeline on this machine (embedded broker and database by default)")
    commands.add_parser("migrate", help="apply PostgreSQL migrations and seed KEEP_API_KEYS")
    commands.add_parser("topics", help="create the Kafka topics that are missing")
    key_parser = commands.add_parser("create-api-key", help="create an API key and print it once")
    key_parser.add_argument("--tenant", default=None)
    key_parser.add_argument("--name", default="")
    for name in sorted(services):
        commands.add_parser(name, help=f"run the {name} service")
    args = parser.parse_args(argv)

    settings = Settings()
    if args.command == "up":
        from keep_core.devstack.supervisor import run_pipeline

        return run_pipeline(settings, sorted(services))
    if args.command in services:
        services[args.command].load()()
        return 0
    configure_logging(settings, "cli")
    if args.command == "migrate":
        _migrate(settings)
    elif args.command == "topics":
        _topics(settings)
    elif args.command == "create-api-key":
        _create_api_key(settings, args.tenant or settings.default_tenant, args.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
