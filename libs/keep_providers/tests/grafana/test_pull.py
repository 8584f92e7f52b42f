"""Pull through Grafana's Alertmanager-compatible API, and the rule health report,
against the fake Grafana API."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import OutboundError, PartialFormatError
from keep_providers.providers.grafana.provider import GrafanaProvider

Payload = Callable[[str], Any]
MakeProvider = Callable[..., GrafanaProvider]
Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]


def api_alert(**overrides: Any) -> dict[str, Any]:
    """One alert as GET /api/alertmanager/grafana/api/v2/alerts answers it."""
    entry: dict[str, Any] = {
        "annotations": {
            "__orgId__": "1",
            "__value_string__": "[ var='B' labels={instance=node-1.eu-west-1.internal:9100} value=93.41 ]",
            "__values__": '{"B":93.41,"C":1}',
            "description": "Memory usage on node-1 has been above 90% for 5 minutes.",
            "runbook_url": "https://runbooks.example.com/memory",
            "summary": "node-1 memory usage is 93.4%",
        },
        "endsAt": "2024-09-16T08:05:03.157Z",
        "fingerprint": "c6eadffa33fcdf37",
        "receivers": [{"name": "keep-aiops"}],
        "startsAt": "2024-09-16T09:51:03.157076+02:00",
        "status": {"inhibitedBy": [], "silencedBy": [], "state": "active"},
        "updatedAt": "2024-09-16T08:01:03.157Z",
        "generatorURL": "https://grafana.example.com/alerting/grafana/ddvq0m0tn6rk0f/view?orgId=1",
        "labels": {
            "__alert_rule_namespace_uid__": "edvq0kx1f2ghcb",
            "__alert_rule_uid__": "ddvq0m0tn6rk0f",
            "alertname": "High memory usage",
            "environment": "production",
            "grafana_folder": "Platform",
            "instance": "node-1.eu-west-1.internal:9100",
            "service": "checkout",
            "severity": "critical",
            "team": "payments",
        },
    }
    entry.update(overrides)
    return entry


async def test_pull_maps_the_api_answer(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.alerts = [api_alert()]
    (alert,) = await make_provider().pull_alerts()
    assert alert.name == "High memory usage"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.CRITICAL
    assert alert.fingerprint == "c6eadffa33fcdf37"
    assert alert.service == "checkout"
    assert alert.environment == "production"
    assert alert.url == "https://grafana.example.com/alerting/grafana/ddvq0m0tn6rk0f/view?orgId=1"
    assert "__alert_rule_uid__" not in alert.labels
    assert "__values__" not in alert.annotations
    dumped = alert.model_dump()
    assert dumped["ruleUid"] == "ddvq0m0tn6rk0f"
    assert dumped["valueString"].startswith("[ var='B'")
    assert dumped["grafanaState"] == "active"
    assert alert.providerType == "grafana"
    assert alert.providerId == "test-id"
    assert alert.pushed is False
    (call,) = grafana.calls("GET", "/api/v2/alerts")
    assert call.headers["authorization"] == "Bearer glsa_admin_0123456789abcdef"
    assert call.query == {"silenced": "true", "inhibited": "true"}


async def test_pulled_alert_matches_the_webhooks_fingerprint_and_labels(
    grafana: Any, make_provider: MakeProvider, payload: Payload
) -> None:
    pushed = GrafanaProvider.format_alerts(payload("firing"), {})[0]
    grafana.alerts = [api_alert()]
    (pulled,) = await make_provider().get_alerts()
    assert pulled.fingerprint == pushed.fingerprint
    assert pulled.labels == pushed.labels
    assert (pulled.name, pulled.severity, pulled.message) == (pushed.name, pushed.severity, pushed.message)


@pytest.mark.parametrize(
    ("state", "expected"),
    [("active", AlertStatus.FIRING), ("suppressed", AlertStatus.SUPPRESSED), ("unprocessed", AlertStatus.FIRING)],
)
async def test_alertmanager_state_table(
    grafana: Any, make_provider: MakeProvider, state: str, expected: AlertStatus
) -> None:
    grafana.alerts = [api_alert(status={"inhibitedBy": [], "silencedBy": ["s1"], "state": state})]
    (alert,) = await make_provider().get_alerts()
    assert alert.status is expected


async def test_relative_generator_url_resolves_against_host(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.alerts = [api_alert(generatorURL="/alerting/grafana/ddvq0m0tn6rk0f/view")]
    (alert,) = await make_provider().get_alerts()
    assert alert.url == f"{grafana.url}/alerting/grafana/ddvq0m0tn6rk0f/view"


async def test_no_alerts_is_an_empty_list(grafana: Any, make_provider: MakeProvider) -> None:
    assert await make_provider().get_alerts() == []


async def test_bad_entry_fails_the_pull_but_names_it(grafana: Any, make_provider: MakeProvider) -> None:
    # A partial pull would read as "the others were resolved"; the caller gets both.
    grafana.alerts = [api_alert(), api_alert(fingerprint=None), "junk"]
    with pytest.raises(PartialFormatError) as caught:
        await make_provider().get_alerts()
    assert [a.fingerprint for a in caught.value.alerts] == ["c6eadffa33fcdf37"]
    assert caught.value.problems == ["alerts[1]: alert has no fingerprint", "alerts[2]: not an object"]


async def test_unknown_token_is_401(grafana: Any, make_provider: MakeProvider) -> None:
    with pytest.raises(OutboundError) as caught:
        await make_provider("unknown").get_alerts()
    assert caught.value.status_code == 401
    assert "glsa_" not in str(caught.value)


async def test_missing_permission_is_403(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.tokens["glsa_reader_0123456789abcdef"] = frozenset()
    with pytest.raises(OutboundError) as caught:
        await make_provider("reader").get_alerts()
    assert caught.value.status_code == 403


@pytest.mark.parametrize("failure", [503, 429])
async def test_transient_failure_then_success(grafana: Any, make_provider: MakeProvider, failure: int) -> None:
    grafana.alerts = [api_alert()]
    grafana.failures = [failure]
    (alert,) = await make_provider().get_alerts()
    assert alert.fingerprint == "c6eadffa33fcdf37"
    assert len(grafana.calls("GET", "/api/v2/alerts")) == 2


async def test_answer_that_is_not_a_list_is_an_outbound_error(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.alerts = {"message": "weird proxy"}
    with pytest.raises(OutboundError, match="not a list"):
        await make_provider().get_alerts()


async def test_without_tls_verification_the_provider_still_talks_plain_http(grafana: Any, disposing: Disposing) -> None:
    grafana.alerts = [api_alert()]
    async with disposing(
        GrafanaProvider("test-id", {"host": grafana.url, "token": "glsa_admin_0123456789abcdef", "verify_tls": False})
    ) as provider:
        assert [a.fingerprint for a in await provider.get_alerts()] == ["c6eadffa33fcdf37"]


# --- health report -------------------------------------------------------------------


def rule(name: str, health: str = "ok", last_error: str = "") -> dict[str, Any]:
    return {
        "state": "inactive",
        "name": name,
        "query": "[]",
        "uid": f"uid-{name}",
        "health": health,
        "lastError": last_error,
        "type": "alerting",
        "lastEvaluation": "2024-09-16T08:00:00Z",
        "evaluationTime": 0.01,
    }


def group(name: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "file": "Platform", "folderUid": "edvq0kx1f2ghcb", "rules": list(rules), "interval": 60}


async def test_health_report_lists_failing_rules(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.rule_groups = [
        group("memory", rule("High memory usage"), rule("Swap", "error", "failed to execute query A: timeout")),
        group("disk", rule("Disk full", "nodata")),
    ]
    checks = await make_provider().health_report()
    assert [(c.name, c.ok, c.detail) for c in checks] == [
        ("rule Platform/memory/Swap", False, "failed to execute query A: timeout"),
        ("rule Platform/disk/Disk full", False, "query returns no data"),
    ]
    assert checks[0].data["uid"] == "uid-Swap"
    assert checks[1].data["health"] == "nodata"


async def test_health_report_all_good(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.rule_groups = [group("g", rule("a"), rule("b"))]
    (check,) = await make_provider().health_report()
    assert (check.name, check.ok, check.detail) == ("alert rules", True, "2 rules evaluate with data")


async def test_health_report_follows_rule_pages(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.rule_groups = [group(f"g{i:03}", rule(f"r{i}", "error" if i % 50 == 0 else "ok")) for i in range(230)]
    checks = await make_provider().health_report()
    assert [c.name for c in checks] == [f"rule Platform/g{i:03}/r{i}" for i in (0, 50, 100, 150, 200)]
    calls = grafana.calls("GET", "/api/v1/rules")
    assert [c.query.get("group_next_token") for c in calls] == [None, "page-100", "page-200"]
    assert all(c.query["group_limit"] == "100" for c in calls)


async def test_health_report_on_grafana_without_rule_pages(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.paginates_rules = False
    grafana.rule_groups = [group(f"g{i}", rule(f"r{i}")) for i in range(150)]
    (check,) = await make_provider().health_report()
    assert check.detail == "150 rules evaluate with data"
    assert len(grafana.calls("GET", "/api/v1/rules")) == 1


async def test_health_report_without_permission_is_403(grafana: Any, make_provider: MakeProvider) -> None:
    with pytest.raises(OutboundError) as caught:
        await make_provider("reader").health_report()
    assert caught.value.status_code == 403
