"""Zabbix tags (a list of {tag, value}) as a label dict."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["tags_to_labels"]


def tags_to_labels(value: Any) -> dict[str, str]:
    """Tags from {EVENT.TAGSJSON} (JSON text or already parsed) or problem.get `tags`.

    Zabbix allows one tag name several times (scope: availability, scope: performance):
    the values are joined with ", " so none is lost. Raises ValueError when the value is
    not a tag list.
    """
    if value is None or value == "":
        return {}
    tags = json.loads(value) if isinstance(value, str) else value
    if isinstance(tags, Mapping):
        return {str(name): "" if item is None else str(item) for name, item in tags.items()}
    if not isinstance(tags, list):
        raise ValueError("tags are neither a list of {tag, value} nor an object")
    labels: dict[str, list[str]] = {}
    for tag in tags:
        if not isinstance(tag, Mapping) or not tag.get("tag"):
            raise ValueError("a tag has no 'tag' name")
        labels.setdefault(str(tag["tag"]), []).append(str(tag.get("value") or ""))
    return {name: ", ".join(values) for name, values in labels.items()}
