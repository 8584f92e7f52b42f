"""Grafana's states and severities in our terms, and the fields every Grafana alert
shares whichever way it reached us (unified webhook, legacy webhook, pull)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import SplitResult, urljoin, urlsplit

from keep_providers.formatting import PRIORITY_WORDS, SEVERITY_WORDS, lookup
from keep_providers.models import AlertSeverity, AlertStatus

__all__ = [
    "AM_STATE_MAP",
    "LEGACY_STATE_MAP",
    "REASON_LABEL",
    "SEVERITY_MAP",
    "UNIFIED_STATUS_MAP",
    "environment_of",
    "http_url",
    "reason_of",
    "severity_of",
]

# labels.severity is free text in Grafana; unknown or missing -> info, and the
# original stays in labels["severity"].
SEVERITY_MAP: Mapping[str, AlertSeverity] = {**SEVERITY_WORDS, **PRIORITY_WORDS, "emergency": AlertSeverity.CRITICAL}

# Unified alerting (Grafana 9+): each alert of a notification says firing or resolved.
UNIFIED_STATUS_MAP: Mapping[str, AlertStatus] = {
    "firing": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
}

# Legacy dashboard alerting (before Grafana 9): the rule's state.
LEGACY_STATE_MAP: Mapping[str, AlertStatus] = {
    "alerting": AlertStatus.FIRING,
    "ok": AlertStatus.RESOLVED,
    "no_data": AlertStatus.FIRING,
    "paused": AlertStatus.SUPPRESSED,
    "pending": AlertStatus.PENDING,
}

# Alertmanager API v2 `status.state` of an alert Grafana currently holds.
AM_STATE_MAP: Mapping[str, AlertStatus] = {
    "active": AlertStatus.FIRING,
    "suppressed": AlertStatus.SUPPRESSED,
    # Received but not yet routed: it is active all the same.
    "unprocessed": AlertStatus.FIRING,
}

# Label we add to alerts about the rule's data rather than the system it watches, so
# that rules and correlation can tell "no data" and "data source failed" apart.
REASON_LABEL = "grafana_reason"
NO_DATA = "no_data"
DATASOURCE_ERROR = "datasource_error"

# Grafana's own names for those alerts (rule setting "No data/Error -> NoData/Error").
_SPECIAL_ALERTNAMES: Mapping[str, str] = {
    "datasourcenodata": NO_DATA,
    "datasourceerror": DATASOURCE_ERROR,
}
# Grafana 10+ annotation on a normal alert that fires because of no data or an error.
_STATE_REASONS: Mapping[str, str] = {
    "nodata": NO_DATA,
    "error": DATASOURCE_ERROR,
}


def severity_of(labels: Mapping[str, str]) -> AlertSeverity:
    return lookup(SEVERITY_MAP, labels.get("severity"), AlertSeverity.INFO)


def environment_of(labels: Mapping[str, str]) -> str | None:
    return labels.get("environment") or labels.get("env") or None


def reason_of(labels: Mapping[str, str], annotations: Mapping[str, str]) -> str | None:
    """`no_data` or `datasource_error` for Grafana's special alerts, else None."""
    by_name = lookup(_SPECIAL_ALERTNAMES, labels.get("alertname"), None)
    if by_name is not None:
        return by_name
    # "NoData", "Error", also "Alerting (NoData)" as some versions write it.
    state_reason = (annotations.get("grafana_state_reason") or "").replace(" ", "").lower()
    return next((reason for key, reason in _STATE_REASONS.items() if key in state_reason), None)


def http_url(value: object, base: str | None = None) -> str | None:
    """An absolute http(s) URL, resolving a relative one against `base` (Grafana 12
    test notifications send `generatorURL: "?orgId=1"`); None when there is none."""
    if not isinstance(value, str) or not value.strip():
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
        if not parts.scheme and not parts.netloc and base and _is_http(urlsplit(base)):
            url = urljoin(base.rstrip("/") + "/", url.lstrip("/"))
            parts = urlsplit(url)
        return url if _is_http(parts) else None
    except ValueError:
        # urlsplit refuses some malformed hosts ("http://[oops"): not a usable link.
        return None


def _is_http(parts: SplitResult) -> bool:
    return parts.scheme in ("http", "https") and bool(parts.hostname)
