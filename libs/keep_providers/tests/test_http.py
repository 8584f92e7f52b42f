"""keep_providers.http (retries, Retry-After) and WebhookProvider, against a real local HTTP server."""

from __future__ import annotations

import email.utils
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from keep_providers.exceptions import OutboundError, OutboundTimeout, ProviderConfigError, RateLimited
from keep_providers.http import RetryPolicy, create_client, parse_retry_after, send_with_retries
from keep_providers.providers.webhook.provider import WebhookProvider

# Webhook URLs carry their secret in the path (Slack, Teams, ...); it must never leak.
SECRET_PATH = "/services/T0001/B0002/s3cretPathToken"


# --- a scripted local HTTP server --------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """Answers each request with the next scripted reply; 200 once the script runs out."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.received.append(
                        Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    reply = server.script.pop(0) if server.script else Reply(200)
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    scripted.start()
    try:
        yield scripted
    finally:
        scripted.stop()


@pytest.fixture
def refused_url() -> str:
    # A port that was free a moment ago: nothing listens there.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{SECRET_PATH}"


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def send(
    url: str,
    *,
    policy: RetryPolicy,
    sleep: FakeSleep,
    attempts_seen: list[int] | None = None,
    timeout: httpx.Timeout | None = None,
) -> httpx.Response:
    client = create_client(timeout=timeout) if timeout is not None else create_client()
    try:
        request = client.build_request("POST", url, json={"text": "hello"})
        return await send_with_retries(
            client,
            request,
            policy=policy,
            sleep=sleep,
            on_attempt=attempts_seen.append if attempts_seen is not None else None,
        )
    finally:
        await client.aclose()


def assert_no_secret(exc: BaseException) -> None:
    for text in (str(exc), repr(exc), str(exc.args)):
        assert "s3cretPathToken" not in text
        assert "/services/" not in text


# --- send_with_retries -------------------------------------------------------------


async def test_retries_500_then_429_then_succeeds(server: ScriptedServer) -> None:
    server.script = [Reply(500), Reply(429, {"Retry-After": "0"}), Reply(200, body=b"accepted")]
    sleep = FakeSleep()
    attempts: list[int] = []
    policy = RetryPolicy(attempts=5, backoff=0.1, max_backoff=1.0)

    response = await send(server.base_url + SECRET_PATH, policy=policy, sleep=sleep, attempts_seen=attempts)

    assert response.status_code == 200
    assert response.text == "accepted"
    assert len(server.received) == 3
    assert attempts == [1, 2, 3]
    assert len(sleep.delays) == 2
    assert 0.05 <= sleep.delays[0] <= 0.1  # backoff after attempt 1: full jitter in [backoff/2, backoff]
    assert sleep.delays[1] == 0.0  # Retry-After: 0 is honoured instead of the backoff
    for request in server.received:
        assert request.method == "POST"
        assert request.path == SECRET_PATH
        assert json.loads(request.body) == {"text": "hello"}


async def test_success_on_first_attempt_does_not_sleep(server: ScriptedServer) -> None:
    sleep = FakeSleep()
    response = await send(server.base_url + SECRET_PATH, policy=RetryPolicy(), sleep=sleep)
    assert response.status_code == 200
    assert len(server.received) == 1
    assert sleep.delays == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_4xx_is_final_and_not_retried(server: ScriptedServer, status: int) -> None:
    server.script = [Reply(status, body=b'{"error": "no"}')]
    sleep = FakeSleep()
    with pytest.raises(OutboundError) as caught:
        await send(server.base_url + SECRET_PATH, policy=RetryPolicy(attempts=5), sleep=sleep)
    assert type(caught.value) is OutboundError
    assert caught.value.status_code == status
    assert caught.value.retryable is False
    assert caught.value.attempts == 1
    assert len(server.received) == 1
    assert sleep.delays == []
    assert_no_secret(caught.value)


async def test_4xx_after_a_retry_reports_the_attempts_made(server: ScriptedServer) -> None:
    server.script = [Reply(503), Reply(404)]
    with pytest.raises(OutboundError) as caught:
        await send(server.base_url + SECRET_PATH, policy=RetryPolicy(attempts=5, backoff=0.01), sleep=FakeSleep())
    assert caught.value.status_code == 404
    assert caught.value.attempts == 2
    assert len(server.received) == 2


