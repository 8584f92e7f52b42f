"""Configs sealed at rest: readable with the same secret key only."""

from __future__ import annotations

import pytest
from keep_core.secretbox import SecretBox, SecretBoxError


def test_sealed_config_opens_with_the_same_key_and_hides_its_content() -> None:
    values = {"token": "tok-very-secret", "url": "https://grafana.example.com"}
    blob = SecretBox("a-long-enough-secret-key").seal(values)
    assert b"tok-very-secret" not in blob and b"grafana" not in blob
    assert SecretBox("a-long-enough-secret-key").open(blob) == values


def test_another_key_or_a_tampered_blob_fails_clearly() -> None:
    blob = SecretBox("a-long-enough-secret-key").seal({"token": "x"})
    with pytest.raises(SecretBoxError, match="KEEP_SECRET_KEY"):
        SecretBox("another-long-secret-key").open(blob)
    tampered = blob[:-3] + bytes([blob[-3] ^ 1]) + blob[-2:]
    with pytest.raises(SecretBoxError):
        SecretBox("a-long-enough-secret-key").open(tampered)


def test_a_short_key_is_refused() -> None:
    with pytest.raises(SecretBoxError, match="16"):
        SecretBox("short")
