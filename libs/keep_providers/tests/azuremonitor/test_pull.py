"""Pull, scopes and action group setup against a local fake of Entra and Resource Manager."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.config import describe_config
from keep_providers.exceptions import OutboundError, ProviderConfigError
from keep_providers.http import RetryPolicy
from keep_providers.oauth import TokenCache
from keep_providers.providers.azuremonitor.provider import AzureMonitorProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]
FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)
GUID = "8d1f6c2e-4b7a-4f3e-9c55-0e2a7b9d1c34"
ALERTS_READ = "Microsoft.AlertsManagement/alerts/read"
GROUPS_WRITE = "Microsoft.Insights/actionGroups/write"


def provider(config: dict[str, Any]) -> AzureMonitorProvider:
    return AzureMonitorProvider("test-id", config, retry=FAST_RETRY)


# --- config ------------------------------------------------------------------------


def test_webhook_only_install_needs_no_config() -> None:
    instance = provider({})
    assert instance.config.model_dump()["management_url"] == "https://management.azure.com"
    assert instance.config.model_dump()["login_url"] == "https://login.microsoftonline.com"


def test_config_fields_describe_themselves() -> None:
    fields = {f.name: f for f in describe_config(AzureMonitorProvider.CONFIG_MODEL)}
    assert not any(f.required for f in fields.values())
    assert [name for name, f in fields.items() if f.sensitive] == ["client_secret"]
    assert fields["management_url"].hint == "url"
    assert all(f.description for f in fields.values())


def test_partial_service_principal_is_refused_without_echoing_the_secret() -> None:
    with pytest.raises(ProviderConfigError, match="tenant_id, client_id and client_secret") as caught:
        provider({"client_id": "abc", "client_secret": "pw-SECRET"})
    assert "SECRET" not in str(caught.value)


def test_capabilities() -> None:
    assert AzureMonitorProvider.capabilities() == frozenset({"format", "pull", "scopes", "setup_webhook"})


async def test_pull_without_credentials_says_what_is_missing(disposing: Disposing) -> None:
    async with disposing(provider({})) as instance:
        with pytest.raises(ProviderConfigError, match="tenant_id, client_id, client_secret, subscription_id"):
            await instance.get_alerts()


# --- pull --------------------------------------------------------------------------


async def test_pull_maps_the_alert_and_matches_the_webhook_fingerprint(
    fake_azure: Any, make_api_alert: Any, firing_body: dict[str, Any], disposing: Disposing
) -> None:
    fake_azure.alerts["New"] = [make_api_alert(GUID)]
    async with disposing(provider(fake_azure.config())) as instance:
        [pulled] = await instance.pull_alerts()
    [pushed] = AzureMonitorProvider.format_alerts(firing_body, {}, provider_id="test-id")
    # The webhook's alertId names the same alert as the API's id.
    assert firing_body["data"]["essentials"]["alertId"].endswith(GUID)
    assert pulled.fingerprint == pushed.fingerprint
    assert pulled.url == pushed.url
    assert pulled.name == pushed.name == "checkout-vm-cpu-high"
    assert pulled.service == pushed.service == "checkout-vm-01"
    assert pulled.status is AlertStatus.FIRING
    assert pulled.severity is AlertSeverity.HIGH
    assert pulled.description == "CPU above 90% on the checkout VM for 5 minutes"
    assert pulled.firingStartTime == pushed.firingStartTime
    assert pulled.labels == {
        "subscriptionId": "11111111-2222-3333-4444-555555555555",
        "resourceGroup": "shop-prod",
        "resourceType": "microsoft.compute/virtualmachines",
        "resourceName": "checkout-vm-01",
        "severity": "Sev1",
        "signalType": "Metric",
        "monitoringService": "Platform",
    }
    extra = pulled.model_dump()
    assert extra["alertState"] == "New"
    assert extra["alertRuleId"].endswith("/metricAlerts/checkout-vm-cpu-high")
    assert pulled.pushed is False and pulled.providerId == "test-id"


async def test_fingerprint_ignores_the_case_arm_ids_may_come_in(
    fake_azure: Any, make_api_alert: Any, firing_body: dict[str, Any], disposing: Disposing
) -> None:
    upper = make_api_alert(GUID.upper())
    upper["id"] = upper["id"].replace(
        "/providers/Microsoft.AlertsManagement/", "/providers/microsoft.alertsmanagement/"
    )
    fake_azure.alerts["New"] = [upper]
    async with disposing(provider(fake_azure.config())) as instance:
        [pulled] = await instance.get_alerts()
    [pushed] = AzureMonitorProvider.format_alerts(firing_body, {})
    assert pulled.fingerprint == pushed.fingerprint
    assert pulled.id == upper["id"]


@pytest.mark.parametrize(
    ("state", "condition", "status"),
    [
        ("New", "Fired", AlertStatus.FIRING),
        ("Acknowledged", "Fired", AlertStatus.ACKNOWLEDGED),
        ("Closed", "Fired", AlertStatus.RESOLVED),
        ("Acknowledged", "Resolved", AlertStatus.RESOLVED),
        ("New", "Resolved", AlertStatus.RESOLVED),
        ("SomethingNew", "Fired", AlertStatus.FIRING),
    ],
)
async def test_alert_state_and_monitor_condition_map_to_status(
    fake_azure: Any, make_api_alert: Any, disposing: Disposing, state: str, condition: str, status: AlertStatus
) -> None:
    fake_azure.alerts["New"] = [make_api_alert(GUID, state=state, condition=condition)]
    async with disposing(provider(fake_azure.config())) as instance:
        [alert] = await instance.get_alerts()
    assert alert.status is status


async def test_pull_asks_for_new_and_acknowledged_fired_alerts_across_pages(
    fake_azure: Any, make_api_alert: Any, disposing: Disposing
) -> None:
    fake_azure.alerts["New"] = [make_api_alert(f"0000000{i}-0000-0000-0000-000000000000") for i in range(5)]
    fake_azure.alerts["Acknowledged"] = [make_api_alert("a0000000-0000-0000-0000-000000000000", state="Acknowledged")]
    async with disposing(provider(fake_azure.config())) as instance:
        alerts = await instance.get_alerts()
    assert len(alerts) == 6
    assert len({a.fingerprint for a in alerts}) == 6
    assert [a.status for a in alerts].count(AlertStatus.ACKNOWLEDGED) == 1
    first_calls = [query for _, _, query in fake_azure.arm_calls if "skipToken" not in query]
    assert [(q["alertState"], q["monitorCondition"]) for q in first_calls] == [
        ("New", "Fired"),
        ("Acknowledged", "Fired"),
    ]
    # 5 New alerts at 2 per page, then 1 Acknowledged page.
    assert len(fake_azure.arm_calls) == 4


async def test_token_is_fetched_once_and_reused(fake_azure: Any, make_api_alert: Any, disposing: Disposing) -> None:
    fake_azure.alerts["New"] = [make_api_alert(GUID)]
    async with disposing(provider(fake_azure.config())) as instance:
        await instance.get_alerts()
        await instance.get_alerts()
    assert fake_azure.issued == 1
    [form] = fake_azure.token_requests
    assert form["grant_type"] == "client_credentials"
    assert form["scope"] == f"{fake_azure.url}/.default"


async def test_spent_token_is_renewed_for_every_call(
    fake_azure: Any, make_api_alert: Any, disposing: Disposing
) -> None:
    # A lifetime of 0 is spent at once: each of the two list calls needs a new token.
    fake_azure.token_lifetime = 0
    async with disposing(provider(fake_azure.config())) as instance:
        await instance.get_alerts()
    assert fake_azure.issued == len(fake_azure.arm_calls) == 2


async def test_token_is_renewed_shortly_before_it_expires() -> None:
    now = [0.0]
    issued: list[str] = []

    async def fetch() -> httpx.Response:
        issued.append(f"token-{len(issued)}")
        body = {"access_token": issued[-1], "expires_in": 3600}
        return httpx.Response(200, json=body, request=httpx.Request("POST", "https://login.example/t"))

    cache = TokenCache(fetch, clock=lambda: now[0])
    assert await cache.token() == "token-0"
    now[0] = 3299.0
    assert await cache.token() == "token-0"
    now[0] = 3300.0
    assert await cache.token() == "token-1"
    cache.forget()
    assert await cache.token() == "token-2"


async def test_next_link_to_another_host_is_not_followed(
    fake_azure: Any, make_api_alert: Any, disposing: Disposing
) -> None:
    fake_azure.alerts["New"] = [make_api_alert(f"0000000{i}-0000-0000-0000-000000000000") for i in range(3)]
    fake_azure.next_link_base = "https://attacker.example"
    async with disposing(provider(fake_azure.config())) as instance:
        with pytest.raises(OutboundError, match=r"attacker\.example"):
            await instance.get_alerts()
    assert len(fake_azure.arm_calls) == 1


async def test_arm_503_is_retried(fake_azure: Any, make_api_alert: Any, disposing: Disposing) -> None:
    fake_azure.alerts["New"] = [make_api_alert(GUID)]
    fake_azure.unavailable_times = 1
    async with disposing(provider(fake_azure.config())) as instance:
        assert len(await instance.get_alerts()) == 1


async def test_wrong_secret_fails_the_pull_without_leaking_it(fake_azure: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_azure.config(client_secret="wrong-SECRET"))) as instance:
        with pytest.raises(OutboundError) as caught:
            await instance.get_alerts()
    assert caught.value.status_code == 401
    assert "SECRET" not in str(caught.value)
    assert fake_azure.arm_calls == []


async def test_bad_alert_is_skipped_and_the_rest_kept(
    fake_azure: Any, make_api_alert: Any, disposing: Disposing
) -> None:
    fake_azure.alerts["New"] = [{"id": GUID, "properties": {}}, make_api_alert(GUID)]
    async with disposing(provider(fake_azure.config())) as instance:
        [alert] = await instance.get_alerts()
    assert alert.fingerprint.endswith(GUID)


# --- scopes ------------------------------------------------------------------------


async def test_scopes_all_granted(fake_azure: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_azure.config())) as instance:
        assert await instance.validate_scopes() == {ALERTS_READ: True, GROUPS_WRITE: True}
    read_check = next(q for _, path, q in fake_azure.arm_calls if path.endswith("/alerts"))
    assert read_check["pageCount"] == "1"


async def test_scope_refused_by_role(fake_azure: Any, disposing: Disposing) -> None:
    fake_azure.can_write_action_groups = False
    async with disposing(provider(fake_azure.config())) as instance:
        scopes = await instance.validate_scopes()
    assert scopes[ALERTS_READ] is True
    assert isinstance(scopes[GROUPS_WRITE], str) and "403" in scopes[GROUPS_WRITE]


async def test_scopes_without_resource_group(fake_azure: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_azure.config(resource_group=None))) as instance:
        scopes = await instance.validate_scopes()
    assert scopes == {ALERTS_READ: True, GROUPS_WRITE: "not checked: resource_group is not set"}


@pytest.mark.parametrize("changes", [{"client_secret": "wrong-SECRET"}, {"tenant_id": "other-tenant"}])
async def test_scopes_when_login_fails(fake_azure: Any, disposing: Disposing, changes: dict[str, str]) -> None:
    async with disposing(provider(fake_azure.config(**changes))) as instance:
        scopes = await instance.validate_scopes()
    assert set(scopes) == {ALERTS_READ, GROUPS_WRITE}
    for reason in scopes.values():
        assert isinstance(reason, str) and reason.startswith("authentication failed")
        assert "SECRET" not in reason


async def test_scopes_without_credentials(disposing: Disposing) -> None:
    async with disposing(provider({})) as instance:
        scopes = await instance.validate_scopes()
    assert all(isinstance(r, str) and r.startswith("not checked") for r in scopes.values())


# --- setup_webhook -----------------------------------------------------------------


async def test_setup_webhook_creates_then_updates_the_action_group(fake_azure: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_azure.config())) as instance:
        first = await instance.setup_webhook("tenant-1", "https://keep.example/", "key-ONE")
        second = await instance.setup_webhook("tenant-1", "https://keep.example", "key-TWO")
    assert first["action"] == "created" and second["action"] == "updated"
    assert list(fake_azure.action_groups) == ["keep-aiops"]
    group = fake_azure.action_groups["keep-aiops"]
    assert group["location"] == "Global"
    assert len(group["properties"]["groupShortName"]) <= 12
    [receiver] = group["properties"]["webhookReceivers"]
    assert receiver["name"] == "keep-aiops"
    assert receiver["useCommonAlertSchema"] is True
    uri = urlsplit(receiver["serviceUri"])
    assert f"{uri.scheme}://{uri.netloc}{uri.path}" == "https://keep.example/api/alerts/event/azuremonitor"
    assert parse_qs(uri.query) == {"provider_id": ["test-id"], "api_key": ["key-TWO"]}
    for summary in (first, second):
        assert "key-" not in str(summary)
        assert summary["url"] == "https://keep.example/api/alerts/event/azuremonitor?provider_id=test-id"
        assert summary["actionGroup"].endswith("/actionGroups/keep-aiops")
    put = [path for method, path, _ in fake_azure.arm_calls if method == "PUT"]
    assert (
        put
        == [
            f"/subscriptions/{fake_azure.config()['subscription_id']}/resourceGroups/monitoring-rg"
            "/providers/Microsoft.Insights/actionGroups/keep-aiops"
        ]
        * 2
    )


async def test_setup_webhook_keeps_receivers_the_user_added(fake_azure: Any, disposing: Disposing) -> None:
    fake_azure.action_groups["keep-aiops"] = {
        "id": "/x/keep-aiops",
        "location": "Global",
        "tags": {"owner": "ops"},
        "properties": {
            "groupShortName": "ops",
            "enabled": False,
            "emailReceivers": [{"name": "oncall", "emailAddress": "oncall@example.org"}],
            "webhookReceivers": [{"name": "other", "serviceUri": "https://other.example/hook"}],
        },
    }
    async with disposing(provider(fake_azure.config())) as instance:
        summary = await instance.setup_webhook("tenant-1", "https://keep.example", "key-ONE")
    assert summary["action"] == "updated"
    group = fake_azure.action_groups["keep-aiops"]
    assert group["tags"] == {"owner": "ops"}
    properties = group["properties"]
    assert properties["enabled"] is True and properties["groupShortName"] == "ops"
    assert properties["emailReceivers"] == [{"name": "oncall", "emailAddress": "oncall@example.org"}]
    assert [r["name"] for r in properties["webhookReceivers"]] == ["other", "keep-aiops"]


async def test_setup_webhook_needs_a_resource_group(fake_azure: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_azure.config(resource_group=None))) as instance:
        with pytest.raises(ProviderConfigError, match="resource_group"):
            await instance.setup_webhook("tenant-1", "https://keep.example", "key-ONE")


async def test_setup_webhook_refused_by_role(fake_azure: Any, disposing: Disposing) -> None:
    fake_azure.can_write_action_groups = False
    async with disposing(provider(fake_azure.config())) as instance:
        with pytest.raises(OutboundError) as caught:
            await instance.setup_webhook("tenant-1", "https://keep.example", "key-ONE")
    assert caught.value.status_code == 403
    assert "key-ONE" not in str(caught.value)
