"""Errors of keep_core.

KeepError
├── BadPayload          bytes on a topic are not the event they should be
├── BrokerUnavailable   Kafka did not take a write in time
└── StoreError          PostgreSQL failed
"""

from __future__ import annotations

__all__ = ["BadPayload", "BrokerUnavailable", "KeepError", "StoreError"]


class KeepError(Exception):
    """Base of every keep_core error."""


class BadPayload(KeepError):
    """Bytes on a topic are not the event they should be."""


class BrokerUnavailable(KeepError):
    """Kafka did not acknowledge a write in time."""


class StoreError(KeepError):
    """PostgreSQL failed."""
