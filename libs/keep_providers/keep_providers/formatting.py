"""Helpers every formatter uses, so that each one keeps what is valid in a payload and
says what was not, instead of dropping the whole body over one bad field."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import ValidationError

from keep_providers.exceptions import FormatterError, PartialFormatError
from keep_providers.models import AlertDto, AlertSeverity, label_text

__all__ = [
    "PRIORITY_WORDS",
    "SEVERITY_WORDS",
    "WARNINGS_FIELD",
    "build_alert",
    "format_each",
    "format_one_or_many",
    "lookup",
    "string_map",
    "text",
    "unmapped_fields",
]

# Extra AlertDto field listing what a formatter had to leave out of the alert.
WARNINGS_FIELD = "formatWarnings"

# Without these there is no alert at all: a bad one is not salvaged by dropping it.
_ESSENTIAL = frozenset({"name", "fingerprint"})

V = TypeVar("V")

# The severity words people write in free-text labels, tags and descriptions, whatever
# the source. A provider whose vocabulary differs extends this one (`{**SEVERITY_WORDS, ...}`);
# a vendor's own closed scale (Sev0..Sev4, Zabbix names) keeps its own table.
SEVERITY_WORDS: Mapping[str, AlertSeverity] = {
    "critical": AlertSeverity.CRITICAL,
    "crit": AlertSeverity.CRITICAL,
    "fatal": AlertSeverity.CRITICAL,
    "page": AlertSeverity.CRITICAL,
    "high": AlertSeverity.HIGH,
    "error": AlertSeverity.HIGH,
    "major": AlertSeverity.HIGH,
    "warning": AlertSeverity.WARNING,
    "warn": AlertSeverity.WARNING,
    "minor": AlertSeverity.WARNING,
    "medium": AlertSeverity.WARNING,
    "info": AlertSeverity.INFO,
    "informational": AlertSeverity.INFO,
    "notice": AlertSeverity.INFO,
    "none": AlertSeverity.INFO,
    "low": AlertSeverity.LOW,
    "debug": AlertSeverity.LOW,
}

# Priority names, for sources whose users write them where a severity goes (tags, labels).
PRIORITY_WORDS: Mapping[str, AlertSeverity] = {
    "p1": AlertSeverity.CRITICAL,
    "p2": AlertSeverity.HIGH,
    "p3": AlertSeverity.WARNING,
    "p4": AlertSeverity.INFO,
    "p5": AlertSeverity.LOW,
}


def lookup(table: Mapping[str, V], value: Any, default: V) -> V:
    """Explicit mapping-table lookup, forgiving of case and surrounding blanks."""
    if value is None:
        return default
    return table.get(str(value).strip().lower(), default)


def text(value: Any) -> str | None:
    """A field as text, or None when it is absent or empty."""
    if value is None:
        return None
    result = value if isinstance(value, str) else str(value)
    return result if result.strip() else None


def string_map(value: Any) -> dict[str, str]:
    """A label-like object as strings; anything that is not an object becomes empty."""
    if not isinstance(value, Mapping):
        return {}
    return {str(key): label_text(item) for key, item in value.items()}


def build_alert(**fields: Any) -> AlertDto:
    """AlertDto from formatter fields; a field that fails validation is left out and
    named in `formatWarnings`, unless the alert cannot exist without it."""
    values = {key: value for key, value in fields.items() if value is not None}
    warnings: list[str] = list(values.pop(WARNINGS_FIELD, []) or [])
    try:
        return AlertDto.model_validate({**values, **({WARNINGS_FIELD: warnings} if warnings else {})})
    except ValidationError as exc:
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        if not bad or bad & _ESSENTIAL:
            reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'alert'}: {e['msg']}" for e in exc.errors())
            raise FormatterError(f"alert is invalid: {reasons}") from None
        warnings.extend(
            f"{'.'.join(map(str, error['loc']))} dropped: {error['msg']}" for error in exc.errors() if error["loc"]
        )
        kept = {key: value for key, value in values.items() if key not in bad}
        return AlertDto.model_validate({**kept, WARNINGS_FIELD: warnings})


def format_each(
    entries: Sequence[Any], format_one: Callable[[Any], AlertDto], *, label: str = "alerts"
) -> list[AlertDto]:
    """Format every entry; one bad entry costs only itself.

    Raises FormatterError when no entry could be formatted and PartialFormatError
    (carrying the good alerts) when only some could.
    """
    alerts: list[AlertDto] = []
    problems: list[str] = []
    for index, entry in enumerate(entries):
        try:
            alerts.append(format_one(entry))
        except (FormatterError, ValidationError, KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(f"{label}[{index}]: {exc}")
    if not problems:
        return alerts
    if not alerts:
        raise FormatterError("; ".join(problems))
    raise PartialFormatError(alerts, problems)


def format_one_or_many(
    payload: Any, format_one: Callable[[Any], AlertDto], *, what: str, label: str = "alerts"
) -> list[AlertDto]:
    """A body that is one entry (a JSON object) or a non-empty list of them (replays,
    batching proxies); `what` names the entry in the error for anything else."""
    if isinstance(payload, Mapping):
        return [format_one(payload)]
    if isinstance(payload, list) and payload:
        return format_each(payload, format_one, label=label)
    raise FormatterError(f"{what} is a JSON object (or a non-empty list of them)")


def unmapped_fields(entry: Mapping[str, Any], mapped: frozenset[str], *, prefix: str) -> dict[str, Any]:
    """The vendor keys no AlertDto field was taken from, kept as they came; one that
    collides with an AlertDto field is kept as `<prefix>_<key>` instead."""
    return {
        f"{prefix}_{key}" if key in AlertDto.model_fields else key: value
        for key, value in entry.items()
        if key not in mapped
    }
