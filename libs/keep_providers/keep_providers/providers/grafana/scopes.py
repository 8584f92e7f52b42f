"""Which of the provider's scopes the token has, asked of Grafana itself.

Read scopes are probed by calling the endpoint that needs them. Write access is not
probed by writing: Grafana's list of the token's own permissions answers it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from keep_providers.base import ProviderScope

from .api import ALERTS_PATH, CONTACT_POINTS_PATH, PERMISSIONS_PATH, RULES_PATH

__all__ = ["WRITE_ACTIONS", "probe_scopes"]

_READ_PROBES: Mapping[str, tuple[str, Mapping[str, Any]]] = {
    "alert.instances:read": (ALERTS_PATH, {"active": "true"}),
    "alert.rules:read": (RULES_PATH, {"group_limit": 1}),
    "alert.provisioning:read": (CONTACT_POINTS_PATH, {}),
}
# Grafana 10+ also grants contact point and policy writes through the narrower action.
WRITE_ACTIONS = frozenset({"alert.provisioning:write", "alert.notifications.provisioning:write"})
_MESSAGE_LIMIT = 300


async def probe_scopes(client: httpx.AsyncClient, scopes: Sequence[ProviderScope]) -> dict[str, bool | str]:
    # Straight through the client, not the retrying request: the answer is Grafana's
    # status and message, which a retry loop would turn into a bare status code.
    results: dict[str, bool | str] = {}
    for scope in scopes:
        if scope.name in _READ_PROBES:
            path, params = _READ_PROBES[scope.name]
            results[scope.name] = await _probe(client, path, params)
        else:
            results[scope.name] = await _probe_write(client)
    return results


async def _probe(client: httpx.AsyncClient, path: str, params: Mapping[str, Any]) -> bool | str:
    response = await _get(client, path, params)
    return True if isinstance(response, httpx.Response) and response.is_success else _refusal(response, path)


async def _probe_write(client: httpx.AsyncClient) -> bool | str:
    response = await _get(client, PERMISSIONS_PATH, {})
    if not isinstance(response, httpx.Response) or not response.is_success:
        return _refusal(response, PERMISSIONS_PATH)
    try:
        granted = response.json()
    except ValueError:
        granted = None
    if not isinstance(granted, Mapping):
        return f"cannot check: {PERMISSIONS_PATH} did not answer a permission list"
    if WRITE_ACTIONS & set(granted):
        return True
    return f"missing permission: the token has none of {', '.join(sorted(WRITE_ACTIONS))}"


async def _get(client: httpx.AsyncClient, path: str, params: Mapping[str, Any]) -> httpx.Response | str:
    try:
        return await client.get(path, params=dict(params))
    except httpx.HTTPError as exc:
        return f"Grafana unreachable: {type(exc).__name__}"


def _refusal(response: httpx.Response | str, path: str) -> str:
    if isinstance(response, str):
        return response
    message = _grafana_message(response)
    if response.status_code == 401:
        return f"invalid token: Grafana answered 401{message}"
    if response.status_code == 403:
        return f"permission denied: Grafana answered 403{message}"
    if response.status_code == 404:
        return f"cannot check: Grafana has no {path} (version too old?)"
    return f"Grafana answered {response.status_code} on {path}{message}"


def _grafana_message(response: httpx.Response) -> str:
    """Grafana's own explanation (": You'll need additional permissions ..."), if any."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, Mapping) else None
    return f": {str(message)[:_MESSAGE_LIMIT]}" if message else ""
