"""Elastic provider against a fake Kibana: scopes, connector setup, config."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers.base import BaseProvider
from keep_providers.config import describe_config
from keep_providers.exceptions import OutboundError, ProviderConfigError
from keep_providers.http import RetryPolicy
from keep_providers.providers.elastic.provider import ElasticProvider
from keep_providers.providers.elastic.templates import KIBANA_BODY_TEMPLATE

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)


def provider(url: str, key: str, **extra: Any) -> ElasticProvider:
    return ElasticProvider("elastic-1", {"kibana_url": url, "api_key": key, **extra}, retry=FAST_RETRY)


def test_capabilities() -> None:
    assert ElasticProvider.capabilities() == {"format", "pull", "setup_webhook", "scopes"}


def test_config_fields() -> None:
    fields = {field.name: field for field in describe_config(ElasticProvider.CONFIG_MODEL)}
    assert fields["api_key"].sensitive and not fields["api_key"].required
    assert fields["kibana_url"].hint == "url"
    assert fields["elasticsearch_url"].hint == "url" and not fields["elasticsearch_url"].required
    assert fields["alerts_index"].default == ".alerts-*"
    with pytest.raises(ProviderConfigError, match="kibana_url and elasticsearch_url need api_key"):
        ElasticProvider("e", {"kibana_url": "https://kb.example.com"})
    with pytest.raises(ProviderConfigError, match="space_id"):
        ElasticProvider("e", {"space_id": "Bad Space/.."})
    assert isinstance(ElasticProvider("e", {}), BaseProvider)


async def test_scopes_granted(fake_kibana: Any, kibana_api_key: str, disposing: Disposing) -> None:
    state, url = fake_kibana
    async with disposing(provider(url, kibana_api_key)) as elastic:
        assert await elastic.validate_scopes() == {
            "read:alerting": True,
            "read:connectors": True,
            "read:alerts-index": "not checked: elasticsearch_url is not set",
        }
    assert state.requests[0]["headers"]["authorization"] == f"ApiKey {kibana_api_key}"


async def test_scopes_bad_key_reason_without_secret(fake_kibana: Any, disposing: Disposing) -> None:
    _, url = fake_kibana
    async with disposing(provider(url, "wrong-key-value")) as elastic:
        scopes = await elastic.validate_scopes()
    assert scopes["read:alerting"] == (
        "Kibana answered 401: [security_exception]: unable to authenticate with provided credentials"
    )
    assert all("wrong-key-value" not in str(reason) for reason in scopes.values())


async def test_scopes_missing_connector_privilege(fake_kibana: Any, kibana_api_key: str, disposing: Disposing) -> None:
    state, url = fake_kibana
    state.forbidden.add("/api/actions/connectors")
    async with disposing(provider(url, kibana_api_key)) as elastic:
        scopes = await elastic.validate_scopes()
    assert scopes == {
        "read:alerting": True,
        "read:connectors": "Kibana answered 403: Unauthorized to access actions/connectors",
        "read:alerts-index": "not checked: elasticsearch_url is not set",
    }


async def test_scopes_unconfigured() -> None:
    elastic = ElasticProvider("e", {})
    assert await elastic.validate_scopes() == {
        "read:alerting": "not checked: kibana_url is not set",
        "read:connectors": "not checked: kibana_url is not set",
        "read:alerts-index": "not checked: elasticsearch_url is not set",
    }


async def test_setup_webhook_creates_then_updates(fake_kibana: Any, kibana_api_key: str, disposing: Disposing) -> None:
    state, url = fake_kibana
    async with disposing(provider(url, kibana_api_key)) as elastic:
        first = await elastic.setup_webhook("acme", "https://keep.example.com/", "keep-secret-key")
        second = await elastic.setup_webhook("acme", "https://keep2.example.com", "rotated-key")
    assert len(state.connectors) == 1
    connector = next(iter(state.connectors.values()))
    assert connector["name"] == "keep-aiops-acme"
    assert connector["connector_type_id"] == ".webhook"
    assert connector["config"]["url"] == "https://keep2.example.com/api/alerts/event/elastic?provider_id=elastic-1"
    assert connector["config"]["hasAuth"] is True
    assert connector["secrets"] == {"user": "api_key", "password": "rotated-key"}
    assert first["action"] == "created" and second["action"] == "updated"
    assert first["connector_id"] == second["connector_id"] == connector["id"]
    assert first["url"] == "https://keep.example.com/api/alerts/event/elastic?provider_id=elastic-1"
    assert second["body_template"] == KIBANA_BODY_TEMPLATE
    assert "keep-secret-key" not in repr(first) and "rotated-key" not in repr(second)
    writes = [r for r in state.requests if r["method"] in ("POST", "PUT")]
    assert [r["method"] for r in writes] == ["POST", "PUT"]
    assert all(r["headers"]["kbn-xsrf"] for r in writes)


async def test_setup_webhook_in_a_space_retries_unavailable(
    fake_kibana: Any, kibana_api_key: str, disposing: Disposing
) -> None:
    state, url = fake_kibana
    state.failures["/s/ops/api/actions/connectors"] = [503]
    async with disposing(provider(url, kibana_api_key, space_id="ops")) as elastic:
        result = await elastic.setup_webhook("acme", "https://keep.example.com", "k")
    assert result["action"] == "created"
    paths = [r["path"] for r in state.requests]
    assert paths == ["/s/ops/api/actions/connectors", "/s/ops/api/actions/connectors", "/s/ops/api/actions/connector"]


async def test_setup_webhook_refused_names_host_and_status_only(fake_kibana: Any, disposing: Disposing) -> None:
    _, url = fake_kibana
    async with disposing(provider(url, "bad-key-123")) as elastic:
        with pytest.raises(OutboundError) as caught:
            await elastic.setup_webhook("acme", "https://keep.example.com", "keep-key")
    assert caught.value.status_code == 401
    assert "bad-key-123" not in str(caught.value) and "keep-key" not in str(caught.value)
