"""Finds provider classes, describes them for the API, and keeps one live instance per
installed provider.

Classes come from every `keep_providers.providers.<name>.provider` module, plus the
`keep_aiops.providers` entry point group so that a separate package can add one.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from keep_providers import providers as _builtin
from keep_providers.base import BaseProvider
from keep_providers.config import describe_config
from keep_providers.exceptions import UnknownProviderType

__all__ = ["ENTRY_POINT_GROUP", "ProvidersFactory"]

ENTRY_POINT_GROUP = "keep_aiops.providers"

logger = logging.getLogger(__name__)


class ProvidersFactory:
    def __init__(self) -> None:
        self._classes: dict[str, type[BaseProvider]] = {}
        # provider id -> (config version, instance)
        self._instances: dict[str, tuple[str, BaseProvider]] = {}
        self._discover()

    def _discover(self) -> None:
        for module_info in pkgutil.iter_modules(_builtin.__path__):
            name = f"{_builtin.__name__}.{module_info.name}.provider"
            # A package without a provider module holds code providers share, not a provider.
            if module_info.ispkg and importlib.util.find_spec(name) is not None:
                self._register(importlib.import_module(name).PROVIDER)
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            try:
                self._register(entry.load())
            except Exception:
                # One broken third-party package must not take every provider down.
                logger.exception("provider entry point %s could not be loaded", entry.name)

    def _register(self, cls: type[BaseProvider]) -> None:
        if not (isinstance(cls, type) and issubclass(cls, BaseProvider)):
            raise TypeError(f"{cls!r} is not a BaseProvider subclass")
        self._classes[cls.PROVIDER_TYPE] = cls

    def provider_types(self) -> list[str]:
        return sorted(self._classes)

    def get_class(self, provider_type: str) -> type[BaseProvider]:
        try:
            return self._classes[provider_type]
        except KeyError:
            raise UnknownProviderType(f"unknown provider type {provider_type!r}") from None

    def has_formatter(self, provider_type: str) -> bool:
        cls = self._classes.get(provider_type)
        return cls is not None and "format" in cls.capabilities()

    def describe(self, provider_type: str) -> dict[str, Any]:
        """What the API shows of a provider type: enough to render an install form."""
        cls = self.get_class(provider_type)
        capabilities = cls.capabilities()
        return {
            "type": cls.PROVIDER_TYPE,
            "display_name": cls.PROVIDER_DISPLAY_NAME,
            "category": list(cls.PROVIDER_CATEGORY),
            "tags": list(cls.PROVIDER_TAGS),
            "capabilities": sorted(capabilities),
            "config": {
                "fields": [field.as_json() for field in describe_config(cls.CONFIG_MODEL)],
                "json_schema": cls.CONFIG_MODEL.model_json_schema(),
            },
            "scopes": [
                {
                    "name": scope.name,
                    "description": scope.description,
                    "mandatory": scope.mandatory,
                    "documentation_url": scope.documentation_url,
                }
                for scope in cls.PROVIDER_SCOPES
            ],
            "webhook": (
                {"path": f"/api/alerts/event/{cls.PROVIDER_TYPE}", "signature": cls.WEBHOOK_SIGNATURE}
                if "format" in capabilities
                else None
            ),
            "pull_interval_seconds": cls.PULL_INTERVAL_SECONDS if "pull" in capabilities else None,
            "rate_limit": (
                {"requests": cls.RATE_LIMIT.requests, "per_seconds": cls.RATE_LIMIT.per_seconds}
                if cls.RATE_LIMIT is not None
                else None
            ),
        }

    def describe_all(self) -> list[dict[str, Any]]:
        return [self.describe(provider_type) for provider_type in self.provider_types()]

    async def instance(
        self, provider_id: str, provider_type: str, config: Mapping[str, Any], *, version: str
    ) -> BaseProvider:
        """The live instance for an installed provider, built once per config version:
        a changed config disposes the old instance and builds a new one."""
        cached = self._instances.get(provider_id)
        if cached is not None and cached[0] == version and cached[1].PROVIDER_TYPE == provider_type:
            return cached[1]
        await self.drop_instance(provider_id)
        created = self.get_class(provider_type)(provider_id, config)
        self._instances[provider_id] = (version, created)
        return created

    async def drop_instance(self, provider_id: str) -> None:
        cached = self._instances.pop(provider_id, None)
        if cached is not None:
            await cached[1].dispose()

    async def retain(self, provider_ids: set[str]) -> None:
        """Dispose every cached instance not named: providers deleted or no longer used."""
        for provider_id in set(self._instances) - provider_ids:
            await self.drop_instance(provider_id)

    async def dispose(self) -> None:
        for provider_id in list(self._instances):
            await self.drop_instance(provider_id)
