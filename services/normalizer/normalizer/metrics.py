from __future__ import annotations

from prometheus_client import Counter

__all__ = [
    "ALERTS_DUPLICATE",
    "ALERTS_FORWARDED",
    "ALERTS_NORMALIZED",
    "EVENTS_FAILED",
    "PULLED_ALERTS",
    "PULL_FAILURES",
]

ALERTS_NORMALIZED = Counter("keep_normalizer_alerts_normalized_total", "Alerts formatted", ["provider_type"])
ALERTS_FORWARDED = Counter("keep_normalizer_alerts_forwarded_total", "Alerts written to the alerts topic")
ALERTS_DUPLICATE = Counter("keep_normalizer_alerts_duplicate_total", "Full duplicates dropped")
EVENTS_FAILED = Counter(
    "keep_normalizer_events_failed_total", "Raw events sent to the dead-letter topic", ["error_type"]
)
PULLED_ALERTS = Counter("keep_normalizer_pulled_alerts_total", "Alerts pulled from sources", ["provider_type"])
PULL_FAILURES = Counter("keep_normalizer_pull_failures_total", "Pulls that failed", ["provider_type"])
