"""Finds provider classes: every `keep_providers.providers.<name>.provider` module, plus
the `keep_aiops.providers` entry point group so that a separate package can add one."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from importlib.metadata import entry_points

from keep_providers import providers as _builtin
from keep_providers.base import BaseProvider
from keep_providers.exceptions import UnknownProviderType

__all__ = ["ENTRY_POINT_GROUP", "ProvidersFactory"]

ENTRY_POINT_GROUP = "keep_aiops.providers"

logger = logging.getLogger(__name__)


class ProvidersFactory:
    def __init__(self) -> None:
        self._classes: dict[str, type[BaseProvider]] = {}
        self._discover()

    def _discover(self) -> None:
        for module_info in pkgutil.iter_modules(_builtin.__path__):
            module = importlib.import_module(f"{_builtin.__name__}.{module_info.name}.provider")
            self._register(module.PROVIDER)
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
