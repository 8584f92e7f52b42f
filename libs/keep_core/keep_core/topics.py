"""Topic names, declared once."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TopicNames"]


@dataclass(frozen=True, slots=True)
class TopicNames:
    prefix: str

    @property
    def raw(self) -> str:
        return f"{self.prefix}.alerts.raw"

    @property
    def normalized(self) -> str:
        """Internal: formatted alerts re-keyed by fingerprint so dedup state is partition-local."""
        return f"{self.prefix}.alerts.normalized"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}.alerts"

    @property
    def errors(self) -> str:
        return f"{self.prefix}.alerts.errors"

    @property
    def incidents(self) -> str:
        return f"{self.prefix}.incidents"

    @property
    def action_requests(self) -> str:
        return f"{self.prefix}.actions.requests"

    @property
    def action_results(self) -> str:
        return f"{self.prefix}.actions.results"

    def all(self) -> tuple[str, ...]:
        return (
            self.raw,
            self.normalized,
            self.alerts,
            self.errors,
            self.incidents,
            self.action_requests,
            self.action_results,
        )
