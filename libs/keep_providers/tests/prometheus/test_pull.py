"""Pull, scopes and rule health against a local fake of Alertmanager and Prometheus."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus, fingerprint_from_labels
from keep_providers.config import describe_config
from keep_providers.exceptions import OutboundError, ProviderConfigError
from keep_providers.http import RetryPolicy
from keep_providers.providers.prometheus.provider import PrometheusProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)


def provider(config: dict[str, Any]) -> PrometheusProvider:
    return PrometheusProvider("test-id", config, retry=FAST_RETRY)


# --- config ------------------------------------------------------------------------


def test_webhook_only_install_needs_no_config() -> None:
    instance = provider({})
    assert instance.config.model_dump() == {
        "alertmanager_url": None,
        "prometheus_url": None,
        "username": None,
        "password": None,
        "bearer_token": None,
        "verify_tls": True,
    }


def test_config_fields_describe_themselves() -> None:
    fields = {f.name: f for f in describe_config(PrometheusProvider.CONFIG_MODEL)}
    assert not any(f.required for f in fields.values())
    assert fields["alertmanager_url"].hint == "url"
    assert fields["prometheus_url"].hint == "url"
    assert fields["password"].sensitive and fields["bearer_token"].sensitive
    assert not fields["username"].sensitive
    assert all(f.description for f in fields.values())


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ({"username": "keep"}, "both username and password"),
        ({"password": "pw-SECRET"}, "both username and password"),
        ({"username": "keep", "password": "pw-SECRET", "bearer_token": "tok-SECRET"}, "not both"),
        ({"alertmanager_url": "ftp://am"}, "alertmanager_url"),
    ],
)
def test_invalid_config_is_refused_without_echoing_secrets(config: dict[str, Any], reason: str) -> None:
    with pytest.raises(ProviderConfigError, match=reason) as caught:
        provider(config)
    assert "SECRET" not in str(caught.value)


def test_capabilities() -> None:
    assert PrometheusProvider.capabilities() == frozenset({"format", "pull", "scopes", "health"})


# --- pull from Alertmanager ---------------------------------------------------------


async def test_pull_from_alertmanager_maps_the_v2_alert(fake_prometheus: Any, disposing: Disposing) -> None:
    async with disposing(provider({"alertmanager_url": fake_prometheus.url})) as instance:
        (alert,) = await instance.pull_alerts()
    assert alert.fingerprint == "1a30ba71cca2921f"
    assert alert.name == "DiskFull"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.WARNING
    assert alert.message == "Disk almost full"
    assert alert.description == "/ is at 93%"
    assert alert.service == "node"
    assert alert.url == "http://prometheus:9090/graph?g0.expr=disk_used+%3E+0.9"
    assert alert.firingStartTime is not None and alert.firingStartTime.isoformat() == "2024-05-01T10:00:00+00:00"
    extra = alert.model_dump(mode="json")
    assert extra["receivers"] == ["keep", "team-pager"]
    assert extra["alertmanagerState"] == "active"
    assert alert.providerType == "prometheus" and alert.providerId == "test-id"
    assert alert.pushed is False
    assert fake_prometheus.seen == [("/api/v2/alerts", None)]


@pytest.mark.parametrize(
    ("state", "ends_at", "expected"),
    [
        ("active", "2999-01-01T00:00:00Z", AlertStatus.FIRING),
        ("suppressed", "2999-01-01T00:00:00Z", AlertStatus.SUPPRESSED),
        ("unprocessed", "2999-01-01T00:00:00Z", AlertStatus.FIRING),
        ("brand-new-state", "2999-01-01T00:00:00Z", AlertStatus.FIRING),
        ("active", "2020-01-01T00:00:00Z", AlertStatus.RESOLVED),
        ("active", "0001-01-01T00:00:00Z", AlertStatus.FIRING),
    ],
)
async def test_alertmanager_state_maps_to_status(
    fake_prometheus: Any, helpers: Any, state: str, ends_at: str, expected: AlertStatus, disposing: Disposing
) -> None:
    fake_prometheus.am_alerts = [helpers.am_alert(state=state, ends_at=ends_at)]
    async with disposing(provider({"alertmanager_url": fake_prometheus.url})) as instance:
        (alert,) = await instance.get_alerts()
    assert alert.status is expected
    assert alert.model_dump()["alertmanagerState"] == state


async def test_suppressed_alert_keeps_its_silence_ids(fake_prometheus: Any, helpers: Any, disposing: Disposing) -> None:
    fake_prometheus.am_alerts = [helpers.am_alert(state="suppressed")]
    async with disposing(provider({"alertmanager_url": fake_prometheus.url})) as instance:
        (alert,) = await instance.get_alerts()
    assert alert.model_dump()["silencedBy"] == ["0b1c2d3e"]


async def test_pulled_and_pushed_copies_of_an_alertmanager_alert_share_the_fingerprint(
    fake_prometheus: Any, firing_body: dict[str, Any], disposing: Disposing
) -> None:
    pushed = PrometheusProvider.format_alerts(firing_body, {})
    fake_prometheus.am_alerts = [{**fake_prometheus.am_alerts[0], "fingerprint": pushed[0].fingerprint}]
    async with disposing(provider({"alertmanager_url": fake_prometheus.url})) as instance:
        (pulled,) = await instance.pull_alerts()
    assert pulled.fingerprint == pushed[0].fingerprint


async def test_one_bad_alertmanager_alert_costs_only_itself(
    fake_prometheus: Any, helpers: Any, disposing: Disposing
) -> None:
    fake_prometheus.am_alerts = [helpers.am_alert("aaa"), "garbage", {"labels": {}}, helpers.am_alert("bbb")]
    async with disposing(provider({"alertmanager_url": fake_prometheus.url})) as instance:
        alerts = await instance.get_alerts()
    assert [a.fingerprint for a in alerts] == ["aaa", "bbb"]


async def test_alertmanager_is_preferred_when_both_urls_are_set(fake_prometheus: Any, disposing: Disposing) -> None:
    async with disposing(
        provider({"alertmanager_url": fake_prometheus.url, "prometheus_url": fake_prometheus.url})
    ) as instance:
        alerts = await instance.get_alerts()
    assert [a.fingerprint for a in alerts] == ["1a30ba71cca2921f"]
    assert [path for path, _ in fake_prometheus.seen] == ["/api/v2/alerts"]


# --- pull from Prometheus -----------------------------------------------------------


async def test_pull_from_prometheus_uses_the_label_set_fingerprint(
    fake_prometheus: Any, helpers: Any, disposing: Disposing
) -> None:
    labels = {"alertname": "HighLatency", "instance": "api-1:8080", "job": "api", "severity": "high"}
    fake_prometheus.prom_alerts = [
        helpers.prom_alert(labels=labels),
        helpers.prom_alert(state="pending", labels={"alertname": "HighLatency", "instance": "api-2:8080"}),
    ]
    async with disposing(provider({"prometheus_url": fake_prometheus.url})) as instance:
        firing, pending = await instance.pull_alerts()
    assert firing.fingerprint == fingerprint_from_labels(labels)
    assert firing.status is AlertStatus.FIRING
    assert firing.severity is AlertSeverity.HIGH
    assert firing.name == "HighLatency"
    assert firing.message == "p99 above 2s"
    assert firing.firingStartTime is not None and firing.firingStartTime.year == 2024
    assert firing.model_dump()["value"] == "2.3e+00"
    assert pending.status is AlertStatus.PENDING
    assert pending.fingerprint != firing.fingerprint
    assert [path for path, _ in fake_prometheus.seen] == ["/api/v1/alerts"]


async def test_prometheus_pull_matches_a_pushed_copy_without_fingerprint(
    fake_prometheus: Any, helpers: Any, disposing: Disposing
) -> None:
    labels = {"alertname": "HighLatency", "instance": "api-1:8080", "job": "api"}
    fake_prometheus.prom_alerts = [helpers.prom_alert(labels=labels)]
    webhook = {
        "version": "4",
        "status": "firing",
        "receiver": "keep",
        "alerts": [{"status": "firing", "labels": dict(reversed(list(labels.items()))), "annotations": {}}],
    }
    (pushed,) = PrometheusProvider.format_alerts(webhook, {})
    async with disposing(provider({"prometheus_url": fake_prometheus.url})) as instance:
        (pulled,) = await instance.pull_alerts()
    assert pulled.fingerprint == pushed.fingerprint


async def test_prometheus_error_body_shape_is_an_outbound_error(local_api: Any, disposing: Disposing) -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def login_page(request: Any) -> PlainTextResponse:
        return PlainTextResponse("<html>login</html>")

    url = local_api(Starlette(routes=[Route("/api/v1/alerts", login_page)]))
    async with disposing(provider({"prometheus_url": url})) as instance:
        with pytest.raises(OutboundError, match="without JSON"):
            await instance.get_alerts()


async def test_pull_without_any_url_is_a_config_error(disposing: Disposing) -> None:
    async with disposing(provider({})) as instance:
        with pytest.raises(ProviderConfigError, match="alertmanager_url or prometheus_url"):
            await instance.get_alerts()


# --- auth, retries ------------------------------------------------------------------


async def test_basic_auth_is_sent(fake_prometheus: Any, helpers: Any, disposing: Disposing) -> None:
    fake_prometheus.expected_auth = helpers.basic(helpers.username, helpers.password)
    async with disposing(
        provider({"alertmanager_url": fake_prometheus.url, "username": helpers.username, "password": helpers.password})
    ) as instance:
        assert len(await instance.get_alerts()) == 1


async def test_bearer_token_is_sent(fake_prometheus: Any, helpers: Any, disposing: Disposing) -> None:
    fake_prometheus.expected_auth = f"Bearer {helpers.bearer}"
    async with disposing(provider({"prometheus_url": fake_prometheus.url, "bearer_token": helpers.bearer})) as instance:
        assert len(await instance.get_alerts()) == 1


async def test_401_fails_the_pull_without_leaking_the_password(
    fake_prometheus: Any, helpers: Any, disposing: Disposing
) -> None:
    fake_prometheus.expected_auth = helpers.basic(helpers.username, helpers.password)
    async with disposing(
        provider({"alertmanager_url": fake_prometheus.url, "username": helpers.username, "password": "wrong-pw"})
    ) as instance:
        with pytest.raises(OutboundError) as caught:
            await instance.get_alerts()
    assert caught.value.status_code == 401
    assert caught.value.attempts == 1
    assert "wrong-pw" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


async def test_503_then_success_is_retried(fake_prometheus: Any, disposing: Disposing) -> None:
    fake_prometheus.unavailable_times = 1
    async with disposing(provider({"alertmanager_url": fake_prometheus.url})) as instance:
        alerts = await instance.get_alerts()
    assert [a.fingerprint for a in alerts] == ["1a30ba71cca2921f"]
    assert [path for path, _ in fake_prometheus.seen] == ["/api/v2/alerts", "/api/v2/alerts"]


async def test_503_on_prometheus_then_success_is_retried(fake_prometheus: Any, disposing: Disposing) -> None:
    fake_prometheus.unavailable_times = 2
    async with disposing(provider({"prometheus_url": fake_prometheus.url})) as instance:
        alerts = await instance.get_alerts()
    assert [a.name for a in alerts] == ["HighLatency"]
    assert len(fake_prometheus.seen) == 3


async def test_503_until_retries_run_out_raises(fake_prometheus: Any, disposing: Disposing) -> None:
    fake_prometheus.unavailable_times = 10
    async with disposing(provider({"alertmanager_url": fake_prometheus.url})) as instance:
        with pytest.raises(OutboundError) as caught:
            await instance.get_alerts()
    assert caught.value.status_code == 503
    assert caught.value.attempts == FAST_RETRY.attempts


# --- scopes -------------------------------------------------------------------------


async def test_scopes_check_only_the_configured_apis(fake_prometheus: Any, disposing: Disposing) -> None:
    async with disposing(provider({"alertmanager_url": fake_prometheus.url})) as instance:
        scopes = await instance.validate_scopes()
    assert scopes == {"alertmanager:read": True, "prometheus:read": "not checked: prometheus_url is not set"}
    assert [path for path, _ in fake_prometheus.seen] == ["/api/v2/status"]


async def test_scopes_with_both_apis(fake_prometheus: Any, helpers: Any, disposing: Disposing) -> None:
    fake_prometheus.expected_auth = f"Bearer {helpers.bearer}"
    async with disposing(
        provider(
            {
                "alertmanager_url": fake_prometheus.url,
                "prometheus_url": fake_prometheus.url,
                "bearer_token": helpers.bearer,
            }
        )
    ) as instance:
        scopes = await instance.validate_scopes()
    assert scopes == {"alertmanager:read": True, "prometheus:read": True}
    assert sorted(path for path, _ in fake_prometheus.seen) == ["/api/v1/status/buildinfo", "/api/v2/status"]


async def test_scopes_report_auth_failure_as_a_reason(fake_prometheus: Any, helpers: Any, disposing: Disposing) -> None:
    fake_prometheus.expected_auth = f"Bearer {helpers.bearer}"
    async with disposing(
        provider(
            {"alertmanager_url": fake_prometheus.url, "prometheus_url": fake_prometheus.url, "bearer_token": "bad-tok"}
        )
    ) as instance:
        scopes = await instance.validate_scopes()
    for scope in ("alertmanager:read", "prometheus:read"):
        reason = scopes[scope]
        assert isinstance(reason, str)
        assert reason.startswith("authentication failed") and "401" in reason
        assert "bad-tok" not in reason


async def test_scopes_report_an_unreachable_server(disposing: Disposing) -> None:
    async with disposing(
        PrometheusProvider("test-id", {"prometheus_url": "http://127.0.0.1:9"}, retry=RetryPolicy(attempts=1))
    ) as instance:
        scopes = await instance.validate_scopes()
    assert isinstance(scopes["prometheus:read"], str) and "failed" in scopes["prometheus:read"]


# --- rule health --------------------------------------------------------------------


async def test_health_report_names_failing_rule_groups(
    fake_prometheus: Any, helpers: Any, disposing: Disposing
) -> None:
    fake_prometheus.rule_groups = [
        {
            "name": "node",
            "file": "/etc/prometheus/rules/node.yml",
            "interval": 60,
            "rules": [
                helpers.rule("DiskFull"),
                helpers.rule("BadDivision", health="err", last_error="many-to-many matching not allowed"),
                helpers.rule("node:cpu:rate5m", kind="recording"),
            ],
        },
        {
            "name": "api",
            "file": "/etc/prometheus/rules/api.yml",
            "interval": 30,
            "rules": [helpers.rule("HighLatency")],
        },
    ]
    async with disposing(provider({"prometheus_url": fake_prometheus.url})) as instance:
        summary, failing = await instance.health_report()
    assert summary.name == "rules" and summary.ok is False
    assert summary.data == {"groups": 2, "rules": 4, "alerting": 3, "recording": 1, "failing": 1}
    assert failing.ok is False
    assert failing.name == "rule group /etc/prometheus/rules/node.yml:node"
    assert failing.detail == "BadDivision: many-to-many matching not allowed"
    assert failing.data["failing_rules"] == [{"rule": "BadDivision", "error": "many-to-many matching not allowed"}]


async def test_health_report_all_rules_healthy(fake_prometheus: Any, helpers: Any, disposing: Disposing) -> None:
    fake_prometheus.rule_groups = [
        {"name": "api", "file": "api.yml", "rules": [helpers.rule("A"), helpers.rule("B", health="unknown")]}
    ]
    async with disposing(provider({"prometheus_url": fake_prometheus.url})) as instance:
        checks = await instance.health_report()
    assert len(checks) == 1
    assert checks[0].ok is True
    assert checks[0].detail == "2 rules in 1 groups, 0 failing"


async def test_health_report_needs_prometheus_url(fake_prometheus: Any, disposing: Disposing) -> None:
    async with disposing(provider({"alertmanager_url": fake_prometheus.url})) as instance:
        (check,) = await instance.health_report()
    assert check.ok is False and "prometheus_url is not set" in check.detail
    assert fake_prometheus.seen == []


async def test_health_report_on_auth_failure_is_a_failing_check(
    fake_prometheus: Any, helpers: Any, disposing: Disposing
) -> None:
    fake_prometheus.expected_auth = f"Bearer {helpers.bearer}"
    async with disposing(provider({"prometheus_url": fake_prometheus.url})) as instance:
        (check,) = await instance.health_report()
    assert check.ok is False
    assert check.detail.startswith("authentication failed") and "401" in check.detail


def test_firing_payload_formats_as_two_alerts(firing_body: dict[str, Any]) -> None:
    alerts = PrometheusProvider.format_alerts(firing_body, {})
    assert [(a.fingerprint, a.status, a.severity, a.environment) for a in alerts] == [
        ("5f1c2b7e9a0d3c41", AlertStatus.FIRING, AlertSeverity.CRITICAL, "production"),
        ("8d2e4a6b1c3f5e70", AlertStatus.FIRING, AlertSeverity.CRITICAL, "production"),
    ]
