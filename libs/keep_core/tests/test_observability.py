"""keep_core.observability: secrets are redacted from log text as a last line of defence."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from keep_core.observability import RedactingFilter, redact

SECRET = "s3cr3tV4lue"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(f"GET /api/alerts?api_key={SECRET}&limit=10", id="query-api_key"),
        pytest.param(f"api-key: {SECRET}", id="api-key-header-style"),
        pytest.param(f"X-API-KEY: {SECRET}", id="x-api-key-header"),
        pytest.param(f"apikey={SECRET}", id="apikey"),
        pytest.param(f"password={SECRET} host=db port=5432", id="libpq-password"),
        pytest.param(f"connection failed: postgresql://keep:{SECRET}@db.internal:5432/keep", id="dsn"),
        pytest.param(f"redis://default:{SECRET}@cache:6379/0", id="other-url-userinfo"),
        pytest.param(f"Authorization: Bearer {SECRET}", id="authorization-bearer"),
        pytest.param(f"authorization: Basic {SECRET}", id="authorization-basic"),
        pytest.param(f"Authorization: {SECRET}", id="authorization-bare"),
        pytest.param(f"token={SECRET}", id="token"),
        pytest.param(f"client secret: {SECRET}", id="secret"),
        pytest.param(f"headers={{'Authorization': 'Bearer {SECRET}'}}", id="authorization-in-dict-repr"),
        pytest.param(f'{{"Authorization": "Basic {SECRET}"}}', id="authorization-in-json"),
        pytest.param(f'{{"api_key": "{SECRET}", "tenant": "acme"}}', id="api_key-in-json"),
        pytest.param(f"{{'password': '{SECRET}'}}", id="password-in-dict-repr"),
    ],
)
def test_secrets_are_redacted(text: str) -> None:
    cleaned = redact(text)
    assert SECRET not in cleaned
    assert "[REDACTED]" in cleaned


def test_redaction_keeps_the_surrounding_text() -> None:
    assert redact(f"GET /api/alerts?api_key={SECRET}&limit=10") == "GET /api/alerts?api_key=[REDACTED]&limit=10"
    assert (
        redact(f"connection failed: postgresql://keep:{SECRET}@db.internal:5432/keep")
        == "connection failed: postgresql://keep:[REDACTED]@db.internal:5432/keep"
    )
    assert redact(f"Authorization: Bearer {SECRET}, next") == "Authorization: [REDACTED], next"
    assert redact(f'{{"api_key": "{SECRET}", "tenant": "acme"}}') == '{"api_key": "[REDACTED]", "tenant": "acme"}'


@pytest.mark.parametrize(
    "text",
    [
        "normalized 42 alerts for tenant acme in 12.5 ms",
        "alert HighCPU (fingerprint 1a30ba71cca2921f) forwarded to keep.alerts",
        "connecting to postgresql://db.internal:5432/keep",
        "http://prometheus.example.org:9090/graph?g0.expr=up",
        "the token bucket is empty; waiting 0.10 s",
        "Authorization header missing",
        "",
    ],
)
def test_normal_text_is_untouched(text: str) -> None:
    assert redact(text) == text


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("keep_core.tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def test_filter_redacts_secrets_passed_as_arguments(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.info("cannot connect to %s (attempt %d)", f"postgresql://keep:{SECRET}@db:5432/keep", 3)
    output = stream.getvalue()
    assert SECRET not in output
    assert "postgresql://keep:[REDACTED]@db:5432/keep (attempt 3)" in output


def test_filter_leaves_clean_records_and_their_args_alone(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "normalized %d alerts", (7,), None)
    assert RedactingFilter().filter(record) is True
    assert record.args == (7,)
    logger.info("normalized %d alerts", 7)
    assert stream.getvalue() == "normalized 7 alerts\n"


def test_filter_never_drops_a_record() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Authorization: Bearer %s", (SECRET,), None)
    assert RedactingFilter().filter(record) is True
    assert SECRET not in record.getMessage()
