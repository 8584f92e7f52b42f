"""SigV4 against AWS's published Signature Version 4 test suite (credentials
AKIDEXAMPLE, region us-east-1, service "service", 2015-08-30T12:36:00Z)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from keep_providers.providers.cloudwatch.sigv4 import AwsCredentials, sign_headers

SUITE_CREDENTIALS = AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SUITE_TIME = datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
SCOPE = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"


def sign(method: str, url: str, credentials: AwsCredentials = SUITE_CREDENTIALS) -> dict[str, str]:
    return sign_headers(
        method,
        url,
        headers={},
        body=b"",
        credentials=credentials,
        region="us-east-1",
        service="service",
        now=SUITE_TIME,
    )


@pytest.mark.parametrize(
    ("name", "method", "url", "signature"),
    [
        (
            "get-vanilla",
            "GET",
            "https://example.amazonaws.com/",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
        (
            "get-vanilla-query-order-key-case",
            "GET",
            "https://example.amazonaws.com/?Param2=value2&Param1=value1",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
        (
            "post-vanilla",
            "POST",
            "https://example.amazonaws.com/",
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        ),
    ],
)
def test_aws_test_suite_vectors(name: str, method: str, url: str, signature: str) -> None:
    signed = sign(method, url)
    assert signed["X-Amz-Date"] == "20150830T123600Z"
    assert signed["Authorization"] == (
        f"AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders=host;x-amz-date, Signature={signature}"
    ), name


def test_session_token_is_sent_and_signed() -> None:
    with_token = AwsCredentials(SUITE_CREDENTIALS.access_key_id, SUITE_CREDENTIALS.secret_access_key, "tok/en+=")
    signed = sign("GET", "https://example.amazonaws.com/", with_token)
    assert signed["X-Amz-Security-Token"] == "tok/en+="
    assert "SignedHeaders=host;x-amz-date;x-amz-security-token," in signed["Authorization"]
    assert signed["Authorization"] != sign("GET", "https://example.amazonaws.com/")["Authorization"]


def test_body_and_extra_headers_change_the_signature() -> None:
    base = dict(credentials=SUITE_CREDENTIALS, region="us-east-1", service="service", now=SUITE_TIME)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    one = sign_headers("POST", "https://example.amazonaws.com/", headers=form, body=b"Param1=value1", **base)
    two = sign_headers("POST", "https://example.amazonaws.com/", headers=form, body=b"Param1=value2", **base)
    assert "SignedHeaders=content-type;host;x-amz-date," in one["Authorization"]
    assert one["Authorization"] != two["Authorization"]
    assert hashlib.sha256(b"").hexdigest() not in one["Authorization"]


def test_credentials_never_show_in_repr() -> None:
    assert SUITE_CREDENTIALS.secret_access_key not in repr(SUITE_CREDENTIALS)
