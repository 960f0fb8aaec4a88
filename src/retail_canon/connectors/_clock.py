"""Time, injectable: connectors read the time and sleep only through a `Clock`.

Tests and benchmarks pass `retail_canon.testing.FakeClock`, whose sleeps advance a
simulated time instantly, so retries, rate limits and token expiry run without waiting.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Where a connector reads the time and how it waits."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for intervals and deadlines)."""
        ...

    def time(self) -> float:
        """Seconds since the Unix epoch (to read vendors' absolute reset times)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for ``seconds``."""
        ...

    async def asleep(self, seconds: float) -> None:
        """Suspend the calling task for ``seconds``."""
        ...


class SystemClock:
    """The real clock: `time.monotonic`, `time.time`, `time.sleep`, `asyncio.sleep`."""

    def monotonic(self) -> float:
        """`time.monotonic`."""
        return time.monotonic()

    def time(self) -> float:
        """`time.time`."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """`time.sleep`."""
        if seconds > 0:
            time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        """`asyncio.sleep`."""
        import asyncio  # here, not at import: asyncio pulls in ssl (~10 ms)

        await asyncio.sleep(max(seconds, 0.0))

    def __repr__(self) -> str:
        return "SystemClock()"
