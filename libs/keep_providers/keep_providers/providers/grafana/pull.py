"""What Grafana's alerting API answers -> alerts and health findings.

Alerts come from the Alertmanager-compatible API because it carries Grafana's own
fingerprint, the one the webhook sends for the same alert; the Prometheus-style rules
API has none, but it is where a rule's evaluation health shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers.base import HealthCheck
from keep_providers.exceptions import FormatterError
from keep_providers.formatting import lookup, string_map, text
from keep_providers.models import AlertDto, AlertStatus

from .alert import grafana_alert
from .mapping import AM_STATE_MAP

__all__ = ["UNHEALTHY_RULE_STATES", "alert_from_api", "rule_health_checks"]

# Rule health values of /api/prometheus/grafana/api/v1/rules that need a look.
UNHEALTHY_RULE_STATES: Mapping[str, str] = {
    "error": "evaluation fails",
    "nodata": "query returns no data",
}
_RULE_UID_LABEL = "__alert_rule_uid__"


def _private(key: str) -> bool:
    # Grafana's internal labels and annotations (`__alert_rule_uid__`, `__values__`, ...)
    # are stripped from webhooks; stripping them here keeps pulled and pushed alike.
    return key.startswith("__") and key.endswith("__")


def alert_from_api(entry: Any, base_url: str) -> AlertDto:
    """One alert of `GET /api/alertmanager/grafana/api/v2/alerts`."""
    if not isinstance(entry, Mapping):
        raise FormatterError("not an object")
    fingerprint = text(entry.get("fingerprint"))
    if fingerprint is None:
        raise FormatterError("alert has no fingerprint")
    labels = string_map(entry.get("labels"))
    annotations = string_map(entry.get("annotations"))
    state = text((entry.get("status") or {}).get("state"))
    extra: dict[str, Any] = {"grafanaState": state}
    if rule_uid := labels.get(_RULE_UID_LABEL):
        extra["ruleUid"] = rule_uid
    if value_string := annotations.get("__value_string__"):
        extra["valueString"] = value_string
    return grafana_alert(
        labels={key: value for key, value in labels.items() if not _private(key)},
        annotations={key: value for key, value in annotations.items() if not _private(key)},
        status=lookup(AM_STATE_MAP, state, AlertStatus.FIRING),
        fingerprint=fingerprint,
        starts_at=entry.get("startsAt"),
        ends_at=entry.get("endsAt"),
        links={"generatorURL": entry.get("generatorURL")},
        base_url=base_url,
        extra=extra,
    )


def rule_health_checks(groups: list[Mapping[str, Any]]) -> list[HealthCheck]:
    """One failing check per rule whose health is error or nodata; one passing check
    saying how many rules were looked at when none is."""
    checks: list[HealthCheck] = []
    total = 0
    for group in groups:
        folder = text(group.get("file")) or ""
        for rule in group.get("rules") or []:
            total += 1
            health = (text(rule.get("health")) or "ok").lower()
            if health not in UNHEALTHY_RULE_STATES:
                continue
            name = text(rule.get("name")) or "unnamed rule"
            checks.append(
                HealthCheck(
                    name=f"rule {folder}/{text(group.get('name')) or ''}/{name}",
                    ok=False,
                    detail=text(rule.get("lastError")) or UNHEALTHY_RULE_STATES[health],
                    data={
                        "health": health,
                        "uid": rule.get("uid"),
                        "folder": folder,
                        "group": group.get("name"),
                        "lastEvaluation": rule.get("lastEvaluation"),
                    },
                )
            )
    if not checks:
        checks.append(HealthCheck(name="alert rules", ok=True, detail=f"{total} rules evaluate with data"))
    return checks
