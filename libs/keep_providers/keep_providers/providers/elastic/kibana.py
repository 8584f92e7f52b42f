"""Kibana alerting Webhook connector body (our documented template) -> AlertDto.

Kibana renders every action variable into a JSON string, so booleans and lists arrive
as text: `alert.flapping` is "true"/"false" and `rule.tags` is comma-joined (a real
list is accepted too, for bodies built by other means).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers._fingerprint import fingerprint_from_fields
from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, lookup, text
from keep_providers.models import AlertDto, AlertStatus
from keep_providers.providers.elastic.severity import severity_from_tags

__all__ = ["STATUS_MAP", "flag", "format_kibana_alert", "kibana_fingerprint", "rule_tags", "tag_labels"]

# Kibana's action groups are per rule type ("query matched", "threshold met", ...);
# only recovery is common to all of them, everything else is a firing alert.
STATUS_MAP: Mapping[str, AlertStatus] = {
    "recovered": AlertStatus.RESOLVED,
}

_FINGERPRINT_FIELDS = ("kibana.rule.id", "kibana.alert.id")
# Top-level keys of our template; anything else a user added is kept in customFields.
_TEMPLATE_KEYS = frozenset({"rule", "alert", "context", "date", "kibanaBaseUrl", "spaceId"})
_LABEL_TAG_SEPARATOR = ":"


def kibana_fingerprint(rule_id: str, alert_id: str | None) -> str:
    # rule.id + alert.id: alert.uuid changes with every new lifecycle of the same
    # alert, which would split one flapping host into many alerts.
    return fingerprint_from_fields({"kibana.rule.id": rule_id, "kibana.alert.id": alert_id}, _FINGERPRINT_FIELDS)


def _section(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise FormatterError(f"Kibana body field {key!r} is not an object")
    return value


def rule_tags(value: Any) -> list[str]:
    if isinstance(value, list):
        items = [str(item) for item in value]
    elif isinstance(value, str):
        items = value.split(",")
    else:
        items = []
    return [tag.strip() for tag in items if tag.strip()]


def tag_labels(tags: list[str]) -> dict[str, str]:
    # "team:payments" becomes a label; bare tags stay in `tags` only.
    pairs = (tag.split(_LABEL_TAG_SEPARATOR, 1) for tag in tags if _LABEL_TAG_SEPARATOR in tag)
    return {key.strip(): value.strip() for key, value in pairs if key.strip()}


def flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    word = text(value)
    return None if word is None else word.strip().lower() == "true"


def format_kibana_alert(payload: Mapping[str, Any]) -> AlertDto:
    rule = _section(payload, "rule")
    alert = _section(payload, "alert")
    context = _section(payload, "context")
    rule_id = text(rule.get("id"))
    if rule_id is None:
        raise FormatterError("Kibana body has no rule.id")
    alert_id = text(alert.get("id"))
    action_group = text(alert.get("actionGroup"))
    tags = rule_tags(rule.get("tags"))
    labels = tag_labels(tags)
    labels.update({"ruleId": rule_id, **({"alertId": alert_id} if alert_id else {})})
    if space := text(rule.get("spaceId") or payload.get("spaceId")):
        labels["spaceId"] = space
    reason = text(context.get("reason"))
    return build_alert(
        id=alert_id,
        name=text(rule.get("name")) or rule_id,
        status=lookup(STATUS_MAP, action_group, AlertStatus.FIRING),
        severity=severity_from_tags(tags),
        lastReceived=text(payload.get("date")),
        message=reason or text(context.get("message")),
        description=text(context.get("message")),
        url=text(context.get("link")) or text(rule.get("url")),
        service=labels.get("service"),
        environment=labels.get("environment") or labels.get("env"),
        labels=labels,
        fingerprint=kibana_fingerprint(rule_id, alert_id),
        source=["elastic", "kibana"],
        tags=tags,
        alertUuid=text(alert.get("uuid")),
        actionGroup=action_group,
        actionGroupName=text(alert.get("actionGroupName")),
        flapping=flag(alert.get("flapping")),
        value=text(context.get("value")),
        ruleUrl=text(rule.get("url")),
        kibanaBaseUrl=text(payload.get("kibanaBaseUrl")),
        # Context variables differ per rule type (hits, group, conditions...): all kept.
        context=dict(context) or None,
        customFields={key: value for key, value in payload.items() if key not in _TEMPLATE_KEYS} or None,
    )
