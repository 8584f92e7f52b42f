from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["EVENTS_ACCEPTED", "EVENTS_REJECTED", "PUBLISH_SECONDS"]

EVENTS_ACCEPTED = Counter(
    "keep_gateway_events_accepted_total", "Payloads Kafka acknowledged (answered 202)", ["provider_type"]
)
EVENTS_REJECTED = Counter("keep_gateway_events_rejected_total", "Payloads refused, by HTTP status", ["status"])
PUBLISH_SECONDS = Histogram(
    "keep_gateway_publish_seconds",
    "Time from request to Kafka acknowledgement",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
