"""Pull, scopes, setup_webhook and verify_webhook against a local fake of the Datadog API."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import OutboundError, ProviderConfigError, WebhookAuthError
from keep_providers.http import RetryPolicy
from keep_providers.providers.datadog.provider import DatadogProvider
from keep_providers.webhooks import InboundWebhook

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

API_KEY = "dd-api-key-0123456789abcdef"
APP_KEY = "dd-app-key-fedcba9876543210"
FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)


def make_provider(base_url: str, **overrides: Any) -> DatadogProvider:
    config = {"api_key": API_KEY, "app_key": APP_KEY, "api_url": base_url, **overrides}
    return DatadogProvider("dd-test", config, retry=FAST_RETRY)


async def test_pull_pages_through_monitors(
    fake_datadog: tuple[Any, str], monitor_factory: Callable[..., dict[str, Any]], disposing: Disposing
) -> None:
    fake, url = fake_datadog
    fake.monitors = [monitor_factory(i) for i in range(1, 150)]  # OK monitors: no alerts
    fake.monitors.append(monitor_factory(500, groups={"host:a,env:prod": "Alert", "host:b,env:prod": "OK"}))
    fake.monitors.append(monitor_factory(501, groups={"host:c": "Warn"}, priority=1))
    async with disposing(make_provider(url)) as provider:
        alerts = await provider.pull_alerts()
    assert [a.fingerprint for a in alerts] == ["500:env:prod,host:a", "501:host:c"]
    pages = [params["page"] for method, path, params in fake.requests if path == "/api/v1/monitor"]
    assert pages == ["0", "1"]
    assert fake.requests[0][2]["group_states"] == "alert,warn,no data"
    first, second = alerts
    assert first.status is AlertStatus.FIRING and first.pushed is False
    assert first.severity is AlertSeverity.HIGH
    assert first.labels == {"env": "prod", "service": "api", "host": "a"}
    assert first.url == "https://app.datadoghq.com/monitors/500"
    assert first.firingStartTime is not None and first.firingStartTime.year == 2024
    assert second.severity is AlertSeverity.CRITICAL


async def test_pulled_and_pushed_alerts_share_the_fingerprint(
    fake_datadog: tuple[Any, str],
    monitor_factory: Callable[..., dict[str, Any]],
    firing_body: dict[str, Any],
    disposing: Disposing,
) -> None:
    fake, url = fake_datadog
    fake.monitors = [monitor_factory(148293017, groups={"env:prod,host:web-1": "Alert"})]
    async with disposing(make_provider(url)) as provider:
        [pulled] = await provider.get_alerts()
    [pushed] = DatadogProvider.format_alerts(firing_body, {})
    assert pulled.fingerprint == pushed.fingerprint


async def test_muted_monitor_groups_are_suppressed(
    fake_datadog: tuple[Any, str], monitor_factory: Callable[..., dict[str, Any]], disposing: Disposing
) -> None:
    fake, url = fake_datadog
    fake.monitors = [
        monitor_factory(7, groups={"host:a": "Alert", "host:b": "No Data"}, options={"silenced": {"host:a": None}}),
        monitor_factory(8, overall_state="Alert", options={"silenced": {"*": 1900000000}}),
    ]
    async with disposing(make_provider(url)) as provider:
        alerts = await provider.get_alerts()
    by_fp = {a.fingerprint: a for a in alerts}
    assert by_fp["7:host:a"].status is AlertStatus.SUPPRESSED
    assert by_fp["7:host:b"].status is AlertStatus.FIRING
    assert by_fp["7:host:b"].severity is AlertSeverity.INFO
    # A simple monitor (no groups) in alert is one alert keyed by its id.
    assert by_fp["8"].status is AlertStatus.SUPPRESSED


async def test_rate_limit_then_success(fake_datadog: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_datadog
    fake.failures = [429, 503]
    async with disposing(make_provider(url)) as provider:
        assert await provider.get_alerts() == []
    assert len(fake.requests) == 3


async def test_auth_failure_names_host_and_status_not_the_key(
    fake_datadog: tuple[Any, str], disposing: Disposing
) -> None:
    _, url = fake_datadog
    async with disposing(make_provider(url, api_key="wrong-key-value")) as provider:
        with pytest.raises(OutboundError) as caught:
            await provider.get_alerts()
    assert caught.value.status_code == 403
    assert "403" in str(caught.value) and "127.0.0.1" in str(caught.value)
    assert "wrong-key-value" not in str(caught.value)


async def test_scopes_all_granted(fake_datadog: tuple[Any, str], disposing: Disposing) -> None:
    _, url = fake_datadog
    async with disposing(make_provider(url)) as provider:
        assert await provider.validate_scopes() == {
            "api_key": True,
            "monitors_read": True,
            "integrations_manage": True,
        }


async def test_scopes_report_reasons(fake_datadog: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_datadog
    fake.app_key_scopes = {"monitors_read"}
    async with disposing(make_provider(url)) as provider:
        scopes = await provider.validate_scopes()
    assert scopes["api_key"] is True and scopes["monitors_read"] is True
    reason = scopes["integrations_manage"]
    assert isinstance(reason, str) and "integrations_manage" in reason and "403" in reason

    async with disposing(make_provider(url, api_key="bad")) as provider:
        scopes = await provider.validate_scopes()
    assert all(isinstance(reason, str) and "403" in reason for reason in scopes.values())
    assert "API key is not valid" in str(scopes["api_key"])


async def test_setup_webhook_creates_then_updates(fake_datadog: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_datadog
    async with disposing(make_provider(url, webhook_secret="s3cret-value")) as provider:
        first = await provider.setup_webhook("tenant-a", "https://keep.example.com/", "keep-api-key")
        second = await provider.setup_webhook("tenant-a", "https://keep2.example.com", "keep-api-key-2")
    assert first["action"] == "created" and second["action"] == "updated"
    assert first["webhook"] == "keep-aiops-dd-test"
    assert first["mention"] == "@webhook-keep-aiops-dd-test"
    assert list(fake.webhooks) == ["keep-aiops-dd-test"]
    installed = fake.webhooks["keep-aiops-dd-test"]
    assert installed["url"] == "https://keep2.example.com/api/alerts/event/datadog?provider_id=dd-test"
    assert installed["encode_as"] == "json"
    assert json.loads(installed["custom_headers"]) == {
        "Content-Type": "application/json",
        "X-API-KEY": "keep-api-key-2",
        "X-Keep-Webhook-Secret": "s3cret-value",
    }
    assert json.loads(installed["payload"])["alert_id"] == "$ALERT_ID"
    assert "keep-api-key" not in json.dumps(first) + json.dumps(second)


async def test_setup_webhook_without_permission_fails(fake_datadog: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_datadog
    fake.app_key_scopes = set()
    async with disposing(make_provider(url)) as provider:
        with pytest.raises(OutboundError) as caught:
            await provider.setup_webhook("t", "https://keep.example.com", "k")
    assert caught.value.status_code == 403
    assert fake.webhooks == {}


def test_config_validation() -> None:
    with pytest.raises(ProviderConfigError) as caught:
        DatadogProvider("x", {"api_key": "a", "app_key": "b", "site": "datadoghq.org"})
    assert "site" in str(caught.value)
    provider = DatadogProvider("x", {"api_key": "a", "app_key": "b", "site": "datadoghq.eu"})
    assert provider.settings.base_url == "https://api.datadoghq.eu"
    assert provider.settings.app_url == "https://app.datadoghq.eu"
    us3 = DatadogProvider("x", {"api_key": "a", "app_key": "b", "site": "us3.datadoghq.com"})
    assert us3.settings.base_url == "https://api.us3.datadoghq.com"
    assert us3.settings.app_url == "https://us3.datadoghq.com"


# --- verify_webhook -------------------------------------------------------------


def config(secret: str | None) -> Any:
    overrides = {"webhook_secret": secret} if secret else {}
    return DatadogProvider.parse_config({"api_key": "a", "app_key": "b", **overrides})


async def test_valid_secret_header_is_accepted(firing_body: dict[str, Any]) -> None:
    body = json.dumps(firing_body).encode()
    webhook = InboundWebhook(body, {"x-keep-webhook-secret": "s3cret"})
    await DatadogProvider.verify_webhook(webhook, config("s3cret"))


@pytest.mark.parametrize("headers", [{"x-keep-webhook-secret": "guess"}, {}, {"x-api-key": "s3cret"}])
async def test_wrong_or_missing_secret_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(WebhookAuthError) as caught:
        await DatadogProvider.verify_webhook(InboundWebhook(b"{}", headers), config("s3cret"))
    assert "X-Keep-Webhook-Secret" in str(caught.value)
    assert "s3cret" not in str(caught.value)


async def test_a_shared_secret_does_not_cover_the_body(firing_body: dict[str, Any]) -> None:
    # Datadog cannot sign bodies: a tampered body with the right header passes. The docs say so.
    tampered = json.dumps({**firing_body, "alert_priority": "P5"}).encode()
    await DatadogProvider.verify_webhook(
        InboundWebhook(tampered, {"x-keep-webhook-secret": "s3cret"}), config("s3cret")
    )


@pytest.mark.parametrize("cfg", [None, "no-secret"])
async def test_without_a_configured_secret_anything_is_accepted(cfg: str | None) -> None:
    installed = config(None) if cfg else None
    await DatadogProvider.verify_webhook(InboundWebhook(b"{}", {}), installed)
