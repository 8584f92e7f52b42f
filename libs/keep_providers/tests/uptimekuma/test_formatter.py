"""Uptime Kuma webhook -> AlertDto.

Bodies follow Uptime Kuma's webhook provider (server/notification-providers/webhook.js):
`{heartbeat, monitor, msg}`, heartbeat from Heartbeat.toJSON() plus timezone fields,
monitor from Monitor.toJSON(); the test button sends heartbeat and monitor as null.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.providers.uptimekuma.formatter import SEVERITY_MAP, STATUS_MAP, TEST_FINGERPRINT
from keep_providers.providers.uptimekuma.provider import UptimeKumaProvider

Body = Callable[..., dict[str, Any]]


def one(payload: Any):  # type: ignore[no-untyped-def]
    alerts = UptimeKumaProvider.format_alerts(payload, {}, provider_id="kuma-1")
    assert len(alerts) == 1
    return alerts[0]


def test_down_heartbeat(firing_body: dict[str, Any]) -> None:
    alert = one(firing_body)
    assert alert.name == "Checkout API"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.HIGH
    assert alert.fingerprint == "uptimekuma-monitor-7"
    assert alert.id == "7"
    assert alert.url == "https://shop.example.com/api/health"
    assert alert.message == "timeout of 48000ms exceeded"
    assert alert.description == "Public checkout endpoint"
    assert alert.service == "Shop / Checkout API"
    assert alert.lastReceived == datetime(2024, 11, 28, 14, 5, 12, 345000, tzinfo=UTC)
    assert alert.labels == {"env": "production", "monitorId": "7", "type": "http"}
    extra = alert.model_dump()
    assert extra["heartbeatStatus"] == "down"
    assert extra["important"] is True
    assert extra["duration"] == 60
    assert extra["timezone"] == "Europe/Berlin"
    assert extra["notificationMessage"] == "[Checkout API] [🔴 Down] timeout of 48000ms exceeded"
    assert "ping" not in extra
    assert alert.providerType == "uptimekuma" and alert.providerId == "kuma-1"


def test_up_resolves_same_fingerprint(kuma_body: Body) -> None:
    down = one(kuma_body())
    up = one(kuma_body(heartbeat={"status": 1, "msg": "200 - OK", "ping": 83}, msg="[Checkout API] [✅ Up] 200 - OK"))
    assert up.status is AlertStatus.RESOLVED
    assert up.fingerprint == down.fingerprint
    assert up.model_dump()["ping"] == 83


@pytest.mark.parametrize("code", sorted(STATUS_MAP))
def test_status_and_severity_tables(kuma_body: Body, code: str) -> None:
    alert = one(kuma_body(heartbeat={"status": int(code)}))
    assert alert.status is STATUS_MAP[code]
    assert alert.severity is SEVERITY_MAP[code]


def test_unknown_status_fires_and_keeps_the_code(kuma_body: Body) -> None:
    alert = one(kuma_body(heartbeat={"status": 9}))
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.WARNING
    assert alert.model_dump()["heartbeatStatus"] == "9"


def test_rename_keeps_fingerprint_and_same_name_differs(kuma_body: Body) -> None:
    original = one(kuma_body())
    renamed = one(kuma_body(monitor={"name": "Checkout API v2"}))
    twin = one(kuma_body(monitor={"id": 8}, heartbeat={"monitorID": 8}))
    assert renamed.fingerprint == original.fingerprint
    assert twin.name == original.name and twin.fingerprint != original.fingerprint


def test_same_body_twice(firing_body: dict[str, Any]) -> None:
    assert one(firing_body).fingerprint == one(firing_body).fingerprint


def test_test_notification_is_a_resolved_info_alert() -> None:
    alert = one({"heartbeat": None, "monitor": None, "msg": "My Keep hook Testing"})
    assert alert.name == "Uptime Kuma test notification"
    assert alert.status is AlertStatus.RESOLVED
    assert alert.severity is AlertSeverity.INFO
    assert alert.message == "My Keep hook Testing"
    assert alert.fingerprint == TEST_FINGERPRINT
    assert alert.model_dump()["isTest"] is True


def test_minimal_heartbeat_without_monitor() -> None:
    alert = one(
        {"heartbeat": {"monitorID": 3, "status": 0, "time": "2024-11-28 14:05:12"}, "monitor": None, "msg": "x"}
    )
    assert alert.name == "monitor 3"
    assert alert.fingerprint == "uptimekuma-monitor-3"
    assert alert.url is None
    assert alert.lastReceived == datetime(2024, 11, 28, 14, 5, 12, tzinfo=UTC)


def test_unicode(kuma_body: Body) -> None:
    alert = one(
        kuma_body(monitor={"name": "Kassensystem · Zürich 🇨🇭"}, heartbeat={"msg": "getaddrinfo ENOTFOUND 例え.jp"})
    )
    assert alert.name == "Kassensystem · Zürich 🇨🇭"
    assert alert.message == "getaddrinfo ENOTFOUND 例え.jp"


def test_extra_fields_kept(kuma_body: Body) -> None:
    assert one(kuma_body(instance="kuma-eu")).model_dump()["customFields"] == {"instance": "kuma-eu"}


def test_bad_time_drops_only_that_field(kuma_body: Body) -> None:
    alert = one(kuma_body(heartbeat={"time": "half past noon"}))
    assert alert.status is AlertStatus.FIRING
    warnings = alert.model_dump()["formatWarnings"]
    assert len(warnings) == 1 and warnings[0].startswith("lastReceived dropped")


def test_several_bodies(kuma_body: Body) -> None:
    alerts = UptimeKumaProvider.format_alerts([kuma_body(), kuma_body(monitor={"id": 9}, heartbeat={"status": 1})], {})
    assert [(a.fingerprint, a.status) for a in alerts] == [
        ("uptimekuma-monitor-7", AlertStatus.FIRING),
        ("uptimekuma-monitor-9", AlertStatus.RESOLVED),
    ]


def test_one_bad_body_keeps_the_good(kuma_body: Body) -> None:
    with pytest.raises(PartialFormatError) as caught:
        UptimeKumaProvider.format_alerts([kuma_body(), {"heartbeat": {"status": 0}, "monitor": None, "msg": "?"}], {})
    assert [a.fingerprint for a in caught.value.alerts] == ["uptimekuma-monitor-7"]
    assert "monitor id" in caught.value.problems[0]


@pytest.mark.parametrize(
    "payload",
    [
        "garbage",
        7,
        [],
        {"alerts": []},
        {"heartbeat": None, "monitor": None, "msg": None},
        {"heartbeat": "down", "msg": "x"},
    ],
)
def test_garbage_is_a_formatter_error(payload: Any) -> None:
    with pytest.raises(FormatterError):
        UptimeKumaProvider.format_alerts(payload, {})


def test_capabilities() -> None:
    assert UptimeKumaProvider.capabilities() == {"format"}
