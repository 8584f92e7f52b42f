"""The webhook bodies our formatter expects, as users paste them into Kibana and Watcher.

docs/providers/elastic.md shows the same text; setup_webhook returns the Kibana one so
that the next step (adding the connector to rules) needs nothing else.
"""

from __future__ import annotations

__all__ = ["KIBANA_BODY_TEMPLATE", "WATCHER_BODY_TEMPLATE"]

KIBANA_BODY_TEMPLATE = """{
  "rule": {
    "id": "{{rule.id}}",
    "name": "{{rule.name}}",
    "tags": "{{rule.tags}}",
    "url": "{{rule.url}}",
    "spaceId": "{{rule.spaceId}}"
  },
  "alert": {
    "id": "{{alert.id}}",
    "uuid": "{{alert.uuid}}",
    "actionGroup": "{{alert.actionGroup}}",
    "actionGroupName": "{{alert.actionGroupName}}",
    "flapping": "{{alert.flapping}}"
  },
  "context": {
    "message": "{{context.message}}",
    "reason": "{{context.reason}}",
    "value": "{{context.value}}",
    "link": "{{context.link}}"
  },
  "date": "{{date}}",
  "kibanaBaseUrl": "{{kibanaBaseUrl}}"
}"""

WATCHER_BODY_TEMPLATE = """{
  "watch_id": "{{ctx.watch_id}}",
  "execution_id": "{{ctx.id}}",
  "execution_time": "{{ctx.execution_time}}",
  "triggered_time": "{{ctx.trigger.triggered_time}}",
  "status": "firing",
  "hits_total": "{{ctx.payload.hits.total}}",
  "value": "{{ctx.payload._value}}",
  "metadata": {
    "name": "{{ctx.metadata.name}}",
    "severity": "{{ctx.metadata.severity}}",
    "group": "{{ctx.metadata.group}}",
    "description": "{{ctx.metadata.description}}"
  }
}"""
