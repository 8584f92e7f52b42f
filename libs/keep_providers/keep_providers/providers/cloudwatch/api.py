"""CloudWatch's Query API: DescribeAlarms, signed with SigV4, answered in XML."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

from keep_providers.exceptions import ProviderError
from keep_providers.providers.cloudwatch.formatter import AlarmFacts

__all__ = ["API_VERSION", "MAX_RECORDS", "SERVICE", "AlarmsPage", "describe_alarms_body", "parse_describe_alarms"]

API_VERSION = "2010-08-01"
# The SigV4 service name of CloudWatch (metrics and alarms).
SERVICE = "monitoring"
# The largest page DescribeAlarms returns.
MAX_RECORDS = 100


@dataclass(frozen=True, slots=True)
class AlarmsPage:
    alarms: list[AlarmFacts]
    next_token: str | None


def describe_alarms_body(*, state: str | None, next_token: str | None, max_records: int = MAX_RECORDS) -> bytes:
    params = {
        "Action": "DescribeAlarms",
        "Version": API_VERSION,
        "MaxRecords": str(max_records),
        # Without AlarmTypes, DescribeAlarms leaves composite alarms out.
        "AlarmTypes.member.1": "MetricAlarm",
        "AlarmTypes.member.2": "CompositeAlarm",
    }
    if state:
        params["StateValue"] = state
    if next_token:
        params["NextToken"] = next_token
    return urlencode(params).encode("ascii")


def _local(tag: str) -> str:
    # Responses are namespaced (http://monitoring.amazonaws.com/doc/2010-08-01/).
    return tag.rsplit("}", 1)[-1]


def _child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    return next((child for child in element if _local(child.tag) == name), None)


def _text(element: ElementTree.Element, name: str) -> str | None:
    child = _child(element, name)
    return child.text.strip() if child is not None and child.text and child.text.strip() else None


def _members(element: ElementTree.Element | None) -> Iterator[ElementTree.Element]:
    if element is not None:
        yield from (child for child in element if _local(child.tag) == "member")


def _alarm(member: ElementTree.Element, region: str) -> AlarmFacts | None:
    name, state = _text(member, "AlarmName"), _text(member, "StateValue")
    if name is None or state is None:
        return None
    arn = _text(member, "AlarmArn")
    dimensions = {
        key: value
        for dimension in _members(_child(member, "Dimensions"))
        if (key := _text(dimension, "Name")) is not None and (value := _text(dimension, "Value")) is not None
    }
    trigger = {
        key: value
        for key in ("Statistic", "ExtendedStatistic", "Period", "EvaluationPeriods", "Threshold", "ComparisonOperator")
        if (value := _text(member, key)) is not None
    }
    arn_parts = (arn or "").split(":")
    return AlarmFacts(
        name=name,
        state=state,
        arn=arn,
        description=_text(member, "AlarmDescription"),
        reason=_text(member, "StateReason"),
        changed_at=_text(member, "StateUpdatedTimestamp"),
        account_id=arn_parts[4] if len(arn_parts) > 4 and arn_parts[4] else None,
        region=region,
        namespace=_text(member, "Namespace"),
        metric_name=_text(member, "MetricName"),
        dimensions=dimensions,
        extra={"trigger": trigger} if trigger else {},
    )


def parse_describe_alarms(body: bytes, region: str) -> AlarmsPage:
    """Metric and composite alarms of one DescribeAlarms page and the token of the next one."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise ProviderError("CloudWatch DescribeAlarms answered with a body that is not XML") from None
    result = _child(root, "DescribeAlarmsResult")
    if _local(root.tag) != "DescribeAlarmsResponse" or result is None:
        raise ProviderError(f"CloudWatch answered {_local(root.tag)}, not a DescribeAlarmsResponse")
    members = [*_members(_child(result, "MetricAlarms")), *_members(_child(result, "CompositeAlarms"))]
    alarms = [alarm for member in members if (alarm := _alarm(member, region))]
    return AlarmsPage(alarms=alarms, next_token=_text(result, "NextToken"))