async def test_attempts_are_bounded_for_a_server_that_keeps_failing(server: ScriptedServer) -> None:
    server.script = [Reply(503)] * 10
    sleep = FakeSleep()
    with pytest.raises(OutboundError) as caught:
        await send(server.base_url + SECRET_PATH, policy=RetryPolicy(attempts=3, backoff=0.01), sleep=sleep)
    assert len(server.received) == 3
    assert caught.value.attempts == 3
    assert caught.value.status_code == 503
    assert caught.value.retryable is True
    assert len(sleep.delays) == 2
    assert_no_secret(caught.value)


async def test_429_until_retries_run_out_raises_rate_limited(server: ScriptedServer) -> None:
    server.script = [Reply(429, {"Retry-After": "1"})] * 3
    sleep = FakeSleep()
    with pytest.raises(RateLimited) as caught:
        await send(server.base_url + SECRET_PATH, policy=RetryPolicy(attempts=3), sleep=sleep)
    assert caught.value.status_code == 429
    assert caught.value.retry_after == 1.0
    assert caught.value.attempts == 3
    assert sleep.delays == [1.0, 1.0]
    assert len(server.received) == 3


async def test_retry_after_longer_than_the_policy_allows_raises_immediately(server: ScriptedServer) -> None:
    server.script = [Reply(429, {"Retry-After": "3600"}), Reply(200)]
    sleep = FakeSleep()
    with pytest.raises(RateLimited) as caught:
        await send(server.base_url + SECRET_PATH, policy=RetryPolicy(attempts=5, max_retry_after=60.0), sleep=sleep)
    assert caught.value.retry_after == 3600.0
    assert caught.value.attempts == 1
    assert sleep.delays == []
    assert len(server.received) == 1


async def test_retry_after_http_date_on_a_503_is_waited_for(server: ScriptedServer) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    server.script = [Reply(503, {"Retry-After": email.utils.format_datetime(when, usegmt=True)}), Reply(200)]
    sleep = FakeSleep()
    response = await send(server.base_url + SECRET_PATH, policy=RetryPolicy(attempts=3), sleep=sleep)
    assert response.status_code == 200
    assert len(sleep.delays) == 1
    assert 27.0 <= sleep.delays[0] <= 30.5


async def test_connection_refused_is_retried_then_raises_with_attempts(refused_url: str) -> None:
    sleep = FakeSleep()
    attempts: list[int] = []
    with pytest.raises(OutboundError) as caught:
        await send(refused_url, policy=RetryPolicy(attempts=3, backoff=0.01), sleep=sleep, attempts_seen=attempts)
    assert caught.value.status_code is None
    assert caught.value.retryable is True
    assert caught.value.attempts == 3
    assert attempts == [1, 2, 3]
    assert len(sleep.delays) == 2
    assert "127.0.0.1" in str(caught.value)
    assert_no_secret(caught.value)


async def test_slow_server_raises_outbound_timeout(server: ScriptedServer) -> None:
    server.script = [Reply(200, delay=1.0), Reply(200, delay=1.0)]
    with pytest.raises(OutboundTimeout) as caught:
        await send(
            server.base_url + SECRET_PATH,
            policy=RetryPolicy(attempts=2, backoff=0.01),
            sleep=FakeSleep(),
            timeout=httpx.Timeout(0.2),
        )
    assert caught.value.attempts == 2
    assert caught.value.retryable is True
    assert_no_secret(caught.value)


async def test_retry_logs_never_contain_the_url_path(server: ScriptedServer, caplog: pytest.LogCaptureFixture) -> None:
    server.script = [Reply(500), Reply(502), Reply(200)]
    with caplog.at_level(logging.DEBUG, logger="keep_providers"):
        await send(server.base_url + SECRET_PATH, policy=RetryPolicy(attempts=3, backoff=0.01), sleep=FakeSleep())
    assert caplog.records, "a retry is worth a log line"
    for record in caplog.records:
        assert "s3cretPathToken" not in record.getMessage()


# --- parse_retry_after and RetryPolicy ---------------------------------------------


@pytest.mark.parametrize(("header", "seconds"), [("0", 0.0), ("120", 120.0), ("1.5", 1.5), ("-5", 0.0)])
def test_parse_retry_after_delta_seconds(header: str, seconds: float) -> None:
    assert parse_retry_after(header) == seconds


@pytest.mark.parametrize("header", [None, "", "soon", "Tuesday-ish"])
def test_parse_retry_after_unparseable_is_none(header: str | None) -> None:
    assert parse_retry_after(header) is None


