"""Grafana's alerting API paths, and reading its answers."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx

from keep_providers.exceptions import OutboundError

__all__ = [
    "ALERTS_PATH",
    "CONTACT_POINTS_PATH",
    "EDITABLE_IN_UI",
    "PERMISSIONS_PATH",
    "POLICIES_PATH",
    "RULES_PATH",
    "json_body",
]

ALERTS_PATH = "/api/alertmanager/grafana/api/v2/alerts"
RULES_PATH = "/api/prometheus/grafana/api/v1/rules"
CONTACT_POINTS_PATH = "/api/v1/provisioning/contact-points"
POLICIES_PATH = "/api/v1/provisioning/policies"
PERMISSIONS_PATH = "/api/access-control/user/permissions"
# Without it, what the provisioning API writes is locked against edits in Grafana's UI.
EDITABLE_IN_UI = {"X-Disable-Provenance": "true"}

T = TypeVar("T", list[Any], dict[str, Any])


def json_body(response: httpx.Response, expected: type[T]) -> T:
    """The JSON answer, when it is the expected kind; a proxy's HTML login page or an
    error object in its place is Grafana failing, not an empty result."""
    target = f"{response.request.method} {response.request.url.scheme}://{response.request.url.host}"
    try:
        body = response.json()
    except ValueError:
        raise OutboundError(f"{target} answered {response.status_code} without JSON") from None
    if not isinstance(body, expected):
        raise OutboundError(f"{target} answered {response.status_code} with JSON that is not a {expected.__name__}")
    return body
