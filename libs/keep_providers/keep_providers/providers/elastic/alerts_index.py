"""Kibana's "alerts as data" documents -> AlertDto, and the search that pages through the
active ones.

Kibana 8 writes every rule alert to a `.alerts-*` index (an alias per rule-type context,
e.g. `.alerts-stack.alerts-default`). Hits are read through the search `fields` option,
not `_source`: Elastic recommends it for alert documents, and it answers each field as a
list of values whether the document stores it as a dotted key or a nested object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, lookup, text
from keep_providers.models import AlertDto, AlertStatus
from keep_providers.providers.elastic.kibana import flag, kibana_fingerprint, rule_tags, tag_labels
from keep_providers.providers.elastic.severity import SEVERITY_MAP, severity_from_tags

__all__ = ["ALERT_FIELDS", "PAGE_SIZE", "active_alerts_search", "format_alert_document"]

PAGE_SIZE = 500

RULE_UUID = "kibana.alert.rule.uuid"
INSTANCE_ID = "kibana.alert.instance.id"
ALERT_UUID = "kibana.alert.uuid"
ALERT_START = "kibana.alert.start"

# Requested by name: security alerts carry their whole source event, which a pull has
# no use for.
ALERT_FIELDS = (
    "@timestamp",
    ALERT_UUID,
    INSTANCE_ID,
    ALERT_START,
    "kibana.alert.status",
    "kibana.alert.reason",
    "kibana.alert.action_group",
    "kibana.alert.severity",
    "kibana.alert.flapping",
    "kibana.alert.url",
    "kibana.alert.workflow_status",
    "kibana.alert.evaluation.value",
    RULE_UUID,
    "kibana.alert.rule.name",
    "kibana.alert.rule.tags",
    "kibana.alert.rule.description",
    "kibana.alert.rule.category",
    "kibana.alert.rule.rule_type_id",
    "kibana.space_ids",
    "service.name",
    "service.environment",
    "host.name",
)


def active_alerts_search(*, size: int = PAGE_SIZE, search_after: Sequence[Any] | None = None) -> dict[str, Any]:
    """One page of active alerts, oldest first, resuming after the previous page's last sort."""
    body: dict[str, Any] = {
        "size": size,
        "_source": False,
        "fields": list(ALERT_FIELDS),
        "query": {"bool": {"filter": [{"term": {"kibana.alert.status": "active"}}]}},
        # start + uuid is unique per alert lifecycle, so paging never skips or repeats a tie;
        # unmapped_type keeps an index without one of them (a fresh one) from failing the search.
        "sort": [
            {ALERT_START: {"order": "asc", "unmapped_type": "date"}},
            {ALERT_UUID: {"order": "asc", "unmapped_type": "keyword"}},
        ],
        "track_total_hits": False,
    }
    if search_after is not None:
        body["search_after"] = list(search_after)
    return body


def _first(fields: Mapping[str, Any], name: str) -> Any:
    values = fields.get(name)
    if isinstance(values, list):
        return values[0] if values else None
    return values


def _values(fields: Mapping[str, Any], name: str) -> list[Any]:
    values = fields.get(name)
    if values is None:
        return []
    return values if isinstance(values, list) else [values]


def _absolute(url: str | None, kibana_url: str | None) -> str | None:
    # Kibana writes a path when its server.publicBaseUrl is not set.
    if url is not None and url.startswith("/") and kibana_url is not None:
        return f"{kibana_url}{url}"
    return url


def format_alert_document(hit: Mapping[str, Any], kibana_url: str | None = None) -> AlertDto:
    """One search hit -> the alert the Kibana webhook gives for the same rule and alert id,
    with the same fingerprint, so a pulled and a pushed copy deduplicate."""
    fields = hit.get("fields")
    if not isinstance(fields, Mapping):
        raise FormatterError("alert document hit has no 'fields' object")
    rule_id = text(_first(fields, RULE_UUID))
    if rule_id is None:
        raise FormatterError(f"alert document {hit.get('_id')!r} has no {RULE_UUID}")
    instance_id = text(_first(fields, INSTANCE_ID))
    alert_uuid = text(_first(fields, ALERT_UUID))
    tags = rule_tags(_values(fields, "kibana.alert.rule.tags"))
    labels = tag_labels(tags)
    labels.update({"ruleId": rule_id, **({"alertId": instance_id} if instance_id else {})})
    if space := text(_first(fields, "kibana.space_ids")):
        labels["spaceId"] = space
    severity_word = text(_first(fields, "kibana.alert.severity"))
    return build_alert(
        id=instance_id,
        name=text(_first(fields, "kibana.alert.rule.name")) or rule_id,
        # The search asks for active alerts only.
        status=AlertStatus.FIRING,
        # Rule types with a severity of their own (security, SLO burn rate) say it here;
        # for the others the rule's tags speak, as in the webhook.
        severity=lookup(SEVERITY_MAP, severity_word, severity_from_tags(tags)),
        lastReceived=text(_first(fields, "@timestamp")),
        firingStartTime=text(_first(fields, ALERT_START)),
        message=text(_first(fields, "kibana.alert.reason")),
        description=text(_first(fields, "kibana.alert.rule.description")),
        url=_absolute(text(_first(fields, "kibana.alert.url")), kibana_url),
        service=labels.get("service") or text(_first(fields, "service.name")),
        environment=labels.get("environment") or labels.get("env") or text(_first(fields, "service.environment")),
        labels=labels,
        # Alerts without an instance id (security detections) are kept apart by their
        # uuid; no webhook copy of those carries the same pair anyway.
        fingerprint=kibana_fingerprint(rule_id, instance_id or alert_uuid),
        source=["elastic", "kibana"],
        tags=tags,
        alertUuid=alert_uuid,
        actionGroup=text(_first(fields, "kibana.alert.action_group")),
        flapping=flag(_first(fields, "kibana.alert.flapping")),
        value=text(_first(fields, "kibana.alert.evaluation.value")),
        alertSeverity=severity_word,
        workflowStatus=text(_first(fields, "kibana.alert.workflow_status")),
        ruleCategory=text(_first(fields, "kibana.alert.rule.category")),
        ruleTypeId=text(_first(fields, "kibana.alert.rule.rule_type_id")),
        host=text(_first(fields, "host.name")),
        alertsIndex=text(hit.get("_index")),
    )
