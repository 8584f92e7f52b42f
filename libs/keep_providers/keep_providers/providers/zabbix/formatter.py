"""Zabbix webhook media type -> AlertDto.

Zabbix posts whatever its media type script builds; docs/providers/zabbix.md gives the
script and the parameters (one per macro) this formatter reads. Parameter names that
Keep's own Zabbix media type uses are read too, so a media type made for Keep works
unchanged.

The fingerprint is {EVENT.ID}: in recovery and update notifications it is still the
problem event's id ({EVENT.RECOVERY.ID} names the recovery), so every notification of
one problem lands on one alert.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import WARNINGS_FIELD, build_alert, format_one_or_many, lookup, text
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus
from keep_providers.providers.zabbix.mappings import ACK_VALUES, SEVERITY_MAP, STATUS_MAP, VALUE_MAP
from keep_providers.providers.zabbix.tags import tags_to_labels

__all__ = ["PARAMETERS", "event_url", "format_zabbix_webhook"]

# Our parameter name -> the names it may arrive under (ours first, then Keep's).
PARAMETERS: Mapping[str, tuple[str, ...]] = {
    "id": ("id", "EVENT.ID"),
    "recoveryId": ("recoveryId", "EVENT.RECOVERY.ID"),
    "triggerId": ("triggerId", "TRIGGER.ID"),
    "name": ("name", "EVENT.NAME"),
    "status": ("status", "EVENT.STATUS"),
    "value": ("value", "EVENT.VALUE"),
    "updateStatus": ("updateStatus", "EVENT.UPDATE.STATUS"),
    "updateAction": ("updateAction", "EVENT.UPDATE.ACTION"),
    "acknowledged": ("acknowledged", "EVENT.ACK.STATUS"),
    "severity": ("severity", "EVENT.SEVERITY"),
    "nseverity": ("nseverity", "EVENT.NSEVERITY"),
    "date": ("date", "EVENT.DATE"),
    "time": ("time", "EVENT.TIME"),
    "tags": ("tags", "EVENT.TAGSJSON"),
    "host": ("host", "service", "HOST.HOST"),
    "hostName": ("hostName", "HOST.NAME"),
    "hostIp": ("hostIp", "HOST.IP"),
    "opdata": ("opdata", "EVENT.OPDATA"),
    "subject": ("subject", "ALERT.SUBJECT"),
    "message": ("message", "ALERT.MESSAGE"),
    "description": ("description", "TRIGGER.DESCRIPTION"),
    "zabbixUrl": ("zabbixUrl", "ZABBIX.URL"),
}
_KNOWN = frozenset(name for names in PARAMETERS.values() for name in names)

# Zabbix leaves a macro it cannot resolve in place ({EVENT.RECOVERY.ID} in a problem
# notification) or writes *UNKNOWN*: neither is a value.
_UNRESOLVED = re.compile(r"^(\{\$?[A-Z0-9_.]+\}|\*UNKNOWN\*)$")
_EVENT_TIME_FORMAT = "%Y.%m.%d %H:%M:%S"


def _param(payload: Mapping[str, Any], name: str) -> str | None:
    for key in PARAMETERS[name]:
        value = text(payload.get(key))
        if value is not None and not _UNRESOLVED.match(value.strip()):
            return value.strip()
    return None


def _status(payload: Mapping[str, Any]) -> AlertStatus:
    by_status = lookup(STATUS_MAP, _param(payload, "status"), None)
    by_value = lookup(VALUE_MAP, _param(payload, "value"), None)
    if AlertStatus.RESOLVED in (by_status, by_value):
        return AlertStatus.RESOLVED
    if (_param(payload, "acknowledged") or "").lower() in ACK_VALUES:
        return AlertStatus.ACKNOWLEDGED
    return by_status or by_value or AlertStatus.FIRING


def _severity(payload: Mapping[str, Any]) -> AlertSeverity:
    by_name = lookup(SEVERITY_MAP, _param(payload, "severity"), None)
    return by_name or lookup(SEVERITY_MAP, _param(payload, "nseverity"), AlertSeverity.INFO)


def _started(payload: Mapping[str, Any]) -> datetime | str | None:
    """{EVENT.DATE} {EVENT.TIME}, read as UTC; an unreadable one is handed on as text so
    that build_alert drops it and says so."""
    date, time = _param(payload, "date"), _param(payload, "time")
    if date is None or time is None:
        return None
    try:
        return datetime.strptime(f"{date} {time}", _EVENT_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return f"{date} {time}"


def event_url(zabbix_url: str | None, trigger_id: str | None, event_id: str | None) -> str | None:
    """The problem's page in the Zabbix frontend."""
    if not (zabbix_url and trigger_id and event_id):
        return None
    return f"{zabbix_url.rstrip('/')}/tr_events.php?triggerid={trigger_id}&eventid={event_id}"


def _format_one(payload: Any) -> AlertDto:
    if not isinstance(payload, Mapping):
        raise FormatterError("a Zabbix notification is a JSON object")
    event_id = _param(payload, "id")
    if event_id is None:
        raise FormatterError("a Zabbix notification has an 'id' parameter ({EVENT.ID})")
    warnings: list[str] = []
    raw_tags = payload.get("tags") if "tags" in payload else payload.get("EVENT.TAGSJSON")
    if isinstance(raw_tags, str) and _UNRESOLVED.match(raw_tags.strip()):
        raw_tags = None
    try:
        labels = tags_to_labels(raw_tags)
    except ValueError as exc:
        labels = {}
        warnings.append(f"tags dropped: {exc}")
    host_name = _param(payload, "hostName") or _param(payload, "host")
    trigger_id = _param(payload, "triggerId")
    unknown = {key: value for key, value in payload.items() if key not in _KNOWN}
    return build_alert(
        name=_param(payload, "name") or _param(payload, "subject") or f"Zabbix problem {event_id}",
        status=_status(payload),
        severity=_severity(payload),
        firingStartTime=_started(payload),
        startedAt=_started(payload),
        environment=labels.get("environment") or labels.get("env"),
        service=labels.get("service") or host_name,
        message=_param(payload, "message") or _param(payload, "subject"),
        description=_param(payload, "description"),
        url=event_url(_param(payload, "zabbixUrl"), trigger_id, event_id),
        labels=labels,
        fingerprint=event_id,
        source=["zabbix"],
        host=_param(payload, "host"),
        hostName=_param(payload, "hostName"),
        hostIp=_param(payload, "hostIp"),
        triggerId=trigger_id,
        recoveryId=_param(payload, "recoveryId"),
        opdata=_param(payload, "opdata"),
        updateAction=_param(payload, "updateAction"),
        zabbixSeverity=_param(payload, "severity") or _param(payload, "nseverity"),
        zabbixStatus=_param(payload, "status"),
        zabbixParameters=unknown or None,
        **{WARNINGS_FIELD: warnings or None},
    )


def format_zabbix_webhook(payload: Any) -> list[AlertDto]:
    """One notification (an object) or several (a list of them)."""
    return format_one_or_many(payload, _format_one, what="a Zabbix webhook body")
