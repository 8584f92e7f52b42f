"""New Relic workflow webhook (our payload template) -> AlertDto.

A workflow's webhook body is a Handlebars template the user writes; `WEBHOOK_PAYLOAD`
is the one we document. Issue fields that New Relic accumulates over incidents
(condition names, policy names, entities, descriptions) arrive as lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_one_or_many, lookup, text, unmapped_fields
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus, label_text

__all__ = ["PRIORITY_SEVERITY_MAP", "STATE_STATUS_MAP", "WEBHOOK_PAYLOAD", "format_issue", "format_newrelic_webhook"]

# Pasted as-is into the workflow's webhook "Payload" box. `closedAt` is guarded because
# Handlebars renders an absent value as nothing, which would break the JSON.
WEBHOOK_PAYLOAD = """{
  "issueId": {{ json issueId }},
  "title": {{ json issueTitle }},
  "priority": {{ json priority }},
  "state": {{ json state }},
  "issueUrl": {{ json issuePageUrl }},
  "conditionNames": {{ json accumulations.conditionName }},
  "policyNames": {{ json accumulations.policyName }},
  "entityNames": {{ json entitiesData.names }},
  "description": {{ json annotations.description }},
  "tags": {{ json accumulations.tag }},
  "sources": {{ json accumulations.source }},
  "totalIncidents": {{ json totalIncidents }},
  "createdAt": {{ createdAt }},
  "updatedAt": {{ updatedAt }},
  "closedAt": {{#if closedAt}}{{ closedAt }}{{else}}null{{/if}},
  "workflowName": {{ json workflowName }}
}"""

STATE_STATUS_MAP: Mapping[str, AlertStatus] = {
    "created": AlertStatus.FIRING,
    "activated": AlertStatus.FIRING,
    "acknowledged": AlertStatus.ACKNOWLEDGED,
    "closed": AlertStatus.RESOLVED,
}

# New Relic's four priorities keep four of our levels: LOW is not info.
PRIORITY_SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "critical": AlertSeverity.CRITICAL,
    "high": AlertSeverity.HIGH,
    "medium": AlertSeverity.WARNING,
    "low": AlertSeverity.LOW,
}

_MAPPED = frozenset(
    {
        "issueId",
        "title",
        "priority",
        "state",
        "issueUrl",
        "conditionNames",
        "policyNames",
        "entityNames",
        "description",
        "tags",
        "labels",
        "createdAt",
        "updatedAt",
    }
)


def _epoch_millis(value: Any) -> Any:
    """Epoch milliseconds as a datetime; anything else unchanged, for validation to name."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if isinstance(value, str) and value.strip().isdigit():
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    return value


def _texts(value: Any) -> list[str]:
    """A field that may be one value or New Relic's accumulated list of them."""
    items = value if isinstance(value, list) else [value]
    found: list[str] = []
    for item in items:
        if (item_text := text(item)) is not None and item_text not in found:
            found.append(item_text)
    return found


def _label_map(value: Any) -> dict[str, str]:
    # accumulations.tag is {"team": ["db"], "env": ["prod", "stage"]}.
    if not isinstance(value, Mapping):
        return {}
    return {
        str(key): ",".join(_texts(item)) if isinstance(item, list) else label_text(item) for key, item in value.items()
    }


def format_issue(entry: Any) -> AlertDto:
    """One issue, from the webhook template or from NerdGraph mapped to its keys."""
    if not isinstance(entry, Mapping):
        raise FormatterError("a New Relic issue is a JSON object")
    issue_id = text(entry.get("issueId"))
    if issue_id is None:
        raise FormatterError("not a New Relic issue: no issueId")
    conditions = _texts(entry.get("conditionNames"))
    policies = _texts(entry.get("policyNames"))
    entities = _texts(entry.get("entityNames"))
    labels = {**_label_map(entry.get("labels")), **_label_map(entry.get("tags"))}
    if policies:
        labels.setdefault("policy", ",".join(policies))
    if conditions:
        labels.setdefault("condition", ",".join(conditions))
    titles = _texts(entry.get("title"))
    created = _epoch_millis(entry.get("createdAt"))
    return build_alert(
        id=issue_id,
        name=(titles or conditions or [f"New Relic issue {issue_id}"])[0],
        status=lookup(STATE_STATUS_MAP, entry.get("state"), AlertStatus.FIRING),
        severity=lookup(PRIORITY_SEVERITY_MAP, entry.get("priority"), AlertSeverity.INFO),
        lastReceived=_epoch_millis(entry.get("updatedAt")),
        firingStartTime=created,
        startedAt=created,
        environment=labels.get("env") or labels.get("environment"),
        service=labels.get("service") or (entities[0] if entities else None),
        message=titles[0] if titles else None,
        description="\n".join(_texts(entry.get("description"))) or None,
        url=entry.get("issueUrl") or None,
        labels=labels,
        fingerprint=issue_id,
        issueState=text(entry.get("state")),
        issuePriority=text(entry.get("priority")),
        conditionNames=conditions or None,
        policyNames=policies or None,
        entityNames=entities or None,
        **unmapped_fields(entry, _MAPPED, prefix="newrelic"),
    )


def format_newrelic_webhook(payload: Any) -> list[AlertDto]:
    return format_one_or_many(payload, format_issue, what="a New Relic webhook body")
