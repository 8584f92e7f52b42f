"""Every topic the normalizer touches, declared once."""

from __future__ import annotations

from dataclasses import dataclass

import faust
from faust.types import TopicT
from keep_core.topics import TopicNames
from keep_core.worker import bytes_topic

__all__ = ["NormalizerTopics", "declare_topics"]


@dataclass(frozen=True, slots=True)
class NormalizerTopics:
    raw: TopicT
    normalized: TopicT
    alerts: TopicT
    errors: TopicT


def declare_topics(app: faust.App, names: TopicNames) -> NormalizerTopics:
    return NormalizerTopics(
        raw=bytes_topic(app, names.raw),
        normalized=bytes_topic(app, names.normalized),
        alerts=bytes_topic(app, names.alerts),
        errors=bytes_topic(app, names.errors),
    )
