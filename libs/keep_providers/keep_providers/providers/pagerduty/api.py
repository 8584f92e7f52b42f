"""PagerDuty REST API details: headers, the webhook subscription we create, refusals."""

from __future__ import annotations

from urllib.parse import quote

from keep_providers.exceptions import OutboundError

__all__ = [
    "MAX_PAGES",
    "OPEN_STATUSES",
    "PAGE_SIZE",
    "WEBHOOK_EVENTS",
    "api_headers",
    "refusal_reason",
    "subscription_body",
    "webhook_url",
]

PAGE_SIZE = 100
# Classic offset pagination stops at offset 10,000 anyway.
MAX_PAGES = 100
OPEN_STATUSES = ("triggered", "acknowledged")

# The event types whose data is the incident itself; notes, responders and status
# updates name the incident without its state, so they are not subscribed to.
WEBHOOK_EVENTS = (
    "incident.triggered",
    "incident.acknowledged",
    "incident.unacknowledged",
    "incident.resolved",
    "incident.reopened",
    "incident.reassigned",
    "incident.escalated",
    "incident.delegated",
    "incident.priority_updated",
)


def api_headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Token token={api_key}", "Accept": "application/vnd.pagerduty+json;version=2"}


def webhook_url(keep_api_url: str, provider_id: str) -> str:
    # The API key goes in a custom header, so the URL carries no secret and can be compared.
    return f"{keep_api_url.rstrip('/')}/api/alerts/event/pagerduty?provider_id={quote(provider_id, safe='')}"


def subscription_body(tenant_id: str) -> dict[str, object]:
    """What an update may change: PagerDuty never updates a subscription's delivery method."""
    return {
        "type": "webhook_subscription",
        "description": f"keep-aiops (tenant {tenant_id})",
        "events": list(WEBHOOK_EVENTS),
        "filter": {"type": "account_reference"},
        "active": True,
    }


def refusal_reason(exc: OutboundError) -> str:
    if exc.status_code == 401:
        return "PagerDuty rejected the API key (401)"
    if exc.status_code == 403:
        return "the API key may not do this (403); a read-only key cannot manage webhooks"
    return str(exc)
