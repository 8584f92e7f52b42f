"""Raw events to alert events, and what makes two alerts the same: pure functions."""

from __future__ import annotations

import hashlib
import json

from keep_core.events import ORIGIN_HEADER, PULL_ORIGIN, AlertEvent, RawEvent
from keep_providers import AlertDto, ProviderConfig, ProvidersFactory
from keep_providers.exceptions import FormatterError
from keep_providers.providers.keep.provider import parse_alert_payload

__all__ = ["VOLATILE_FIELDS", "alert_events", "content_digest", "format_raw"]

# Refreshed by the sender or by us on every repeat; a change in them is no news.
VOLATILE_FIELDS = frozenset({"lastReceived", "id"})


def format_raw(raw: RawEvent, factory: ProvidersFactory, config: ProviderConfig | None = None) -> list[AlertDto]:
    """The alerts in a raw event; FormatterError when there are none, PartialFormatError
    (carrying the good ones) when only some entries could be formatted."""
    provider = factory.get_class(raw.provider_type)
    try:
        payload = json.loads(raw.body)
    except json.JSONDecodeError as exc:
        raise FormatterError(f"body is not JSON: {exc.msg}") from None
    if raw.headers.get(ORIGIN_HEADER) == PULL_ORIGIN:
        # Formatted and stamped by the provider's get_alerts() already.
        return parse_alert_payload(payload)
    alerts = provider.format_alerts(payload, raw.headers, provider_id=raw.provider_id, config=config)
    if not alerts:
        raise FormatterError(f"{raw.provider_type} payload holds no alert")
    return alerts


def alert_events(raw: RawEvent, alerts: list[AlertDto]) -> list[AlertEvent]:
    events = []
    for index, alert in enumerate(alerts):
        assert alert.fingerprint is not None  # format_alerts always sets one
        alert.lastReceived = raw.received_at
        events.append(
            AlertEvent(
                # Derived, not random: reprocessing the same raw event yields the same ids,
                # which is what lets the correlator ignore redeliveries.
                event_id=f"{raw.event_id}:{index}",
                tenant_id=raw.tenant_id,
                fingerprint=alert.fingerprint,
                alert=alert,
            )
        )
    return events


def content_digest(alert: AlertDto) -> str:
    content = alert.model_dump(mode="json", exclude=set(VOLATILE_FIELDS))
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
