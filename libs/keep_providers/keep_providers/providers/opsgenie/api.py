"""Opsgenie REST API records -> AlertDto and ExternalIncident.

An alert from `GET /v2/alerts` has the same alias as the webhook's, so a pulled alert
and a pushed one share their fingerprint. The list omits description and details
(only `GET /v2/alerts/{id}` has them): not fetched, one call per alert is too many.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, lookup, text
from keep_providers.models import AlertDto, AlertStatus, ExternalIncident
from keep_providers.providers.opsgenie.mapping import DEFAULT_SEVERITY, SEVERITY_MAP, alert_state, object_field

__all__ = ["INCIDENT_STATUS_MAP", "alert_from_api", "incident_from_api"]

INCIDENT_STATUS_MAP: Mapping[str, AlertStatus] = {
    "open": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
    "closed": AlertStatus.RESOLVED,
}


def _team_ids(record: Mapping[str, Any]) -> list[str] | None:
    teams = record.get("teams")
    if not isinstance(teams, list):
        return None
    return [str(team["id"]) for team in teams if isinstance(team, Mapping) and team.get("id")]


def alert_from_api(record: Any) -> AlertDto:
    if not isinstance(record, Mapping):
        raise FormatterError("an Opsgenie alert record is an object")
    alert_id = text(record.get("id"))
    key = text(record.get("alias")) or alert_id
    if key is None:
        raise FormatterError("Opsgenie alert record has neither alias nor id")
    integration = object_field(record, "integration")
    tags = record.get("tags")
    return build_alert(
        id=alert_id,
        name=text(record.get("message")) or key,
        status=alert_state(record),
        severity=lookup(SEVERITY_MAP, record.get("priority"), DEFAULT_SEVERITY),
        firingStartTime=text(record.get("createdAt")),
        startedAt=text(record.get("createdAt")),
        message=text(record.get("message")),
        service=text(record.get("entity")),
        fingerprint=key,
        source=["opsgenie"],
        alertId=alert_id,
        tinyId=text(record.get("tinyId")),
        alias=text(record.get("alias")),
        priority=text(record.get("priority")),
        tags=[str(tag) for tag in tags] if isinstance(tags, list) else None,
        teams=_team_ids(record),
        owner=text(record.get("owner")),
        count=record.get("count"),
        lastOccurredAt=text(record.get("lastOccurredAt")),
        updatedAt=text(record.get("updatedAt")),
        alertSource=text(record.get("source")),
        integrationName=text(integration.get("name")),
        integrationType=text(integration.get("type")),
    )


def incident_from_api(record: Any) -> ExternalIncident:
    if not isinstance(record, Mapping) or not text(record.get("id")):
        raise FormatterError("an Opsgenie incident record is an object with an id")
    links = object_field(record, "links")
    fields: dict[str, Any] = {
        "id": str(record["id"]),
        "title": text(record.get("message")) or str(record["id"]),
        "status": lookup(INCIDENT_STATUS_MAP, record.get("status"), AlertStatus.FIRING),
        "severity": lookup(SEVERITY_MAP, record.get("priority"), DEFAULT_SEVERITY),
        "url": text(links.get("web")),
        "created_at": text(record.get("createdAt")),
        "tinyId": text(record.get("tinyId")),
        "priority": text(record.get("priority")),
        "incidentStatus": text(record.get("status")),
        "ownerTeam": text(record.get("ownerTeam")),
        "tags": record.get("tags") if isinstance(record.get("tags"), list) else [],
    }
    return ExternalIncident.model_validate({key: value for key, value in fields.items() if value is not None})
