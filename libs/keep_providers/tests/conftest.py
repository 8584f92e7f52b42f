"""Fixtures every provider test folder shares.

Test modules cannot import each other or a conftest (pytest runs with
--import-mode=importlib), so shared helpers are fixtures. Bodies live in each
folder's payloads/*.json; `payload` finds the folder from the requesting test.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from keep_providers import BaseProvider


@pytest.fixture
def payload(request: pytest.FixtureRequest) -> Callable[[str], Any]:
    """`payload("firing")`: a fresh copy of payloads/firing.json next to the test, safe to modify."""
    folder = request.path.parent / "payloads"

    def load(name: str) -> Any:
        return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))

    return load


@pytest.fixture
def firing_body(payload: Callable[[str], Any]) -> dict[str, Any]:
    body: dict[str, Any] = payload("firing")
    return body


@pytest.fixture
def webhook_body(firing_body: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """The firing body with top-level fields replaced (None removes a field)."""

    def make(**changes: Any) -> dict[str, Any]:
        body = copy.deepcopy(firing_body)
        for key, value in changes.items():
            if value is None:
                body.pop(key, None)
            else:
                body[key] = value
        return body

    return make


@pytest.fixture
def disposing() -> Callable[[Any], contextlib.AbstractAsyncContextManager[Any]]:
    """`async with disposing(make_provider(url)) as provider:` closes the provider's
    HTTP client when the block ends, also when it raises (as pytest.raises expects)."""

    @contextlib.asynccontextmanager
    async def use(provider: BaseProvider) -> AsyncIterator[BaseProvider]:
        try:
            yield provider
        finally:
            await provider.dispose()

    return use
