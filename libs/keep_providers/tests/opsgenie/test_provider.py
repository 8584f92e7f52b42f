"""Opsgenie provider against a fake Opsgenie API: pull, incidents, scopes, config."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.config import describe_config
from keep_providers.exceptions import OutboundError, ProviderConfigError
from keep_providers.http import RetryPolicy
from keep_providers.providers.opsgenie.provider import OpsgenieProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)
Record = Callable[..., dict[str, Any]]


def provider(url: str, key: str) -> OpsgenieProvider:
    return OpsgenieProvider("og-1", {"api_key": key, "api_url": url}, retry=FAST_RETRY)


def test_config_and_capabilities() -> None:
    assert OpsgenieProvider.capabilities() == {"format", "pull", "incidents", "scopes", "setup_webhook"}
    fields = {field.name: field for field in describe_config(OpsgenieProvider.CONFIG_MODEL)}
    assert fields["api_key"].sensitive
    assert fields["region"].options == ("us", "eu")
    assert OpsgenieProvider("o", {}).api_url == "https://api.opsgenie.com"
    assert OpsgenieProvider("o", {"region": "eu"}).api_url == "https://api.eu.opsgenie.com"
    assert (
        OpsgenieProvider("o", {"region": "eu", "api_url": "https://og.proxy.local/"}).api_url
        == "https://og.proxy.local"
    )
    with pytest.raises(ProviderConfigError, match="region"):
        OpsgenieProvider("o", {"region": "apac"})


async def test_pull_follows_pages_and_only_open(
    fake_opsgenie: Any, opsgenie_api_key: str, make_api_alert: Record, disposing: Disposing
) -> None:
    state, url = fake_opsgenie
    state.alerts = [make_api_alert(n) for n in range(1, 251)] + [make_api_alert(999, status="closed")]
    async with disposing(provider(url, opsgenie_api_key)) as og:
        alerts = await og.pull_alerts()
    assert len(alerts) == 250
    assert [r["params"].get("offset") for r in state.requests] == ["0", "100", "200"]
    assert state.requests[0]["params"]["query"] == "status:open"
    assert state.requests[0]["headers"]["authorization"] == f"GenieKey {opsgenie_api_key}"
    first = alerts[0]
    assert first.fingerprint == "alias-1"
    assert first.name == "Alert 1"
    assert first.status is AlertStatus.FIRING
    assert first.severity is AlertSeverity.WARNING
    assert first.pushed is False and first.providerId == "og-1"
    assert first.model_dump()["teams"] == ["8418d193-2dab-4490-b331-8c02cdd196b7"]
    assert first.model_dump()["integrationName"] == "Nebuchadnezzar"


async def test_pulled_alert_matches_the_webhook_fingerprint(
    fake_opsgenie: Any, opsgenie_api_key: str, make_api_alert: Record, firing_body: dict[str, Any], disposing: Disposing
) -> None:
    state, url = fake_opsgenie
    state.alerts = [make_api_alert(1, alias="disk-usage-db-1", acknowledged=True, priority="P1")]
    async with disposing(provider(url, opsgenie_api_key)) as og:
        [pulled] = await og.pull_alerts()
    [pushed] = OpsgenieProvider.format_alerts(firing_body, {})
    assert pulled.fingerprint == pushed.fingerprint
    assert pulled.status is AlertStatus.ACKNOWLEDGED
    assert pulled.severity is AlertSeverity.CRITICAL


async def test_pull_retries_429_then_succeeds(
    fake_opsgenie: Any, opsgenie_api_key: str, make_api_alert: Record, disposing: Disposing
) -> None:
    state, url = fake_opsgenie
    state.alerts = [make_api_alert(1, snoozed=True)]
    state.failures["/v2/alerts"] = [(429, {"Retry-After": "0"}), (503, {})]
    async with disposing(provider(url, opsgenie_api_key)) as og:
        alerts = await og.get_alerts()
    assert [a.status for a in alerts] == [AlertStatus.SUPPRESSED]
    assert len(state.requests) == 3


async def test_pull_skips_a_bad_record(
    fake_opsgenie: Any, opsgenie_api_key: str, make_api_alert: Record, disposing: Disposing
) -> None:
    state, url = fake_opsgenie
    state.alerts = [make_api_alert(1), make_api_alert(2, id=None, alias=None), make_api_alert(3, message="")]
    async with disposing(provider(url, opsgenie_api_key)) as og:
        alerts = await og.get_alerts()
    assert [a.fingerprint for a in alerts] == ["alias-1", "alias-3"]
    assert alerts[1].name == "alias-3"


async def test_pull_bad_key_raises_without_secret(fake_opsgenie: Any, disposing: Disposing) -> None:
    _, url = fake_opsgenie
    async with disposing(provider(url, "not-the-key-42")) as og:
        with pytest.raises(OutboundError) as caught:
            await og.get_alerts()
    assert caught.value.status_code == 401
    assert "not-the-key-42" not in str(caught.value)


async def test_pull_refuses_paging_link_to_another_host(
    fake_opsgenie: Any, opsgenie_api_key: str, make_api_alert: Record, disposing: Disposing
) -> None:
    state, url = fake_opsgenie
    state.alerts = [make_api_alert(n) for n in range(150)]
    state.next_link_host = "https://attacker.example.net"
    async with disposing(provider(url, opsgenie_api_key)) as og:
        with pytest.raises(OutboundError, match="leads away"):
            await og.get_alerts()
    assert len(state.requests) == 1


async def test_pull_without_key_is_a_config_error() -> None:
    og = OpsgenieProvider("o", {})
    with pytest.raises(ProviderConfigError, match="api_key"):
        await og.get_alerts()


async def test_incidents(
    fake_opsgenie: Any, opsgenie_api_key: str, make_api_incident: Record, disposing: Disposing
) -> None:
    state, url = fake_opsgenie
    state.incidents = [
        make_api_incident(1),
        make_api_incident(2, priority="P4"),
        make_api_incident(3, status="resolved"),
    ]
    async with disposing(provider(url, opsgenie_api_key)) as og:
        incidents = await og.get_incidents()
    assert [i.title for i in incidents] == ["Incident 1", "Incident 2"]
    assert incidents[0].status is AlertStatus.FIRING
    assert incidents[0].severity is AlertSeverity.CRITICAL
    assert incidents[1].severity is AlertSeverity.INFO
    assert incidents[0].url == "https://acme.app.opsgenie.com/incident/detail/inc-1"
    assert incidents[0].created_at is not None and incidents[0].created_at.year == 2024
    assert state.requests[0]["path"] == "/v1/incidents"


async def test_scopes(fake_opsgenie: Any, opsgenie_api_key: str, disposing: Disposing) -> None:
    state, url = fake_opsgenie
    state.forbidden.update({"/v1/incidents", "/v2/integrations"})
    async with disposing(provider(url, opsgenie_api_key)) as og:
        scopes = await og.validate_scopes()
    assert scopes == {
        "alerts:read": True,
        "incidents:read": "Opsgenie answered 403: You are not authorized for this request",
        "configuration:write": "Opsgenie answered 403: You are not authorized for this request",
    }
    assert state.requests[0]["params"] == {"limit": "1"}


async def test_scopes_bad_key(fake_opsgenie: Any, disposing: Disposing) -> None:
    _, url = fake_opsgenie
    async with disposing(provider(url, "wrong-key-9")) as og:
        scopes = await og.validate_scopes()
    assert scopes == {
        "alerts:read": "Opsgenie answered 401: Could not authenticate",
        "incidents:read": "Opsgenie answered 401: Could not authenticate",
        "configuration:write": "Opsgenie answered 401: Could not authenticate",
    }


async def test_scopes_unconfigured() -> None:
    assert await OpsgenieProvider("o", {}).validate_scopes() == {
        "alerts:read": "api_key is not set",
        "incidents:read": "api_key is not set",
        "configuration:write": "api_key is not set",
    }
