"""Grafana webhook bodies -> AlertDto.

Unified alerting (Grafana 9 to 12, contact point type webhook) sends an
Alertmanager-like envelope around `alerts[]`; each alert keeps its own status, since
one notification can mix firing and resolved alerts. Legacy dashboard alerting
(before 9) sends one rule's state; which of the two a body is, its shape says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers._fingerprint import fingerprint_from_labels
from keep_providers.exceptions import FormatterError
from keep_providers.formatting import format_each, lookup, string_map, text
from keep_providers.models import AlertDto, AlertStatus

from .alert import grafana_alert, unknown_fields
from .legacy import format_legacy_webhook, is_legacy_webhook
from .mapping import UNIFIED_STATUS_MAP

__all__ = ["format_grafana_webhook"]

_LINK_FIELDS = ("generatorURL", "imageURL", "silenceURL", "dashboardURL", "panelURL")
_MAPPED_FIELDS = frozenset({"status", "labels", "annotations", "startsAt", "endsAt", "fingerprint", *_LINK_FIELDS})
# Envelope fields each alert carries along: where it was routed and from which org.
_ENVELOPE_FIELDS = ("receiver", "groupKey", "orgId", "externalURL")


def format_grafana_webhook(payload: Any) -> list[AlertDto]:
    if not isinstance(payload, Mapping):
        raise FormatterError("a Grafana webhook body is a JSON object")
    if isinstance(payload.get("alerts"), list):
        return format_each(payload["alerts"], lambda entry: _format_unified_alert(entry, payload))
    if is_legacy_webhook(payload):
        return [format_legacy_webhook(payload)]
    raise FormatterError(
        "not a Grafana webhook: neither an 'alerts' list (unified alerting) nor 'ruleId' and 'state' (legacy alerting)"
    )


def _format_unified_alert(entry: Any, envelope: Mapping[str, Any]) -> AlertDto:
    if not isinstance(entry, Mapping):
        raise FormatterError("not an object")
    status_text = text(entry.get("status")) or text(envelope.get("status")) or "firing"
    status = lookup(UNIFIED_STATUS_MAP, status_text, AlertStatus.FIRING)
    extra = {key: envelope[key] for key in _ENVELOPE_FIELDS if envelope.get(key) not in (None, "")}
    if status_text.strip().lower() not in UNIFIED_STATUS_MAP:
        extra["grafanaStatus"] = status_text
    return grafana_alert(
        labels=entry.get("labels"),
        annotations=entry.get("annotations"),
        status=status,
        fingerprint=text(entry.get("fingerprint")) or fingerprint_from_labels(string_map(entry.get("labels"))),
        starts_at=entry.get("startsAt"),
        ends_at=entry.get("endsAt"),
        links={name: entry.get(name) for name in _LINK_FIELDS},
        base_url=text(envelope.get("externalURL")),
        fallback_name=text(envelope.get("title")),
        extra={**unknown_fields(entry, _MAPPED_FIELDS), **extra},
    )
