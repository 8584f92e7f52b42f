"""Pull and scopes against a local fake of Google's token endpoint and the Alerts API."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.config import describe_config
from keep_providers.exceptions import OutboundError, ProviderConfigError
from keep_providers.http import RetryPolicy
from keep_providers.providers.gcpmonitoring.provider import GcpMonitoringProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]
FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)
ALERTS_LIST = "monitoring.alerts.list"


def provider(config: dict[str, Any]) -> GcpMonitoringProvider:
    return GcpMonitoringProvider("test-id", config, retry=FAST_RETRY)


@pytest.fixture
def config(fake_google: Any, signing_key: rsa.RSAPrivateKey) -> Callable[..., dict[str, Any]]:
    def make(**key_changes: Any) -> dict[str, Any]:
        return {
            "service_account_json": fake_google.key_json(signing_key, **key_changes),
            "monitoring_url": fake_google.url,
        }

    return make


# --- config ------------------------------------------------------------------------


def test_webhook_only_install_needs_no_config() -> None:
    instance = provider({})
    assert instance.config.model_dump() == {
        "service_account_json": None,
        "project_id": None,
        "monitoring_url": "https://monitoring.googleapis.com",
    }


def test_config_fields_describe_themselves() -> None:
    fields = {f.name: f for f in describe_config(GcpMonitoringProvider.CONFIG_MODEL)}
    assert not any(f.required for f in fields.values())
    assert [name for name, f in fields.items() if f.sensitive] == ["service_account_json"]
    assert fields["monitoring_url"].hint == "url"
    assert all(f.description for f in fields.values())


@pytest.mark.parametrize(
    ("key_json", "reason"),
    [
        ("not json SECRET", "is not JSON"),
        ('{"client_email": "a@b", "private_key_SECRET": 1}', "lacks private_key"),
        ('{"client_email": "a@b", "private_key": "-----BEGIN SECRET-----"}', "not a PEM private key"),
    ],
)
def test_bad_key_is_refused_without_echoing_it(key_json: str, reason: str) -> None:
    with pytest.raises(ProviderConfigError, match=reason) as caught:
        provider({"service_account_json": key_json})
    assert "SECRET" not in str(caught.value)


def test_key_with_a_token_uri_that_is_no_url_is_refused(config: Any) -> None:
    with pytest.raises(ProviderConfigError, match="token_uri"):
        provider(config(token_uri="file:///etc/passwd"))


def test_capabilities() -> None:
    assert GcpMonitoringProvider.capabilities() == frozenset({"format", "pull", "scopes"})


async def test_pull_without_a_key_says_what_is_missing(disposing: Disposing) -> None:
    async with disposing(provider({})) as instance:
        with pytest.raises(ProviderConfigError, match="service_account_json, project_id"):
            await instance.get_alerts()


# --- pull --------------------------------------------------------------------------


async def test_pull_maps_the_alert_like_the_webhook_incident(
    fake_google: Any, config: Any, make_api_alert: Any, firing_body: dict[str, Any], disposing: Disposing
) -> None:
    fake_google.alerts = [make_api_alert(firing_body["incident"]["incident_id"])]
    async with disposing(provider(config())) as instance:
        [pulled] = await instance.pull_alerts()
    [pushed] = GcpMonitoringProvider.format_alerts(firing_body, {}, provider_id="test-id")
    assert pulled.fingerprint == pushed.fingerprint == "0.nr4hk2p7m1qa"
    assert pulled.url == pushed.url
    assert pulled.name == pushed.name == "Checkout CPU near limit"
    assert pulled.status is pushed.status is AlertStatus.FIRING
    assert pulled.severity is pushed.severity is AlertSeverity.CRITICAL
    assert pulled.service == pushed.service == "checkout-api"
    assert pulled.environment == pushed.environment == "production"
    assert pulled.model_dump()["state"] == pushed.model_dump()["state"] == "open"
    # The webhook knows the condition; the Alerts API does not.
    assert {k: v for k, v in pushed.labels.items() if k != "condition_name"} == {
        **pulled.labels,
        "severity": "Critical",
    }
    assert pulled.labels["severity"] == "CRITICAL"
    assert pulled.firingStartTime is not None and pulled.firingStartTime.isoformat() == "2026-11-28T13:00:00+00:00"
    assert pulled.model_dump()["policyName"] == "projects/shop-prod-4711/alertPolicies/1234567890123456789"
    assert pulled.pushed is False and pulled.providerType == "gcpmonitoring"


@pytest.mark.parametrize(
    ("severity", "user_label", "expected"),
    [
        ("CRITICAL", None, AlertSeverity.CRITICAL),
        ("ERROR", None, AlertSeverity.HIGH),
        ("WARNING", None, AlertSeverity.WARNING),
        ("SEVERITY_UNSPECIFIED", None, AlertSeverity.INFO),
        ("SEVERITY_UNSPECIFIED", "warning", AlertSeverity.WARNING),
    ],
)
async def test_policy_severity_maps(
    fake_google: Any,
    config: Any,
    make_api_alert: Any,
    disposing: Disposing,
    severity: str,
    user_label: str | None,
    expected: AlertSeverity,
) -> None:
    alert = make_api_alert(severity=severity)
    if user_label:
        alert["policy"]["userLabels"]["severity"] = user_label
    fake_google.alerts = [alert]
    async with disposing(provider(config())) as instance:
        [pulled] = await instance.get_alerts()
    assert pulled.severity is expected


async def test_pull_asks_for_open_alerts_across_pages(
    fake_google: Any, config: Any, make_api_alert: Any, disposing: Disposing
) -> None:
    fake_google.alerts = [make_api_alert(f"0.alert{i}") for i in range(5)] + [
        make_api_alert("0.closed", state="CLOSED")
    ]
    async with disposing(provider(config())) as instance:
        alerts = await instance.get_alerts()
    assert [a.fingerprint for a in alerts] == [f"0.alert{i}" for i in range(5)]
    assert all(a.status is AlertStatus.FIRING for a in alerts)
    assert [call.get("pageToken") for call in fake_google.api_calls] == [None, "2", "4"]
    assert all(call["filter"] == 'state="OPEN"' for call in fake_google.api_calls)


async def test_no_open_alerts(fake_google: Any, config: Any, disposing: Disposing) -> None:
    async with disposing(provider(config())) as instance:
        assert await instance.get_alerts() == []


async def test_the_token_request_is_a_signed_jwt_and_the_token_is_reused(
    fake_google: Any, config: Any, make_api_alert: Any, disposing: Disposing
) -> None:
    fake_google.alerts = [make_api_alert()]
    async with disposing(provider(config())) as instance:
        await instance.get_alerts()
        await instance.get_alerts()
    assert fake_google.issued == 1
    [assertion] = fake_google.assertions
    assert assertion["header"] == {"alg": "RS256", "typ": "JWT", "kid": "0123456789abcdef"}
    claims = assertion["claims"]
    assert claims["iss"] == "keep-aiops@shop-prod-4711.iam.gserviceaccount.com"
    assert claims["scope"] == "https://www.googleapis.com/auth/monitoring.read"
    assert claims["aud"] == f"{fake_google.url}/token"
    assert claims["exp"] - claims["iat"] == 3600


async def test_a_key_the_token_endpoint_does_not_know_fails_without_leaking_it(
    fake_google: Any, disposing: Disposing
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with disposing(
        provider({"service_account_json": fake_google.key_json(stranger), "monitoring_url": fake_google.url})
    ) as instance:
        with pytest.raises(OutboundError) as caught:
            await instance.get_alerts()
    assert caught.value.status_code == 400
    assert "PRIVATE KEY" not in str(caught.value)
    assert fake_google.api_calls == []


async def test_project_id_in_the_config_wins_over_the_key(fake_google: Any, config: Any, disposing: Disposing) -> None:
    async with disposing(provider({**config(), "project_id": "other-project"})) as instance:
        with pytest.raises(OutboundError) as caught:
            await instance.get_alerts()
    assert caught.value.status_code == 404


async def test_api_503_is_retried(fake_google: Any, config: Any, make_api_alert: Any, disposing: Disposing) -> None:
    fake_google.alerts = [make_api_alert()]
    fake_google.unavailable_times = 1
    async with disposing(provider(config())) as instance:
        assert len(await instance.get_alerts()) == 1


async def test_bad_alert_is_skipped_and_the_rest_kept(
    fake_google: Any, config: Any, make_api_alert: Any, disposing: Disposing
) -> None:
    fake_google.alerts = [{"name": "not-an-alert-name", "state": "OPEN"}, make_api_alert()]
    async with disposing(provider(config())) as instance:
        [alert] = await instance.get_alerts()
    assert alert.fingerprint == "0.nr4hk2p7m1qa"


# --- scopes ------------------------------------------------------------------------


async def test_scope_granted(fake_google: Any, config: Any, disposing: Disposing) -> None:
    async with disposing(provider(config())) as instance:
        assert await instance.validate_scopes() == {ALERTS_LIST: True}
    assert fake_google.api_calls[-1]["pageSize"] == "1"


async def test_scope_refused(fake_google: Any, config: Any, disposing: Disposing) -> None:
    fake_google.can_list_alerts = False
    async with disposing(provider(config())) as instance:
        [reason] = (await instance.validate_scopes()).values()
    assert isinstance(reason, str) and reason.startswith("refused") and "403" in reason


async def test_scope_when_the_key_is_refused(fake_google: Any, disposing: Disposing) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with disposing(
        provider({"service_account_json": fake_google.key_json(stranger), "monitoring_url": fake_google.url})
    ) as instance:
        [reason] = (await instance.validate_scopes()).values()
    assert isinstance(reason, str) and reason.startswith("authentication failed")


async def test_scope_without_a_key(disposing: Disposing) -> None:
    async with disposing(provider({})) as instance:
        assert await instance.validate_scopes() == {
            ALERTS_LIST: "not checked: service_account_json, project_id not set"
        }
