"""setup_webhook through Grafana's provisioning API (contact points, notification
policies), against the fake Grafana API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from keep_providers.exceptions import OutboundError
from keep_providers.providers.grafana.provider import GrafanaProvider
from keep_providers.providers.grafana.routing import with_keep_route

MakeProvider = Callable[..., GrafanaProvider]
KEEP_URL = "https://keep.example.com"
WEBHOOK_URL = "https://keep.example.com/api/alerts/event/grafana?provider_id=test-id"
API_KEY = "keep_key_first_0123456789"


def existing_tree() -> dict[str, Any]:
    return {
        "receiver": "grafana-default-email",
        "group_by": ["grafana_folder", "alertname"],
        "routes": [
            {"receiver": "pagerduty", "object_matchers": [["severity", "=", "critical"]]},
            {"receiver": "slack-team-a", "object_matchers": [["team", "=", "a"]], "continue": True},
        ],
        "group_wait": "30s",
    }


async def test_first_setup_creates_contact_point_and_route(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.policies = existing_tree()
    grafana.contact_points = [{"uid": "email1", "name": "grafana-default-email", "type": "email", "settings": {}}]
    result = await make_provider().setup_webhook("tenant-1", KEEP_URL, API_KEY)

    assert result == {
        "contact_point": {"name": "keep-aiops", "uid": "cp2", "action": "created"},
        "policy": {"action": "route added", "receiver": "keep-aiops"},
        "url": WEBHOOK_URL,
    }
    assert API_KEY not in repr(result)
    (created,) = grafana.calls("POST", "/contact-points")
    assert created.headers["x-disable-provenance"] == "true"
    assert created.body == {
        "name": "keep-aiops",
        "type": "webhook",
        "settings": {
            "url": WEBHOOK_URL,
            "httpMethod": "POST",
            "authorization_scheme": "Bearer",
            "authorization_credentials": API_KEY,
        },
        "disableResolveMessage": False,
    }
    (put,) = grafana.calls("PUT", "/policies")
    assert put.headers["x-disable-provenance"] == "true"
    original = existing_tree()
    assert grafana.policies == {
        **original,
        "routes": [
            {"receiver": "keep-aiops", "continue": True},
            *original["routes"],
            {"receiver": "grafana-default-email"},
        ],
    }
    assert grafana.contact_points[0]["name"] == "grafana-default-email"


async def test_second_setup_updates_and_adds_nothing(grafana: Any, make_provider: MakeProvider) -> None:
    provider = make_provider()
    await provider.setup_webhook("tenant-1", KEEP_URL, API_KEY)
    policies_after_first = grafana.policies
    result = await provider.setup_webhook("tenant-1", KEEP_URL, "keep_key_rotated_9876543210")

    assert result["contact_point"] == {"name": "keep-aiops", "uid": "cp1", "action": "updated"}
    assert result["policy"]["action"] == "unchanged"
    assert len(grafana.contact_points) == 1
    assert grafana.contact_points[0]["settings"]["authorization_credentials"] == "keep_key_rotated_9876543210"
    assert grafana.policies == policies_after_first
    assert len(grafana.calls("POST", "/contact-points")) == 1
    assert len(grafana.calls("PUT", "/policies")) == 1
    (update,) = grafana.calls("PUT", "/contact-points/cp1")
    assert update.headers["x-disable-provenance"] == "true"
    assert update.body["uid"] == "cp1"
    assert [c.query for c in grafana.calls("GET", "/contact-points")] == [{"name": "keep-aiops"}] * 2


async def test_same_name_of_another_type_is_not_taken_over(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.contact_points = [{"uid": "mail9", "name": "keep-aiops", "type": "email", "settings": {}}]
    result = await make_provider().setup_webhook("tenant-1", KEEP_URL, API_KEY)
    assert result["contact_point"]["action"] == "created"
    assert [p["type"] for p in grafana.contact_points] == ["email", "webhook"]


async def test_route_the_user_already_has_is_left_alone(grafana: Any, make_provider: MakeProvider) -> None:
    tree = {"receiver": "default", "routes": [{"receiver": "ops"}, {"receiver": "keep-aiops", "continue": True}]}
    grafana.policies = tree
    result = await make_provider().setup_webhook("tenant-1", KEEP_URL, API_KEY)
    assert result["policy"]["action"] == "unchanged"
    assert grafana.calls("PUT", "/policies") == []


async def test_read_only_token_changes_nothing(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.tokens["glsa_reader_0123456789abcdef"] = frozenset({"alert.provisioning:read"})
    with pytest.raises(OutboundError) as caught:
        await make_provider("reader").setup_webhook("tenant-1", KEEP_URL, API_KEY)
    assert caught.value.status_code == 403
    assert API_KEY not in str(caught.value)
    assert grafana.contact_points == []
    assert grafana.policies == {"receiver": "grafana-default-email"}


async def test_unknown_token_is_401(grafana: Any, make_provider: MakeProvider) -> None:
    with pytest.raises(OutboundError) as caught:
        await make_provider("unknown").setup_webhook("tenant-1", KEEP_URL, API_KEY)
    assert caught.value.status_code == 401


async def test_transient_failure_is_retried(grafana: Any, make_provider: MakeProvider) -> None:
    grafana.failures = [503, 429]
    result = await make_provider().setup_webhook("tenant-1", KEEP_URL, API_KEY)
    assert result["contact_point"]["action"] == "created"
    assert len(grafana.contact_points) == 1


def test_route_into_an_empty_tree_keeps_the_default_receiver() -> None:
    assert with_keep_route({"receiver": "default"}) == {
        "receiver": "default",
        "routes": [{"receiver": "keep-aiops", "continue": True}, {"receiver": "default"}],
    }


def test_route_is_not_added_twice() -> None:
    once = with_keep_route(existing_tree())
    assert once is not None
    assert with_keep_route(once) is None
