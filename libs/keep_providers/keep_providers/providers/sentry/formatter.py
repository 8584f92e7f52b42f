"""Sentry webhooks -> AlertDto.

Two kinds of body: integration-platform webhooks (`{action, data: {<resource>: ...},
installation, actor}`, the resource named by the Sentry-Hook-Resource header) and the
legacy "WebHooks" plugin body (`{id, project, level, culprit, url, message, event}`).

Issue and event alerts are fingerprinted by the Sentry issue id: event ids change with
every occurrence, the issue is what Sentry itself groups them into. A metric alert is
an incident of an alert rule; its id gets a `metric_alert:` prefix because it is a
small counter that would otherwise collide with issue ids of a self-hosted Sentry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import build_alert, format_each, lookup, text
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus, label_text

__all__ = [
    "ISSUE_ACTION_STATUS_MAP",
    "ISSUE_STATUS_MAP",
    "LEVEL_SEVERITY_MAP",
    "METRIC_SEVERITY_MAP",
    "METRIC_STATUS_MAP",
    "RESOURCE_HEADER",
    "format_issue_list",
    "format_sentry_webhook",
]

RESOURCE_HEADER = "sentry-hook-resource"

LEVEL_SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "fatal": AlertSeverity.CRITICAL,
    "error": AlertSeverity.HIGH,
    "warning": AlertSeverity.WARNING,
    "info": AlertSeverity.INFO,
    "debug": AlertSeverity.LOW,
}

# The issue's own status is its current state; the webhook action is only the fallback.
ISSUE_STATUS_MAP: Mapping[str, AlertStatus] = {
    "unresolved": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
    "ignored": AlertStatus.SUPPRESSED,
    "archived": AlertStatus.SUPPRESSED,
}

ISSUE_ACTION_STATUS_MAP: Mapping[str, AlertStatus] = {
    "created": AlertStatus.FIRING,
    "unresolved": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
    "archived": AlertStatus.SUPPRESSED,
    "ignored": AlertStatus.SUPPRESSED,
}

METRIC_STATUS_MAP: Mapping[str, AlertStatus] = {
    "critical": AlertStatus.FIRING,
    "warning": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
}

# A resolved metric alert no longer says how bad it was.
METRIC_SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "critical": AlertSeverity.CRITICAL,
    "warning": AlertSeverity.WARNING,
    "resolved": AlertSeverity.INFO,
}

# data key of each alert-carrying resource, in the order used to guess one without the header.
_RESOURCE_DATA_KEYS = {"metric_alert": "metric_alert", "event_alert": "event", "issue": "issue", "error": "error"}
_NON_ALERT_RESOURCES = frozenset({"installation", "comment", "seer", "preprod_artifact"})

_ISSUE_ID_IN_URL = re.compile(r"/issues/(\d+)/")
_PROJECT_IN_API_URL = re.compile(r"/projects/[^/]+/([^/]+)/events/")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value.strip().lower() or None
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _tags(value: Any) -> dict[str, str]:
    """Event tags: Sentry sends `[[key, value], ...]`; the API also knows `[{key, value}]`."""
    if isinstance(value, Mapping):
        return {str(key): label_text(item) for key, item in value.items()}
    tags: dict[str, str] = {}
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, list | tuple) and len(entry) == 2:
            tags[str(entry[0])] = label_text(entry[1])
        elif isinstance(entry, Mapping) and "key" in entry:
            tags[str(entry["key"])] = label_text(entry.get("value"))
    return tags


def _labels(**values: Any) -> dict[str, str]:
    return {key: label_text(value) for key, value in values.items() if text(value) is not None}


def _severity(level: Any) -> AlertSeverity:
    # Unknown levels read as info; the original stays in labels["level"].
    return lookup(LEVEL_SEVERITY_MAP, level, AlertSeverity.INFO)


def format_issue(issue: Mapping[str, Any], *, action: str | None = None, **extra: Any) -> AlertDto:
    """One Sentry issue: the `issue` webhook resource and an item of the issues API."""
    issue_id = text(issue.get("id"))
    if issue_id is None:
        raise FormatterError("Sentry issue has no id")
    project = _mapping(issue.get("project"))
    metadata = _mapping(issue.get("metadata"))
    status = lookup(ISSUE_STATUS_MAP, issue.get("status"), None) or lookup(
        ISSUE_ACTION_STATUS_MAP, action, AlertStatus.FIRING
    )
    return build_alert(
        id=issue_id,
        fingerprint=issue_id,
        name=text(issue.get("title")) or text(metadata.get("type")) or f"Sentry issue {issue_id}",
        status=status,
        severity=_severity(issue.get("level")),
        firingStartTime=issue.get("firstSeen"),
        startedAt=issue.get("firstSeen"),
        service=text(project.get("slug")),
        message=text(metadata.get("value")) or text(issue.get("title")),
        description=text(issue.get("culprit")),
        url=text(issue.get("permalink")) or text(issue.get("web_url")),
        labels=_labels(
            level=issue.get("level"),
            project=project.get("slug"),
            shortId=issue.get("shortId"),
            platform=issue.get("platform"),
            substatus=issue.get("substatus"),
            issueType=issue.get("issueType") or issue.get("type"),
            action=action,
        ),
        shortId=text(issue.get("shortId")),
        lastSeen=text(issue.get("lastSeen")),
        count=text(issue.get("count")),
        sentry=dict(issue),
        **extra,
    )


def _issue_id_of_event(event: Mapping[str, Any]) -> str:
    issue_id = text(event.get("issue_id")) or text(event.get("group_id"))
    if issue_id is None and (found := _ISSUE_ID_IN_URL.search(str(event.get("issue_url") or event.get("web_url")))):
        issue_id = found.group(1)
    if issue_id is None:
        raise FormatterError("Sentry event has no issue_id: it cannot be told apart from other events")
    return issue_id


def _format_event(event: Mapping[str, Any], *, action: str | None, triggered_rule: Any, **extra: Any) -> AlertDto:
    """An event: the `event_alert` (an alert rule fired on it) and `error` resources."""
    issue_id = _issue_id_of_event(event)
    tags = _tags(event.get("tags"))
    metadata = _mapping(event.get("metadata"))
    level = event.get("level") or tags.get("level")
    project_match = _PROJECT_IN_API_URL.search(str(event.get("url") or ""))
    occurred = event.get("datetime") or event.get("timestamp")
    return build_alert(
        id=issue_id,
        fingerprint=issue_id,
        name=text(event.get("title")) or text(metadata.get("type")) or text(triggered_rule) or "Sentry event",
        status=AlertStatus.FIRING,
        severity=_severity(level),
        firingStartTime=occurred,
        startedAt=occurred,
        environment=text(event.get("environment")) or tags.get("environment") or "undefined",
        service=project_match.group(1) if project_match else None,
        message=text(event.get("message")) or text(metadata.get("value")) or text(event.get("title")),
        description=text(event.get("culprit")),
        url=text(event.get("web_url")) or text(event.get("url")),
        labels={
            **tags,
            **_labels(
                level=level,
                release=event.get("release"),
                platform=event.get("platform"),
                triggered_rule=triggered_rule,
                action=action,
            ),
        },
        eventId=text(event.get("event_id")),
        sentry=dict(event),
        **extra,
    )


def _format_metric_alert(data: Mapping[str, Any], *, action: str | None, **extra: Any) -> AlertDto:
    metric_alert = _mapping(data.get("metric_alert"))
    alert_id = text(metric_alert.get("id"))
    if alert_id is None:
        raise FormatterError("Sentry metric_alert has no id")
    rule = _mapping(metric_alert.get("alert_rule"))
    projects = rule.get("projects") or metric_alert.get("projects") or []
    return build_alert(
        id=alert_id,
        fingerprint=f"metric_alert:{alert_id}",
        name=text(rule.get("name")) or text(data.get("description_title")) or f"Sentry metric alert {alert_id}",
        status=lookup(METRIC_STATUS_MAP, action, AlertStatus.FIRING),
        severity=lookup(METRIC_SEVERITY_MAP, action, AlertSeverity.INFO),
        firingStartTime=metric_alert.get("date_started"),
        startedAt=metric_alert.get("date_detected") or metric_alert.get("date_started"),
        environment=text(rule.get("environment")) or "undefined",
        service=text(projects[0]) if isinstance(projects, list) and projects else None,
        message=text(data.get("description_title")),
        description=text(data.get("description_text")),
        url=text(data.get("web_url")),
        labels=_labels(
            action=action,
            alert_rule_id=rule.get("id"),
            aggregate=rule.get("aggregate"),
            query=rule.get("query"),
            dataset=rule.get("dataset"),
            projects=",".join(map(str, projects)) if isinstance(projects, list) else None,
        ),
        dateClosed=text(metric_alert.get("date_closed")),
        sentry=dict(metric_alert),
        **extra,
    )


def _resource(data: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    resource = _header(headers, RESOURCE_HEADER)
    if resource is None:
        # Without the header (a replay, a test) the data key names the resource.
        resource = next((name for name, key in _RESOURCE_DATA_KEYS.items() if key in data), None)
        if resource is None:
            keys = ", ".join(sorted(map(str, data))) or "nothing"
            raise FormatterError(f"Sentry webhook data holds no alert resource (it has {keys})")
    if resource in _NON_ALERT_RESOURCES:
        raise FormatterError(f"Sentry {resource!r} webhooks carry no alert; unsubscribe from them")
    key = _RESOURCE_DATA_KEYS.get(resource)
    if key is None:
        raise FormatterError(f"unknown Sentry-Hook-Resource {resource!r}")
    if not isinstance(data.get(key), Mapping):
        raise FormatterError(f"Sentry {resource} webhook has no data.{key} object")
    return resource


def _format_integration_webhook(payload: Mapping[str, Any], headers: Mapping[str, str]) -> AlertDto:
    data = payload["data"]
    resource = _resource(data, headers)
    action = text(payload.get("action"))
    # Everything around `data` (actor, installation, fields Sentry adds later) is kept too.
    extra = {
        "sentryResource": resource,
        "sentryEnvelope": {key: value for key, value in payload.items() if key != "data"},
    }
    if resource == "metric_alert":
        return _format_metric_alert(data, action=action, **extra)
    if resource == "issue":
        return format_issue(data["issue"], action=action, **extra)
    event = data[_RESOURCE_DATA_KEYS[resource]]
    return _format_event(event, action=action, triggered_rule=data.get("triggered_rule"), **extra)


def _format_legacy_plugin(payload: Mapping[str, Any]) -> AlertDto:
    """The per-project "WebHooks" plugin: one issue with its latest event, unsigned."""
    issue_id = text(payload.get("id"))
    if issue_id is None:
        raise FormatterError("Sentry WebHooks plugin body has no issue id")
    event = _mapping(payload.get("event"))
    tags = _tags(event.get("tags"))
    occurred = event.get("datetime") or event.get("timestamp") or payload.get("datetime")
    project = text(payload.get("project_slug")) or text(payload.get("project"))
    rules = payload.get("triggering_rules")
    return build_alert(
        id=issue_id,
        fingerprint=issue_id,
        name=text(event.get("title")) or text(payload.get("message")) or f"Sentry issue {issue_id}",
        status=AlertStatus.FIRING,
        severity=_severity(payload.get("level")),
        firingStartTime=occurred,
        startedAt=occurred,
        environment=text(event.get("environment")) or tags.get("environment") or "undefined",
        service=project,
        message=text(payload.get("message")),
        description=text(payload.get("culprit")),
        url=text(payload.get("url")),
        labels={
            **tags,
            **_labels(
                level=payload.get("level"),
                project=project,
                logger=payload.get("logger"),
                triggering_rules=",".join(map(str, rules)) if isinstance(rules, list) else None,
            ),
        },
        eventId=text(event.get("event_id")),
        sentry=dict(payload),
    )


def format_sentry_webhook(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
    if not isinstance(payload, Mapping):
        raise FormatterError("a Sentry webhook body is a JSON object")
    if isinstance(payload.get("data"), Mapping) and "action" in payload:
        return [_format_integration_webhook(payload, headers)]
    if "id" in payload and isinstance(payload.get("event"), Mapping):
        return [_format_legacy_plugin(payload)]
    raise FormatterError(
        "not a Sentry webhook: expected an integration-platform body {action, data} "
        "or a WebHooks plugin body {id, project, event}"
    )


def format_issue_list(issues: Any) -> list[AlertDto]:
    """The issues API's answer: one alert per issue, a bad one costing only itself."""
    if not isinstance(issues, list):
        raise FormatterError("the Sentry issues API answered something other than a list")
    return format_each(issues, lambda issue: format_issue(_require_object(issue)), label="issues")


def _require_object(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FormatterError("issue is not an object")
    return value
