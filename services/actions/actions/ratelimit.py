from __future__ import annotations

import asyncio
import time

__all__ = ["TokenBucket"]


class TokenBucket:
    """At most `capacity` calls per `per_seconds`, smoothed: one token back every
    `per_seconds / capacity`. Every request of one provider instance lands on one
    partition, so one bucket in one worker limits the instance cluster-wide."""

    def __init__(self, capacity: int, per_seconds: float) -> None:
        self._capacity = float(capacity)
        self._rate = capacity / per_seconds
        self._tokens = float(capacity)
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
                self._updated = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self._rate)
