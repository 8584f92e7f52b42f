"""IncidentStore on PostgreSQL.

Every batch is one transaction: processed event ids, alert state (one multi-row
upsert), incident changes and their outbox rows commit together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from keep_core.codec import encode, encode_key
from keep_core.events import (
    AlertEvent,
    ErrorEvent,
    IncidentChange,
    IncidentEvent,
    IncidentSnapshot,
    IncidentStatus,
)
from keep_providers import AlertSeverity, AlertStatus
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from correlator.rules import CorrelationRule
from correlator.store.base import OutboxMessage

__all__ = ["PostgresIncidentStore"]

CONSUMER = "correlator"

_UPSERT_ALERTS = """
INSERT INTO alerts (tenant_id, fingerprint, name, status, severity, service, environment, provider_type,
                    last_received, last_event_id, alert)
SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                     %s::text[], %s::timestamptz[], %s::text[], %s::jsonb[])
ON CONFLICT (tenant_id, fingerprint) DO UPDATE SET
    name = EXCLUDED.name, status = EXCLUDED.status, severity = EXCLUDED.severity, service = EXCLUDED.service,
    environment = EXCLUDED.environment, provider_type = EXCLUDED.provider_type,
    last_received = EXCLUDED.last_received, last_event_id = EXCLUDED.last_event_id, alert = EXCLUDED.alert
