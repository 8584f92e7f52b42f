"""Dynatrace problem notification (custom integration, our payload template) -> AlertDto.

Dynatrace fills `{Placeholder}`s in a payload the user writes; `WEBHOOK_PAYLOAD` is the
one we document and `setup_webhook` installs. Pulled problems are mapped to the same
keys (`problems.py`), so both paths share one formatter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_one_or_many, lookup, text, unmapped_fields
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus

__all__ = [
    "SEVERITY_MAP",
    "STATUS_MAP",
    "WEBHOOK_PAYLOAD",
    "format_dynatrace_webhook",
    "format_problem",
]

# {ImpactedEntities} and {ProblemDetailsJSON} render as JSON themselves, hence unquoted.
WEBHOOK_PAYLOAD = """{
  "PID": "{PID}",
  "ProblemID": "{ProblemID}",
  "ProblemTitle": "{ProblemTitle}",
  "State": "{State}",
  "ProblemSeverity": "{ProblemSeverity}",
  "ProblemImpact": "{ProblemImpact}",
  "ProblemURL": "{ProblemURL}",
  "ImpactedEntity": "{ImpactedEntity}",
  "ImpactedEntities": {ImpactedEntities},
  "Tags": "{Tags}",
  "ProblemDetailsJSON": {ProblemDetailsJSON}
}"""

# Webhook {State}, plus CLOSED as the problems API spells a finished problem. A merged
# problem lives on inside another one, so this one is over.
STATUS_MAP: Mapping[str, AlertStatus] = {
    "open": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
    "closed": AlertStatus.RESOLVED,
    "merged": AlertStatus.RESOLVED,
}

# {ProblemSeverity} is a category, not a level; ranked by what it does to users.
SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "availability": AlertSeverity.CRITICAL,
    "error": AlertSeverity.HIGH,
    "monitoring_unavailable": AlertSeverity.HIGH,
    "performance": AlertSeverity.WARNING,
    "resource_contention": AlertSeverity.WARNING,
    "custom_alert": AlertSeverity.INFO,
    "info": AlertSeverity.INFO,
}

# A test notification leaves some placeholders as they are: "{PID}".
_UNFILLED = re.compile(r"^\{\w+\}$")
# "[Kubernetes]app:cart" -> context "[Kubernetes]" is dropped from the label key.
_TAG_CONTEXT = re.compile(r"^\[[^\]]*\]")

_MAPPED = frozenset(
    {
        "PID",
        "ProblemID",
        "ProblemTitle",
        "State",
        "ProblemSeverity",
        "ProblemImpact",
        "ProblemURL",
        "ImpactedEntity",
        "ImpactedEntities",
        "Tags",
        "ProblemDetailsJSON",
    }
)


def _filled(value: Any) -> str | None:
    found = text(value)
    return None if found is None or _UNFILLED.match(found.strip()) else found


def _parse_tags(raw: Any) -> dict[str, str]:
    labels: dict[str, str] = {}
    for tag in str(raw or "").split(","):
        tag = _TAG_CONTEXT.sub("", tag.strip()).strip()
        if tag and not _UNFILLED.match(tag):
            key, _, value = tag.partition(":")
            labels[key.strip()] = ",".join(filter(None, [labels.get(key.strip()), value.strip()]))
    return labels


def _epoch_millis(value: Any) -> Any:
    # Dynatrace says -1 for "not yet" (an open problem's end).
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC) if value > 0 else None
    return value


def _entities(value: Any) -> list[Mapping[str, Any]]:
    return [entity for entity in value if isinstance(entity, Mapping)] if isinstance(value, list) else []


def format_problem(entry: Any) -> AlertDto:
    if not isinstance(entry, Mapping):
        raise FormatterError("a Dynatrace problem notification is a JSON object")
    pid = _filled(entry.get("PID"))
    display_id = _filled(entry.get("ProblemID"))
    # PID is the problem's stable id; ProblemID is the number people read ("P-2406123").
    fingerprint = pid or display_id
    if fingerprint is None:
        raise FormatterError("not a Dynatrace problem notification: no PID or ProblemID")
    state = _filled(entry.get("State"))
    labels = _parse_tags(entry.get("Tags"))
    if state is not None and state.upper() == "MERGED":
        labels["dynatrace_merged"] = "true"
    entities = _entities(entry.get("ImpactedEntities"))
    details = entry.get("ProblemDetailsJSON")
    details = details if isinstance(details, Mapping) else {}
    services = [text(e.get("name")) for e in entities if str(e.get("type", "")).upper() == "SERVICE"]
    impacted = _filled(entry.get("ImpactedEntity")) or ", ".join(filter(None, (text(e.get("name")) for e in entities)))
    started = _epoch_millis(details.get("startTime"))
    return build_alert(
        id=display_id,
        name=_filled(entry.get("ProblemTitle")) or f"Dynatrace problem {display_id or pid}",
        status=lookup(STATUS_MAP, state, AlertStatus.FIRING),
        severity=lookup(SEVERITY_MAP, _filled(entry.get("ProblemSeverity")), AlertSeverity.INFO),
        firingStartTime=started,
        startedAt=started,
        environment=labels.get("env") or labels.get("environment"),
        service=labels.get("service") or next(filter(None, services), None),
        message=_filled(entry.get("ProblemTitle")),
        description=f"Impacted: {impacted}" if impacted else None,
        url=_filled(entry.get("ProblemURL")),
        labels=labels,
        fingerprint=fingerprint,
        problemId=display_id,
        pid=pid,
        problemState=state,
        problemSeverity=_filled(entry.get("ProblemSeverity")),
        problemImpact=_filled(entry.get("ProblemImpact")),
        impactedEntities=list(entities) or None,
        problemEndTime=_epoch_millis(details.get("endTime")),
        **unmapped_fields(entry, _MAPPED, prefix="dynatrace"),
    )


def format_dynatrace_webhook(payload: Any) -> list[AlertDto]:
    return format_one_or_many(payload, format_problem, what="a Dynatrace problem notification")
