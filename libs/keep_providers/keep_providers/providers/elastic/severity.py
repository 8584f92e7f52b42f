"""Severity words Elastic users put in rule tags and watch metadata -> AlertSeverity.

Kibana rules and watches carry no severity of their own; users say it in a tag
(`severity:critical` or a bare `critical`) or in the watch's `metadata.severity`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from keep_providers.models import AlertSeverity

__all__ = ["DEFAULT_SEVERITY", "SEVERITY_MAP", "severity_from_tags"]

SEVERITY_MAP: Mapping[str, AlertSeverity] = {
    "critical": AlertSeverity.CRITICAL,
    "crit": AlertSeverity.CRITICAL,
    "fatal": AlertSeverity.CRITICAL,
    "p1": AlertSeverity.CRITICAL,
    "high": AlertSeverity.HIGH,
    "error": AlertSeverity.HIGH,
    "major": AlertSeverity.HIGH,
    "p2": AlertSeverity.HIGH,
    "warning": AlertSeverity.WARNING,
    "warn": AlertSeverity.WARNING,
    "medium": AlertSeverity.WARNING,
    "minor": AlertSeverity.WARNING,
    "p3": AlertSeverity.WARNING,
    "info": AlertSeverity.INFO,
    "informational": AlertSeverity.INFO,
    "p4": AlertSeverity.INFO,
    "low": AlertSeverity.LOW,
    "p5": AlertSeverity.LOW,
}

# A rule that fired without saying how bad it is still needs looking at.
DEFAULT_SEVERITY = AlertSeverity.WARNING

_TAG_PREFIXES = ("severity:", "severity=", "sev:", "sev=")


def _severity_word(tag: str) -> str:
    word = tag.strip().lower()
    for prefix in _TAG_PREFIXES:
        if word.startswith(prefix):
            return word.removeprefix(prefix).strip()
    return word


def severity_from_tags(tags: Iterable[str]) -> AlertSeverity:
    """The highest severity any tag names, so that tag order does not matter."""
    found = [SEVERITY_MAP[word] for word in map(_severity_word, tags) if word in SEVERITY_MAP]
    return max(found, default=DEFAULT_SEVERITY)
