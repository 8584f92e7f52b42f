"""Uptime Kuma webhook bodies as its Webhook notification (JSON) posts them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest


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
