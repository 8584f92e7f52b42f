"""Elastic pull: active Kibana alerts read from Elasticsearch's alert indices (fake ES)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import OutboundError, ProviderConfigError
from keep_providers.http import RetryPolicy
from keep_providers.providers.elastic.alerts_index import ALERT_FIELDS, PAGE_SIZE, format_alert_document
from keep_providers.providers.elastic.provider import ElasticProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]
Document = Callable[..., dict[str, Any]]

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)
RULE_ID = "3d5b2e70-8f4a-11ee-b0c5-6f1d2a9c4e11"


def puller(es_url: str, key: str, **extra: Any) -> ElasticProvider:
    return ElasticProvider("elastic-1", {"elasticsearch_url": es_url, "api_key": key, **extra}, retry=FAST_RETRY)


def host_alert(document: Document, number: int, *, status: str = "active") -> dict[str, Any]:
    start = datetime(2024, 11, 28, 12, 0, tzinfo=UTC) + timedelta(seconds=number // 3)
    return document(
        {
            "kibana.alert.instance.id": f"host-{number:04d}",
            "kibana.alert.uuid": f"00000000-0000-4000-8000-{number:012d}",
            # Three alerts share each start second, so the uuid breaks ties across pages.
            "kibana.alert.start": start.isoformat().replace("+00:00", "Z"),
            "kibana.alert.status": status,
        }
    )


async def test_pull_pages_through_active_alerts_with_search_after(
    fake_elasticsearch: Any, kibana_api_key: str, alert_document: Document, disposing: Disposing
) -> None:
    state, url = fake_elasticsearch
    active = [host_alert(alert_document, n) for n in range(2 * PAGE_SIZE + 3)]
    recovered = [host_alert(alert_document, n, status="recovered") for n in range(5000, 5010)]
    state.documents = recovered + active[::-1]
    async with disposing(puller(url, kibana_api_key)) as elastic:
        alerts = await elastic.get_alerts()
    assert len(alerts) == 2 * PAGE_SIZE + 3
    assert [alert.id for alert in alerts] == [f"host-{n:04d}" for n in range(2 * PAGE_SIZE + 3)]
    assert len({alert.fingerprint for alert in alerts}) == len(alerts)
    assert {alert.status for alert in alerts} == {AlertStatus.FIRING}
    assert len(state.requests) == 3
    first, second, third = (request["body"] for request in state.requests)
    assert "search_after" not in first
    last_of_first = datetime(2024, 11, 28, 12, 0, tzinfo=UTC) + timedelta(seconds=(PAGE_SIZE - 1) // 3)
    assert second["search_after"] == [int(last_of_first.timestamp() * 1000), f"00000000-0000-4000-8000-{499:012d}"]
    assert third["search_after"][1] == f"00000000-0000-4000-8000-{999:012d}"
    assert first["size"] == PAGE_SIZE
    assert first["_source"] is False
    assert first["fields"] == list(ALERT_FIELDS)
    assert first["query"] == {"bool": {"filter": [{"term": {"kibana.alert.status": "active"}}]}}
    assert [next(iter(clause)) for clause in first["sort"]] == ["kibana.alert.start", "kibana.alert.uuid"]
    request = state.requests[0]
    assert request["path"] == "/.alerts-*/_search"
    assert request["params"] == {"expand_wildcards": "open,hidden"}
    assert request["headers"]["authorization"] == f"ApiKey {kibana_api_key}"
    assert "kbn-xsrf" not in request["headers"]


async def test_pull_stops_on_an_exactly_full_last_page(
    fake_elasticsearch: Any, kibana_api_key: str, alert_document: Document, disposing: Disposing
) -> None:
    state, url = fake_elasticsearch
    state.documents = [host_alert(alert_document, n) for n in range(PAGE_SIZE)]
    async with disposing(puller(url, kibana_api_key)) as elastic:
        alerts = await elastic.get_alerts()
    assert len(alerts) == PAGE_SIZE
    # The second, empty page is how the end is known.
    assert len(state.requests) == 2


async def test_pulled_and_pushed_copies_share_the_fingerprint(
    fake_elasticsearch: Any,
    kibana_api_key: str,
    alert_document: Document,
    firing_body: dict[str, Any],
    disposing: Disposing,
) -> None:
    state, url = fake_elasticsearch
    state.documents = [alert_document()]
    async with disposing(puller(url, kibana_api_key)) as elastic:
        (pulled,) = await elastic.pull_alerts()
    (pushed,) = ElasticProvider.format_alerts(firing_body, {}, provider_id="elastic-1")
    assert pulled.fingerprint == pushed.fingerprint
    assert (pulled.id, pulled.name, pulled.severity) == (pushed.id, pushed.name, pushed.severity)
    assert pulled.labels == pushed.labels
    assert pulled.pushed is False and pulled.providerType == "elastic" and pulled.providerId == "elastic-1"


async def test_pull_maps_every_field(
    fake_elasticsearch: Any, kibana_api_key: str, alert_document: Document, disposing: Disposing
) -> None:
    state, url = fake_elasticsearch
    state.documents = [
        alert_document(
            {
                "kibana.alert.url": "/s/ops/app/observability/alerts/b1f0c2d4",
                "kibana.alert.evaluation.value": 152,
                "kibana.alert.flapping": True,
                "kibana.alert.rule.tags": ["sev:warning", "team:payments"],
                "kibana.alert.rule.description": "Checkout errors über 100 ☕",
                "kibana.space_ids": ["ops", "default"],
                "service.name": "checkout-api",
                "service.environment": "staging",
                "host.name": "web-1",
            }
        )
    ]
    async with disposing(puller(url, kibana_api_key, kibana_url="https://kb.example.com")) as elastic:
        (alert,) = await elastic.get_alerts()
    assert alert.id == "query matched"
    assert alert.name == "High error rate on checkout"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.WARNING
    assert alert.url == "https://kb.example.com/s/ops/app/observability/alerts/b1f0c2d4"
    assert alert.message.startswith("Document count is 152")
    assert alert.description == "Checkout errors über 100 ☕"
    assert alert.service == "checkout-api"
    assert alert.environment == "staging"
    assert alert.firingStartTime == datetime(2024, 11, 28, 14, 0, tzinfo=UTC)
    assert alert.lastReceived == datetime(2024, 11, 28, 14, 5, 0, 123000, tzinfo=UTC)
    assert alert.labels == {
        "sev": "warning",
        "team": "payments",
        "ruleId": RULE_ID,
        "alertId": "query matched",
        "spaceId": "ops",
    }
    extra = alert.model_dump()
    assert extra["tags"] == ["sev:warning", "team:payments"]
    assert extra["alertUuid"] == "b1f0c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    assert extra["actionGroup"] == "query matched"
    assert extra["flapping"] is True
    assert extra["value"] == "152"
    assert extra["workflowStatus"] == "open"
    assert extra["ruleCategory"] == "Elasticsearch query"
    assert extra["ruleTypeId"] == ".es-query"
    assert extra["host"] == "web-1"
    assert extra["alertsIndex"] == ".internal.alerts-stack.alerts-default-000001"
    assert alert.source == ["elastic", "kibana"]


@pytest.mark.parametrize(
    ("severity", "tags", "expected"),
    [
        ("critical", [], AlertSeverity.CRITICAL),
        ("high", ["severity:low"], AlertSeverity.HIGH),
        ("medium", [], AlertSeverity.WARNING),
        ("low", ["critical"], AlertSeverity.LOW),
        ("unheard-of", ["p2"], AlertSeverity.HIGH),
        (None, ["info"], AlertSeverity.INFO),
        (None, [], AlertSeverity.WARNING),
    ],
)
def test_alert_severity_field_wins_over_tags(
    alert_document: Document, severity: str | None, tags: list[str], expected: AlertSeverity
) -> None:
    document = alert_document({"kibana.alert.severity": severity, "kibana.alert.rule.tags": tags or None})
    alert = format_alert_document(document)
    assert alert.severity is expected
    assert alert.model_dump().get("alertSeverity") == severity


def test_relative_url_kept_without_kibana_url(alert_document: Document) -> None:
    alert = format_alert_document(alert_document({"kibana.alert.url": "/app/r/alert/1"}))
    assert alert.url == "/app/r/alert/1"


def test_alerts_without_instance_id_stay_apart(alert_document: Document) -> None:
    # Security detection alerts: one rule, many alerts, no instance id.
    first, second = (
        format_alert_document(
            alert_document({"kibana.alert.instance.id": None, "kibana.alert.uuid": uuid}),
        )
        for uuid in ("a0000000-0000-4000-8000-000000000001", "a0000000-0000-4000-8000-000000000002")
    )
    assert first.fingerprint != second.fingerprint
    assert first.id is None and "alertId" not in first.labels


async def test_bad_document_costs_only_itself(
    fake_elasticsearch: Any, kibana_api_key: str, alert_document: Document, disposing: Disposing
) -> None:
    state, url = fake_elasticsearch
    state.documents = [
        alert_document({"kibana.alert.instance.id": "good-1", "kibana.alert.uuid": "u-1"}),
        alert_document({"kibana.alert.rule.uuid": None, "kibana.alert.uuid": "u-2"}),
        alert_document({"kibana.alert.instance.id": "good-3", "kibana.alert.uuid": "u-3"}),
    ]
    async with disposing(puller(url, kibana_api_key)) as elastic:
        alerts = await elastic.get_alerts()
    assert [alert.id for alert in alerts] == ["good-1", "good-3"]


async def test_bad_field_keeps_the_alert(
    fake_elasticsearch: Any, kibana_api_key: str, alert_document: Document, disposing: Disposing
) -> None:
    state, url = fake_elasticsearch
    state.documents = [alert_document({"@timestamp": "yesterday-ish"})]
    async with disposing(puller(url, kibana_api_key)) as elastic:
        (alert,) = await elastic.get_alerts()
    assert alert.name == "High error rate on checkout"
    assert any(warning.startswith("lastReceived dropped") for warning in alert.model_dump()["formatWarnings"])


async def test_pull_bad_key_is_a_401_without_the_key(
    fake_elasticsearch: Any, alert_document: Document, disposing: Disposing
) -> None:
    state, url = fake_elasticsearch
    state.documents = [alert_document()]
    async with disposing(puller(url, "not-the-key-42")) as elastic:
        with pytest.raises(OutboundError) as caught:
            await elastic.get_alerts()
    assert caught.value.status_code == 401
    assert "not-the-key-42" not in str(caught.value)
    assert len(state.requests) == 1


async def test_pull_forbidden_index_is_a_403(
    fake_elasticsearch: Any, kibana_api_key: str, alert_document: Document, disposing: Disposing
) -> None:
    state, url = fake_elasticsearch
    state.documents = [alert_document()]
    state.readable = False
    async with disposing(puller(url, kibana_api_key, alerts_index=".alerts-stack.alerts-default")) as elastic:
        with pytest.raises(OutboundError) as caught:
            await elastic.get_alerts()
    assert caught.value.status_code == 403
    assert state.requests[0]["path"] == "/.alerts-stack.alerts-default/_search"


async def test_pull_retries_unavailable_then_succeeds(
    fake_elasticsearch: Any, kibana_api_key: str, alert_document: Document, disposing: Disposing
) -> None:
    state, url = fake_elasticsearch
    state.documents = [alert_document()]
    state.failures = [503]
    async with disposing(puller(url, kibana_api_key)) as elastic:
        alerts = await elastic.get_alerts()
    assert [alert.id for alert in alerts] == ["query matched"]
    assert len(state.requests) == 2


async def test_pull_needs_elasticsearch_url(fake_kibana: Any, kibana_api_key: str) -> None:
    _, url = fake_kibana
    elastic = ElasticProvider("e", {"kibana_url": url, "api_key": kibana_api_key})
    with pytest.raises(ProviderConfigError, match="elasticsearch_url"):
        await elastic.get_alerts()


# --- read:alerts-index scope -----------------------------------------------------


async def test_scopes_with_both_urls(
    fake_kibana: Any, fake_elasticsearch: Any, kibana_api_key: str, alert_document: Document, disposing: Disposing
) -> None:
    _, kibana_url = fake_kibana
    state, es_url = fake_elasticsearch
    state.documents = [alert_document()]
    async with disposing(puller(es_url, kibana_api_key, kibana_url=kibana_url)) as elastic:
        scopes = await elastic.validate_scopes()
    assert scopes == {"read:alerting": True, "read:connectors": True, "read:alerts-index": True}
    (check,) = state.requests
    assert check["body"]["size"] == 0
    assert check["params"] == {"expand_wildcards": "open,hidden"}


async def test_scopes_elasticsearch_only(
    fake_elasticsearch: Any, kibana_api_key: str, alert_document: Document, disposing: Disposing
) -> None:
    state, url = fake_elasticsearch
    state.documents = [alert_document()]
    async with disposing(puller(url, kibana_api_key)) as elastic:
        assert await elastic.validate_scopes() == {
            "read:alerting": "not checked: kibana_url is not set",
            "read:connectors": "not checked: kibana_url is not set",
            "read:alerts-index": True,
        }


async def test_scope_bad_key(fake_elasticsearch: Any, disposing: Disposing) -> None:
    _, url = fake_elasticsearch
    async with disposing(puller(url, "wrong-key-value")) as elastic:
        scopes = await elastic.validate_scopes()
    assert scopes["read:alerts-index"] == (
        "Elasticsearch answered 401: security_exception: unable to authenticate with provided credentials"
    )
    assert all("wrong-key-value" not in str(reason) for reason in scopes.values())


async def test_scope_forbidden_named_index(
    fake_elasticsearch: Any, kibana_api_key: str, alert_document: Document, disposing: Disposing
) -> None:
    state, url = fake_elasticsearch
    state.documents = [alert_document()]
    state.readable = False
    async with disposing(puller(url, kibana_api_key, alerts_index=".alerts-stack.alerts-default")) as elastic:
        scopes = await elastic.validate_scopes()
    reason = scopes["read:alerts-index"]
    assert isinstance(reason, str)
    assert reason.startswith("Elasticsearch answered 403: security_exception: action [indices:data/read/search]")


async def test_scope_unreadable_wildcard_matches_no_index(
    fake_elasticsearch: Any, kibana_api_key: str, alert_document: Document, disposing: Disposing
) -> None:
    state, url = fake_elasticsearch
    state.documents = [alert_document()]
    state.readable = False
    async with disposing(puller(url, kibana_api_key)) as elastic:
        scopes = await elastic.validate_scopes()
    assert scopes["read:alerts-index"] == (
        "no index matching '.alerts-*' was searched: none exists yet, or the key lacks the 'read' index privilege on it"
    )


async def test_scope_unreachable(kibana_api_key: str, disposing: Disposing) -> None:
    async with disposing(puller("http://127.0.0.1:9", kibana_api_key)) as elastic:
        scopes = await elastic.validate_scopes()
    assert scopes["read:alerts-index"] == "127.0.0.1 unreachable: ConnectError"


# --- config ----------------------------------------------------------------------


def test_pull_config() -> None:
    elastic = ElasticProvider("e", {"elasticsearch_url": "https://es.example.com/", "api_key": "k"})
    assert elastic.capabilities() >= {"pull", "scopes"}
    with pytest.raises(ProviderConfigError, match="need api_key"):
        ElasticProvider("e", {"elasticsearch_url": "https://es.example.com"})
    with pytest.raises(ProviderConfigError, match="api_key needs kibana_url or elasticsearch_url"):
        ElasticProvider("e", {"api_key": "k"})
    with pytest.raises(ProviderConfigError, match="alerts_index"):
        ElasticProvider("e", {"elasticsearch_url": "https://es.example.com", "api_key": "k", "alerts_index": "../_all"})
