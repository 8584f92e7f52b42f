from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from keep_providers.base import BaseProvider
from keep_providers.config import ProviderConfig
from keep_providers.exceptions import FormatterError
from keep_providers.models import AlertDto
from keep_providers.providers.mapping.config import MappingConfig
from keep_providers.providers.mapping.formatter import format_mapped

__all__ = ["PROVIDER", "MappingProvider"]


class MappingProvider(BaseProvider):
    """Any JSON webhook, mapped to alerts by the installed instance's config: a source
    without its own provider is onboarded by writing a config, not code."""

    PROVIDER_TYPE: ClassVar[str] = "mapping"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "JSON mapping"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Generic",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = MappingConfig

    @classmethod
    def format_configured_alert(
        cls, payload: Any, headers: Mapping[str, str], config: ProviderConfig | None
    ) -> list[AlertDto]:
        if config is None:
            raise FormatterError(
                "the mapping provider needs an installed instance: post to /api/alerts/event/mapping?provider_id=<id>"
            )
        if not isinstance(config, MappingConfig):
            raise FormatterError(f"the mapping provider got a {type(config).__name__}, not a mapping config")
        return format_mapped(payload, headers, config)


PROVIDER = MappingProvider
