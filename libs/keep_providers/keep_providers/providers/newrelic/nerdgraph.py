"""NerdGraph (New Relic's GraphQL API): the queries we send and how its answers read.

NerdGraph answers 200 even when it refuses: the refusal is in `errors`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keep_providers.exceptions import OutboundError

__all__ = ["ISSUES_QUERY", "USER_QUERY", "GraphQLRefused", "data_of", "issue_as_webhook", "mutation_result"]

ISSUES_QUERY = """
query($accountId: Int!, $cursor: String) {
  actor {
    account(id: $accountId) {
      aiIssues {
        issues(cursor: $cursor, filter: {states: [ACTIVATED, CREATED]}) {
          nextCursor
          issues {
            issueId title priority state description conditionName policyName entityNames
            createdAt updatedAt closedAt totalIncidents sources deepLinkUrl
          }
        }
      }
    }
  }
}
"""

USER_QUERY = "{ actor { user { id } } }"

# NerdGraph issue field -> the key our webhook template gives it.
_WEBHOOK_KEYS = {
    "conditionName": "conditionNames",
    "policyName": "policyNames",
    "deepLinkUrl": "issueUrl",
}


class GraphQLRefused(OutboundError):
    """NerdGraph answered 200 with `errors`, at the top or in a mutation's payload:
    `reason` is the first error, for scope reports."""

    def __init__(self, host: str, error_class: str, reason: str, operation: str = "GraphQL") -> None:
        # The exception text names the host, operation and error class only.
        super().__init__(f"POST {host} answered {operation} error {error_class}")
        self.reason = reason


def data_of(answer: Any, host: str) -> Mapping[str, Any]:
    errors = answer.get("errors") if isinstance(answer, Mapping) else None
    if errors:
        first = errors[0] if isinstance(errors[0], Mapping) else {}
        error_class = str((first.get("extensions") or {}).get("errorClass") or "ERROR")
        raise GraphQLRefused(host, error_class, f"{error_class}: {str(first.get('message', ''))[:200]}")
    data = answer.get("data") if isinstance(answer, Mapping) else None
    if not isinstance(data, Mapping):
        raise OutboundError(f"POST {host} answered without data")
    return data


def mutation_result(data: Mapping[str, Any], mutation: str, host: str) -> Mapping[str, Any]:
    """The payload of `mutation`, which reports its refusals in its own `errors` list."""
    payload = data.get(mutation)
    if not isinstance(payload, Mapping):
        raise OutboundError(f"POST {host} answered {mutation} without a result")
    errors = [error for error in payload.get("errors") or [] if isinstance(error, Mapping)]
    if errors:
        first = errors[0]
        error_class = str(first.get("type") or first.get("__typename") or "ERROR")
        reason = str(first.get("description") or first.get("details") or "")[:200]
        raise GraphQLRefused(host, error_class, f"{error_class}: {reason}", operation=mutation)
    return payload


def issue_as_webhook(issue: Mapping[str, Any]) -> dict[str, Any]:
    return {_WEBHOOK_KEYS.get(key, key): value for key, value in issue.items()}
