"""Per-operation token buckets that adapt to what the vendor says about its limits.

A `RateLimiter` belongs to one connector instance and is shared by every thread and task
using it: a request *reserves* its tokens under a lock and then sleeps outside it for the
time the reservation says (tokens may go into debt, so concurrent callers queue up at the
bucket's rate instead of racing). Buckets start from the configured rate and burst and then
follow the vendor's signals, read from each response by `SignalReader` objects:

- `RateLimitHeader`: the rate the vendor applies, e.g. Amazon's ``x-amzn-RateLimit-Limit``
  (absent on 429 responses);
- `TokenCountHeaders`: tokens left and when the next one arrives, e.g. Walmart's
  ``x-current-token-count`` / ``x-next-replenish-time``;
- `GraphQLCostSignals`: Shopify's query-cost budget ``extensions.cost.throttleStatus``.

A 429 without any signal (Amazon's ``QuotaExceeded``) empties the bucket, and if the
bucket believed it had tokens left, halves its burst: the vendor's bucket is smaller, or
shared with another client. ``Retry-After`` pauses the whole bucket, not just the caller.
A bucket whose burst is at least two keeps one token in reserve (`TokenBucket.headroom`),
so jitter between our clock and the vendor's does not turn into 429s.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import httpx

__all__ = [
    "Feedback",
    "GraphQLCostSignals",
    "RateLimitHeader",
    "RateLimiter",
    "SignalReader",
    "TokenBucket",
    "TokenCountHeaders",
]

_EPOCH_MS_THRESHOLD = 1e11  # an epoch above this is in milliseconds (year 5138 in seconds)


@dataclass(frozen=True, slots=True)
class Feedback:
    """What one response said about the vendor's limit; `None` fields said nothing.

    Attributes:
        rate: tokens per second the vendor restores.
        capacity: the size of the vendor's bucket.
        remaining: tokens left after this request.
        resume_at: Unix time at which the next token is available.
    """

    rate: float | None = None
    capacity: float | None = None
    remaining: float | None = None
    resume_at: float | None = None

    def merge(self, other: Feedback | None) -> Feedback:
        """This feedback with the fields ``other`` knows replaced."""
        if other is None:
            return self
        return Feedback(
            rate=other.rate if other.rate is not None else self.rate,
            capacity=other.capacity if other.capacity is not None else self.capacity,
            remaining=other.remaining if other.remaining is not None else self.remaining,
            resume_at=other.resume_at if other.resume_at is not None else self.resume_at,
        )


class SignalReader(Protocol):
    """Reads a vendor's rate-limit signals from a response."""

    def read(self, response: httpx.Response) -> Feedback | None:
        """The feedback in ``response``, or `None` if it says nothing."""
        ...


def _header_float(headers: Mapping[str, str], names: Iterable[str]) -> float | None:
    for name in names:
        value = headers.get(name)
        if value is None:
            continue
        try:
            number = float(value.strip())
        except ValueError:
            continue
        if number == number and number not in (float("inf"), float("-inf")):
            return number
    return None


@dataclass(frozen=True, slots=True)
class RateLimitHeader:
    """The restore rate, in requests per second, from a header (Amazon SP-API).

    >>> import httpx
    >>> RateLimitHeader().read(httpx.Response(200, headers={"x-amzn-RateLimit-Limit": "0.5"}))
    Feedback(rate=0.5, capacity=None, remaining=None, resume_at=None)
    """

    header: str = "x-amzn-RateLimit-Limit"

    def read(self, response: httpx.Response) -> Feedback | None:
        """The rate in the header, if present and positive."""
        rate = _header_float(response.headers, (self.header,))
        return Feedback(rate=rate) if rate is not None and rate > 0 else None


@dataclass(frozen=True, slots=True)
class TokenCountHeaders:
    """Tokens left and the time of the next token, from headers (Walmart Marketplace).

    Header names are read case-insensitively and both spellings Walmart uses are accepted.
    The reset time is Unix time in seconds, or in milliseconds when it is that large.
    """

    remaining: tuple[str, ...] = ("x-current-token-count",)
    reset: tuple[str, ...] = ("x-next-replenish-time", "x-next-replenishment-time")

    def read(self, response: httpx.Response) -> Feedback | None:
        """The token count and, when none are left, the time of the next one."""
        remaining = _header_float(response.headers, self.remaining)
        reset = _header_float(response.headers, self.reset)
        if reset is not None and reset > _EPOCH_MS_THRESHOLD:
            reset /= 1000.0
        if remaining is None and reset is None:
            return None
        exhausted = remaining is None or remaining < 1 or response.status_code == 429
        return Feedback(remaining=remaining, resume_at=reset if exhausted else None)


