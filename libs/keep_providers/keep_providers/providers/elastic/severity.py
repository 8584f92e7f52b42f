"""Severity words Elastic users put in rule tags and watch metadata -> AlertSeverity.

Kibana rules and watches carry no severity of their own; users say it in a tag
(`severity:critical` or a bare `critical`) or in the watch's `metadata.severity`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from keep_providers.formatting import PRIORITY_WORDS, SEVERITY_WORDS
from keep_providers.models import AlertSeverity

__all__ = ["DEFAULT_SEVERITY", "SEVERITY_MAP", "severity_from_tags"]

SEVERITY_MAP: Mapping[str, AlertSeverity] = {**SEVERITY_WORDS, **PRIORITY_WORDS}

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
