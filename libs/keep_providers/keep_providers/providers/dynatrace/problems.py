"""Dynatrace problems API v2 (GET /api/v2/problems) under the keys of our webhook
template, so that pulled and pushed problems are formatted and fingerprinted alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["OPEN_PROBLEMS", "problem_as_webhook"]

OPEN_PROBLEMS = 'status("open")'


def problem_as_webhook(problem: Mapping[str, Any], environment_url: str) -> dict[str, Any]:
    """A problem from GET /api/v2/problems under the keys of our webhook template."""
    pid = problem.get("problemId")
    return {
        "PID": pid,
        "ProblemID": problem.get("displayId"),
        "ProblemTitle": problem.get("title"),
        "State": problem.get("status"),
        "ProblemSeverity": problem.get("severityLevel"),
        "ProblemImpact": problem.get("impactLevel"),
        "ProblemURL": f"{environment_url}/#problems/problemdetails;pid={pid}",
        "ImpactedEntities": [
            _entity(entity) for entity in problem.get("impactedEntities") or [] if isinstance(entity, Mapping)
        ],
        "Tags": ", ".join(
            str(tag.get("stringRepresentation")) for tag in problem.get("entityTags") or [] if isinstance(tag, Mapping)
        ),
        "ProblemDetailsJSON": {"startTime": problem.get("startTime"), "endTime": problem.get("endTime")},
        "managementZones": [
            zone.get("name") for zone in problem.get("managementZones") or [] if isinstance(zone, Mapping)
        ],
        "rootCauseEntity": problem.get("rootCauseEntity"),
    }


def _entity(entity: Mapping[str, Any]) -> dict[str, Any]:
    # The API nests {"entityId": {"id", "type"}, "name"}; {ImpactedEntities} is flat.
    entity_id = entity.get("entityId") or {}
    return {"type": entity_id.get("type"), "name": entity.get("name"), "entity": entity_id.get("id")}
