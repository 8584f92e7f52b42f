"""Cloud Monitoring Alerts API alerts -> AlertDto, shaped like the webhook's incidents.

`GET /v3/projects/<project>/alerts` answers {"alerts": [alert, ...], "nextPageToken"}.
An alert is `name` (projects/<project>/alerts/<ALERT_ID>), `state` OPEN/CLOSED,
`openTime`/`closeTime` (RFC 3339), `resource` and `metric` ({type, labels}), `metadata`
({systemLabels, userLabels}), `log` ({extractedLabels}) and `policy` ({name,
displayName, severity, userLabels}).

The fingerprint is ALERT_ID. Google does not document that it equals the webhook's
`incident_id`; the console shows both at the same address (alerts are what it used to
call incidents), which is what the match relies on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_each, lookup, string_map, text
from keep_providers.models import AlertDto, AlertStatus
from keep_providers.providers.gcpmonitoring.formatter import (
    STATUS_MAP,
    object_field,
    policy_severity,
    prefixed,
    service_of,
)

__all__ = ["format_pulled_alerts", "read_page"]

# The webhook's `incident.url` has this form; pulled copies get the same address.
_CONSOLE_URL = "https://console.cloud.google.com/monitoring/alerting/incidents/{}?project={}"


def _ids(name: str) -> tuple[str, str]:
    """(project, ALERT_ID) out of `projects/<project>/alerts/<ALERT_ID>`."""
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "projects" or parts[2] != "alerts" or not parts[1] or not parts[3]:
        raise FormatterError(f"alert name {name!r} is not projects/<project>/alerts/<id>")
    return parts[1], parts[3]


def _format_one(alert: Any) -> AlertDto:
    if not isinstance(alert, Mapping):
        raise FormatterError("a Cloud Monitoring alert is a JSON object")
    name = text(alert.get("name"))
    if name is None:
        raise FormatterError("alert has no name")
    project, alert_id = _ids(name)
    policy = object_field(alert.get("policy"))
    resource = object_field(alert.get("resource"))
    metric = object_field(alert.get("metric"))
    metadata = object_field(alert.get("metadata"))
    resource_labels = string_map(resource.get("labels"))
    user_labels = {**string_map(policy.get("userLabels")), **string_map(metadata.get("userLabels"))}
    labels = {
        **prefixed("resource", resource_labels),
        **prefixed("metric", string_map(metric.get("labels"))),
        **prefixed("system", string_map(metadata.get("systemLabels"))),
        **prefixed("log", string_map(object_field(alert.get("log")).get("extractedLabels"))),
        **user_labels,
    }
    for key, value in (
        ("resource_type", text(resource.get("type"))),
        ("metric_type", text(metric.get("type"))),
        ("scoping_project_id", project),
    ):
        if value:
            labels[key] = value
    if (severity_text := text(policy.get("severity"))) is not None:
        labels.setdefault("severity", severity_text)
    state = text(alert.get("state"))
    policy_name = text(policy.get("displayName"))
    return build_alert(
        id=alert_id,
        name=policy_name or alert_id,
        status=lookup(STATUS_MAP, state, AlertStatus.FIRING),
        severity=policy_severity(policy.get("severity"), user_labels),
        firingStartTime=alert.get("openTime"),
        startedAt=alert.get("openTime"),
        environment=user_labels.get("environment") or user_labels.get("env"),
        service=service_of(user_labels, resource_labels),
        message=policy_name,
        url=_CONSOLE_URL.format(quote(alert_id, safe=""), quote(project, safe="")),
        labels=labels,
        fingerprint=alert_id,
        source=["gcpmonitoring"],
        # Lowercased like the webhook's `state` ("open"/"closed").
        state=state.lower() if state else None,
        endedAt=alert.get("closeTime"),
        alertName=name,
        policyName=text(policy.get("name")),
    )


def read_page(body: Any) -> tuple[list[Any], str | None]:
    """The alerts of one page and the token of the next (None on the last). An empty
    list is answered without the `alerts` key at all."""
    if not isinstance(body, Mapping):
        raise FormatterError("the Alerts API did not answer a JSON object")
    entries = body.get("alerts", [])
    if not isinstance(entries, list):
        raise FormatterError("the Alerts API answered 'alerts' that is not a list")
    return entries, text(body.get("nextPageToken"))


def format_pulled_alerts(entries: list[Any]) -> list[AlertDto]:
    return format_each(entries, _format_one) if entries else []
