"""Pull and scopes against a fake Zabbix JSON-RPC API."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, ClassVar

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.config import describe_config
from keep_providers.exceptions import OutboundError, ProviderConfigError
from keep_providers.http import RetryPolicy
from keep_providers.providers.zabbix.jsonrpc import ZabbixApiError
from keep_providers.providers.zabbix.provider import ZabbixProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)


class SmallPages(ZabbixProvider):
    PAGE_SIZE: ClassVar[int] = 2


def provider(url: str, token: str, cls: type[ZabbixProvider] = ZabbixProvider, **extra: Any) -> ZabbixProvider:
    return cls("test-id", {"zabbix_url": url, "api_token": token, **extra}, retry=FAST_RETRY)


def test_config_needs_url_and_token() -> None:
    with pytest.raises(ProviderConfigError, match="api_token"):
        ZabbixProvider("x", {"zabbix_url": "https://zabbix.example.com"})
    fields = {f.name: f for f in describe_config(ZabbixProvider.CONFIG_MODEL)}
    assert fields["zabbix_url"].required and fields["zabbix_url"].hint == "url"
    assert fields["api_token"].required and fields["api_token"].sensitive
    assert fields["auth_in_body"].default is False


def test_capabilities() -> None:
    assert ZabbixProvider.capabilities() == frozenset({"format", "pull", "scopes", "setup_webhook"})


async def test_pull_maps_problems_with_their_hosts(fake_zabbix: Any, zabbix_data: Any, disposing: Disposing) -> None:
    fake_zabbix.problems = [
        zabbix_data.problem("101", tags=[{"tag": "environment", "value": "prod"}, {"tag": "service", "value": "api"}]),
        zabbix_data.problem("102", acknowledged="1", severity="5"),
        zabbix_data.problem("103", suppressed="1", severity="0"),
    ]
    fake_zabbix.hosts = {"101": [{"hostid": "10084", "host": "web-01", "name": "Web server 01"}]}
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        first, second, third = await instance.pull_alerts()
    assert first.fingerprint == "101"
    assert first.name == "Problem 101"
    assert first.status is AlertStatus.FIRING
    assert first.severity is AlertSeverity.HIGH
    assert first.environment == "prod" and first.service == "api"
    assert first.url == f"{fake_zabbix.url}/tr_events.php?triggerid=2101&eventid=101"
    assert first.firingStartTime is not None and first.firingStartTime.isoformat() == "2024-05-01T10:15:42+00:00"
    assert first.model_dump()["host"] == "web-01" and first.model_dump()["hostName"] == "Web server 01"
    assert first.pushed is False and first.providerType == "zabbix"
    assert (second.status, second.severity) == (AlertStatus.ACKNOWLEDGED, AlertSeverity.CRITICAL)
    assert (third.status, third.severity) == (AlertStatus.SUPPRESSED, AlertSeverity.LOW)
    assert third.service == "checkout"
    problem_call, event_call = fake_zabbix.calls
    assert problem_call["authorization"] == f"Bearer {zabbix_data.token}"
    assert problem_call["body"]["method"] == "problem.get"
    params = problem_call["body"]["params"]
    assert params["recent"] is False and params["selectTags"] == "extend" and params["sortfield"] == ["eventid"]
    assert "auth" not in problem_call["body"]
    assert event_call["body"]["method"] == "event.get"
    assert event_call["body"]["params"]["eventids"] == ["101", "102", "103"]
    assert event_call["body"]["params"]["selectHosts"] == ["hostid", "host", "name"]


async def test_pulled_and_pushed_copies_share_the_fingerprint(
    fake_zabbix: Any, zabbix_data: Any, disposing: Disposing
) -> None:
    (pushed,) = ZabbixProvider.format_alerts(zabbix_data.notification(), {})
    fake_zabbix.problems = [zabbix_data.problem("48213")]
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        (pulled,) = await instance.pull_alerts()
    assert pulled.fingerprint == pushed.fingerprint == "48213"


async def test_pull_pages_through_problems_by_event_id(
    fake_zabbix: Any, zabbix_data: Any, disposing: Disposing
) -> None:
    fake_zabbix.problems = [zabbix_data.problem(str(i)) for i in (15, 11, 12, 14, 13)]
    async with disposing(provider(fake_zabbix.url, zabbix_data.token, SmallPages)) as instance:
        alerts = await instance.get_alerts()
    assert [a.fingerprint for a in alerts] == ["11", "12", "13", "14", "15"]
    pages = [c["body"]["params"] for c in fake_zabbix.calls if c["body"]["method"] == "problem.get"]
    assert [p.get("eventid_from") for p in pages] == [None, "13", "15"]
    assert all(p["limit"] == 2 for p in pages)


async def test_no_open_problems(fake_zabbix: Any, zabbix_data: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        assert await instance.get_alerts() == []
    assert [c["body"]["method"] for c in fake_zabbix.calls] == ["problem.get"]


async def test_token_in_body_for_old_zabbix(fake_zabbix: Any, zabbix_data: Any, disposing: Disposing) -> None:
    fake_zabbix.problems = [zabbix_data.problem("1")]
    async with disposing(provider(fake_zabbix.url, zabbix_data.token, auth_in_body=True)) as instance:
        assert len(await instance.get_alerts()) == 1
    assert fake_zabbix.calls[0]["body"]["auth"] == zabbix_data.token
    assert fake_zabbix.calls[0]["authorization"] is None


async def test_not_authorized_is_an_outbound_error_without_the_token(fake_zabbix: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_zabbix.url, "wrong-token-xyz")) as instance:
        with pytest.raises(OutboundError) as caught:
            await instance.get_alerts()
    assert isinstance(caught.value, ZabbixApiError)
    assert caught.value.code == -32602
    assert caught.value.is_auth_failure
    assert "Not authorized." in str(caught.value) and "problem.get" in str(caught.value)
    assert "wrong-token-xyz" not in str(caught.value)
    assert len(fake_zabbix.calls) == 1  # a refusal is final, not retried


async def test_pull_without_event_get_right_still_pulls(
    fake_zabbix: Any, zabbix_data: Any, disposing: Disposing
) -> None:
    fake_zabbix.problems = [zabbix_data.problem("7")]
    fake_zabbix.denied_methods = {"event.get"}
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        (alert,) = await instance.get_alerts()
    assert alert.fingerprint == "7"
    assert "host" not in alert.model_dump()


async def test_one_bad_problem_costs_only_itself(fake_zabbix: Any, zabbix_data: Any, disposing: Disposing) -> None:
    fake_zabbix.problems = [zabbix_data.problem("1"), zabbix_data.problem("2", name=""), zabbix_data.problem("3")]
    fake_zabbix.problems[1]["clock"] = "not-a-clock"
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        alerts = await instance.get_alerts()
    assert [a.fingerprint for a in alerts] == ["1", "2", "3"]
    assert alerts[1].name == "Zabbix problem 2"
    assert any(w.startswith("firingStartTime dropped") for w in alerts[1].model_dump()["formatWarnings"])


async def test_503_then_success_is_retried(fake_zabbix: Any, zabbix_data: Any, disposing: Disposing) -> None:
    fake_zabbix.problems = [zabbix_data.problem("1")]
    fake_zabbix.unavailable_times = 2
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        alerts = await instance.get_alerts()
    assert [a.fingerprint for a in alerts] == ["1"]


async def test_non_json_answer_is_an_outbound_error(local_api: Any, disposing: Disposing) -> None:
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    async def frontend(request: Any) -> HTMLResponse:
        return HTMLResponse("<html>Zabbix</html>")

    url = local_api(Starlette(routes=[Route("/api_jsonrpc.php", frontend, methods=["POST"])]))
    async with disposing(provider(url, "t")) as instance:
        with pytest.raises(OutboundError, match="without JSON"):
            await instance.get_alerts()


async def test_scopes_all_granted(fake_zabbix: Any, zabbix_data: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        scopes = await instance.validate_scopes()
    assert scopes == {"problem.get": True, "event.get": True, "mediatype.create": True}
    assert [c["body"]["params"]["limit"] for c in fake_zabbix.calls] == [1, 1, 1]
    assert fake_zabbix.calls[2]["body"]["method"] == "mediatype.get"


async def test_scopes_with_a_bad_token_say_not_authorized(fake_zabbix: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_zabbix.url, "wrong-token-xyz")) as instance:
        scopes = await instance.validate_scopes()
    assert scopes == {
        "problem.get": "authentication failed: Invalid params. Not authorized.",
        "event.get": "authentication failed: Invalid params. Not authorized.",
        "mediatype.create": "authentication failed: Invalid params. Not authorized.",
    }


async def test_scopes_with_a_revoked_method(fake_zabbix: Any, zabbix_data: Any, disposing: Disposing) -> None:
    fake_zabbix.denied_methods = {"event.get"}
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        scopes = await instance.validate_scopes()
    assert scopes["problem.get"] is True
    assert scopes["event.get"] == 'authentication failed: Application error. No permissions to call "event.get".'


async def test_scopes_behind_a_proxy_answering_401(local_api: Any, disposing: Disposing) -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def proxy(request: Any) -> PlainTextResponse:
        return PlainTextResponse("Unauthorized", status_code=401)

    url = local_api(Starlette(routes=[Route("/api_jsonrpc.php", proxy, methods=["POST"])]))
    async with disposing(provider(url, "t")) as instance:
        scopes = await instance.validate_scopes()
    for reason in scopes.values():
        assert isinstance(reason, str) and reason.startswith("authentication failed") and "401" in reason
