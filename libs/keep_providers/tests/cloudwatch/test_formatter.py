"""CloudWatch alarm state changes -> AlertDto.

The alarm JSON follows what CloudWatch publishes to SNS (AlarmName, AlarmDescription,
AWSAccountId, NewStateValue, NewStateReason, StateChangeTime, Region, AlarmArn,
OldStateValue, Trigger{MetricName, Namespace, Dimensions[{name, value}], ...}), wrapped
in an SNS Notification whose `Message` is that JSON as a string; EventBridge events
follow the documented "CloudWatch Alarm State Change" event.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.providers.cloudwatch.formatter import DEFAULT_SEVERITY_BY_STATE, SEVERITY_MAP, STATUS_MAP
from keep_providers.providers.cloudwatch.provider import CloudWatchProvider

Alarm = Callable[..., dict[str, Any]]


def envelope(alarm: dict[str, Any] | str, **fields: Any) -> dict[str, Any]:
    """An SNS Notification as posted (signature fields do not matter to the formatter)."""
    return {
        "Type": "Notification",
        "MessageId": "a3d1c2b4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:cloudwatch-alarms",
        "Subject": 'ALARM: "checkout-5xx-rate" in EU (Ireland)',
        "Message": alarm if isinstance(alarm, str) else json.dumps(alarm),
        "Timestamp": "2026-11-28T13:05:12.345Z",
        "SignatureVersion": "1",
        "Signature": "c2lnbmF0dXJl",
        "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem",
        "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
        **fields,
    }


def eventbridge(state: str = "ALARM", description: str = "Server CPU [warning]") -> dict[str, Any]:
    return {
        "version": "0",
        "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": "123456789012",
        "time": "2026-11-28T13:04:40Z",
        "region": "us-east-1",
        "resources": ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"],
        "detail": {
            "alarmName": "ServerCpuTooHigh",
            "state": {
                "value": state,
                "reason": "Threshold Crossed: 1 datapoint [99.5 (28/11/26 13:02:00)] was greater than 90.0",
                "reasonData": '{"version":"1.0"}',
                "timestamp": "2026-11-28T13:04:40.985+0000",
            },
            "previousState": {"value": "OK", "timestamp": "2026-11-27T10:00:00.000+0000"},
            "configuration": {
                "description": description,
                "metrics": [
                    {
                        "id": "30b6c6b2-a864-43a2-4877-c09a1afc3b87",
                        "metricStat": {
                            "metric": {
                                "dimensions": {"InstanceId": "i-12345678901234567"},
                                "name": "CPUUtilization",
                                "namespace": "AWS/EC2",
                            },
                            "period": 300,
                            "stat": "Average",
                        },
                        "returnData": True,
                    }
                ],
            },
        },
    }


def test_sns_notification_maps_every_field(make_alarm: Alarm) -> None:
    alarm = make_alarm()
    [alert] = CloudWatchProvider.format_alerts(envelope(alarm), {}, provider_id="cw-1")
    assert alert.name == "checkout-5xx-rate"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.CRITICAL
    assert alert.fingerprint == alarm["AlarmArn"]
    assert alert.firingStartTime == datetime(2026, 11, 28, 13, 5, 10, 510000, tzinfo=UTC)
    assert alert.service == "app/checkout/50dc6c495c0c9188"
    assert alert.message is not None and alert.message.startswith("Threshold Crossed")
    assert alert.description == "[critical] 5xx rate of the checkout load balancer"
    assert alert.url == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-5xx-rate"
    )
    assert alert.labels == {
        "LoadBalancer": "app/checkout/50dc6c495c0c9188",
        "namespace": "AWS/ApplicationELB",
        "metricName": "HTTPCode_Target_5XX_Count",
        "region": "eu-west-1",
        "accountId": "123456789012",
        "state": "ALARM",
    }
    extra = alert.model_dump()
    assert extra["regionName"] == "EU (Ireland)"
    assert extra["previousStateValue"] == "OK"
    assert extra["snsTopicArn"] == "arn:aws:sns:eu-west-1:123456789012:cloudwatch-alarms"
    assert extra["trigger"]["Threshold"] == 10.0
    assert alert.providerType == "cloudwatch"
    assert alert.providerId == "cw-1"


def test_ok_resolves_the_same_alarm(make_alarm: Alarm) -> None:
    [fired] = CloudWatchProvider.format_alerts(envelope(make_alarm()), {})
    [ended] = CloudWatchProvider.format_alerts(envelope(make_alarm(state="OK", old_state="ALARM")), {})
    assert (fired.status, ended.status) == (AlertStatus.FIRING, AlertStatus.RESOLVED)
    assert fired.fingerprint == ended.fingerprint
    assert ended.severity is AlertSeverity.CRITICAL
    assert ended.firingStartTime is None


def test_same_alarm_twice_has_the_same_fingerprint(make_alarm: Alarm) -> None:
    first = CloudWatchProvider.format_alerts(envelope(make_alarm()), {})
    second = CloudWatchProvider.format_alerts(envelope(make_alarm()), {})
    assert first[0].fingerprint == second[0].fingerprint


def test_same_name_in_two_regions_gets_different_fingerprints(make_alarm: Alarm) -> None:
    other_arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx-rate"
    [ireland] = CloudWatchProvider.format_alerts(envelope(make_alarm()), {})
    [virginia] = CloudWatchProvider.format_alerts(envelope(make_alarm(arn=other_arn)), {})
    assert ireland.name == virginia.name
    assert ireland.fingerprint != virginia.fingerprint


def test_without_an_arn_the_fingerprint_uses_name_account_and_region(make_alarm: Alarm) -> None:
    one = make_alarm(arn=None)
    two = make_alarm(arn=None)
    two["AWSAccountId"] = "999999999999"
    [a] = CloudWatchProvider.format_alerts(one, {})
    [b] = CloudWatchProvider.format_alerts(two, {})
    [a_again] = CloudWatchProvider.format_alerts(make_alarm(arn=None), {})
    assert a.fingerprint and len(a.fingerprint) == 64
    assert a.fingerprint != b.fingerprint
    assert a.fingerprint == a_again.fingerprint
    assert a.url is None


def test_raw_alarm_without_envelope(make_alarm: Alarm) -> None:
    [alert] = CloudWatchProvider.format_alerts(make_alarm(), {})
    assert alert.fingerprint == make_alarm()["AlarmArn"]
    assert "snsTopicArn" not in alert.model_dump()


def test_sns_body_as_text_is_parsed(make_alarm: Alarm) -> None:
    # SNS posts with Content-Type text/plain.
    [alert] = CloudWatchProvider.format_alerts(json.dumps(envelope(make_alarm())).encode(), {})
    assert alert.name == "checkout-5xx-rate"


def test_eventbridge_state_change_event() -> None:
    [alert] = CloudWatchProvider.format_alerts(eventbridge(), {})
    assert alert.name == "ServerCpuTooHigh"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is AlertSeverity.WARNING
    assert alert.fingerprint == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"
    assert alert.service == "i-12345678901234567"
    assert alert.labels["namespace"] == "AWS/EC2"
    assert alert.labels["region"] == "us-east-1"
    assert alert.firingStartTime == datetime(2026, 11, 28, 13, 4, 40, 985000, tzinfo=UTC)
    assert alert.model_dump()["previousStateValue"] == "OK"
    [ok] = CloudWatchProvider.format_alerts(eventbridge("OK"), {})
    assert ok.status is AlertStatus.RESOLVED
    assert ok.fingerprint == alert.fingerprint


def test_several_alarms_in_one_list(make_alarm: Alarm) -> None:
    alerts = CloudWatchProvider.format_alerts([envelope(make_alarm()), eventbridge("INSUFFICIENT_DATA")], {})
    assert [(a.name, a.status) for a in alerts] == [
        ("checkout-5xx-rate", AlertStatus.FIRING),
        ("ServerCpuTooHigh", AlertStatus.PENDING),
    ]


def test_missing_optional_fields() -> None:
    alarm = {"AlarmName": "bare", "NewStateValue": "ALARM", "AlarmArn": "arn:aws:cloudwatch:eu-west-1:1:alarm:bare"}
    [alert] = CloudWatchProvider.format_alerts(envelope(alarm), {})
    assert alert.name == "bare"
    assert alert.severity is AlertSeverity.HIGH
    assert alert.service is None
    assert alert.description is None
    assert alert.labels == {"region": "eu-west-1", "accountId": "1", "state": "ALARM"}


def test_unicode_survives(make_alarm: Alarm) -> None:
    alarm = make_alarm(name="Kasse : Fehlerquote 決済", description="Fehlerquote zu hoch ⚠ [high]")
    [alert] = CloudWatchProvider.format_alerts(envelope(alarm), {})
    assert alert.name == "Kasse : Fehlerquote 決済"
    assert alert.severity is AlertSeverity.HIGH
    assert alert.url is not None and "Kasse%20%3A%20Fehlerquote%20%E6%B1%BA%E6%B8%88" in alert.url


def test_unexpected_fields_are_kept(make_alarm: Alarm) -> None:
    alarm = make_alarm()
    alarm["Trigger"]["Metrics"] = [{"Id": "m1", "ReturnData": True}]
    [alert] = CloudWatchProvider.format_alerts(envelope(alarm), {})
    assert alert.model_dump()["trigger"]["Metrics"] == [{"Id": "m1", "ReturnData": True}]


def test_message_that_is_not_json_is_a_formatter_error() -> None:
    with pytest.raises(FormatterError, match="Message is not JSON"):
        CloudWatchProvider.format_alerts(envelope("Hello from the console"), {})


def test_subscription_confirmation_carries_no_alarm(make_alarm: Alarm) -> None:
    with pytest.raises(FormatterError, match="SubscriptionConfirmation"):
        CloudWatchProvider.format_alerts(envelope(make_alarm(), Type="SubscriptionConfirmation"), {})


@pytest.mark.parametrize("payload", ["{not json", 7, {"hello": "world"}, {"AlarmName": "x"}, [1, 2]])
def test_garbage_is_a_formatter_error(payload: Any) -> None:
    with pytest.raises(FormatterError):
        CloudWatchProvider.format_alerts(payload, {})


def test_one_bad_entry_costs_only_itself(make_alarm: Alarm) -> None:
    with pytest.raises(PartialFormatError) as caught:
        CloudWatchProvider.format_alerts([envelope("plain text"), envelope(make_alarm())], {}, provider_id="cw-1")
    assert [a.name for a in caught.value.alerts] == ["checkout-5xx-rate"]
    assert caught.value.alerts[0].providerId == "cw-1"
    assert "alarms[0]" in caught.value.problems[0]


def test_one_bad_field_is_dropped_and_named(make_alarm: Alarm) -> None:
    [alert] = CloudWatchProvider.format_alerts(envelope(make_alarm(changed_at="a while ago")), {})
    assert alert.firingStartTime is None
    assert alert.fingerprint == make_alarm()["AlarmArn"]
    assert any(w.startswith("firingStartTime dropped") for w in alert.model_dump()["formatWarnings"])


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("ALARM", AlertStatus.FIRING),
        ("OK", AlertStatus.RESOLVED),
        ("INSUFFICIENT_DATA", AlertStatus.PENDING),
    ],
)
def test_status_table(make_alarm: Alarm, state: str, expected: AlertStatus) -> None:
    [alert] = CloudWatchProvider.format_alerts(envelope(make_alarm(state=state)), {})
    assert alert.status is expected
    assert alert.labels["state"] == state
    assert len(STATUS_MAP) == 3


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("[critical] db down", AlertSeverity.CRITICAL),
        ("db down [CRIT]", AlertSeverity.CRITICAL),
        ("severity=high db slow", AlertSeverity.HIGH),
        ("Severity: error", AlertSeverity.HIGH),
        ("[warning] disk", AlertSeverity.WARNING),
        ("severity = medium", AlertSeverity.WARNING),
        ("[info] deploy", AlertSeverity.INFO),
        ("[low] noise", AlertSeverity.LOW),
        ("[eu-west-1] severity=low", AlertSeverity.LOW),
        ("no word at all", AlertSeverity.HIGH),
        (None, AlertSeverity.HIGH),
    ],
)
def test_severity_from_the_description(make_alarm: Alarm, description: str | None, expected: AlertSeverity) -> None:
    [alert] = CloudWatchProvider.format_alerts(envelope(make_alarm(description=description)), {})
    assert alert.severity is expected
    assert "critical" in SEVERITY_MAP


@pytest.mark.parametrize(
    ("state", "expected"),
    [("ALARM", AlertSeverity.HIGH), ("OK", AlertSeverity.HIGH), ("INSUFFICIENT_DATA", AlertSeverity.INFO)],
)
def test_default_severity_by_state(make_alarm: Alarm, state: str, expected: AlertSeverity) -> None:
    [alert] = CloudWatchProvider.format_alerts(envelope(make_alarm(state=state, description="plain")), {})
    assert alert.severity is expected
    assert DEFAULT_SEVERITY_BY_STATE[state.lower()] is expected


def test_china_partition_links_the_china_console(make_alarm: Alarm) -> None:
    alarm = copy.deepcopy(make_alarm(arn="arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:checkout-5xx-rate"))
    [alert] = CloudWatchProvider.format_alerts(envelope(alarm), {})
    assert alert.url is not None and alert.url.startswith("https://cn-north-1.console.amazonaws.cn/cloudwatch/")
