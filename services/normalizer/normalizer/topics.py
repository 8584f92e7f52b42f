"""Every topic the normalizer touches, declared once, as raw bytes: the codec decodes."""

from __future__ import annotations

from dataclasses import dataclass

import faust
from faust.types import TopicT
from keep_core.topics import TopicNames

__all__ = ["NormalizerTopics", "declare_topics"]


@dataclass(frozen=True, slots=True)
class NormalizerTopics:
    raw: TopicT
    normalized: TopicT
    alerts: TopicT
    errors: TopicT


def declare_topics(app: faust.App, names: TopicNames) -> NormalizerTopics:
    def topic(name: str) -> TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")

    return NormalizerTopics(
        raw=topic(names.raw), normalized=topic(names.normalized), alerts=topic(names.alerts), errors=topic(names.errors)
    )