@dataclass(frozen=True, slots=True)
class GraphQLCostSignals:
    """The query-cost budget of Shopify's Admin GraphQL API (``throttleStatus``).

    Tokens are cost points: send each request with ``cost`` = its requested query cost.
    """

    def read(self, response: httpx.Response) -> Feedback | None:
        """``maximumAvailable``, ``currentlyAvailable`` and ``restoreRate``, if present."""
        try:
            body = json.loads(response.content)
            status = body["extensions"]["cost"]["throttleStatus"]
            return Feedback(
                rate=float(status["restoreRate"]),
                capacity=float(status["maximumAvailable"]),
                remaining=float(status["currentlyAvailable"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


class TokenBucket:
    """One token bucket: ``rate`` tokens per second up to ``capacity``; `None` rate = no limit.

    Not thread-safe by itself; `RateLimiter` serialises access.
    """

    def __init__(self, rate: float | None, capacity: float | None, now: float) -> None:
        self.rate = rate
        self.capacity = capacity if capacity is not None else (max(1.0, rate) if rate else None)
        self.tokens = self.capacity if self.capacity is not None else 0.0
        self.updated = now
        self.paused_until = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            if self.rate is not None and self.capacity is not None:
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def reserve(self, now: float, cost: float = 1.0) -> float:
        """Take ``cost`` tokens; return the seconds to wait before sending."""
        self._refill(now)
        wait = max(0.0, self.paused_until - now)
        if self.rate is None:
            return wait
        self.tokens -= cost
        floor = self.headroom
        if self.tokens < floor:
            wait = max(wait, (floor - self.tokens) / self.rate)
        return wait

    @property
    def headroom(self) -> float:
        """Tokens kept in reserve: one when the burst allows it, to absorb jitter.

        Our bucket and the vendor's drain together; with both at zero, a request that
        reaches the vendor a few milliseconds early (network or scheduling jitter) is
        throttled. Keeping one token spare costs one request of the first burst and none
        of the rate.
        """
        return 1.0 if self.capacity is not None and self.capacity >= 2 else 0.0

    def observe(self, feedback: Feedback, now: float, wall: float) -> None:
        """Follow what the vendor said (``wall`` is the Unix time at ``now``)."""
        self._refill(now)
        if feedback.rate is not None and feedback.rate > 0:
            if self.rate is None:
                # Unlimited until now: assume a burst of one, available now.
                self.capacity = self.capacity or 1.0
                self.tokens = 1.0
            self.rate = feedback.rate
        if feedback.capacity is not None and feedback.capacity > 0:
            self.capacity = feedback.capacity
        if feedback.remaining is not None:
            self.tokens = feedback.remaining
        if self.capacity is not None:
            self.tokens = min(self.tokens, self.capacity)
        if feedback.resume_at is not None:
            self.paused_until = max(self.paused_until, now + (feedback.resume_at - wall))

    def throttled(self, now: float, retry_after: float | None, explained: bool) -> None:
        """The vendor refused a request with 429.

        Args:
            now: monotonic time.
            retry_after: the vendor's ``Retry-After``, if any; pauses the bucket.
            explained: whether the response carried limit signals (then `observe` has
                already corrected the bucket and nothing is guessed here).
        """
        self._refill(now)
        if retry_after is not None:
            self.paused_until = max(self.paused_until, now + retry_after)
        if explained:
            return
        if self.capacity is not None and self.tokens >= 1.0:
            self.capacity = max(1.0, self.capacity / 2)
        self.tokens = min(self.tokens, 0.0)


@dataclass(frozen=True, slots=True)
class _Limit:
    rate: float
    burst: float


class RateLimiter:
    """The buckets of one connector, by key (an operation, or a group of them).

    Args:
        limits: ``key → (rate per second, burst)``; key ``"*"`` applies to every key
            without its own entry. Keys without a limit start unlimited and follow the
            vendor's signals.
    """

    def __init__(self, limits: Mapping[str, tuple[float, float]] | None = None) -> None:
        self._limits = {key: _Limit(rate, burst) for key, (rate, burst) in (limits or {}).items()}
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, key: str, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            limit = self._limits.get(key) or self._limits.get("*")
            if limit is None:
                bucket = TokenBucket(None, None, now)
            else:
                bucket = TokenBucket(limit.rate, limit.burst, now)
            self._buckets[key] = bucket
        return bucket

    def reserve(self, key: str, now: float, cost: float = 1.0) -> float:
        """Reserve ``cost`` tokens of bucket ``key``; return the seconds to wait first."""
        with self._lock:
            return self._bucket(key, now).reserve(now, cost)

    def observe(self, key: str, feedback: Feedback, now: float, wall: float) -> None:
        """Apply a response's feedback to bucket ``key``."""
        with self._lock:
            self._bucket(key, now).observe(feedback, now, wall)

    def throttled(
        self, key: str, now: float, *, retry_after: float | None, explained: bool
    ) -> None:
        """Record a 429 on bucket ``key`` (see `TokenBucket.throttled`)."""
        with self._lock:
            self._bucket(key, now).throttled(now, retry_after, explained)

    def snapshot(self, key: str) -> dict[str, Any]:
        """The state of bucket ``key`` (rate, capacity, tokens), for logs and tests."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return {}
            return {"rate": bucket.rate, "capacity": bucket.capacity, "tokens": bucket.tokens}
