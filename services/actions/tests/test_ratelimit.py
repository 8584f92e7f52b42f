"""actions.ratelimit.TokenBucket: a burst up to capacity, then one token per per_seconds/capacity."""

from __future__ import annotations

import asyncio
import time
import types

import pytest
from actions import ratelimit
from actions.ratelimit import TokenBucket


class FakeClock:
    """Monotonic time that only moves when the bucket sleeps (or the test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    # Only the module's view of time and sleep is replaced; the event loop keeps the real ones.
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(monotonic=fake.monotonic))
    monkeypatch.setattr(ratelimit, "asyncio", types.SimpleNamespace(Lock=asyncio.Lock, sleep=fake.sleep))
    return fake


# --- deterministic, on a fake clock ------------------------------------------------


async def test_burst_up_to_capacity_does_not_wait(clock: FakeClock) -> None:
    bucket = TokenBucket(capacity=5, per_seconds=10.0)
    for _ in range(5):
        await bucket.acquire()
    assert clock.sleeps == []


async def test_acquire_beyond_capacity_waits_one_token_interval(clock: FakeClock) -> None:
    bucket = TokenBucket(capacity=5, per_seconds=10.0)
    for _ in range(5):
        await bucket.acquire()
    start = clock.now
    await bucket.acquire()
    assert clock.now - start == pytest.approx(10.0 / 5)


async def test_sustained_rate_is_capacity_per_period(clock: FakeClock) -> None:
    bucket = TokenBucket(capacity=4, per_seconds=2.0)
    start = clock.now
    for _ in range(4 + 8):
        await bucket.acquire()
    # Four free, then eight more at one per 0.5 s.
    assert clock.now - start == pytest.approx(8 * 0.5)


async def test_tokens_refill_while_idle_but_not_beyond_capacity(clock: FakeClock) -> None:
    bucket = TokenBucket(capacity=3, per_seconds=3.0)
    for _ in range(3):
        await bucket.acquire()
    clock.now += 100.0  # idle far longer than a full refill
    for _ in range(3):
        await bucket.acquire()
    assert clock.sleeps == []
    start = clock.now
    await bucket.acquire()
    assert clock.now - start == pytest.approx(1.0)


async def test_partial_refill_shortens_the_wait(clock: FakeClock) -> None:
    bucket = TokenBucket(capacity=2, per_seconds=2.0)
    await bucket.acquire()
    await bucket.acquire()
    clock.now += 0.25  # a quarter of a token back
    start = clock.now
    await bucket.acquire()
    assert clock.now - start == pytest.approx(0.75)


# --- real time, lower bounds only --------------------------------------------------


async def test_real_time_extra_acquire_waits_about_one_interval() -> None:
    capacity, per_seconds = 4, 0.4
    expected = per_seconds / capacity
    bucket = TokenBucket(capacity=capacity, per_seconds=per_seconds)
    for _ in range(capacity):
        await bucket.acquire()
    start = time.monotonic()
    await bucket.acquire()
    assert time.monotonic() - start >= 0.8 * expected


async def test_real_time_concurrent_callers_are_spread_out() -> None:
    capacity, per_seconds = 2, 0.2
    bucket = TokenBucket(capacity=capacity, per_seconds=per_seconds)
    start = time.monotonic()
    await asyncio.gather(*(bucket.acquire() for _ in range(capacity + 3)))
    # Two free, three more at one per 0.1 s.
    assert time.monotonic() - start >= 0.8 * 3 * (per_seconds / capacity)
