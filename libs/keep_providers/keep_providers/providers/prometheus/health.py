"""Prometheus `GET /api/v1/rules` -> health checks: one per rule group with rules
that fail to evaluate, and a summary that counts the rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers.base import HealthCheck
from keep_providers.exceptions import FormatterError

__all__ = ["rule_health_checks"]

# A rule's `health`: "ok", "unknown" (not evaluated yet) or "err".
_FAILING_HEALTH = "err"


def _failing_rules(group: Mapping[str, Any]) -> list[dict[str, str]]:
    failing = []
    for rule in group.get("rules") or []:
        if not isinstance(rule, Mapping):
            continue
        if rule.get("health") == _FAILING_HEALTH or rule.get("lastError"):
            failing.append({"rule": str(rule.get("name", "")), "error": str(rule.get("lastError") or "")})
    return failing


def rule_health_checks(body: Any) -> list[HealthCheck]:
    data = body.get("data") if isinstance(body, Mapping) else None
    groups = data.get("groups") if isinstance(data, Mapping) else None
    if not isinstance(groups, list):
        raise FormatterError("Prometheus /api/v1/rules did not answer data.groups")
    counts = {"groups": 0, "rules": 0, "alerting": 0, "recording": 0, "failing": 0}
    failing_groups: list[HealthCheck] = []
    for group in groups:
        if not isinstance(group, Mapping):
            continue
        rules = [rule for rule in group.get("rules") or [] if isinstance(rule, Mapping)]
        counts["groups"] += 1
        counts["rules"] += len(rules)
        for kind in ("alerting", "recording"):
            counts[kind] += sum(1 for rule in rules if rule.get("type") == kind)
        failing = _failing_rules(group)
        counts["failing"] += len(failing)
        if failing:
            name = f"{group.get('file', '')}:{group.get('name', '')}"
            failing_groups.append(
                HealthCheck(
                    name=f"rule group {name}",
                    ok=False,
                    detail="; ".join(f"{f['rule']}: {f['error'] or 'health err'}" for f in failing),
                    data={"file": group.get("file"), "group": group.get("name"), "failing_rules": failing},
                )
            )
    summary = HealthCheck(
        name="rules",
        ok=not failing_groups,
        detail=f"{counts['rules']} rules in {counts['groups']} groups, {counts['failing']} failing",
        data=counts,
    )
    return [summary, *failing_groups]
