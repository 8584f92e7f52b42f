"""keep-aiops normalizer: raw payloads in, normalized and deduplicated alerts out."""

from __future__ import annotations

from normalizer.app import create_app
from normalizer.settings import NormalizerSettings

__all__ = ["NormalizerSettings", "create_app"]
