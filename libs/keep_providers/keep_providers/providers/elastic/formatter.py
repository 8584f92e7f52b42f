"""Elastic webhook bodies -> AlertDto: Kibana alerting connector or Watcher action,
told apart by shape, one body or a list of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers.exceptions import FormatterError
from keep_providers.formatting import format_one_or_many
from keep_providers.models import AlertDto
from keep_providers.providers.elastic.kibana import format_kibana_alert
from keep_providers.providers.elastic.watcher import format_watcher_alert

__all__ = ["format_elastic_webhook"]


def _format_body(body: Any) -> AlertDto:
    if not isinstance(body, Mapping):
        raise FormatterError("an Elastic webhook body is a JSON object")
    if isinstance(body.get("rule"), Mapping):
        return format_kibana_alert(body)
    if "watch_id" in body:
        return format_watcher_alert(body)
    raise FormatterError(
        "neither a Kibana connector body (a 'rule' object) nor a Watcher body (a 'watch_id'): "
        "see docs/providers/elastic.md for the templates"
    )


def format_elastic_webhook(payload: Any) -> list[AlertDto]:
    return format_one_or_many(payload, _format_body, what="an Elastic webhook body", label="bodies")
