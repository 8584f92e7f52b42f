"""validate_scopes, config and capabilities against the fake Grafana API."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers import ProvidersFactory
from keep_providers.config import describe_config, public_config
from keep_providers.exceptions import ProviderConfigError
from keep_providers.providers.grafana.provider import GrafanaProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

MakeProvider = Callable[..., GrafanaProvider]
SCOPES = ["alert.instances:read", "alert.rules:read", "alert.provisioning:read", "alert.provisioning:write"]


async def test_all_scopes_granted(grafana: Any, make_provider: MakeProvider) -> None:
    assert await make_provider().validate_scopes() == dict.fromkeys(SCOPES, True)


async def test_missing_scopes_say_what_grafana_said(grafana: Any, make_provider: MakeProvider) -> None:
    results = await make_provider("reader").validate_scopes()
    assert results["alert.instances:read"] is True
    assert results["alert.rules:read"] == (
        "permission denied: Grafana answered 403: You'll need additional permissions to perform this action. "
        "Permissions needed: any of alert.rules:read"
    )
    assert results["alert.provisioning:read"] == (
        "permission denied: Grafana answered 403: You'll need additional permissions to perform this action. "
        "Permissions needed: any of alert.provisioning:read"
    )
    assert results["alert.provisioning:write"] == (
        "missing permission: the token has none of alert.notifications.provisioning:write, alert.provisioning:write"
    )


async def test_narrower_write_action_counts_as_write(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.tokens["glsa_reader_0123456789abcdef"] = frozenset({"alert.notifications.provisioning:write"})
    assert (await make_provider("reader").validate_scopes())["alert.provisioning:write"] is True


async def test_invalid_token_is_a_reason_for_every_scope(grafana: Any, make_provider: MakeProvider) -> None:
    results = await make_provider("unknown").validate_scopes()
    assert results == dict.fromkeys(SCOPES, "invalid token: Grafana answered 401: invalid API key")
    assert not any("glsa_" in str(reason) for reason in results.values())


async def test_unreachable_grafana_is_a_reason_not_an_exception(disposing: Disposing) -> None:
    async with disposing(GrafanaProvider("test-id", {"host": "http://127.0.0.1:9", "token": "glsa_x"})) as provider:
        results = await provider.validate_scopes()
    assert results == dict.fromkeys(SCOPES, "Grafana unreachable: ConnectError")


async def test_server_error_is_a_reason(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.failures = [503]
    results = await make_provider().validate_scopes()
    assert results["alert.instances:read"] == (
        "Grafana answered 503 on /api/alertmanager/grafana/api/v2/alerts: Service unavailable"
    )
    assert results["alert.rules:read"] is True


def test_only_instances_read_is_mandatory() -> None:
    assert [s.name for s in GrafanaProvider.PROVIDER_SCOPES] == SCOPES
    assert [s.name for s in GrafanaProvider.PROVIDER_SCOPES if s.mandatory] == ["alert.instances:read"]


def test_capabilities_and_registration() -> None:
    assert GrafanaProvider.capabilities() == frozenset({"format", "pull", "setup_webhook", "scopes", "health"})
    assert ProvidersFactory().get_class("grafana") is GrafanaProvider


def test_config_describes_itself_and_hides_the_token() -> None:
    fields = {f.name: f for f in describe_config(GrafanaProvider.CONFIG_MODEL)}
    assert fields["host"].hint == "url" and fields["host"].required
    assert fields["token"].sensitive and fields["token"].required
    assert fields["verify_tls"].default is True and not fields["verify_tls"].required
    config = GrafanaProvider.parse_config({"host": "https://grafana.example.com/", "token": "glsa_secret"})
    assert public_config(config) == {"host": "https://grafana.example.com", "verify_tls": True}
    assert "glsa_secret" not in repr(config)


@pytest.mark.parametrize(
    "config",
    [
        {"host": "grafana.example.com", "token": "t"},
        {"host": "ftp://grafana.example.com", "token": "t"},
        {"host": "https://grafana.example.com"},
        {"host": "https://grafana.example.com", "token": "t", "unknown": 1},
    ],
)
def test_invalid_config_is_refused_without_echoing_values(config: dict[str, Any]) -> None:
    with pytest.raises(ProviderConfigError) as caught:
        GrafanaProvider("test-id", config)
    assert "grafana" in str(caught.value)
