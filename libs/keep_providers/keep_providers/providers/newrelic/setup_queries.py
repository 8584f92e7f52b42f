"""NerdGraph operations `setup_webhook` sends: find, create and update the webhook
destination, its channel and the workflow that feeds it.

Every input travels as a GraphQL variable, never spliced into the text: the payload
template is full of quotes and braces, and the destination carries our API key.
"""

from __future__ import annotations

__all__ = [
    "CHANNELS_QUERY",
    "CREATE_CHANNEL",
    "CREATE_DESTINATION",
    "CREATE_WORKFLOW",
    "DESTINATIONS_QUERY",
    "UPDATE_CHANNEL",
    "UPDATE_DESTINATION",
    "UPDATE_WORKFLOW",
    "WORKFLOWS_QUERY",
]

# The notification mutations answer with a union of error types; these fields say
# which one and why.
_NOTIFICATION_ERRORS = """
    errors {
      __typename
      ... on AiNotificationsResponseError { type description }
      ... on AiNotificationsSuggestionError { type description }
      ... on AiNotificationsDataValidationError { details }
    }"""

_WORKFLOW_ERRORS = """
    errors { type description }"""

DESTINATIONS_QUERY = """
query($accountId: Int!, $filters: AiNotificationsDestinationFilter, $cursor: String) {
  actor {
    account(id: $accountId) {
      aiNotifications {
        destinations(filters: $filters, cursor: $cursor) {
          nextCursor
          entities { id name type }
        }
      }
    }
  }
}
"""

CHANNELS_QUERY = """
query($accountId: Int!, $filters: AiNotificationsChannelFilter, $cursor: String) {
  actor {
    account(id: $accountId) {
      aiNotifications {
        channels(filters: $filters, cursor: $cursor) {
          nextCursor
          entities { id name destinationId }
        }
      }
    }
  }
}
"""

WORKFLOWS_QUERY = """
query($accountId: Int!, $filters: AiWorkflowsFilters, $cursor: String) {
  actor {
    account(id: $accountId) {
      aiWorkflows {
        workflows(filters: $filters, cursor: $cursor) {
          nextCursor
          entities { id name issuesFilter { id } }
        }
      }
    }
  }
}
"""

CREATE_DESTINATION = f"""
mutation($accountId: Int!, $destination: AiNotificationsDestinationInput!) {{
  aiNotificationsCreateDestination(accountId: $accountId, destination: $destination) {{
    destination {{ id }}{_NOTIFICATION_ERRORS}
  }}
}}
"""

UPDATE_DESTINATION = f"""
mutation($accountId: Int!, $destinationId: ID!, $destination: AiNotificationsDestinationUpdate!) {{
  aiNotificationsUpdateDestination(accountId: $accountId, destinationId: $destinationId, destination: $destination) {{
    destination {{ id }}{_NOTIFICATION_ERRORS}
  }}
}}
"""

CREATE_CHANNEL = f"""
mutation($accountId: Int!, $channel: AiNotificationsChannelInput!) {{
  aiNotificationsCreateChannel(accountId: $accountId, channel: $channel) {{
    channel {{ id }}{_NOTIFICATION_ERRORS}
  }}
}}
"""

UPDATE_CHANNEL = f"""
mutation($accountId: Int!, $channelId: ID!, $channel: AiNotificationsChannelUpdate!) {{
  aiNotificationsUpdateChannel(accountId: $accountId, channelId: $channelId, channel: $channel) {{
    channel {{ id }}{_NOTIFICATION_ERRORS}
  }}
}}
"""

CREATE_WORKFLOW = f"""
mutation($accountId: Int!, $createWorkflowData: AiWorkflowsCreateWorkflowInput!) {{
  aiWorkflowsCreateWorkflow(accountId: $accountId, createWorkflowData: $createWorkflowData) {{
    workflow {{ id }}{_WORKFLOW_ERRORS}
  }}
}}
"""

# deleteUnusedChannels false: a channel the workflow used before may belong to the user.
UPDATE_WORKFLOW = f"""
mutation($accountId: Int!, $updateWorkflowData: AiWorkflowsUpdateWorkflowInput!) {{
  aiWorkflowsUpdateWorkflow(
    accountId: $accountId, updateWorkflowData: $updateWorkflowData, deleteUnusedChannels: false
  ) {{
    workflow {{ id }}{_WORKFLOW_ERRORS}
  }}
}}
"""