"""

_INCIDENT_FIELDS = (
    "id, tenant_id, name, status, severity, rule, group_key, version, created_at, updated_at, resolved_at"
)


class PostgresIncidentStore:
    def __init__(self, pool: AsyncConnectionPool, rule: CorrelationRule) -> None:
        self._pool = pool
        self._rule = rule

    async def open(self) -> None:
        await self._pool.open()

    async def apply_alerts(self, events: Sequence[AlertEvent]) -> list[OutboxMessage]:
        async with self._pool.connection() as conn, conn.transaction():
            fresh = await self._claim_events(conn, [event.event_id for event in events])
            new_events = [event for event in events if event.event_id in fresh]
            if not new_events:
                return []
            await self._upsert_alerts(conn, new_events)
            messages: list[OutboxMessage] = []
            for event in new_events:
                messages.extend(await self._correlate(conn, event))
            return messages

    async def _claim_events(self, conn: AsyncConnection[Any], event_ids: list[str]) -> set[str]:
        cursor = await conn.execute(
            "INSERT INTO processed_events (consumer, event_id) SELECT %s, unnest(%s::text[]) "
            "ON CONFLICT DO NOTHING RETURNING event_id",
            (CONSUMER, event_ids),
        )
        return {row[0] for row in await cursor.fetchall()}

    async def _upsert_alerts(self, conn: AsyncConnection[Any], events: Sequence[AlertEvent]) -> None:
        # The last event per fingerprint wins: the batch is in partition order.
        latest = {(event.tenant_id, event.fingerprint): event for event in events}
        columns: list[list[Any]] = [[] for _ in range(11)]
        for (tenant, fingerprint), event in latest.items():
            alert = event.alert
            row = (
                tenant,
                fingerprint,
                alert.name,
                alert.status.value,
                alert.severity.value,
                alert.service,
                alert.environment,
                alert.providerType,
                alert.lastReceived,
                event.event_id,
                Jsonb(alert.model_dump(mode="json")),
            )
            for column, value in zip(columns, row, strict=True):
                column.append(value)
        await conn.execute(_UPSERT_ALERTS, columns)

    async def _correlate(self, conn: AsyncConnection[Any], event: AlertEvent) -> list[OutboxMessage]:
        status = event.alert.status
        if status == AlertStatus.RESOLVED:
            return await self._resolve(conn, event)
        if status == AlertStatus.FIRING:
            message = await self._attach(conn, event)
            return [message] if message else []
        return []

    async def _attach(self, conn: AsyncConnection[Any], event: AlertEvent) -> OutboxMessage | None:
        alert, tenant, now = event.alert, event.tenant_id, event.alert.lastReceived
        cursor = await conn.execute(
            "SELECT i.id, i.severity FROM incident_alerts ia JOIN incidents i ON i.id = ia.incident_id "
            "WHERE ia.tenant_id = %s AND ia.fingerprint = %s AND i.status <> %s FOR UPDATE OF i",
            (tenant, event.fingerprint, IncidentStatus.RESOLVED.value),
        )
        open_with_alert = await cursor.fetchall()
        if open_with_alert:
            # Already counted: keep the incident fresh, change nothing consumers see.
            for incident_id, _ in open_with_alert:
                await conn.execute(
                    "UPDATE incidents SET last_alert_at = greatest(last_alert_at, %s) WHERE id = %s", (now, incident_id)
                )
            return None
        group = self._rule.group_key(alert)
        # Alerts of one group can sit on different partitions, so two workers may race to
        # create its incident: serialize them on the group.
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{tenant}\x1f{self._rule.name}\x1f{group.text}",)
        )
        cursor = await conn.execute(
            "SELECT id, severity FROM incidents WHERE tenant_id = %s AND rule = %s AND group_key = %s "
            "AND status <> %s AND last_alert_at >= %s ORDER BY created_at DESC LIMIT 1 FOR UPDATE",
            (tenant, self._rule.name, group.text, IncidentStatus.RESOLVED.value, now - self._rule.window),
        )
        found = await cursor.fetchone()
        if found is None:
            incident_id = str(uuid.uuid4())
            await conn.execute(
                "INSERT INTO incidents (id, tenant_id, rule, group_key, name, status, severity, version, created_at, "
                "updated_at, last_alert_at) VALUES (%s, %s, %s, %s, %s, %s, %s, 1, %s, %s, %s)",
                (
                    incident_id,
                    tenant,
                    self._rule.name,
                    group.text,
                    group.title,
                    IncidentStatus.FIRING.value,
                    alert.severity.value,
                    now,
                    now,
                    now,
                ),
            )
            change = IncidentChange.CREATED
        else:
            incident_id, severity = found
            highest = max(AlertSeverity(severity), alert.severity)
            await conn.execute(
                "UPDATE incidents SET version = version + 1, updated_at = %s, "
                "last_alert_at = greatest(last_alert_at, %s), severity = %s WHERE id = %s",
                (now, now, highest.value, incident_id),
            )
            change = IncidentChange.ALERT_ADDED
        await conn.execute(
            "INSERT INTO incident_alerts (incident_id, tenant_id, fingerprint, added_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (incident_id, tenant, event.fingerprint, now),
        )
        return await self._outbox(conn, incident_id, change)

    async def _resolve(self, conn: AsyncConnection[Any], event: AlertEvent) -> list[OutboxMessage]:
        now = event.alert.lastReceived
        cursor = await conn.execute(
            "SELECT i.id FROM incident_alerts ia JOIN incidents i ON i.id = ia.incident_id "
            "WHERE ia.tenant_id = %s AND ia.fingerprint = %s AND i.status <> %s ORDER BY i.id FOR UPDATE OF i",
            (event.tenant_id, event.fingerprint, IncidentStatus.RESOLVED.value),
        )
        messages = []
        for (incident_id,) in await cursor.fetchall():
            cursor = await conn.execute(
                "SELECT count(*) FROM incident_alerts ia JOIN alerts a "
                "ON a.tenant_id = ia.tenant_id AND a.fingerprint = ia.fingerprint "
                "WHERE ia.incident_id = %s AND ia.fingerprint <> %s AND a.status <> %s",
                (incident_id, event.fingerprint, AlertStatus.RESOLVED.value),
            )
            still_firing = await cursor.fetchone()
            if still_firing is not None and still_firing[0] == 0:
                await conn.execute(
                    "UPDATE incidents SET status = %s, resolved_at = %s, updated_at = %s, version = version + 1 "
                    "WHERE id = %s",
                    (IncidentStatus.RESOLVED.value, now, now, incident_id),
                )
                messages.append(await self._outbox(conn, incident_id, IncidentChange.RESOLVED))
        return messages

    async def _snapshot(self, conn: AsyncConnection[Any], incident_id: str) -> tuple[IncidentSnapshot, int]:
        cursor = await conn.execute(f"SELECT {_INCIDENT_FIELDS} FROM incidents WHERE id = %s", (incident_id,))
        row = await cursor.fetchone()
        assert row is not None
        (id_, tenant, name, status, severity, rule, group_key, version, created_at, updated_at, resolved_at) = row
        cursor = await conn.execute(
            "SELECT ia.fingerprint, a.status FROM incident_alerts ia JOIN alerts a "
            "ON a.tenant_id = ia.tenant_id AND a.fingerprint = ia.fingerprint "
            "WHERE ia.incident_id = %s ORDER BY ia.added_at, ia.fingerprint",
            (incident_id,),
        )
        members = await cursor.fetchall()
        snapshot = IncidentSnapshot(
            id=id_,
            tenant_id=tenant,
            name=name,
            status=IncidentStatus(status),
            severity=AlertSeverity(severity),
            rule=rule,
            group_key=group_key,
            created_at=created_at,
            updated_at=updated_at,
            resolved_at=resolved_at,
            alert_count=len(members),
            firing_alert_count=sum(1 for _, state in members if state != AlertStatus.RESOLVED.value),
            alert_fingerprints=[fingerprint for fingerprint, _ in members],
        )
        return snapshot, version

    async def _outbox(self, conn: AsyncConnection[Any], incident_id: str, change: IncidentChange) -> OutboxMessage:
        snapshot, version = await self._snapshot(conn, incident_id)
        event = IncidentEvent(
            event_id=f"{incident_id}:{version}",
            tenant_id=snapshot.tenant_id,
            change=change,
            version=version,
            incident=snapshot,
        )
        key = encode_key(snapshot.tenant_id, incident_id)
        value = encode(event)
        cursor = await conn.execute(
            "INSERT INTO incident_outbox (incident_id, version, message_key, payload) VALUES (%s, %s, %s, %s) "
            "RETURNING id",
            (incident_id, version, key.decode(), Jsonb(event.model_dump(mode="json", by_alias=True))),
        )
        row = await cursor.fetchone()
        assert row is not None
        return OutboxMessage(outbox_id=row[0], key=key, value=value)

    async def claim_unpublished(self, *, older_than_seconds: float, limit: int) -> list[OutboxMessage]:
        async with self._pool.connection() as conn, conn.transaction():
            cursor = await conn.execute(
                "SELECT id, message_key, payload FROM incident_outbox WHERE published_at IS NULL "
                "AND created_at < now() - make_interval(secs => %s) ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                (older_than_seconds, limit),
            )
            rows = await cursor.fetchall()
        return [
            OutboxMessage(outbox_id=row_id, key=key.encode(), value=encode(IncidentEvent.model_validate(payload)))
            for row_id, key, payload in rows
        ]

    async def mark_published(self, outbox_ids: Sequence[int]) -> None:
        if not outbox_ids:
            return
        async with self._pool.connection() as conn:
            await conn.execute(
                "UPDATE incident_outbox SET published_at = now() WHERE id = ANY(%s)", (list(outbox_ids),)
            )

    async def record_errors(self, events: Sequence[ErrorEvent]) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            cursor = conn.cursor()
            await cursor.executemany(
                "INSERT INTO alert_errors (event_id, tenant_id, provider_type, stage, error_type, error_message, raw, "
                "attempt, failed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (event_id) DO UPDATE SET "
                "attempt = greatest(alert_errors.attempt, EXCLUDED.attempt), error_message = EXCLUDED.error_message",
                [
                    (
                        e.event_id,
                        e.raw.tenant_id,
                        e.raw.provider_type,
                        e.stage,
                        e.error_type,
                        e.error_message,
                        Jsonb(e.raw.model_dump(mode="json", by_alias=True)),
                        e.attempt,
                        e.failed_at,
                    )
                    for e in events
                ],
            )
