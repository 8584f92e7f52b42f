"""setup_webhook against the local fake of NerdGraph: destination, channel, workflow."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from keep_providers.exceptions import OutboundError
from keep_providers.http import RetryPolicy
from keep_providers.providers.newrelic.formatter import WEBHOOK_PAYLOAD
from keep_providers.providers.newrelic.provider import NewRelicProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

USER_KEY = "NRAK-TESTKEY0123456789"
ACCOUNT_ID = 4420147
FIRST_KEY = "keep-api-key-first-0001"
SECOND_KEY = "keep-api-key-second-0002"
KEEP_URL = "https://keep.example.com"
OUR_URL = "https://keep.example.com/api/alerts/event/newrelic?provider_id=nr-test"
DOCS = Path(__file__).resolve().parents[4] / "docs" / "providers" / "newrelic.md"


def make_provider(url: str, **overrides: Any) -> NewRelicProvider:
    config = {"api_key": USER_KEY, "account_id": ACCOUNT_ID, "api_url": url, **overrides}
    return NewRelicProvider("nr-test", config, retry=RetryPolicy(attempts=3, backoff=0.01))


def with_users_own_destinations(fake: Any) -> None:
    # A name that contains ours (the name filter matches partially) and an unrelated one.
    fake.destinations = {
        "dest-old": {"id": "dest-old", "name": "keep-aiops-old", "type": "WEBHOOK", "properties": []},
        "dest-ops": {"id": "dest-ops", "name": "ops-pager", "type": "WEBHOOK", "properties": []},
    }
    fake.page_size = 1


async def test_first_run_creates_destination_channel_and_workflow(
    fake_nerdgraph: tuple[Any, str], disposing: Disposing
) -> None:
    fake, url = fake_nerdgraph
    with_users_own_destinations(fake)
    async with disposing(make_provider(url)) as provider:
        result = await provider.setup_webhook("tenant-1", KEEP_URL + "/", FIRST_KEY)

    assert fake.mutations == [
        "aiNotificationsCreateDestination",
        "aiNotificationsCreateChannel",
        "aiWorkflowsCreateWorkflow",
    ]
    [destination] = [d for d in fake.destinations.values() if d["name"] == "keep-aiops"]
    assert destination["type"] == "WEBHOOK"
    assert destination["properties"] == [{"key": "url", "value": OUR_URL}]
    assert destination["auth"] == {
        "type": "CUSTOM_HEADERS",
        "customHeaders": {"customHeaders": [{"key": "X-API-KEY", "value": FIRST_KEY}]},
    }
    [channel] = fake.channels.values()
    assert channel["name"] == "keep-aiops"
    assert (channel["type"], channel["product"], channel["destinationId"]) == ("WEBHOOK", "IINT", destination["id"])
    assert channel["properties"] == [{"key": "payload", "value": WEBHOOK_PAYLOAD, "label": "Payload Template"}]
    [workflow] = fake.workflows.values()
    assert workflow["name"] == "keep-aiops"
    assert workflow["workflowEnabled"] is True and workflow["destinationsEnabled"] is True
    assert workflow["destinationConfigurations"] == [
        {"channelId": channel["id"], "notificationTriggers": ["ACTIVATED", "ACKNOWLEDGED", "CLOSED"]}
    ]
    assert workflow["issuesFilter"]["type"] == "FILTER"
    assert workflow["issuesFilter"]["predicates"] == [
        {"attribute": "labels.accountIds", "operator": "EXACTLY_MATCHES", "values": [str(ACCOUNT_ID)]}
    ]
    assert result == {
        "url": OUR_URL,
        "destination": {"name": "keep-aiops", "id": destination["id"], "action": "created"},
        "channel": {"name": "keep-aiops", "id": channel["id"], "action": "created"},
        "workflow": {"name": "keep-aiops", "id": workflow["id"], "action": "created"},
    }
    assert FIRST_KEY not in json.dumps(result)
    # The inputs travel as variables: the key never becomes part of a query's text.
    assert not any(FIRST_KEY in body["query"] for body in fake.bodies)


async def test_second_run_updates_and_creates_nothing(fake_nerdgraph: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_nerdgraph
    with_users_own_destinations(fake)
    async with disposing(make_provider(url)) as provider:
        first = await provider.setup_webhook("tenant-1", KEEP_URL, FIRST_KEY)
        [filter_id] = [w["issuesFilter"]["id"] for w in fake.workflows.values()]
        fake.mutations.clear()
        second = await provider.setup_webhook("tenant-1", KEEP_URL, SECOND_KEY)

    assert fake.mutations == [
        "aiNotificationsUpdateDestination",
        "aiNotificationsUpdateChannel",
        "aiWorkflowsUpdateWorkflow",
    ]
    assert (len(fake.destinations), len(fake.channels), len(fake.workflows)) == (3, 1, 1)
    for part in ("destination", "channel", "workflow"):
        assert second[part] == {**first[part], "action": "updated"}
    destination = fake.destinations[first["destination"]["id"]]
    assert destination["auth"]["customHeaders"]["customHeaders"] == [{"key": "X-API-KEY", "value": SECOND_KEY}]
    assert destination["properties"] == [{"key": "url", "value": OUR_URL}]
    [workflow] = fake.workflows.values()
    # The workflow keeps its filter (updated in place) and still points at our channel.
    assert workflow["issuesFilter"]["id"] == filter_id
    assert workflow["destinationConfigurations"][0]["channelId"] == first["channel"]["id"]
    # The user's own destinations are untouched.
    assert fake.destinations["dest-old"] == {
        "id": "dest-old",
        "name": "keep-aiops-old",
        "type": "WEBHOOK",
        "properties": [],
    }


async def test_channel_of_a_removed_destination_is_not_reused(
    fake_nerdgraph: tuple[Any, str], disposing: Disposing
) -> None:
    fake, url = fake_nerdgraph
    async with disposing(make_provider(url)) as provider:
        first = await provider.setup_webhook("tenant-1", KEEP_URL, FIRST_KEY)
        del fake.destinations[first["destination"]["id"]]
        second = await provider.setup_webhook("tenant-1", KEEP_URL, SECOND_KEY)
    assert second["destination"]["action"] == second["channel"]["action"] == "created"
    assert second["workflow"]["action"] == "updated"
    [workflow] = fake.workflows.values()
    assert workflow["destinationConfigurations"][0]["channelId"] == second["channel"]["id"]


async def test_invalid_user_key_fails_without_any_key_in_the_error(
    fake_nerdgraph: tuple[Any, str], disposing: Disposing
) -> None:
    fake, url = fake_nerdgraph
    async with disposing(make_provider(url, api_key="NRAK-WRONGWRONG")) as provider:
        with pytest.raises(OutboundError) as caught:
            await provider.setup_webhook("tenant-1", KEEP_URL, FIRST_KEY)
    assert caught.value.status_code == 401
    assert "127.0.0.1" in str(caught.value)
    assert "NRAK-WRONGWRONG" not in str(caught.value) and FIRST_KEY not in str(caught.value)
    assert fake.mutations == [] and fake.destinations == {}


async def test_graphql_error_in_a_200_is_an_error(fake_nerdgraph: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_nerdgraph
    async with disposing(make_provider(url, account_id=1)) as provider:
        with pytest.raises(OutboundError) as caught:
            await provider.setup_webhook("tenant-1", KEEP_URL, FIRST_KEY)
    assert str(caught.value) == "POST 127.0.0.1 answered GraphQL error FORBIDDEN"
    assert fake.mutations == []


@pytest.mark.parametrize(
    ("mutation", "error", "error_class"),
    [
        (
            "aiNotificationsCreateDestination",
            {"__typename": "AiNotificationsDataValidationError", "details": f"bad header value {FIRST_KEY}"},
            "AiNotificationsDataValidationError",
        ),
        (
            "aiWorkflowsCreateWorkflow",
            {"type": "LIMIT_REACHED", "description": "Reached the maximum number of workflows per account"},
            "LIMIT_REACHED",
        ),
    ],
)
async def test_mutation_error_in_its_payload_is_an_error(
    fake_nerdgraph: tuple[Any, str], disposing: Disposing, mutation: str, error: dict[str, Any], error_class: str
) -> None:
    fake, url = fake_nerdgraph
    fake.refusals[mutation] = error
    async with disposing(make_provider(url)) as provider:
        with pytest.raises(OutboundError) as caught:
            await provider.setup_webhook("tenant-1", KEEP_URL, FIRST_KEY)
    assert str(caught.value) == f"POST 127.0.0.1 answered {mutation} error {error_class}"
    assert fake.mutations[-1] == mutation
    assert FIRST_KEY not in str(caught.value)


async def test_scopes_include_the_workflow_read(fake_nerdgraph: tuple[Any, str], disposing: Disposing) -> None:
    _, url = fake_nerdgraph
    async with disposing(make_provider(url)) as provider:
        scopes = await provider.validate_scopes()
    assert scopes["ai.workflows:read"] is True
    mandatory = {scope.name: scope.mandatory for scope in NewRelicProvider.PROVIDER_SCOPES}
    assert mandatory["ai.workflows:read"] is False


def test_docs_show_the_template_setup_installs() -> None:
    assert WEBHOOK_PAYLOAD in DOCS.read_text(encoding="utf-8")
