"""`keep-aiops up`: the whole pipeline on one machine, each service its own process.

Starts the embedded broker and PostgreSQL unless external ones are configured, applies
migrations, creates topics, then runs every service exactly as production does and
prefixes their logs. SIGINT/SIGTERM stop everything, services first, then the stores.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import psycopg

from keep_core.apikeys import generate_api_key, store_api_key
from keep_core.devstack.postgres import EmbeddedPostgres
from keep_core.devstack.process import stop_process, wait_for_port
from keep_core.devstack.tansu import EMBEDDED_BROKER_WORKER_ENV, EmbeddedKafka
from keep_core.kafka import ensure_topics
from keep_core.postgres import migrate
from keep_core.settings import Settings

__all__ = ["run_pipeline"]

DATA_DIR = Path(".keep")
GATEWAY_PORT = 8080
# Each worker's health server needs its own port on a shared machine.
WORKER_PORTS = {"normalizer": 6066, "correlator": 6067, "actions": 6068}


def _say(message: str) -> None:
    print(f"[keep-aiops] {message}", flush=True)


def _pump(name: str, stream: IO[bytes]) -> None:
    width = max(len(n) for n in (*WORKER_PORTS, "gateway"))
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:<{width}} | {line.decode(errors='replace')}")
        sys.stdout.flush()


@contextlib.contextmanager
def _stores(settings: Settings) -> Iterator[tuple[str, str]]:
    with contextlib.ExitStack() as stack:
        bootstrap = settings.kafka_bootstrap_servers
        if "kafka_bootstrap_servers" not in settings.model_fields_set:
            kafka = stack.enter_context(EmbeddedKafka(log_path=DATA_DIR / "tansu.log"))
            bootstrap = kafka.bootstrap_servers
            _say(f"embedded Kafka-protocol broker (Tansu, memory only) on {bootstrap}")
        dsn = settings.postgres_dsn.get_secret_value()
        if "postgres_dsn" not in settings.model_fields_set:
            postgres = stack.enter_context(EmbeddedPostgres(DATA_DIR / "postgres"))
            dsn = postgres.dsn
            _say(f"embedded PostgreSQL on 127.0.0.1:{postgres.port}, data in {DATA_DIR / 'postgres'}")
        yield bootstrap, dsn


def _persisted(name: str, generate: Callable[[], str]) -> str:
    """A development secret kept in the data folder: the same across runs while the
    database lives, so curl examples keep working and stored configs stay readable."""
    path = DATA_DIR / name
    value = path.read_text().strip() if path.exists() else generate()
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


def _development_key(dsn: str, tenant: str) -> str:
    key = _persisted("dev-api-key", generate_api_key)
    with psycopg.connect(dsn) as conn:
        store_api_key(conn, tenant, key, name="development")
    return key


def _spawn(name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "keep_core.cli", name],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        # Own session: a terminal Ctrl-C reaches us only, and we stop them in order.
        start_new_session=True,
    )
    assert process.stdout is not None
    threading.Thread(target=_pump, args=(name, process.stdout), daemon=True).start()
    return process


def run_pipeline(settings: Settings, services: list[str]) -> int:
    DATA_DIR.mkdir(exist_ok=True)
    stopping = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    with _stores(settings) as (bootstrap, dsn):
        env = {**os.environ, "KEEP_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KEEP_POSTGRES_DSN": dsn}
        if settings.secret_key is None:
            # Installed providers' configs are encrypted with it.
            env["KEEP_SECRET_KEY"] = _persisted("dev-secret-key", lambda: secrets.token_urlsafe(32))
        if "kafka_bootstrap_servers" not in settings.model_fields_set:
            env.update(EMBEDDED_BROKER_WORKER_ENV)
        migrate(dsn)
        asyncio.run(ensure_topics(settings.model_copy(update={"kafka_bootstrap_servers": bootstrap})))
        key = _development_key(dsn, settings.default_tenant)

        gateway_port = int(os.environ.get("KEEP_GATEWAY_PORT", GATEWAY_PORT))
        children: dict[str, subprocess.Popen[bytes]] = {}
        for name in services:
            child_env = dict(env)
            if name in WORKER_PORTS:
                child_env["KEEP_HTTP_PORT"] = str(WORKER_PORTS[name])
            children[name] = _spawn(name, child_env)
        exit_code = 0
        try:
            # Workers serve health only once they joined their group and recovered state:
            # the banner below means the whole pipeline is processing.
            ports = {name: WORKER_PORTS.get(name, gateway_port) for name in children}
            for name, port in ports.items():
                wait_for_port(port, timeout=90, process=children[name])
            _say(f"gateway: http://127.0.0.1:{gateway_port}   development API key: {key}")
            _say("Ctrl-C stops everything")
            while not stopping.is_set():
                for name, child in children.items():
                    if child.poll() is not None:
                        _say(f"{name} exited with code {child.returncode}; stopping the pipeline")
                        exit_code = 1
                        stopping.set()
                time.sleep(0.5)
        finally:
            _say("stopping services")
            for child in children.values():
                stop_process(child, timeout=20.0)
            _say("stopping the broker and database")
    return exit_code
