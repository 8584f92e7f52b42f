"""CloudWatch alarm state changes -> AlertDto.

Three shapes carry the same facts: the alarm JSON that CloudWatch publishes to SNS
(inside the SNS envelope's `Message` string, or posted bare), the EventBridge
"CloudWatch Alarm State Change" event, and DescribeAlarms results (see api.py). Each is
read into `AlarmFacts`, and one function turns those into the alert.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import SEVERITY_WORDS, build_alert, format_one_or_many, lookup, text
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus
from keep_providers.providers.cloudwatch import sns

__all__ = [
    "DEFAULT_SEVERITY_BY_STATE",
    "SERVICE_DIMENSIONS",
    "SEVERITY_MAP",
    "STATUS_MAP",
    "AlarmFacts",
    "alert_from_facts",
    "console_url",
    "format_cloudwatch_payload",
    "severity_from_description",
]

STATUS_MAP: Mapping[str, AlertStatus] = {
    "alarm": AlertStatus.FIRING,
    "ok": AlertStatus.RESOLVED,
    "insufficient_data": AlertStatus.PENDING,
}

# Words accepted in an alarm description as "[critical]" or "severity=critical":
# CloudWatch alarms carry no severity of their own.
SEVERITY_MAP: Mapping[str, AlertSeverity] = SEVERITY_WORDS

# Without a severity word: an alarm is high, and its resolution keeps that severity so
# that it reads as the end of the same alarm; missing data is only worth a look.
DEFAULT_SEVERITY_BY_STATE: Mapping[str, AlertSeverity] = {
    "alarm": AlertSeverity.HIGH,
    "ok": AlertSeverity.HIGH,
    "insufficient_data": AlertSeverity.INFO,
}

_SEVERITY_WORD = re.compile(r"\[\s*([a-z]+)\s*\]|\bseverity\s*[:=]\s*([a-z]+)", re.IGNORECASE)

# Dimensions that name the workload an alarm watches, in the order they are tried;
# without one, the metric namespace (AWS/EC2, ...) stands for the service.
SERVICE_DIMENSIONS = (
    "ServiceName",
    "FunctionName",
    "DBInstanceIdentifier",
    "DBClusterIdentifier",
    "LoadBalancer",
    "TargetGroup",
    "QueueName",
    "TableName",
    "TopicName",
    "ClusterName",
    "AutoScalingGroupName",
    "InstanceId",
)

_EVENTBRIDGE_DETAIL_TYPE = "CloudWatch Alarm State Change"


@dataclass(slots=True)
class AlarmFacts:
    name: str
    state: str
    arn: str | None = None
    description: str | None = None
    reason: str | None = None
    changed_at: str | None = None
    previous_state: str | None = None
    account_id: str | None = None
    region: str | None = None
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: dict[str, str] = field(default_factory=dict)
    # Vendor fields kept on the alert as they came (trigger, SNS ids, ...).
    extra: dict[str, Any] = field(default_factory=dict)


def _arn_part(arn: str | None, index: int) -> str | None:
    # arn:partition:cloudwatch:region:account:alarm:name
    parts = (arn or "").split(":")
    if len(parts) <= index:
        return None
    return parts[index] or None


def severity_from_description(description: str | None) -> AlertSeverity | None:
    for match in _SEVERITY_WORD.finditer(description or ""):
        word = (match.group(1) or match.group(2)).lower()
        if word in SEVERITY_MAP:
            return SEVERITY_MAP[word]
    return None


def console_url(facts: AlarmFacts) -> str | None:
    if not facts.region:
        return None
    domain = "console.amazonaws.cn" if _arn_part(facts.arn, 1) == "aws-cn" else "console.aws.amazon.com"
    return (
        f"https://{facts.region}.{domain}/cloudwatch/home?region={facts.region}"
        f"#alarmsV2:alarm/{quote(facts.name, safe='')}"
    )


def alert_from_facts(facts: AlarmFacts) -> AlertDto:
    state = facts.state.strip().lower()
    status = lookup(STATUS_MAP, state, AlertStatus.FIRING)
    labels = {
        **facts.dimensions,
        **{
            key: value
            for key, value in {
                "namespace": facts.namespace,
                "metricName": facts.metric_name,
                "region": facts.region,
                "accountId": facts.account_id,
                "state": facts.state,
            }.items()
            if value
        },
    }
    service = next((facts.dimensions[name] for name in SERVICE_DIMENSIONS if facts.dimensions.get(name)), None)
    return build_alert(
        id=facts.arn,
        name=facts.name,
        status=status,
        severity=severity_from_description(facts.description)
        or DEFAULT_SEVERITY_BY_STATE.get(state, AlertSeverity.HIGH),
        firingStartTime=facts.changed_at if status is AlertStatus.FIRING else None,
        startedAt=facts.changed_at if status is AlertStatus.FIRING else None,
        service=service or facts.namespace,
        message=facts.reason,
        description=facts.description,
        url=console_url(facts),
        labels=labels,
        fingerprint=facts.arn,
        source=["cloudwatch"],
        alarmArn=facts.arn,
        awsAccountId=facts.account_id,
        region=facts.region,
        stateValue=facts.state,
        previousStateValue=facts.previous_state,
        stateChangeTime=facts.changed_at,
        **facts.extra,
    )


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dimension_list(value: Any) -> dict[str, str]:
    # SNS alarms list dimensions as [{"name": ..., "value": ...}].
    if not isinstance(value, list):
        return {}
    return {
        str(item.get("name")): str(item.get("value"))
        for item in value
        if isinstance(item, Mapping) and item.get("name") is not None
    }


def _from_sns_alarm(alarm: Mapping[str, Any], envelope: Mapping[str, Any] | None) -> AlarmFacts:
    name, state = text(alarm.get("AlarmName")), text(alarm.get("NewStateValue"))
    if name is None or state is None:
        raise FormatterError("a CloudWatch alarm has AlarmName and NewStateValue")
    arn = text(alarm.get("AlarmArn"))
    trigger = _object(alarm.get("Trigger"))
    extra: dict[str, Any] = {"regionName": text(alarm.get("Region")), "trigger": trigger or None}
    if envelope is not None:
        extra |= {
            "snsMessageId": envelope.get("MessageId"),
            "snsTopicArn": envelope.get("TopicArn"),
            "snsSubject": envelope.get("Subject"),
        }
    return AlarmFacts(
        name=name,
        state=state,
        arn=arn,
        description=text(alarm.get("AlarmDescription")),
        reason=text(alarm.get("NewStateReason")),
        changed_at=text(alarm.get("StateChangeTime")),
        previous_state=text(alarm.get("OldStateValue")),
        account_id=text(alarm.get("AWSAccountId")) or _arn_part(arn, 4),
        # `Region` here is the display name ("US East (N. Virginia)"); the code is in the ARN.
        region=_arn_part(arn, 3),
        namespace=text(trigger.get("Namespace")),
        metric_name=text(trigger.get("MetricName")),
        dimensions=_dimension_list(trigger.get("Dimensions")),
        extra={key: value for key, value in extra.items() if value is not None},
    )


def _from_eventbridge(event: Mapping[str, Any]) -> AlarmFacts:
    detail = _object(event.get("detail"))
    state, previous = _object(detail.get("state")), _object(detail.get("previousState"))
    configuration = _object(detail.get("configuration"))
    name, value = text(detail.get("alarmName")), text(state.get("value"))
    if name is None or value is None:
        raise FormatterError("an EventBridge alarm event has detail.alarmName and detail.state.value")
    arn = next((str(item) for item in _list(event.get("resources")) if ":alarm:" in str(item)), None)
    metrics = _list(configuration.get("metrics"))
    # A single-metric alarm has one metricStat; metric-math alarms have several and no one service.
    stats = [stat for m in metrics if (stat := _object(_object(_object(m).get("metricStat")).get("metric")))]
    metric = stats[0] if len(stats) == 1 else {}
    return AlarmFacts(
        name=name,
        state=value,
        arn=arn,
        description=text(configuration.get("description")),
        reason=text(state.get("reason")),
        changed_at=text(state.get("timestamp")) or text(event.get("time")),
        previous_state=text(previous.get("value")),
        account_id=text(event.get("account")) or _arn_part(arn, 4),
        region=text(event.get("region")) or _arn_part(arn, 3),
        namespace=text(metric.get("namespace")),
        metric_name=text(metric.get("name")),
        dimensions={str(k): str(v) for k, v in _object(metric.get("dimensions")).items()},
        extra={
            key: item
            for key, item in {"eventId": event.get("id"), "configuration": configuration or None}.items()
            if item is not None
        },
    )


def _format_one(entry: Any) -> AlertDto:
    if not isinstance(entry, Mapping):
        raise FormatterError("a CloudWatch alarm body is a JSON object")
    if (message := sns.sns_message(dict(entry))) is not None:
        if message["Type"] != sns.NOTIFICATION:
            raise FormatterError(f"an SNS {message['Type']} carries no alarm")
        try:
            alarm = json.loads(str(message.get("Message")))
        except ValueError:
            raise FormatterError(
                "the SNS Notification's Message is not JSON; CloudWatch alarms publish a JSON alarm"
            ) from None
        if not isinstance(alarm, Mapping):
            raise FormatterError("the SNS Notification's Message is not a CloudWatch alarm object")
        return alert_from_facts(_from_sns_alarm(alarm, message))
    if entry.get("detail-type") == _EVENTBRIDGE_DETAIL_TYPE:
        return alert_from_facts(_from_eventbridge(entry))
    if "AlarmName" in entry:
        return alert_from_facts(_from_sns_alarm(entry, None))
    raise FormatterError(
        "not a CloudWatch alarm: expected an SNS message, an EventBridge "
        f"{_EVENTBRIDGE_DETAIL_TYPE!r} event, or an alarm with AlarmName and NewStateValue"
    )


def format_cloudwatch_payload(payload: Any) -> list[AlertDto]:
    """SNS posts its JSON as text/plain, so a body may arrive still as text."""
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except (UnicodeDecodeError, ValueError):
            raise FormatterError("a CloudWatch webhook body is JSON (an SNS message)") from None
    return format_one_or_many(payload, _format_one, what="a CloudWatch alarm body", label="alarms")
