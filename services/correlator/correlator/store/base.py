from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from keep_core.events import AlertEvent, ErrorEvent

__all__ = ["IncidentStore", "OutboxMessage"]


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """An incident event committed with its change and waiting to be published."""

    outbox_id: int
    key: bytes
    value: bytes


class IncidentStore(Protocol):
    async def open(self) -> None:
        """Connect; idempotent, so every agent calls it before its first use."""

    async def apply_alerts(self, events: Sequence[AlertEvent]) -> list[OutboxMessage]:
        """Apply a batch in one transaction; events applied before change nothing."""

    async def claim_unpublished(self, *, older_than_seconds: float, limit: int) -> list[OutboxMessage]:
        """Outbox messages a crash left unpublished."""

    async def mark_published(self, outbox_ids: Sequence[int]) -> None: ...

    async def record_errors(self, events: Sequence[ErrorEvent]) -> None: ...
