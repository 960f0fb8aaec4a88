"""`FakeClock`: simulated time for tests and benchmarks; sleeping advances it instantly."""

from __future__ import annotations

import threading

__all__ = ["FakeClock"]

_WALL_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class FakeClock:
    """A clock whose time only moves when something sleeps on it or calls `advance`.

    It satisfies `retail_canon.connectors.Clock`. Give the same clock to a connector and
    to a fake vendor, and backoffs, rate-limit waits, token lifetimes and slow responses
    all happen in simulated time: a test of a 30-second backoff takes microseconds.

    Sleeps from several threads or tasks each advance the shared time, so concurrent
    sleepers overlap less than they would in reality: use the system clock where the
    interleaving itself is under test.

    Attributes:
        slept: total seconds slept on this clock.
        sleeps: number of non-zero sleeps.

    >>> clock = FakeClock()
    >>> start = clock.monotonic()
    >>> clock.sleep(30.0)
    >>> clock.monotonic() - start, clock.slept
    (30.0, 30.0)
    """

    def __init__(self, *, start: float = 1000.0, wall: float = _WALL_START) -> None:
        self._now = start
        self._offset = wall - start
        self._lock = threading.Lock()
        self.slept = 0.0
        self.sleeps = 0

    def monotonic(self) -> float:
        """Simulated monotonic seconds."""
        return self._now

    def time(self) -> float:
        """Simulated Unix time (starts at 2026-01-01T00:00:00Z by default)."""
        return self._now + self._offset

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (negative values are refused)."""
        if seconds < 0:
            msg = f"cannot move a clock back ({seconds} s)"
            raise ValueError(msg)
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """Advance by ``seconds`` at once."""
        if seconds > 0:
            with self._lock:
                self._now += seconds
                self.slept += seconds
                self.sleeps += 1

    async def asleep(self, seconds: float) -> None:
        """Advance by ``seconds`` and let other tasks run."""
        import asyncio

        self.sleep(seconds)
        await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"FakeClock(monotonic={self._now:.3f})"
