"""Test fixtures: the real broker and PostgreSQL, started once per session.

Which broker: `KEEP_TEST_KAFKA_BOOTSTRAP` (an external one), else `KEEP_TEST_KAFKA`:
`embedded` (default, Tansu from the wheel), `apache` (a real Apache Kafka broker from
`make kafka`), or `testcontainers` (needs Docker). PostgreSQL likewise:
`KEEP_TEST_POSTGRES_DSN`, else `KEEP_TEST_POSTGRES`: `embedded` or `testcontainers`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import psycopg
import pytest
from keep_core.apikeys import generate_api_key, store_api_key
from keep_core.devstack.process import free_port, stop_process
from keep_core.devstack.tansu import EMBEDDED_BROKER_WORKER_ENV
from keep_core.kafka import ensure_topics
from keep_core.postgres import migrate
from keep_core.settings import Settings


class Broker(Protocol):
    @property
    def bootstrap_servers(self) -> str: ...

    def stop(self) -> None: ...


@dataclass
class _External:
    bootstrap_servers: str

    def stop(self) -> None:
        pass


def _kafka_kind() -> str:
    kind = os.environ.get("KEEP_TEST_KAFKA", "embedded")
    if kind not in ("embedded", "apache", "testcontainers"):
        raise pytest.UsageError(f"KEEP_TEST_KAFKA={kind!r}: use embedded, apache or testcontainers")
    return kind


def start_broker(data_dir: Path) -> Broker:
    """A broker of the configured kind, started; the caller stops it."""
    kind = _kafka_kind()
    if kind == "apache":
        from keep_core.devstack.apache_kafka import ApacheKafkaBroker

        apache = ApacheKafkaBroker(data_dir)
        apache.start()
        return apache
    if kind == "testcontainers":
        from testcontainers.kafka import KafkaContainer

        container = KafkaContainer().start()
        return _Container(container, container.get_bootstrap_server())
    from keep_core.devstack.tansu import EmbeddedKafka

    embedded = EmbeddedKafka(log_path=data_dir / "tansu.log")
    embedded.start()
    return embedded


@dataclass
class _Container:
    container: Any
    bootstrap_servers: str

    def stop(self) -> None:
        self.container.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if external := os.environ.get("KEEP_TEST_KAFKA_BOOTSTRAP"):
        yield external
        return
    broker = start_broker(tmp_path_factory.mktemp("kafka"))
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def postgres_dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if external := os.environ.get("KEEP_TEST_POSTGRES_DSN"):
        migrate(external)
        yield external
        return
    if os.environ.get("KEEP_TEST_POSTGRES") == "testcontainers":
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as container:
            dsn = container.get_connection_url()
            migrate(dsn)
            yield dsn
        return
    from keep_core.devstack.postgres import EmbeddedPostgres

    with EmbeddedPostgres(tmp_path_factory.mktemp("postgres") / "data", durable=False) as server:
        migrate(server.dsn)
        yield server.dsn


@dataclass
class Stack:
    """One test's slice of the shared stack: its own topics (by prefix) and tenant."""

    bootstrap: str
    dsn: str
    prefix: str
    tenant: str
    api_key: str
    secret_key: str
    env: dict[str, str] = field(default_factory=dict)

    def settings(self, cls: type[Settings] = Settings, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "kafka_bootstrap_servers": self.bootstrap,
            "postgres_dsn": self.dsn,
            "topic_prefix": self.prefix,
            "topic_partitions": 3,
            "default_tenant": self.tenant,
            "secret_key": self.secret_key,
        }
        return cls(**{**values, **overrides})


@pytest.fixture(scope="session")
def new_stack(kafka_bootstrap: str, postgres_dsn: str) -> Callable[[], Stack]:
    def make() -> Stack:
        suffix = secrets.token_hex(4)
        prefix, tenant, key = f"t{suffix}", f"tenant-{suffix}", generate_api_key()
        with psycopg.connect(postgres_dsn) as conn:
            store_api_key(conn, tenant, key, name="test")
        stack = Stack(kafka_bootstrap, postgres_dsn, prefix, tenant, key, secret_key=f"test-secret-key-{suffix}")
        asyncio.run(ensure_topics(stack.settings()))
        stack.env = {
            **os.environ,
            **EMBEDDED_BROKER_WORKER_ENV,
            "KEEP_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "KEEP_POSTGRES_DSN": postgres_dsn,
            "KEEP_TOPIC_PREFIX": prefix,
            "KEEP_TOPIC_PARTITIONS": "3",
            "KEEP_DEFAULT_TENANT": tenant,
            "KEEP_BATCH_SECONDS": "0.05",
            "KEEP_SECRET_KEY": stack.secret_key,
        }
        return stack

    return make


@pytest.fixture
def stack(new_stack: Callable[[], Stack]) -> Stack:
    return new_stack()


