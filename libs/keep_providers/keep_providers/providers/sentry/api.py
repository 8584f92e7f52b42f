"""Sentry REST API details: paths, cursor pagination, webhook URL."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from keep_providers.exceptions import OutboundError

__all__ = [
    "MAX_PAGES",
    "PAGE_SIZE",
    "issues_path",
    "next_cursor",
    "projects_path",
    "refusal_reason",
    "sentry_app_path",
    "webhook_url",
]

PAGE_SIZE = 100
# A guard against a cursor that never ends: 50 pages of 100 unresolved issues is plenty.
MAX_PAGES = 50


def issues_path(organization: str) -> str:
    return f"/api/0/organizations/{quote(organization, safe='')}/issues/"


def projects_path(organization: str) -> str:
    return f"/api/0/organizations/{quote(organization, safe='')}/projects/"


def sentry_app_path(slug: str) -> str:
    return f"/api/0/sentry-apps/{quote(slug, safe='')}/"


def next_cursor(response: httpx.Response) -> str | None:
    """The cursor of the next page, from the Link header.

    Sentry always sends a `rel="next"` link; `results="false"` says it is empty. The
    cursor is sent again as a parameter rather than following the link's URL, so that
    the bearer token only ever goes to the configured host.
    """
    link = response.links.get("next")
    if not link or link.get("results") != "true":
        return None
    return link.get("cursor") or None


def refusal_reason(exc: OutboundError) -> str:
    if exc.status_code == 401:
        return "Sentry rejected the auth token (401)"
    if exc.status_code == 403:
        return "the auth token lacks this scope (403)"
    if exc.status_code == 404:
        return "organization or integration not found (404); check the slugs"
    return str(exc)


def webhook_url(keep_api_url: str, provider_id: str, api_key: str | None) -> str:
    # Sentry integrations cannot add headers to their webhooks, so the key rides in the query.
    url = f"{keep_api_url.rstrip('/')}/api/alerts/event/sentry?provider_id={quote(provider_id, safe='')}"
    return f"{url}&api_key={quote(api_key, safe='')}" if api_key else url
