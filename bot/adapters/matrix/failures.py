"""Homeserver failures as Vonk errors, and the back-off the sync loop retries with.

nio reports server errors as values (``ErrorResponse``) and connection trouble as aiohttp
exceptions; the adapter's callers only know :mod:`bot.errors`. Here is the one place that
decides what is temporary (429, 5xx, no connection) and what is permanent (403, 404, ...).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

import aiohttp
from nio import ErrorResponse

from bot.errors import DeliveryError, PermanentDeliveryError, RetryLater

#: Exceptions that mean "the homeserver could not be reached": retry later.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ClientError,
    asyncio.TimeoutError,
    TimeoutError,
    ConnectionError,
    OSError,
)
PERMANENT_CODES = frozenset(
    {
        "M_FORBIDDEN",
        "M_NOT_FOUND",
        "M_UNKNOWN_TOKEN",
        "M_BAD_JSON",
        "M_NOT_JSON",
        "M_TOO_LARGE",
        "M_INVALID_PARAM",
        "M_GUEST_ACCESS_FORBIDDEN",
    }
)


def http_status(resp: ErrorResponse) -> int | None:
    transport = getattr(resp, "transport_response", None)
    status = getattr(transport, "status", None)
    return int(status) if status is not None else None


def retry_after(resp: ErrorResponse, default: float = 5.0) -> float:
    ms = getattr(resp, "retry_after_ms", None)
    return max(ms / 1000, 0.1) if ms else default


def is_rate_limited(resp: ErrorResponse) -> bool:
    return resp.status_code == "M_LIMIT_EXCEEDED" or http_status(resp) == 429


def is_temporary(resp: ErrorResponse) -> bool:
    """429 and 5xx pass; anything the server refused on purpose will be refused again."""
    status = http_status(resp)
    if is_rate_limited(resp) or (status is not None and status >= 500):
        return True
    if resp.status_code in PERMANENT_CODES:
        return False
    return status is None  # no HTTP status: the response never really arrived


def describe(resp: ErrorResponse) -> str:
    """``HTTP 429 M_LIMIT_EXCEEDED: Too Many Requests``: the status and the server's words."""
    status = http_status(resp)
    parts = [
        f"HTTP {status}" if status else "",
        resp.status_code or "",
        f": {resp.message}" if resp.message else "",
    ]
    return " ".join(p for p in parts[:2] if p) + parts[2]


def delivery_error(resp: ErrorResponse, what: str) -> DeliveryError:
    """The :mod:`bot.errors` exception for a failed send, with the server's own words."""
    message = f"{what}: {describe(resp)}"
    if is_rate_limited(resp):
        return RetryLater(message, retry_after(resp))
    if is_temporary(resp):
        return RetryLater(message, 5.0)
    return PermanentDeliveryError(message)


@dataclass
class Backoff:
    """Exponential back-off with jitter: 0.5 s, 1 s, 2 s … capped, reset after success.

    The first retries come quickly because a homeserver restart takes only seconds; the cap
    keeps a long outage from hammering the server.
    """

    initial: float = 0.5
    cap: float = 60.0
    _failures: int = field(default=0, init=False)

    def next_delay(self, at_least: float = 0.0) -> float:
        delay = min(self.cap, self.initial * 2**self._failures)
        self._failures += 1
        return max(at_least, delay * random.uniform(0.8, 1.0))

    def reset(self) -> None:
        self._failures = 0

    @property
    def failures(self) -> int:
        return self._failures
