"""The one fingerprint function.

A fingerprint names an alert across repeats. Sources that carry a stable id keep it
unchanged (it matches what the source shows); a label set is fingerprinted the way
Alertmanager does it; otherwise it is a sha256 over canonical `field=value` pairs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keep_providers.models import AlertDto

__all__ = ["fingerprint_from_alert", "fingerprint_from_fields", "fingerprint_from_labels"]

# Unit and record separators: control characters that alert fields do not carry, and
# which are escaped below when they do, so two different field sets never join alike.
_FIELD_SEPARATOR = "\x1e"
_PAIR_SEPARATOR = "\x1f"
_MISSING = "\x00missing"

_FNV64_OFFSET = 14695981039346656037
_FNV64_PRIME = 1099511628211
_UINT64 = (1 << 64) - 1
_LABEL_SEPARATOR = b"\xff"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(_FIELD_SEPARATOR, "\\x1e")
        .replace(_PAIR_SEPARATOR, "\\x1f")
        .replace("\x00", "\\x00")
    )


def _canonical(pairs: Sequence[tuple[str, str | None]]) -> str:
    return _FIELD_SEPARATOR.join(
        f"{_escape(name)}{_PAIR_SEPARATOR}{_MISSING if value is None else _escape(value)}" for name, value in pairs
    )


def fingerprint_from_fields(values: Mapping[str, object], fields: Sequence[str]) -> str:
    """Hash the named fields of `values`; a missing field hashes differently from an empty one."""
    if not fields:
        raise ValueError("a fingerprint needs at least one field")
    pairs = [(name, None if values.get(name) is None else str(values[name])) for name in fields]
    return hashlib.sha256(_canonical(pairs).encode("utf-8")).hexdigest()


def fingerprint_from_labels(labels: Mapping[str, str]) -> str:
    """What Alertmanager (and Grafana, which embeds it) identifies an alert by: FNV-1a
    64 over the sorted label pairs, each name and value followed by 0xFF, as 16 hex
    digits. The same algorithm, so a computed fingerprint equals the one the source
    shows; 0xFF never occurs in UTF-8, so distinct label sets never join alike."""
    digest = _FNV64_OFFSET
    for name, value in sorted(labels.items()):
        for byte in b"".join((name.encode("utf-8"), _LABEL_SEPARATOR, value.encode("utf-8"), _LABEL_SEPARATOR)):
            digest = ((digest ^ byte) * _FNV64_PRIME) & _UINT64
    return f"{digest:016x}"


def fingerprint_from_alert(alert: AlertDto, fields: Sequence[str]) -> str:
    """Hash the named AlertDto fields (what FINGERPRINT_FIELDS declares)."""
    values = alert.model_dump(mode="json")
    return fingerprint_from_fields({name: _canonical_value(values.get(name)) for name in fields}, fields)


def _canonical_value(value: object) -> object:
    # Mappings hash by content, not by insertion order. JSON, not a `k=v` join: a
    # newline or `=` inside a label must not make two label sets read alike.
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return value
