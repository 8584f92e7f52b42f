"""The correlation rule: which alerts belong in one incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from keep_providers import AlertDto

from correlator.settings import CorrelatorSettings

__all__ = ["CorrelationRule", "GroupKey"]


@dataclass(frozen=True, slots=True)
class GroupKey:
    text: str
    title: str


@dataclass(frozen=True, slots=True)
class CorrelationRule:
    name: str
    group_by: tuple[str, ...]
    window: timedelta

    @classmethod
    def from_settings(cls, settings: CorrelatorSettings) -> CorrelationRule:
        fields = tuple(field.strip() for field in settings.correlation_group_by.split(",") if field.strip())
        return cls(name="default", group_by=fields, window=timedelta(minutes=settings.correlation_window_minutes))

    def group_key(self, alert: AlertDto) -> GroupKey:
        """Labels first (where sources put such attributes), then the alert's own fields."""
        values = [(field, _attribute(alert, field)) for field in self.group_by]
        present = [(field, value) for field, value in values if value]
        if not present:
            return GroupKey(text=f"name={alert.name}", title=alert.name)
        return GroupKey(
            text="\x1f".join(f"{field}={value}" for field, value in values),
            title=f"{', '.join(value for _, value in present)}: {alert.name}",
        )


def _attribute(alert: AlertDto, field: str) -> str | None:
    if value := alert.labels.get(field):
        return value
    value = getattr(alert, field, None)
    return str(value) if value not in (None, "", "undefined") else None
