"""Uptime Kuma webhook notification (JSON content type) -> AlertDto.

The body is `{heartbeat, monitor, msg}`. The "Test" button in Uptime Kuma sends the
same envelope with `heartbeat` and `monitor` null and `msg` "<notification> Testing":
it becomes one resolved info alert, so that a user sees the connection works without
anything firing (and nothing is dead-lettered).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_one_or_many, lookup, text
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus

__all__ = ["SEVERITY_MAP", "STATUS_MAP", "TEST_FINGERPRINT", "format_uptimekuma_webhook"]

# heartbeat.status: 0 DOWN, 1 UP, 2 PENDING (retrying before DOWN), 3 MAINTENANCE.
STATUS_MAP: Mapping[str, AlertStatus] = {
    "0": AlertStatus.FIRING,
    "1": AlertStatus.RESOLVED,
    "2": AlertStatus.PENDING,
    "3": AlertStatus.MAINTENANCE,
}

# Uptime Kuma has no severity; a monitor that is down means a service is unreachable.
SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "0": AlertSeverity.HIGH,
    "1": AlertSeverity.INFO,
    "2": AlertSeverity.WARNING,
    "3": AlertSeverity.INFO,
}

STATUS_NAMES: Mapping[str, str] = {"0": "down", "1": "up", "2": "pending", "3": "maintenance"}

# Keys Uptime Kuma sends; a custom or newer body's other keys are kept in customFields.
_BODY_KEYS = frozenset({"heartbeat", "monitor", "msg"})

# One fingerprint for every test notification: repeated tests update one alert.
TEST_FINGERPRINT = "uptimekuma-test-notification"

# Heartbeat times are the server's SQL datetime in UTC ("2024-05-03 10:14:31.123").
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S")


def _heartbeat_time(value: Any) -> datetime | str | None:
    raw = text(value)
    if raw is None:
        return None
    for layout in _TIME_FORMATS:
        try:
            return datetime.strptime(raw, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    # ISO and anything else: left to AlertDto, which drops it with a warning if invalid.
    return raw


def _tags(monitor: Mapping[str, Any]) -> dict[str, str]:
    tags = monitor.get("tags")
    if not isinstance(tags, list):
        return {}
    labels: dict[str, str] = {}
    for tag in tags:
        if isinstance(tag, Mapping) and (name := text(tag.get("name"))):
            labels[name] = text(tag.get("value")) or ""
    return labels


def _object(payload: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise FormatterError(f"Uptime Kuma body field {key!r} is not an object")
    return value


def _test_alert(msg: str) -> AlertDto:
    return build_alert(
        name="Uptime Kuma test notification",
        status=AlertStatus.RESOLVED,
        severity=AlertSeverity.INFO,
        message=msg,
        fingerprint=TEST_FINGERPRINT,
        source=["uptimekuma"],
        isTest=True,
    )


def _monitor_alert(
    monitor: Mapping[str, Any], heartbeat: Mapping[str, Any], msg: str | None, custom: Mapping[str, Any]
) -> AlertDto:
    monitor_id = text(monitor.get("id")) or text(heartbeat.get("monitorID"))
    if monitor_id is None:
        raise FormatterError("Uptime Kuma body names no monitor id (monitor.id or heartbeat.monitorID)")
    status_code = text(heartbeat.get("status"))
    labels = _tags(monitor)
    labels.update(
        {
            "monitorId": monitor_id,
            **{key: value for key in ("type", "hostname", "port") if (value := text(monitor.get(key)))},
        }
    )
    when = _heartbeat_time(heartbeat.get("time"))
    return build_alert(
        id=monitor_id,
        name=text(monitor.get("name")) or f"monitor {monitor_id}",
        status=lookup(STATUS_MAP, status_code, AlertStatus.FIRING),
        severity=lookup(SEVERITY_MAP, status_code, AlertSeverity.WARNING),
        lastReceived=when,
        message=text(heartbeat.get("msg")) or msg,
        description=text(monitor.get("description")) or msg,
        url=text(monitor.get("url")),
        service=text(monitor.get("pathName")) or text(monitor.get("name")),
        labels=labels,
        # The monitor id is stable across renames; the name is not, nor unique.
        fingerprint=f"uptimekuma-monitor-{monitor_id}",
        source=["uptimekuma"],
        heartbeatStatus=STATUS_NAMES.get(status_code or "", status_code),
        ping=heartbeat.get("ping"),
        important=heartbeat.get("important"),
        duration=heartbeat.get("duration"),
        timezone=text(heartbeat.get("timezone")),
        localDateTime=text(heartbeat.get("localDateTime")),
        notificationMessage=msg,
        customFields=dict(custom) or None,
    )


def _format_body(payload: Any) -> AlertDto:
    if not isinstance(payload, Mapping):
        raise FormatterError("an Uptime Kuma webhook body is a JSON object")
    if not _BODY_KEYS & payload.keys():
        raise FormatterError("an Uptime Kuma webhook body has 'heartbeat', 'monitor' and 'msg'")
    heartbeat = _object(payload, "heartbeat")
    monitor = _object(payload, "monitor")
    msg = text(payload.get("msg"))
    if heartbeat is None and monitor is None:
        if msg is None:
            raise FormatterError("Uptime Kuma body has no heartbeat, no monitor and no msg")
        return _test_alert(msg)
    custom = {key: value for key, value in payload.items() if key not in _BODY_KEYS}
    return _monitor_alert(monitor or {}, heartbeat or {}, msg, custom)


def format_uptimekuma_webhook(payload: Any) -> list[AlertDto]:
    """One body, or a list of them (bodies collected and replayed together)."""
    return format_one_or_many(payload, _format_body, what="an Uptime Kuma webhook body", label="bodies")
