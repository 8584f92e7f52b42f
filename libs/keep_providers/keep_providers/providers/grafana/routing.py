"""The contact point and notification-policy route that send Grafana's alerts to us.

Pure functions over Grafana's provisioning JSON, so that idempotence and "existing
routes stay" are decided in one readable place; the provider does the calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["CONTACT_POINT_NAME", "contact_point_body", "find_contact_point", "with_keep_route"]

CONTACT_POINT_NAME = "keep-aiops"


def contact_point_body(url: str, api_key: str) -> dict[str, Any]:
    return {
        "name": CONTACT_POINT_NAME,
        "type": "webhook",
        "settings": {
            "url": url,
            "httpMethod": "POST",
            "authorization_scheme": "Bearer",
            "authorization_credentials": api_key,
        },
        "disableResolveMessage": False,
    }


def find_contact_point(points: Sequence[Any]) -> Mapping[str, Any] | None:
    return next(
        (
            point
            for point in points
            if isinstance(point, Mapping) and point.get("name") == CONTACT_POINT_NAME and point.get("type") == "webhook"
        ),
        None,
    )


def with_keep_route(tree: Mapping[str, Any]) -> dict[str, Any] | None:
    """The policy tree with a route to our contact point first, or None when a
    top-level route already sends to it.

    Ours matches everything and continues, so every existing route still gets what it
    got. Because a matching child route keeps an alert from the root's default
    receiver, a last catch-all route hands the alerts no existing route takes back to
    that default receiver.
    """
    routes = list(tree.get("routes") or [])
    if any(isinstance(route, Mapping) and route.get("receiver") == CONTACT_POINT_NAME for route in routes):
        return None
    default_receiver = tree.get("receiver")
    fallback = [{"receiver": default_receiver}] if default_receiver else []
    return {**tree, "routes": [{"receiver": CONTACT_POINT_NAME, "continue": True}, *routes, *fallback]}
