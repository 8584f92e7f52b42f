from __future__ import annotations

from prometheus_client import Counter

__all__ = ["ALERTS_APPLIED", "INCIDENT_EVENTS_PUBLISHED"]

ALERTS_APPLIED = Counter("keep_correlator_alert_events_total", "Alert events consumed")
INCIDENT_EVENTS_PUBLISHED = Counter("keep_correlator_incident_events_published_total", "Incident events published")
