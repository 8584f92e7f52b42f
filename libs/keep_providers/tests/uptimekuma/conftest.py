"""Uptime Kuma webhook bodies as its Webhook notification (JSON) posts them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PAYLOADS = Path(__file__).parent / "payloads"


@pytest.fixture
def firing_body() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAYLOADS / "firing.json").read_text())
    return body


@pytest.fixture
def kuma_body(firing_body: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """The firing body with heartbeat/monitor fields overridden: kuma_body(heartbeat={"status": 1})."""

    def make(
        *, heartbeat: dict[str, Any] | None = None, monitor: dict[str, Any] | None = None, **top: Any
    ) -> dict[str, Any]:
        body = copy.deepcopy(firing_body)
        body["heartbeat"].update(heartbeat or {})
        body["monitor"].update(monitor or {})
        body.update(top)
        return body

    return make
