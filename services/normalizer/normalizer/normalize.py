"""Raw events to alert events, and what makes two alerts the same: pure functions."""

from __future__ import annotations

import hashlib
import json

from keep_core.events import AlertEvent, RawEvent
from keep_providers import AlertDto, ProvidersFactory
from keep_providers.exceptions import FormatterError

__all__ = ["VOLATILE_FIELDS", "content_digest", "normalize"]

# Refreshed by the sender or by us on every repeat; a change in them is no news.
VOLATILE_FIELDS = frozenset({"lastReceived", "id"})


def normalize(raw: RawEvent, factory: ProvidersFactory) -> list[AlertEvent]:
    """Format a raw event into alert events; raise FormatterError when it cannot be."""
    provider = factory.get_class(raw.provider_type)
    try:
        payload = json.loads(raw.body)
    except json.JSONDecodeError as exc:
        raise FormatterError(f"body is not JSON: {exc.msg}") from None
    alerts = provider.format_alerts(payload, raw.headers, provider_id=raw.provider_id)
    if not alerts:
        raise FormatterError(f"{raw.provider_type} payload holds no alert")
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
