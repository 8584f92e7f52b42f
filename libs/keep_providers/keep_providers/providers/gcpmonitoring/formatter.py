"""Google Cloud Monitoring webhook notification (schema version 1.2) -> AlertDto.

One incident per request. The incident id is stable from open to closed, so it is the
fingerprint. Resource, metric and system labels are prefixed so that they cannot
overwrite the user's own policy labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_one_or_many, lookup, string_map, text
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus

__all__ = [
    "SEVERITY_MAP",
    "STATUS_MAP",
    "format_gcp_monitoring_webhook",
    "object_field",
    "policy_severity",
    "prefixed",
    "service_of",
]

SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "critical": AlertSeverity.CRITICAL,
    "error": AlertSeverity.HIGH,
    "warning": AlertSeverity.WARNING,
    "no severity": AlertSeverity.INFO,
}

STATUS_MAP: Mapping[str, AlertStatus] = {
    "open": AlertStatus.FIRING,
    "closed": AlertStatus.RESOLVED,
}

# Resource labels that name the workload, in the order they are tried.
_SERVICE_LABELS = ("service_name", "function_name", "module_id", "container_name", "instance_id")


# How the webhook ("No severity") and the Alerts API ("SEVERITY_UNSPECIFIED") say none was set.
_NO_SEVERITY = frozenset({"no severity", "severity_unspecified"})


def policy_severity(declared: Any, user_labels: Mapping[str, str]) -> AlertSeverity:
    # Policies older than the severity field often carried it as a user label.
    declared_text = text(declared)
    if declared_text is not None and declared_text.strip().lower() not in _NO_SEVERITY:
        return lookup(SEVERITY_MAP, declared_text, AlertSeverity.INFO)
    return lookup(SEVERITY_MAP, user_labels.get("severity"), AlertSeverity.INFO)


def object_field(value: Any) -> Mapping[str, Any]:
    """A nested object of the incident; anything else reads as empty."""
    return value if isinstance(value, Mapping) else {}


def prefixed(prefix: str, labels: Mapping[str, str]) -> dict[str, str]:
    return {f"{prefix}.{key}": value for key, value in labels.items()}


def service_of(user_labels: Mapping[str, str], resource_labels: Mapping[str, str]) -> str | None:
    return user_labels.get("service") or next(
        (resource_labels[key] for key in _SERVICE_LABELS if resource_labels.get(key)), None
    )


def _format_one(body: Any) -> AlertDto:
    if not isinstance(body, Mapping):
        raise FormatterError("a Cloud Monitoring notification is a JSON object")
    incident = body.get("incident")
    if not isinstance(incident, Mapping):
        raise FormatterError("a Cloud Monitoring notification has an 'incident' object")
    incident_id = text(incident.get("incident_id"))
    if incident_id is None:
        raise FormatterError("incident.incident_id is missing")
    resource = object_field(incident.get("resource"))
    metric = object_field(incident.get("metric"))
    metadata = object_field(incident.get("metadata"))
    documentation = object_field(incident.get("documentation"))
    resource_labels = string_map(resource.get("labels"))
    user_labels = {**string_map(incident.get("policy_user_labels")), **string_map(metadata.get("user_labels"))}
    labels = {
        **prefixed("resource", resource_labels),
        **prefixed("metric", string_map(metric.get("labels"))),
        **prefixed("system", string_map(metadata.get("system_labels"))),
        **user_labels,
    }
    for key, value in (
        ("resource_type", text(resource.get("type"))),
        ("metric_type", text(metric.get("type"))),
        ("scoping_project_id", text(incident.get("scoping_project_id"))),
        ("condition_name", text(incident.get("condition_name"))),
    ):
        if value:
            labels[key] = value
    if (severity_text := text(incident.get("severity"))) is not None:
        labels.setdefault("severity", severity_text)
    service = service_of(user_labels, resource_labels)
    state = text(incident.get("state"))
    return build_alert(
        id=incident_id,
        name=text(incident.get("policy_name")) or text(incident.get("condition_name")) or incident_id,
        # An unknown state is most likely a new kind of open one; the original stays in `state`.
        status=lookup(STATUS_MAP, state, AlertStatus.FIRING),
        severity=policy_severity(incident.get("severity"), user_labels),
        firingStartTime=incident.get("started_at"),
        startedAt=incident.get("started_at"),
        environment=user_labels.get("environment") or user_labels.get("env"),
        service=service or text(incident.get("resource_display_name")),
        message=text(incident.get("summary")),
        description=text(documentation.get("content")),
        url=text(incident.get("url")),
        labels=labels,
        fingerprint=incident_id,
        source=["gcpmonitoring"],
        state=state,
        endedAt=incident.get("ended_at"),
        observedValue=text(incident.get("observed_value")),
        thresholdValue=text(incident.get("threshold_value")),
        resourceName=text(incident.get("resource_name")) or text(incident.get("resource_display_name")),
        resourceId=text(incident.get("resource_id")),
        documentationSubject=text(documentation.get("subject")),
        condition=incident.get("condition"),
        apigeeUrl=text(incident.get("apigee_url")),
        schemaVersion=text(body.get("version")),
    )


def format_gcp_monitoring_webhook(payload: Any) -> list[AlertDto]:
    """One incident per body as Google sends it; a list of bodies is accepted too (replays)."""
    return format_one_or_many(payload, _format_one, what="a Cloud Monitoring notification", label="incidents")
