"""setup_webhook against the fake Zabbix JSON-RPC API: the keep-aiops media type."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from keep_providers.exceptions import OutboundError
from keep_providers.http import RetryPolicy
from keep_providers.providers.zabbix.jsonrpc import ZabbixApiError
from keep_providers.providers.zabbix.mediatype import SCRIPT
from keep_providers.providers.zabbix.provider import ZabbixProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01)
KEEP = "https://keep.example.com"
HOOK = f"{KEEP}/api/alerts/event/zabbix?provider_id=zbx-1"
DOCS = Path(__file__).resolve().parents[4] / "docs" / "providers" / "zabbix.md"


def provider(url: str, token: str) -> ZabbixProvider:
    return ZabbixProvider("zbx-1", {"zabbix_url": url, "api_token": token}, retry=FAST_RETRY)


def parameters(mediatype: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in mediatype["parameters"]}


async def test_creates_the_media_type(fake_zabbix: Any, zabbix_data: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        summary = await instance.setup_webhook("tenant-1", f"{KEEP}/", "keep-key-1")
    [mediatype] = fake_zabbix.mediatypes.values()
    assert (mediatype["name"], mediatype["type"], mediatype["status"]) == ("keep-aiops", 4, 0)
    assert mediatype["script"] == SCRIPT
    assert "request.addHeader('X-API-KEY: ' + key);" in mediatype["script"]
    sent = parameters(mediatype)
    assert sent["keepUrl"] == HOOK and sent["keepApiKey"] == "keep-key-1"
    assert sent["id"] == "{EVENT.ID}" and sent["tags"] == "{EVENT.TAGSJSON}" and sent["zabbixUrl"] == "{$ZABBIX.URL}"
    assert len(sent) == 24
    assert sorted(t["recovery"] for t in mediatype["message_templates"]) == ["0", "1", "2"]
    assert {t["eventsource"] for t in mediatype["message_templates"]} == {"0"}
    assert summary["action"] == "created" and summary["mediatype_id"] == mediatype["mediatypeid"]
    assert summary["webhook_url"] == HOOK and summary["media_type"] == "keep-aiops"
    assert "keep-key-1" not in str(summary)
    lookup, creation = fake_zabbix.calls
    assert lookup["body"]["method"] == "mediatype.get"
    assert lookup["body"]["params"]["filter"] == {"name": "keep-aiops"}
    assert creation["body"]["method"] == "mediatype.create"
    # Users and actions are the Zabbix admin's: nothing else is called.
    assert {c["body"]["method"] for c in fake_zabbix.calls} == {"mediatype.get", "mediatype.create"}


async def test_second_run_updates_with_the_new_key(fake_zabbix: Any, zabbix_data: Any, disposing: Disposing) -> None:
    fake_zabbix.mediatypes["1"] = {"mediatypeid": "1", "name": "Email", "type": 0}
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        first = await instance.setup_webhook("tenant-1", KEEP, "keep-key-1")
        second = await instance.setup_webhook("tenant-1", KEEP, "keep-key-2")
    assert (first["action"], second["action"]) == ("created", "updated")
    assert first["mediatype_id"] == second["mediatype_id"]
    assert sorted(m["name"] for m in fake_zabbix.mediatypes.values()) == ["Email", "keep-aiops"]
    ours = fake_zabbix.mediatypes[second["mediatype_id"]]
    assert parameters(ours)["keepApiKey"] == "keep-key-2"
    update = fake_zabbix.calls[-1]["body"]
    assert update["method"] == "mediatype.update"
    assert update["params"]["mediatypeid"] == second["mediatype_id"]


async def test_admin_user_is_refused_and_scope_says_so(
    fake_zabbix: Any, zabbix_data: Any, disposing: Disposing
) -> None:
    fake_zabbix.user_type = "admin"
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        with pytest.raises(ZabbixApiError) as caught:
            await instance.setup_webhook("tenant-1", KEEP, "keep-key-secret")
        scopes = await instance.validate_scopes()
    assert 'No permissions to call "mediatype.create"' in str(caught.value)
    assert "keep-key-secret" not in str(caught.value) and zabbix_data.token not in str(caught.value)
    assert scopes["problem.get"] is True
    reason = scopes["mediatype.create"]
    assert isinstance(reason, str) and reason.startswith("refused: Invalid params. Invalid parameter")
    assert fake_zabbix.mediatypes == {}


async def test_a_refusal_quoting_the_key_withholds_it(fake_zabbix: Any, zabbix_data: Any, disposing: Disposing) -> None:
    fake_zabbix.refuse_parameter = "keepApiKey"
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        with pytest.raises(ZabbixApiError) as caught:
            await instance.setup_webhook("tenant-1", KEEP, "keep-key-quoted")
    assert "keep-key-quoted" not in str(caught.value)
    assert "mediatype.create" in str(caught.value) and "-32602" in str(caught.value)


async def test_bad_token_is_an_outbound_error_without_it(fake_zabbix: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_zabbix.url, "wrong-token-abc")) as instance:
        with pytest.raises(OutboundError) as caught:
            await instance.setup_webhook("tenant-1", KEEP, "keep-key-1")
    assert "Not authorized" in str(caught.value)
    assert "wrong-token-abc" not in str(caught.value)


async def test_503_then_success_is_retried(fake_zabbix: Any, zabbix_data: Any, disposing: Disposing) -> None:
    fake_zabbix.unavailable_times = 1
    async with disposing(provider(fake_zabbix.url, zabbix_data.token)) as instance:
        summary = await instance.setup_webhook("tenant-1", KEEP, "keep-key-1")
    assert summary["action"] == "created" and len(fake_zabbix.mediatypes) == 1


def test_documented_script_is_the_one_installed() -> None:
    assert SCRIPT in DOCS.read_text(encoding="utf-8")
