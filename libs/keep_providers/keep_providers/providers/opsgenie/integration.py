"""The Opsgenie Webhook integration `setup_webhook` keeps in place (Integration API).

A Webhook integration is an outgoing one: `forwardingActionMappings` lists the alert
actions Opsgenie posts to `url`; a webhook has a single target, so no `mappedAction`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "API_KEY_HEADER",
    "FORWARDED_ACTIONS",
    "INTEGRATIONS_PATH",
    "INTEGRATION_NAME",
    "find_ours",
    "integration_body",
    "webhook_url",
]

INTEGRATIONS_PATH = "/v2/integrations"
# Opsgenie integration names are unique per account: the name is how we find ours again.
INTEGRATION_NAME = "keep-aiops"
API_KEY_HEADER = "X-API-KEY"

# Every action that changes an alert's status (see the formatter's status table), and
# priority updates, which change its severity.
FORWARDED_ACTIONS: tuple[str, ...] = (
    "create",
    "acknowledge",
    "unacknowledge",
    "snooze",
    "close",
    "delete",
    "update-priority",
)


def webhook_url(keep_api_url: str, provider_id: str) -> str:
    return f"{keep_api_url.rstrip('/')}/api/alerts/event/opsgenie?provider_id={provider_id}"


def integration_body(url: str, api_key: str) -> dict[str, Any]:
    """The whole integration: the Integration API's update replaces every field."""
    return {
        "type": "Webhook",
        "name": INTEGRATION_NAME,
        "enabled": True,
        "url": url,
        "headers": {API_KEY_HEADER: api_key},
        # Opsgenie adds both only to Create (and custom) actions, truncated to 1,000 characters.
        "addAlertDescription": True,
        "addAlertDetails": True,
        "alertFilter": {"conditionMatchType": "match-all", "conditions": []},
        "forwardingEnabled": True,
        "forwardingActionMappings": [{"action": action} for action in FORWARDED_ACTIONS],
    }


def find_ours(listed: Any) -> str | None:
    """The id of our integration in a `GET /v2/integrations?type=Webhook` body, if any."""
    data = listed.get("data") if isinstance(listed, Mapping) else None
    for integration in data if isinstance(data, list) else []:
        if isinstance(integration, Mapping) and integration.get("name") == INTEGRATION_NAME and integration.get("id"):
            return str(integration["id"])
    return None
