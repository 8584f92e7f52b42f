"""Why Kibana or Elasticsearch refused a request, read from their error bodies, for
scope checks: the refusal's own words (missing privilege, bad key) are what a user needs."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

__all__ = ["elasticsearch_reason", "kibana_reason"]

_REASON_LIMIT = 200


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def kibana_reason(response: httpx.Response) -> str:
    # Kibana errors are {"statusCode", "error", "message"}; other proxies answer HTML.
    body = _json(response)
    if isinstance(body, Mapping):
        message = body.get("message") or body.get("error")
        if message:
            return str(message)[:_REASON_LIMIT]
    return response.reason_phrase or "no reason given"


def elasticsearch_reason(response: httpx.Response) -> str:
    # Elasticsearch errors are {"error": {"type", "reason", ...}, "status"}.
    body = _json(response)
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        parts = [str(part) for part in (error.get("type"), error.get("reason")) if part]
        if parts:
            return ": ".join(parts)[:_REASON_LIMIT]
    if isinstance(error, str) and error:
        return error[:_REASON_LIMIT]
    return response.reason_phrase or "no reason given"
