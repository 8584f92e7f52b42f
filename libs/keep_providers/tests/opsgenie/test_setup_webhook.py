"""setup_webhook against the fake Opsgenie Integration API: create, then update in place."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers.exceptions import OutboundError, ProviderConfigError
from keep_providers.http import RetryPolicy
from keep_providers.providers.opsgenie.provider import OpsgenieProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)
KEEP = "https://keep.example.com"
EXPECTED_ACTIONS = ["create", "acknowledge", "unacknowledge", "snooze", "close", "delete", "update-priority"]


def provider(url: str, key: str) -> OpsgenieProvider:
    return OpsgenieProvider("og-1", {"api_key": key, "api_url": url}, retry=FAST_RETRY)


async def test_creates_the_webhook_integration(fake_opsgenie: Any, opsgenie_api_key: str, disposing: Disposing) -> None:
    state, url = fake_opsgenie
    async with disposing(provider(url, opsgenie_api_key)) as og:
        summary = await og.setup_webhook("tenant-1", f"{KEEP}/", "keep-key-1")
    [integration] = state.integrations.values()
    hook = f"{KEEP}/api/alerts/event/opsgenie?provider_id=og-1"
    assert integration["type"] == "Webhook" and integration["name"] == "keep-aiops"
    assert integration["url"] == hook
    assert integration["headers"] == {"X-API-KEY": "keep-key-1"}
    assert integration["enabled"] is True
    assert integration["addAlertDescription"] is True and integration["addAlertDetails"] is True
    assert integration["forwardingEnabled"] is True
    assert [m["action"] for m in integration["forwardingActionMappings"]] == EXPECTED_ACTIONS
    assert integration["alertFilter"] == {"conditionMatchType": "match-all", "conditions": []}
    assert summary == {
        "integration": "keep-aiops",
        "integration_id": integration["id"],
        "action": "created",
        "webhook_url": hook,
        "api_key_sent_as": "header X-API-KEY",
        "alert_actions": EXPECTED_ACTIONS,
    }
    assert "keep-key-1" not in str(summary)
    listing, creation = state.requests
    assert (listing["method"], listing["params"]) == ("GET", {"type": "Webhook"})
    assert creation["method"] == "POST"
    assert creation["headers"]["authorization"] == f"GenieKey {opsgenie_api_key}"


async def test_second_run_updates_with_the_new_key(
    fake_opsgenie: Any, opsgenie_api_key: str, disposing: Disposing
) -> None:
    state, url = fake_opsgenie
    state.integrations["other"] = {"id": "other", "name": "Slack hook", "type": "Webhook", "enabled": True}
    async with disposing(provider(url, opsgenie_api_key)) as og:
        first = await og.setup_webhook("tenant-1", KEEP, "keep-key-1")
        second = await og.setup_webhook("tenant-1", KEEP, "keep-key-2")
    assert (first["action"], second["action"]) == ("created", "updated")
    assert first["integration_id"] == second["integration_id"]
    assert sorted(i["name"] for i in state.integrations.values()) == ["Slack hook", "keep-aiops"]
    ours = state.integrations[second["integration_id"]]
    assert ours["headers"] == {"X-API-KEY": "keep-key-2"}
    assert [m["action"] for m in ours["forwardingActionMappings"]] == EXPECTED_ACTIONS
    assert [r["method"] for r in state.requests] == ["GET", "POST", "GET", "PUT"]
    assert state.requests[-1]["path"] == f"/v2/integrations/{second['integration_id']}"


async def test_retries_a_5xx_then_sets_up(fake_opsgenie: Any, opsgenie_api_key: str, disposing: Disposing) -> None:
    state, url = fake_opsgenie
    state.failures["/v2/integrations"] = [(503, {})]
    async with disposing(provider(url, opsgenie_api_key)) as og:
        summary = await og.setup_webhook("tenant-1", KEEP, "keep-key-1")
    assert summary["action"] == "created"
    assert len(state.integrations) == 1


async def test_key_without_configuration_access_is_refused(
    fake_opsgenie: Any, opsgenie_api_key: str, disposing: Disposing
) -> None:
    state, url = fake_opsgenie
    state.forbidden.add("/v2/integrations")
    async with disposing(provider(url, opsgenie_api_key)) as og:
        with pytest.raises(OutboundError) as caught:
            await og.setup_webhook("tenant-1", KEEP, "keep-key-secret-1")
        scopes = await og.validate_scopes()
    assert caught.value.status_code == 403
    assert "keep-key-secret-1" not in str(caught.value) and opsgenie_api_key not in str(caught.value)
    assert scopes["configuration:write"] == "Opsgenie answered 403: You are not authorized for this request"
    assert state.integrations == {}


async def test_bad_key_is_refused_without_secrets(fake_opsgenie: Any, disposing: Disposing) -> None:
    _, url = fake_opsgenie
    async with disposing(provider(url, "wrong-genie-key")) as og:
        with pytest.raises(OutboundError) as caught:
            await og.setup_webhook("tenant-1", KEEP, "keep-key-1")
    assert caught.value.status_code == 401
    assert "wrong-genie-key" not in str(caught.value)


async def test_without_api_key_is_a_config_error() -> None:
    with pytest.raises(ProviderConfigError, match="api_key"):
        await OpsgenieProvider("o", {}).setup_webhook("tenant-1", KEEP, "keep-key-1")
