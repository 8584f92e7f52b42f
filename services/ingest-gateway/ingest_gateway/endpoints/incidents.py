from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingest_gateway.endpoints.paging import page_params
from ingest_gateway.responses import json_error

__all__ = ["get_incident", "list_incidents"]

_INCIDENT_COLUMNS = (
    "i.id, i.name, i.status, i.severity, i.rule, i.group_key, i.version, i.created_at, i.updated_at, i.resolved_at, "
    "(SELECT count(*) FROM incident_alerts ia WHERE ia.incident_id = i.id) AS alert_count"
)


def _incident(row: Any) -> dict[str, Any]:
    keys = (
        "id",
        "name",
        "status",
        "severity",
        "rule",
        "group_key",
        "version",
        "created_at",
        "updated_at",
        "resolved_at",
        "alert_count",
    )
    incident = dict(zip(keys, row, strict=True))
    for stamp in ("created_at", "updated_at", "resolved_at"):
        if incident[stamp] is not None:
            incident[stamp] = incident[stamp].isoformat()
    return incident


async def list_incidents(request: Request) -> Response:
    limit, offset = page_params(request)
    status = request.query_params.get("status")
    tenant = request.state.tenant_id
    async with request.app.state.pool.connection() as conn:
        rows = await (
            await conn.execute(
                f"SELECT {_INCIDENT_COLUMNS} FROM incidents i WHERE i.tenant_id = %s "
                "AND (%s::text IS NULL OR i.status = %s) ORDER BY i.created_at DESC, i.id LIMIT %s OFFSET %s",
                (tenant, status, status, limit, offset),
            )
        ).fetchall()
        count_row = await (
            await conn.execute(
                "SELECT count(*) FROM incidents WHERE tenant_id = %s AND (%s::text IS NULL OR status = %s)",
                (tenant, status, status),
            )
        ).fetchone()
    return JSONResponse(
        {
            "items": [_incident(row) for row in rows],
            "count": count_row[0] if count_row else 0,
            "limit": limit,
            "offset": offset,
        }
    )


async def get_incident(request: Request) -> Response:
    tenant = request.state.tenant_id
    incident_id = request.path_params["incident_id"]
    async with request.app.state.pool.connection() as conn:
        row = await (
            await conn.execute(
                f"SELECT {_INCIDENT_COLUMNS} FROM incidents i WHERE i.tenant_id = %s AND i.id = %s",
                (tenant, incident_id),
            )
        ).fetchone()
        if row is None:
            return json_error(404, "no incident with that id")
        alerts = await (
            await conn.execute(
                "SELECT a.alert FROM incident_alerts ia JOIN alerts a "
                "ON a.tenant_id = ia.tenant_id AND a.fingerprint = ia.fingerprint "
                "WHERE ia.incident_id = %s ORDER BY ia.added_at, ia.fingerprint",
                (incident_id,),
            )
        ).fetchall()
    return JSONResponse({**_incident(row), "alerts": [alert[0] for alert in alerts]})
