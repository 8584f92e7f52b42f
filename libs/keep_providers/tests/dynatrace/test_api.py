"""Pull, scopes and setup_webhook against a local fake of the Dynatrace environment API."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import OutboundError, ProviderConfigError
from keep_providers.http import RetryPolicy
from keep_providers.providers.dynatrace.formatter import WEBHOOK_PAYLOAD
from keep_providers.providers.dynatrace.provider import DynatraceProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

API_TOKEN = "dt0c01.TESTTOKEN.SECRETPART"
FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)


def make_provider(url: str, **overrides: Any) -> DynatraceProvider:
    config = {"environment_url": url, "api_token": API_TOKEN, **overrides}
    return DynatraceProvider("dt-test", config, retry=FAST_RETRY)


async def test_pull_follows_next_page_key(
    fake_dynatrace: tuple[Any, str], problem_factory: Callable[..., dict[str, Any]], disposing: Disposing
) -> None:
    fake, url = fake_dynatrace
    fake.problems = [problem_factory(n) for n in range(5)]
    async with disposing(make_provider(url)) as provider:
        alerts = await provider.pull_alerts()
    assert [a.fingerprint for a in alerts] == [f"{n}_1717408800000V2" for n in range(5)]
    params = [p for method, path, p in fake.requests]
    assert params[0] == {"problemSelector": 'status("open")', "pageSize": "100"}
    assert params[1:] == [{"nextPageKey": "2"}, {"nextPageKey": "4"}]
    first = alerts[0]
    assert first.pushed is False and first.providerType == "dynatrace"
    assert first.id == "P-2406100"
    assert first.status is AlertStatus.FIRING and first.severity is AlertSeverity.WARNING
    assert first.service == "cart" and first.environment == "production"
    assert first.url == f"{url}/#problems/problemdetails;pid=0_1717408800000V2"
    assert first.model_dump()["managementZones"] == ["Production"]


async def test_pulled_and_pushed_share_the_fingerprint(
    fake_dynatrace: tuple[Any, str],
    problem_factory: Callable[..., dict[str, Any]],
    firing_body: dict[str, Any],
    disposing: Disposing,
) -> None:
    fake, url = fake_dynatrace
    fake.problems = [problem_factory(1, problemId=firing_body["PID"])]
    async with disposing(make_provider(url)) as provider:
        [pulled] = await provider.get_alerts()
    assert pulled.fingerprint == DynatraceProvider.format_alerts(firing_body, {})[0].fingerprint


async def test_server_errors_then_success(fake_dynatrace: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_dynatrace
    fake.failures = [503, 429]
    async with disposing(make_provider(url)) as provider:
        assert await provider.get_alerts() == []
    assert len(fake.requests) == 3


async def test_missing_scope_is_an_error_without_the_token(
    fake_dynatrace: tuple[Any, str], disposing: Disposing
) -> None:
    fake, url = fake_dynatrace
    fake.token_scopes = set()
    async with disposing(make_provider(url)) as provider:
        with pytest.raises(OutboundError) as caught:
            await provider.get_alerts()
    assert caught.value.status_code == 403
    assert API_TOKEN not in str(caught.value) and "SECRETPART" not in str(caught.value)


async def test_scopes_all_granted(fake_dynatrace: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_dynatrace
    async with disposing(make_provider(url)) as provider:
        scopes = await provider.validate_scopes()
    assert scopes == {"problems.read": True, "settings.read": True, "settings.write": True}
    # The write check validates only: nothing is stored.
    assert sorted(fake.settings) == ["profile-default", "profile-ops"]


async def test_scopes_report_each_missing_one(fake_dynatrace: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_dynatrace
    fake.token_scopes = {"problems.read", "settings.read"}
    async with disposing(make_provider(url)) as provider:
        scopes = await provider.validate_scopes()
    assert scopes["problems.read"] is True and scopes["settings.read"] is True
    assert "settings.write" in str(scopes["settings.write"]) and "403" in str(scopes["settings.write"])

    fake.token_scopes = {"settings.write"}
    async with disposing(make_provider(url)) as provider:
        scopes = await provider.validate_scopes()
    assert "problems.read" in str(scopes["problems.read"]) and "403" in str(scopes["problems.read"])
    assert "settings.read" in str(scopes["settings.read"])
    assert scopes["settings.write"] == "not checked: settings.read is needed first"

    async with disposing(make_provider(url, api_token="dt0c01.WRONG")) as provider:
        scopes = await provider.validate_scopes()
    assert "401" in str(scopes["problems.read"])


async def test_setup_webhook_creates_then_updates(fake_dynatrace: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_dynatrace
    fake.page_size = 1  # profiles come one per page
    async with disposing(make_provider(url, alerting_profile="Ops")) as provider:
        first = await provider.setup_webhook("tenant-a", "https://keep.example.com/", "keep-key-1")
        second = await provider.setup_webhook("tenant-a", "https://keep2.example.com", "keep-key-2")
    assert first["action"] == "created" and second["action"] == "updated"
    assert first["objectId"] == second["objectId"]
    notifications = [s for s in fake.settings.values() if s["schemaId"] == "builtin:problem.notifications"]
    assert len(notifications) == 1
    value = notifications[0]["value"]
    assert value["displayName"] == "keep-aiops dt-test"
    assert value["alertingProfile"] == "profile-ops"
    hook = value["webHookNotification"]
    assert hook["url"] == "https://keep2.example.com/api/alerts/event/dynatrace?provider_id=dt-test"
    assert hook["payload"] == WEBHOOK_PAYLOAD
    assert hook["notifyClosedProblems"] is True
    assert {"name": "X-API-KEY", "secret": True, "secretValue": "keep-key-2"} in hook["headers"]
    assert "keep-key" not in repr(first) + repr(second)


async def test_setup_webhook_needs_an_existing_alerting_profile(
    fake_dynatrace: tuple[Any, str], disposing: Disposing
) -> None:
    _, url = fake_dynatrace
    async with disposing(make_provider(url, alerting_profile="Nope")) as provider:
        with pytest.raises(ProviderConfigError) as caught:
            await provider.setup_webhook("t", "https://keep.example.com", "k")
    assert "'Nope'" in str(caught.value)


def test_config_requires_a_url() -> None:
    with pytest.raises(ProviderConfigError) as caught:
        DynatraceProvider("x", {"environment_url": "abc12345", "api_token": "t"})
    assert "environment_url" in str(caught.value)
