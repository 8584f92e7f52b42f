"""Opsgenie values shared by the webhook and the API: priorities, alert states, epoch times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from keep_providers.formatting import text
from keep_providers.models import AlertSeverity, AlertStatus

__all__ = ["DEFAULT_SEVERITY", "SEVERITY_MAP", "alert_state", "epoch_time", "object_field"]

SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "p1": AlertSeverity.CRITICAL,
    "p2": AlertSeverity.HIGH,
    "p3": AlertSeverity.WARNING,
    "p4": AlertSeverity.INFO,
    "p5": AlertSeverity.LOW,
}

# P3 is what Opsgenie gives an alert created without a priority.
DEFAULT_SEVERITY = AlertSeverity.WARNING

# Opsgenie's webhook sends createdAt in milliseconds but updatedAt in nanoseconds;
# the magnitude tells which unit a number is in (seconds until the year 5138).
_UNIT_THRESHOLDS = ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3))


def alert_state(alert: Mapping[str, Any]) -> AlertStatus:
    """The state an alert's own fields say: a webhook action that does not set one (a note
    on an acknowledged alert) must not re-open it, and API records carry only these."""
    if text(alert.get("status")) == "closed":
        return AlertStatus.RESOLVED
    if alert.get("snoozed") is True:
        return AlertStatus.SUPPRESSED
    if alert.get("acknowledged") is True:
        return AlertStatus.ACKNOWLEDGED
    return AlertStatus.FIRING


def epoch_time(value: Any) -> datetime | Any:
    """An epoch number in any unit as an aware datetime; other values unchanged."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    for threshold, divisor in _UNIT_THRESHOLDS:
        if abs(value) >= threshold:
            return datetime.fromtimestamp(value / divisor, tz=UTC)
    return datetime.fromtimestamp(value, tz=UTC)


def object_field(record: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A nested object of a record, or an empty one when absent or not an object."""
    value = record.get(key)
    return value if isinstance(value, Mapping) else {}