def test_parse_retry_after_http_date_in_the_future() -> None:
    when = datetime.now(UTC) + timedelta(seconds=120)
    seconds = parse_retry_after(email.utils.format_datetime(when, usegmt=True))
    assert seconds is not None
    assert 118.0 <= seconds <= 120.5


def test_parse_retry_after_http_date_in_the_past_is_zero() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_retry_policy_delay_is_jittered_exponential_and_capped() -> None:
    policy = RetryPolicy(backoff=0.5, max_backoff=4.0)
    for attempt in range(1, 10):
        ceiling = min(4.0, 0.5 * 2 ** (attempt - 1))
        for _ in range(20):
            delay = policy.delay(attempt)
            assert ceiling / 2 <= delay <= ceiling
    assert max(policy.delay(9) for _ in range(50)) <= 4.0


def test_retry_policy_is_immutable() -> None:
    policy = RetryPolicy()
    with pytest.raises(AttributeError):
        policy.attempts = 99  # type: ignore[misc]


# --- WebhookProvider ---------------------------------------------------------------

SECRET_HEADER_VALUE = "Bearer whk_live_5f3c9a"


def webhook(url: str, **config: Any) -> WebhookProvider:
    settings: dict[str, Any] = {"url": url, "headers": {"Authorization": SECRET_HEADER_VALUE, "X-Team": "sre"}}
    settings.update(config)
    return WebhookProvider("ops-webhook", settings, retry=RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.002))


async def test_webhook_notify_sends_the_json_body_and_secret_header(server: ScriptedServer) -> None:
    provider = webhook(server.base_url + SECRET_PATH)
    try:
        result = await provider.notify({"body": {"event": "created", "incident": {"name": "Überlast"}}})
    finally:
        await provider.dispose()
    assert result.status_code == 200
    assert result.attempts == 1
    (request,) = server.received
    assert request.method == "POST"
    assert request.path == SECRET_PATH
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == SECRET_HEADER_VALUE
    assert request.headers["x-team"] == "sre"
    assert json.loads(request.body) == {"event": "created", "incident": {"name": "Überlast"}}


async def test_webhook_notify_without_body_key_sends_the_params(server: ScriptedServer) -> None:
    provider = webhook(server.base_url + SECRET_PATH, method="PUT")
    try:
        await provider.notify({"text": "hello"})
    finally:
        await provider.dispose()
    (request,) = server.received
    assert request.method == "PUT"
    assert json.loads(request.body) == {"text": "hello"}


async def test_webhook_notify_result_counts_retries(server: ScriptedServer) -> None:
    server.script = [Reply(500), Reply(429, {"Retry-After": "0"}), Reply(202, body=b"queued")]
    provider = webhook(server.base_url + SECRET_PATH)
    try:
        result = await provider.notify({"body": {"n": 1}})
    finally:
        await provider.dispose()
    assert result.status_code == 202
    assert result.summary == "queued"
    assert result.attempts == 3
    assert len(server.received) == 3


async def test_webhook_notify_refused_raises_outbound_error_without_secrets(server: ScriptedServer) -> None:
    server.script = [Reply(403, body=b"forbidden")]
    provider = webhook(server.base_url + SECRET_PATH)
    try:
        with pytest.raises(OutboundError) as caught:
            await provider.notify({"body": {"n": 1}})
    finally:
        await provider.dispose()
    assert caught.value.status_code == 403
    assert caught.value.attempts == 1
    assert SECRET_HEADER_VALUE not in str(caught.value)
    assert_no_secret(caught.value)


def test_webhook_config_never_shows_the_secret_header_value() -> None:
    provider = WebhookProvider(
        "ops-webhook", {"url": "https://hooks.example.com/keep", "headers": {"Authorization": SECRET_HEADER_VALUE}}
    )
    config = provider.config
    for text in (repr(config), str(config), config.model_dump_json(), json.dumps(config.model_dump(mode="json"))):
        assert "whk_live_5f3c9a" not in text
    assert "Authorization" in repr(config)


def test_webhook_invalid_config_error_names_the_field_but_not_the_secret() -> None:
    with pytest.raises(ProviderConfigError) as caught:
        WebhookProvider("ops-webhook", {"url": "not a url", "headers": {"Authorization": SECRET_HEADER_VALUE}})
    assert "url" in str(caught.value)
    assert "whk_live_5f3c9a" not in str(caught.value)


def test_webhook_config_rejects_unknown_fields() -> None:
    with pytest.raises(ProviderConfigError, match="unexpected"):
        WebhookProvider("ops-webhook", {"url": "https://hooks.example.com/keep", "unexpected": True})
