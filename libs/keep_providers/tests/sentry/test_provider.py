"""Sentry provider: webhook signature, pull, scopes and webhook setup against a fake API."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers.exceptions import OutboundError, ProviderConfigError, WebhookAuthError
from keep_providers.http import RetryPolicy
from keep_providers.models import AlertStatus
from keep_providers.providers.sentry.provider import SentryProvider
from keep_providers.webhooks import InboundWebhook

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

SECRET = "0f6a7c2d3b9e4f1a8c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3"
FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02)


def signed(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def config(**values: Any) -> Any:
    return SentryProvider.parse_config(values)


@pytest.fixture
def body(payload: Callable[[str], dict[str, Any]]) -> bytes:
    return json.dumps(payload("firing")).encode()


async def test_valid_signature_is_accepted(body: bytes) -> None:
    webhook = InboundWebhook(body=body, headers={"sentry-hook-signature": signed(body)})
    await SentryProvider.verify_webhook(webhook, config(client_secret=SECRET))


async def test_wrong_signature_is_refused(body: bytes) -> None:
    webhook = InboundWebhook(body=body, headers={"sentry-hook-signature": signed(body, "another-secret")})
    with pytest.raises(WebhookAuthError, match="Sentry-Hook-Signature does not match"):
        await SentryProvider.verify_webhook(webhook, config(client_secret=SECRET))


async def test_missing_signature_is_refused(body: bytes) -> None:
    with pytest.raises(WebhookAuthError, match="missing Sentry-Hook-Signature header") as caught:
        await SentryProvider.verify_webhook(InboundWebhook(body=body), config(client_secret=SECRET))
    assert SECRET not in str(caught.value)


async def test_tampered_body_is_refused(body: bytes) -> None:
    tampered = body.replace(b'"level": "error"', b'"level": "debug"')
    assert tampered != body
    webhook = InboundWebhook(body=tampered, headers={"sentry-hook-signature": signed(body)})
    with pytest.raises(WebhookAuthError, match="does not match"):
        await SentryProvider.verify_webhook(webhook, config(client_secret=SECRET))


async def test_without_a_client_secret_any_webhook_is_accepted(body: bytes) -> None:
    await SentryProvider.verify_webhook(InboundWebhook(body=body), None)
    await SentryProvider.verify_webhook(InboundWebhook(body=body), config(api_token="t", organization_slug="acme"))


def test_api_token_without_organization_is_a_config_error() -> None:
    with pytest.raises(ProviderConfigError, match="organization_slug is required"):
        SentryProvider("test-id", {"api_token": "sntrys-x"})


def test_capabilities() -> None:
    assert SentryProvider.capabilities() == frozenset({"format", "pull", "scopes", "setup_webhook", "verify_webhook"})


def provider(fake: Any, token: str | None = None, **extra: Any) -> SentryProvider:
    values = {"api_token": token or fake.good_token, "organization_slug": fake.org, "api_url": fake.url, **extra}
    return SentryProvider("test-id", values, retry=FAST_RETRY)


async def test_pull_follows_the_link_cursor_over_every_page(
    fake_sentry: Any, make_issue: Callable[..., dict[str, Any]], disposing: Disposing
) -> None:
    fake_sentry.issues = [make_issue(str(1000 + n)) for n in range(5)]
    async with disposing(provider(fake_sentry)) as sentry:
        alerts = await sentry.pull_alerts()
    assert [alert.fingerprint for alert in alerts] == ["1000", "1001", "1002", "1003", "1004"]
    assert all(alert.status == AlertStatus.FIRING and alert.pushed is False for alert in alerts)
    assert [params.get("cursor") for _, _, params in fake_sentry.requests] == [None, "0:2:0", "0:4:0"]
    assert all(params["query"] == "is:unresolved" for _, _, params in fake_sentry.requests)


async def test_pull_retries_a_server_error(
    fake_sentry: Any, make_issue: Callable[..., dict[str, Any]], disposing: Disposing
) -> None:
    fake_sentry.issues = [make_issue("1000")]
    fake_sentry.failures = [503]
    async with disposing(provider(fake_sentry)) as sentry:
        alerts = await sentry.get_alerts()
    assert [alert.fingerprint for alert in alerts] == ["1000"]
    assert len(fake_sentry.requests) == 2


async def test_pull_keeps_good_issues_when_one_is_bad(
    fake_sentry: Any, make_issue: Callable[..., dict[str, Any]], disposing: Disposing
) -> None:
    fake_sentry.issues = [make_issue("1000"), {"title": "no id"}, make_issue("1002")]
    async with disposing(provider(fake_sentry)) as sentry:
        alerts = await sentry.get_alerts()
    assert [alert.fingerprint for alert in alerts] == ["1000", "1002"]


async def test_pull_with_a_bad_token_raises_without_the_token(fake_sentry: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_sentry, token="sntrys-wrong")) as sentry:
        with pytest.raises(OutboundError) as caught:
            await sentry.get_alerts()
    assert caught.value.status_code == 401
    assert "sntrys-wrong" not in str(caught.value)


async def test_pull_without_credentials_is_a_config_error(disposing: Disposing) -> None:
    async with disposing(SentryProvider("test-id", {"client_secret": SECRET})) as sentry:
        with pytest.raises(ProviderConfigError, match="api_token and organization_slug"):
            await sentry.get_alerts()


@pytest.mark.parametrize(
    ("token_kind", "expected"),
    [
        ("good", {"event:read": True, "project:read": True}),
        ("issues_only", {"event:read": True, "project:read": "the auth token lacks this scope (403)"}),
        (
            "wrong",
            {
                "event:read": "Sentry rejected the auth token (401)",
                "project:read": "Sentry rejected the auth token (401)",
            },
        ),
    ],
)
async def test_validate_scopes(
    fake_sentry: Any, token_kind: str, expected: dict[str, Any], disposing: Disposing
) -> None:
    token = {"good": fake_sentry.good_token, "issues_only": fake_sentry.issues_only_token, "wrong": "nope"}[token_kind]
    async with disposing(provider(fake_sentry, token=token)) as sentry:
        assert await sentry.validate_scopes() == expected


async def test_validate_scopes_without_credentials_says_why(disposing: Disposing) -> None:
    async with disposing(SentryProvider("test-id", {})) as sentry:
        scopes = await sentry.validate_scopes()
    assert set(scopes) == {"event:read", "project:read"}
    assert all("api_token and organization_slug" in str(reason) for reason in scopes.values())


async def test_setup_webhook_updates_the_integration_once(fake_sentry: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_sentry, sentry_app_slug=fake_sentry.app_slug)) as sentry:
        first = await sentry.setup_webhook("tenant-a", "https://keep.example.com/", "keep-api-key-1")
        second = await sentry.setup_webhook("tenant-a", "https://keep.example.com", "keep-api-key-1")
    assert first["action"] == "updated"
    assert second["action"] == "unchanged"
    assert len(fake_sentry.put_bodies) == 1
    put = fake_sentry.put_bodies[0]
    assert put["webhookUrl"] == (
        "https://keep.example.com/api/alerts/event/sentry?provider_id=test-id&api_key=keep-api-key-1"
    )
    assert put["name"] == "keep-aiops"
    assert put["scopes"] == ["event:read", "project:read", "org:write"]
    assert put["events"] == ["issue"]
    assert put["isAlertable"] is True
    assert first["webhook_url"] == "https://keep.example.com/api/alerts/event/sentry?provider_id=test-id"
    assert "keep-api-key-1" not in json.dumps(first)


async def test_setup_webhook_with_a_new_api_key_updates_again(fake_sentry: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_sentry, sentry_app_slug=fake_sentry.app_slug)) as sentry:
        await sentry.setup_webhook("tenant-a", "https://keep.example.com", "key-1")
        result = await sentry.setup_webhook("tenant-a", "https://keep.example.com", "key-2")
    assert result["action"] == "updated"
    assert fake_sentry.app["webhookUrl"].endswith("api_key=key-2")


async def test_setup_webhook_needs_the_integration_slug(fake_sentry: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_sentry)) as sentry:
        with pytest.raises(ProviderConfigError, match="sentry_app_slug"):
            await sentry.setup_webhook("tenant-a", "https://keep.example.com", "k")
    assert fake_sentry.requests == []
