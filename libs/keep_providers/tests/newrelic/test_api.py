"""Pull and scopes against a local fake of NerdGraph."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import OutboundError, ProviderConfigError
from keep_providers.http import RetryPolicy
from keep_providers.providers.newrelic.provider import NewRelicProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

USER_KEY = "NRAK-TESTKEY0123456789"
ACCOUNT_ID = 4420147
FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)


def make_provider(url: str, **overrides: Any) -> NewRelicProvider:
    config = {"api_key": USER_KEY, "account_id": ACCOUNT_ID, "api_url": url, **overrides}
    return NewRelicProvider("nr-test", config, retry=FAST_RETRY)


async def test_pull_follows_the_cursor(
    fake_nerdgraph: tuple[Any, str], issue_factory: Callable[..., dict[str, Any]], disposing: Disposing
) -> None:
    fake, url = fake_nerdgraph
    fake.issues = [issue_factory(n) for n in range(5)]
    async with disposing(make_provider(url)) as provider:
        alerts = await provider.pull_alerts()
    assert [a.fingerprint for a in alerts] == [f"issue-{n}" for n in range(5)]
    assert [body["variables"]["cursor"] for body in fake.bodies] == [None, "2", "4"]
    assert "states: [ACTIVATED, CREATED]" in fake.bodies[0]["query"]
    first = alerts[0]
    assert first.pushed is False and first.providerType == "newrelic"
    assert first.status is AlertStatus.FIRING and first.severity is AlertSeverity.HIGH
    assert first.name == "Condition 0 breached"
    assert first.url == "https://one.newrelic.com/alerts-ai/issues/issue-0"
    assert first.labels["condition"] == "Condition 0"


async def test_server_error_then_success(
    fake_nerdgraph: tuple[Any, str], issue_factory: Callable[..., dict[str, Any]], disposing: Disposing
) -> None:
    fake, url = fake_nerdgraph
    fake.issues = [issue_factory(1)]
    fake.failures = [502, 429]
    async with disposing(make_provider(url)) as provider:
        alerts = await provider.get_alerts()
    assert [a.fingerprint for a in alerts] == ["issue-1"]
    assert len(fake.bodies) == 3


async def test_invalid_key_is_an_error_without_the_key(fake_nerdgraph: tuple[Any, str], disposing: Disposing) -> None:
    _, url = fake_nerdgraph
    async with disposing(make_provider(url, api_key="NRAK-WRONGWRONG")) as provider:
        with pytest.raises(OutboundError) as caught:
            await provider.get_alerts()
    assert caught.value.status_code == 401
    assert "NRAK-WRONGWRONG" not in str(caught.value)


async def test_graphql_errors_in_a_200_are_errors(fake_nerdgraph: tuple[Any, str], disposing: Disposing) -> None:
    _, url = fake_nerdgraph
    async with disposing(make_provider(url, account_id=1)) as provider:
        with pytest.raises(OutboundError) as caught:
            await provider.get_alerts()
    assert "FORBIDDEN" in str(caught.value)


async def test_scopes(fake_nerdgraph: tuple[Any, str], disposing: Disposing) -> None:
    _, url = fake_nerdgraph
    async with disposing(make_provider(url)) as provider:
        assert await provider.validate_scopes() == {"user_key": True, "ai.issues:read": True, "ai.workflows:read": True}

    async with disposing(make_provider(url, account_id=1)) as provider:
        scopes = await provider.validate_scopes()
    assert scopes == {
        "user_key": True,
        "ai.issues:read": "FORBIDDEN: Access denied.",
        "ai.workflows:read": "FORBIDDEN: Access denied.",
    }

    async with disposing(make_provider(url, api_key="NRAK-BAD")) as provider:
        scopes = await provider.validate_scopes()
    assert all(isinstance(reason, str) and "401" in reason for reason in scopes.values())


def test_region_picks_the_host() -> None:
    eu = NewRelicProvider("x", {"api_key": "k", "account_id": 1, "region": "EU"})
    us = NewRelicProvider("x", {"api_key": "k", "account_id": 1})
    assert eu.settings.base_url == "https://api.eu.newrelic.com"
    assert us.settings.base_url == "https://api.newrelic.com"
    with pytest.raises(ProviderConfigError):
        NewRelicProvider("x", {"api_key": "k", "account_id": 1, "region": "APAC"})
