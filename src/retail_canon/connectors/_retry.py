"""When to repeat a failed request, and after how long: a pure decision, no sleeping.

Hand-written rather than tenacity on purpose. The connectors' request loop is written once
as a sans-I/O flow that both the sync and the async driver run (see ``_flow.py``);
tenacity's ``Retrying``/``AsyncRetrying`` own the loop and call ``time.sleep`` or
``asyncio.sleep`` themselves, and its elapsed-time stop reads ``time.monotonic`` directly,
which defeats the injectable clock. Everything specific to vendors — ``Retry-After``,
the idempotency gate, rate-limiter feedback — would be custom callbacks anyway. What is
left is this one function of a few lines: full-jitter exponential backoff (AWS
Architecture Blog, "Exponential Backoff And Jitter"), floored by ``Retry-After``, bounded
by attempts and elapsed time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from retail_canon.connectors._errors import ConnectorError, RetriableConnectorError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries with full-jitter exponential backoff that honour ``Retry-After``.

    Only `RetriableConnectorError` is retried, and only when repeating is safe: the
    request is idempotent (a read, a PUT/DELETE, a write with an idempotency key), or the
    vendor cannot have acted on it (connection refused, 429).

    Attributes:
        max_attempts: attempts in all, the first one included.
        max_elapsed: seconds from the first attempt after which no retry starts; a
            ``Retry-After`` that would end later gives up at once, so the caller can
            reschedule.
        base_delay: the backoff cap of the first retry; it doubles per retry.
        max_delay: the largest backoff (``Retry-After`` may ask for more).

    >>> policy = RetryPolicy(max_attempts=3, base_delay=1.0)
    >>> from retail_canon.connectors import RateLimited
    >>> policy.delay(RateLimited("429", retry_after=2.5), attempt=1, elapsed=0.0, safe=True,
    ...              rng=random.Random(1))
    2.5
    >>> print(policy.delay(RateLimited("429"), attempt=3, elapsed=0.0, safe=True))
    None
    """

    max_attempts: int = 5
    max_elapsed: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(
        self,
        error: ConnectorError,
        *,
        attempt: int,
        elapsed: float,
        safe: bool,
        rng: random.Random | None = None,
    ) -> float | None:
        """Seconds to wait before the next attempt, or `None` to give up and raise.

        Args:
            error: why attempt number ``attempt`` failed.
            attempt: the attempt that failed, counting from 1.
            elapsed: seconds since the first attempt started.
            safe: whether the request may be repeated even if the vendor acted on it.
            rng: the randomness of the jitter (injectable for tests).
        """
        if not isinstance(error, RetriableConnectorError):
            return None
        if error.maybe_applied and not safe:
            return None
        if attempt >= self.max_attempts:
            return None
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        wait = (rng or random).uniform(0.0, cap)
        if error.retry_after is not None:
            wait = max(wait, error.retry_after)
        if elapsed + wait > self.max_elapsed:
            return None
        return wait
