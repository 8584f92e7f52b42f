"""The one place outbound HTTP clients are built and retried.

Every client has explicit timeouts and connection limits; retries cover 5xx, 429 and
transport errors with exponential backoff, and honour Retry-After. Nothing here logs
headers or bodies: they carry credentials.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from keep_providers.exceptions import OutboundError, OutboundTimeout, RateLimited

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "RetryPolicy",
    "create_client",
    "send_with_retries",
]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0
    # A Retry-After longer than this is not waited for in-line: the caller re-queues.
    max_retry_after: float = 60.0

    def delay(self, attempt: int) -> float:
        """Full-jitter exponential backoff for the wait after `attempt` (1-based)."""
        ceiling = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


DEFAULT_RETRY = RetryPolicy()


def create_client(
    *, base_url: str = "", timeout: httpx.Timeout = DEFAULT_TIMEOUT, verify: bool = True
) -> httpx.AsyncClient:
    """`verify=False` only where a user turned TLS checks off for a self-hosted source."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        verify=verify,
        limits=DEFAULT_LIMITS,
        follow_redirects=False,
        headers={"User-Agent": "keep-aiops"},
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _retryable(status_code: int) -> bool:
    return status_code == 429 or status_code >= 500


Sleep = Callable[[float], Awaitable[None]]


async def send_with_retries(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    policy: RetryPolicy = DEFAULT_RETRY,
    sleep: Sleep = asyncio.sleep,
    on_attempt: Callable[[int], None] | None = None,
) -> httpx.Response:
    """Send `request`, retrying what may succeed later; raise OutboundError otherwise.

    A 4xx other than 429 is final: the destination understood and refused.
    """
    # Host only: webhook URLs often carry their secret in the path (Slack, Teams, ...).
    target = f"{request.method} {request.url.scheme}://{request.url.host}"
    for attempt in range(1, policy.attempts + 1):
        if on_attempt is not None:
            on_attempt(attempt)
        wait: float | None
        try:
            response = await client.send(request)
        except httpx.TimeoutException:
            failure: OutboundError = OutboundTimeout(f"{target} timed out")
            wait = policy.delay(attempt)
        except httpx.TransportError as exc:
            failure = OutboundError(f"{target} failed: {type(exc).__name__}", retryable=True)
            wait = policy.delay(attempt)
        else:
            if response.is_success:
                return response
            await response.aread()
            if not _retryable(response.status_code):
                final = OutboundError(f"{target} answered {response.status_code}", status_code=response.status_code)
                final.attempts = attempt
                raise final
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if response.status_code == 429:
                failure = RateLimited(f"{target} answered 429", retry_after=retry_after)
            else:
                failure = OutboundError(
                    f"{target} answered {response.status_code}", status_code=response.status_code, retryable=True
                )
            wait = retry_after if retry_after is not None else policy.delay(attempt)
        failure.attempts = attempt
        if attempt == policy.attempts or wait > policy.max_retry_after:
            raise failure
        logger.info(
            "outbound attempt %d/%d to %s failed (%s); retrying in %.2fs",
            attempt,
            policy.attempts,
            target,
            failure,
            wait,
        )
        await sleep(wait)
    raise AssertionError("unreachable: the loop returns or raises")