class ServiceProcesses:
    """Services run as processes, the way production runs them."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._children: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, env: dict[str, str], *, command: str | None = None) -> str:
        """Start service `command` (default: `name`) as `name`, wait until it is ready,
        return its base URL; distinct names run several replicas of one service."""
        port = free_port()
        env = {
            **env,
            "KEEP_HTTP_PORT": str(port),
            "KEEP_HTTP_HOST": "127.0.0.1",
            "KEEP_GATEWAY_PORT": str(port),
            "KEEP_GATEWAY_HOST": "127.0.0.1",
        }
        log = (self._log_dir / f"{name}.log").open("ab")
        child = subprocess.Popen(
            [sys.executable, "-m", "keep_core.cli", command or name],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self._log_dir,
        )
        self._children[name] = child
        url = f"http://127.0.0.1:{port}"
        self._wait_ready(name, child, url)
        return url

    def _wait_ready(self, name: str, child: subprocess.Popen[bytes], url: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise RuntimeError(f"{name} exited with {child.returncode}:\n{self.log(name)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"{name} not ready within {timeout}s:\n{self.log(name)}")

    def log(self, name: str) -> str:
        return (self._log_dir / f"{name}.log").read_text(errors="replace")[-4000:]

    def stop_all(self) -> None:
        for name, child in self._children.items():
            stop_process(child, timeout=20.0)
            # Shown by pytest only when the test failed: what each service said.
            print(f"----- {name} log (tail) -----\n{self.log(name)}")
        self._children.clear()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[ServiceProcesses]:
    processes = ServiceProcesses(tmp_path)
    try:
        yield processes
    finally:
        processes.stop_all()


def eventually(check: Callable[[], Any], *, timeout: float = 60.0, interval: float = 0.2) -> Any:
    """Poll `check` until it returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


@pytest.fixture
def wait_until() -> Callable[..., Any]:
    return eventually


class WebhookReceiver:
    """A local stand-in for an outbound webhook destination: records what arrives and
    answers from a script (status, headers), then 200 once the script runs out."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.requests: list[dict[str, Any]] = []
        self.script: list[tuple[int, dict[str, str]]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                import json

                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, headers = receiver.script.pop(0) if receiver.script else (200, {})
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": json.loads(body), "status": status}
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def delivered(self) -> list[dict[str, Any]]:
        """Requests that were answered with success."""
        return [request for request in self.requests if request["status"] < 300]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    try:
        yield receiver
    finally:
        receiver.close()


class LocalApi:
    """A local stand-in for a vendor's API: a Starlette app that behaves like the real
    one (auth failures, pagination, rate limits), served by uvicorn on 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        import threading

        import uvicorn

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        eventually(lambda: self._server.started, timeout=10.0, interval=0.02)

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10.0)


@pytest.fixture
def local_api() -> Iterator[Callable[[Any], str]]:
    """`local_api(starlette_app)` serves the app and returns its base URL; stopped after the test."""
    started: list[LocalApi] = []

    def serve(app: Any) -> str:
        api = LocalApi(app)
        started.append(api)
        return api.url

    try:
        yield serve
    finally:
        for api in started:
            api.close()


@pytest.fixture(scope="session")
def acme_provider_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Acme provider package (tests/thirdparty) built and installed into a folder of
    its own, the way a third party's package would be: put it on the path to use it."""
    target = tmp_path_factory.mktemp("acme-provider")
    source = Path(__file__).parent / "tests" / "thirdparty" / "acme-keep-provider"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"),
            *("--target", str(target), str(source)),
        ],
        check=True,
        cwd=target,
    )
    return target


@dataclass
class AcmeApi:
    """State of the fake Acme Monitor API: its tokens and scopes, active alerts, webhooks."""

    url: str = ""
    tokens: dict[str, list[str]] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 2
    seen_tokens: list[str] = field(default_factory=list)
    # When each pull began (its first page was asked for), by time.monotonic().
    pull_started: list[float] = field(default_factory=list)


@pytest.fixture
def acme_api(local_api: Callable[[Any], str]) -> AcmeApi:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    api = AcmeApi(tokens={"good-token": ["alerts:read", "webhooks:write"], "read-only": ["alerts:read"]})

    def authorized(request: Request) -> list[str] | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        api.seen_tokens.append(token)
        return api.tokens.get(token)

    def denied() -> Response:
        return JSONResponse({"error": "invalid token"}, status_code=401)

    async def me(request: Request) -> Response:
        scopes = authorized(request)
        return denied() if scopes is None else JSONResponse({"scopes": scopes})

    async def alerts(request: Request) -> Response:
        if authorized(request) is None:
            return denied()
        page = int(request.query_params.get("page", 1))
        if page == 1:
            api.pull_started.append(time.monotonic())
        start = (page - 1) * api.page_size
        more = start + api.page_size < len(api.alerts)
        return JSONResponse(
            {"items": api.alerts[start : start + api.page_size], "next_page": page + 1 if more else None}
        )

    async def webhook(request: Request) -> Response:
        scopes = authorized(request)
        if scopes is None:
            return denied()
        if "webhooks:write" not in scopes:
            return JSONResponse({"error": "missing scope webhooks:write"}, status_code=403)
        secret = secrets.token_hex(16)
        api.webhooks[request.path_params["name"]] = {**await request.json(), "signing_secret": secret}
        return JSONResponse({"ok": True, "signing_secret": secret})

    api.url = local_api(
        Starlette(
            routes=[
                Route("/api/me", me),
                Route("/api/alerts", alerts),
                Route("/api/webhooks/{name}", webhook, methods=["PUT"]),
            ]
        )
    )
    return api
