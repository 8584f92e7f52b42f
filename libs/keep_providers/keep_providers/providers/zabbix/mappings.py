"""Zabbix's values -> ours, shared by the webhook formatter and the pulled problems."""

from __future__ import annotations

from collections.abc import Mapping

from keep_providers.models import AlertSeverity, AlertStatus

__all__ = ["ACK_VALUES", "SEVERITY_MAP", "STATUS_MAP", "VALUE_MAP"]

# {EVENT.SEVERITY} names and {EVENT.NSEVERITY} / problem.get `severity` numbers.
SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "disaster": AlertSeverity.CRITICAL,
    "high": AlertSeverity.HIGH,
    "average": AlertSeverity.WARNING,
    "warning": AlertSeverity.WARNING,
    "information": AlertSeverity.INFO,
    "not classified": AlertSeverity.LOW,
    "not_classified": AlertSeverity.LOW,
    "5": AlertSeverity.CRITICAL,
    "4": AlertSeverity.HIGH,
    "3": AlertSeverity.WARNING,
    "2": AlertSeverity.WARNING,
    "1": AlertSeverity.INFO,
    "0": AlertSeverity.LOW,
}

# {EVENT.STATUS} (PROBLEM/RESOLVED), {TRIGGER.STATUS} (PROBLEM/OK), and the status
# words a hand-written media type script may send.
STATUS_MAP: Mapping[str, AlertStatus] = {
    "problem": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
    "ok": AlertStatus.RESOLVED,
    "acknowledged": AlertStatus.ACKNOWLEDGED,
    "suppressed": AlertStatus.SUPPRESSED,
}

# {EVENT.VALUE}: 1 while the problem lasts, 0 for its recovery.
VALUE_MAP: Mapping[str, AlertStatus] = {
    "1": AlertStatus.FIRING,
    "0": AlertStatus.RESOLVED,
}

# {EVENT.ACK.STATUS} says Yes/No; problem.get `acknowledged` says 1/0.
ACK_VALUES = frozenset({"yes", "1", "true"})
