"""The AlertDto every Grafana alert becomes, whether it came by the unified webhook or
by pull: one place decides name, severity, links and the no-data/error mark."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from keep_providers.formatting import WARNINGS_FIELD, build_alert, string_map, text
from keep_providers.models import AlertDto, AlertStatus

from .mapping import REASON_LABEL, environment_of, http_url, reason_of, severity_of

__all__ = ["grafana_alert", "link", "unknown_fields"]

# Alertmanager's zero time: an alert that has not ended yet.
_ZERO_TIME_PREFIX = "0001-01-01"


def grafana_alert(
    *,
    labels: Any,
    annotations: Any,
    status: AlertStatus,
    fingerprint: str,
    starts_at: Any,
    ends_at: Any,
    links: Mapping[str, Any],
    base_url: str | None,
    fallback_name: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> AlertDto:
    """`links` maps Grafana's link field names (generatorURL, imageURL, ...) to their
    values; generatorURL becomes `url`, imageURL `imageUrl`, the rest stay as extras."""
    label_map = string_map(labels)
    annotation_map = string_map(annotations)
    warnings: list[str] = []
    reason = reason_of(label_map, annotation_map)
    if reason is not None and isinstance(labels, Mapping):
        labels = {**label_map, REASON_LABEL: reason}
    resolved_links = {name: link(name, value, base_url, warnings) for name, value in links.items()}
    ended = text(ends_at)
    fields: dict[str, Any] = {
        "name": label_map.get("alertname") or annotation_map.get("summary") or fallback_name or "Grafana alert",
        "status": status,
        "severity": severity_of(label_map),
        "firingStartTime": starts_at,
        "startedAt": starts_at,
        "environment": environment_of(label_map),
        "service": label_map.get("service") or None,
        "message": annotation_map.get("summary") or annotation_map.get("message") or None,
        # Grafana puts the evaluation error of a DatasourceError alert in "Error".
        "description": annotation_map.get("description") or annotation_map.get("Error") or None,
        "url": resolved_links.pop("generatorURL", None),
        "imageUrl": resolved_links.pop("imageURL", None),
        "labels": labels,
        "annotations": annotations,
        "fingerprint": fingerprint,
        "source": ["grafana"],
        "endsAt": None if ended is None or ended.startswith(_ZERO_TIME_PREFIX) else ended,
        WARNINGS_FIELD: warnings,
    }
    # Our fields win over same-named extras.
    return build_alert(**{**resolved_links, **(extra or {}), **fields})


def link(name: str, value: Any, base_url: str | None, warnings: list[str]) -> str | None:
    """`value` as an absolute http(s) URL, or None with a warning naming the field."""
    url = http_url(value, base_url)
    if url is None and text(value) is not None:
        # The alert is kept; only the link that leads nowhere is left out.
        warnings.append(f"{name} dropped: not an http(s) URL")
    return url


def unknown_fields(entry: Mapping[str, Any], known: Iterable[str]) -> dict[str, Any]:
    """Fields Grafana added that we do not map, kept as extras; a name that would
    shadow one of ours is prefixed."""
    reserved = set(AlertDto.model_fields) | {WARNINGS_FIELD}
    known_names = set(known)
    return {
        (f"grafana_{key}" if key in reserved else key): value for key, value in entry.items() if key not in known_names
    }
