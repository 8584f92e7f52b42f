"""Legacy dashboard alerting webhook (Grafana before 9) -> AlertDto.

One body per rule state change; it has no fingerprint, so the rule's id within its
organisation is the alert's identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers._fingerprint import fingerprint_from_fields
from keep_providers.formatting import WARNINGS_FIELD, build_alert, lookup, string_map, text
from keep_providers.models import AlertDto, AlertStatus

from .alert import link, unknown_fields
from .mapping import LEGACY_STATE_MAP, NO_DATA, REASON_LABEL, environment_of, severity_of

__all__ = ["format_legacy_webhook", "is_legacy_webhook"]

_IDENTITY_FIELDS = ("orgId", "ruleId")
_MAPPED_FIELDS = frozenset({"ruleName", "ruleUrl", "state", "message", "imageUrl", "tags"})


def is_legacy_webhook(payload: Mapping[str, Any]) -> bool:
    return "ruleId" in payload and "state" in payload


def format_legacy_webhook(payload: Mapping[str, Any]) -> AlertDto:
    state = text(payload.get("state")) or ""
    tags = payload.get("tags")
    tag_map = string_map(tags)
    # Tags that are not an object go to build_alert as they are: dropped, with a warning.
    labels: Any = tags if tags is not None and not isinstance(tags, Mapping) else dict(tag_map)
    if state.strip().lower() == "no_data" and isinstance(labels, dict):
        labels[REASON_LABEL] = NO_DATA
    warnings: list[str] = []
    identity = {name: text(payload.get(name)) for name in _IDENTITY_FIELDS}
    fields: dict[str, Any] = {
        "name": text(payload.get("ruleName")) or text(payload.get("title")) or "Grafana alert",
        "status": lookup(LEGACY_STATE_MAP, state, AlertStatus.FIRING),
        "grafanaState": state or None,
        "severity": severity_of(tag_map),
        "environment": environment_of(tag_map),
        "service": tag_map.get("service") or None,
        "message": text(payload.get("message")),
        "url": link("ruleUrl", payload.get("ruleUrl"), None, warnings),
        "imageUrl": link("imageUrl", payload.get("imageUrl"), None, warnings),
        "labels": labels,
        "fingerprint": fingerprint_from_fields(identity, _IDENTITY_FIELDS),
        "source": ["grafana"],
        WARNINGS_FIELD: warnings,
    }
    # Our fields win over same-named extras.
    return build_alert(**{**unknown_fields(payload, _MAPPED_FIELDS), **fields})
