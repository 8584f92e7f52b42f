"""Bodies and mapping configs for the mapping provider's tests.

The bodies in payloads/ are shaped like what real senders post: a Checkmk
notification script that dumps its NOTIFY_* context as JSON, a home-grown cron job
monitor, an uptime checker that posts a list, and a SaaS export nesting its events
under `data.items`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from keep_providers.providers.mapping.config import MappingConfig
from keep_providers.providers.mapping.provider import MappingProvider


@pytest.fixture
def make_config() -> Callable[..., MappingConfig]:
    """A validated config from a raw dict, the way an install validates it."""

    def make(raw: dict[str, Any] | None = None, **overrides: Any) -> MappingConfig:
        config = MappingProvider.parse_config({**(raw or {}), **overrides})
        assert isinstance(config, MappingConfig)
        return config

    return make


@pytest.fixture
def checkmk_config() -> dict[str, Any]:
    return {
        "fields": {
            "name": "$.service",
            "service": "$.host",
            "environment": "$.omd_site",
            "status": "$.service_state",
            "severity": "$.service_state",
            "message": "{{ entry.host }}: {{ entry.service }} is {{ entry.service_state }}",
            "description": "$.service_output",
            "url": "https://{{ entry.monitoring_host }}{{ entry.service_url }}",
            "startedAt": "$.timestamp",
            "labels": "$.host_labels",
            "hostAddress": "$.host_address",
        },
        "status_map": {"OK": "resolved", "WARN": "firing", "CRIT": "firing", "UNKNOWN": "firing"},
        "severity_map": {"OK": "info", "WARN": "warning", "CRIT": "critical", "UNKNOWN": "info"},
        "fingerprint_fields": ["name", "service", "environment"],
    }


@pytest.fixture
def cron_config() -> dict[str, Any]:
    return {
        "fields": {
            "name": "Cron job {{ entry.job.name }}",
            "fingerprint": "{{ entry.env }}/{{ entry.job.id }}",
            "status": "$.event",
            "severity": "$.event",
            "service": "$.host",
            "environment": "$.env",
            "message": "exit code {{ entry.run.exit_code }} after {{ entry.run.duration_s }} s",
            "description": "$.run.log_tail",
            "url": "$.dashboard",
            "startedAt": "$.run.started_at",
            "labels": {"schedule": "$.job.schedule", "owner": "$.job.owner", "monitor": "cron"},
            "runId": "$.run.id",
        },
        "status_map": {"job.failed": "firing", "job.missed": "firing", "job.succeeded": "resolved"},
        "severity_map": {"job.failed": "high", "job.missed": "warning", "job.succeeded": "info"},
        "keep_payload": False,
    }


@pytest.fixture
def uptime_config() -> dict[str, Any]:
    return {
        "fields": {
            "name": "Uptime check {{ entry.check }}",
            "status": "$.ok",
            "severity": "{{ 'high' if not entry.ok else 'info' }}",
            "url": "$.target",
            "description": "{{ entry.error | default('responding in ' ~ entry.latency_ms ~ ' ms') }}",
            "startedAt": "$.checked_at",
            "labels": {"region": "$.region", "target": "$.target"},
        },
        "status_map": {"false": "firing", "true": "resolved"},
    }


@pytest.fixture
def observer_config() -> dict[str, Any]:
    return {
        "alerts_path": "$.data.items[*]",
        "fields": {
            "name": "$.title",
            "fingerprint": "$.id",
            "status": "$.state",
            "severity": "$.priority",
            "service": "$.tags.service",
            "environment": "$.tags.env",
            "url": "$.links.self",
            "firingStartTime": "$.opened",
            "labels": {"region": "$.tags.region", "account": "$$.meta.account", "source": "$$.meta.source"},
            "assignee": "$.assignee",
        },
        "status_map": {"open": "firing", "acknowledged": "acknowledged", "closed": "resolved"},
        "severity_map": {"P1": "critical", "P2": "high", "P3": "warning", "P4": "low"},
    }
