"""Faults a fake vendor injects, by schedule or by probability.

A `FaultRule` says which fault, on which requests (path pattern, method), and when:
every n-th matching request, or with a probability (seeded, so runs repeat), after some
requests, at most so many times, in bursts of consecutive requests. A `FaultPlan` holds
the rules of one fake; the first rule that fires on a request wins.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["FaultEvent", "FaultKind", "FaultPlan", "FaultRule"]


class FaultKind(StrEnum):
    """What can go wrong between a connector and a vendor."""

    RATE_LIMIT = "rate_limit"
    """The vendor throttles: its 429 answer (``retry_after`` adds ``Retry-After``)."""
    SERVER_ERROR = "server_error"
    """The vendor fails: a 5xx answer (``status``, 503 by default)."""
    TIMEOUT = "timeout"
    """No answer in time: `httpx.ReadTimeout` (after the vendor acted, unless not ``processed``)."""
    CONNECTION_RESET = "connection_reset"
    """The connection drops: `httpx.RemoteProtocolError` after the vendor acted, or
    `httpx.ConnectError` before it saw the request (``processed=False``)."""
    TRUNCATED_BODY = "truncated_body"
    """The answer's body is cut in half."""
    MALFORMED_BODY = "malformed_body"
    """The answer's body is not what the API returns (an HTML error page)."""
    PAGE_TOKEN_EXPIRY = "page_token_expiry"
    """The page token of the request has expired (only requests carrying one)."""
    AUTH_TOKEN_EXPIRY = "auth_token_expiry"
    """The access token of the request has expired (only requests carrying one)."""
    SLOW_RESPONSE = "slow_response"
    """The answer takes ``delay`` simulated seconds; past the read timeout it times out."""


@dataclass
class FaultRule:
    """When to inject one kind of fault.

    Attributes:
        kind: the fault.
        every: fire on every n-th matching request (1 = all of them).
        probability: or fire with this probability per matching request.
        burst: once fired, also hit this many consecutive matching requests in all.
        path: a regular expression the request path must match (`re.search`).
        method: the HTTP method the request must have.
        after: let this many matching requests through first.
        limit: fire at most this many times (a burst counts once).
        status: the status of a `FaultKind.SERVER_ERROR`.
        retry_after: the ``Retry-After`` seconds of a `FaultKind.RATE_LIMIT`.
        delay: simulated seconds of a `FaultKind.SLOW_RESPONSE`.
        processed: whether the vendor acts on the request before a `FaultKind.TIMEOUT` or
            `FaultKind.CONNECTION_RESET` hides its answer.
    """

    kind: FaultKind
    every: int | None = None
    probability: float = 0.0
    burst: int = 1
    path: str | None = None
    method: str | None = None
    after: int = 0
    limit: int | None = None
    status: int = 503
    retry_after: float | None = None
    delay: float = 5.0
    processed: bool = True
    _matched: int = field(default=0, init=False, repr=False)
    _fired: int = field(default=0, init=False, repr=False)
    _burst_left: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.every is None and not self.probability:
            msg = f"FaultRule({self.kind}): give every= or probability="
            raise ValueError(msg)
        if self.every is not None and self.every < 1:
            msg = f"FaultRule({self.kind}): every= must be at least 1"
            raise ValueError(msg)

    def _matches(self, method: str, path: str) -> bool:
        if self.method is not None and method.upper() != self.method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None

    def _fires(self, rng: random.Random) -> bool:
        self._matched += 1
        if self._burst_left > 0:
            self._burst_left -= 1
            return True
        if self._matched <= self.after:
            return False
        if self.limit is not None and self._fired >= self.limit:
            return False
        if self.every is not None:
            fire = (self._matched - self.after) % self.every == 0
        else:
            fire = rng.random() < self.probability
        if fire:
            self._fired += 1
            self._burst_left = self.burst - 1
        return fire


@dataclass(frozen=True, slots=True)
class FaultEvent:
    """A fault that was injected: which, on which request, at what simulated time."""

    kind: FaultKind
    method: str
    path: str
    at: float


class FaultPlan:
    """The fault rules of one fake, and a log of the faults injected.

    Args:
        rules: the rules, tried in order.
        seed: seeds the randomness of probabilistic rules.
    """

    def __init__(self, rules: Iterable[FaultRule] = (), *, seed: int = 0) -> None:
        self.rules = list(rules)
        self.events: list[FaultEvent] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def add(self, *rules: FaultRule) -> None:
        """Add rules after the existing ones."""
        with self._lock:
            self.rules.extend(rules)

    def clear(self) -> None:
        """Remove every rule (the log stays)."""
        with self._lock:
            self.rules.clear()

    def pick(
        self, method: str, path: str, *, at: float, applicable: Iterable[FaultKind]
    ) -> FaultRule | None:
        """The rule that fires on this request, if any; records it in `events`.

        Args:
            method: the request's method.
            path: the request's path.
            at: the simulated time.
            applicable: the kinds that can apply to this request (a page-token expiry
                needs a page token); rules of other kinds do not see the request.
        """
        kinds = set(applicable)
        with self._lock:
            for rule in self.rules:
                if rule.kind in kinds and rule._matches(method, path) and rule._fires(self._rng):
                    self.events.append(FaultEvent(rule.kind, method, path, at))
                    return rule
        return None

    def count(self, kind: FaultKind | None = None) -> int:
        """How many faults (of ``kind``) were injected."""
        return sum(1 for e in self.events if kind is None or e.kind == kind)
