"""Sans-I/O flows, and the sync and async drivers that run them.

Connector logic — auth refresh, rate-limit waits, retries, pagination, writes — is written
once, as generator *flows* that never touch the network or the clock. A flow yields
effects and receives their results:

- `Send` an `httpx.Request`: the driver answers with the `httpx.Response`, or with the
  `httpx.RequestError` that replaced it (sent in as a value, not thrown);
- `Sleep` for some seconds (through the connector's `Clock`);
- `Join` another caller's work in progress (a token refresh) until it finishes;
- `Emit` a record to whoever iterates the flow.

`drive`/`run` perform the effects with an `httpx.Client` and blocking sleeps; `adrive`/`arun`
with an `httpx.AsyncClient` and awaited sleeps. That is all the code that differs between
sync and async — the same design as h11 and other sans-I/O protocol libraries.
Flows compose with ``yield from``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

import httpx

from retail_canon.connectors._clock import Clock

__all__ = [
    "Effect",
    "Emit",
    "Flight",
    "Flow",
    "Join",
    "Send",
    "Sleep",
    "adrive",
    "arun",
    "drive",
    "run",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``request``; the result is an `httpx.Response` or an `httpx.RequestError`."""

    request: httpx.Request


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait ``seconds``; the result is `None`."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Join:
    """Wait until ``flight`` finishes, at most ``timeout`` seconds; the result is whether it did."""

    flight: Flight
    timeout: float


@dataclass(frozen=True, slots=True)
class Emit:
    """Hand ``item`` to the iterating caller; the result is `None`."""

    item: Any


Effect: TypeAlias = Send | Sleep | Join | Emit
Flow: TypeAlias = Generator[Effect, Any, T]


class Flight:
    """Work one caller does while others wait for it (single flight).

    Waiters may be threads (`wait`) or asyncio tasks on any event loop (`wait_async`).
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self.error: BaseException | None = None

    @property
    def done(self) -> bool:
        """Whether the work has finished (successfully or not)."""
        return self._event.is_set()

    def finish(self, error: BaseException | None = None) -> None:
        """Mark the work finished (with the error that ended it, if any); wake every waiter."""
        with self._lock:
            self.error = error
            self._event.set()
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(_resolve, future)

    def wait(self, timeout: float) -> bool:
        """Block until finished or ``timeout`` seconds passed; return whether finished."""
        return self._event.wait(timeout)

    async def wait_async(self, timeout: float) -> bool:
        """Suspend until finished or ``timeout`` seconds passed; return whether finished."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._event.is_set():
                return True
            self._waiters.append((loop, future))
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return False
        return True


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


# -- sync driver ----------------------------------------------------------------------------


def _perform(effect: Effect, client: httpx.Client, clock: Clock) -> Any:
    if isinstance(effect, Send):
        try:
            return client.send(effect.request)
        except httpx.RequestError as exc:
            return exc
    if isinstance(effect, Sleep):
        clock.sleep(effect.seconds)
        return None
    if isinstance(effect, Join):
        return effect.flight.wait(effect.timeout)
    msg = f"unknown effect {effect!r}"
    raise TypeError(msg)


def drive(flow: Flow[T], client: httpx.Client, clock: Clock) -> Generator[Any, None, T]:
    """Run ``flow`` with blocking I/O, yielding what it emits; return its value."""
    value: Any = None
    try:
        while True:
            try:
                effect = flow.send(value)
            except StopIteration as stop:
                result: T = stop.value
                return result
            if isinstance(effect, Emit):
                value = None
                yield effect.item
            else:
                value = _perform(effect, client, clock)
    finally:
        flow.close()


def run(flow: Flow[T], client: httpx.Client, clock: Clock) -> T:
    """Run a flow that emits nothing with blocking I/O; return its value."""
    driver = drive(flow, client, clock)
    try:
        next(driver)
    except StopIteration as stop:
        result: T = stop.value
        return result
    driver.close()
    msg = "this flow emits items: iterate it with drive()"
    raise TypeError(msg)


# -- async driver ---------------------------------------------------------------------------


async def _aperform(effect: Effect, client: httpx.AsyncClient, clock: Clock) -> Any:
    if isinstance(effect, Send):
        try:
            return await client.send(effect.request)
        except httpx.RequestError as exc:
            return exc
    if isinstance(effect, Sleep):
        await clock.asleep(effect.seconds)
        return None
    if isinstance(effect, Join):
        return await effect.flight.wait_async(effect.timeout)
    msg = f"unknown effect {effect!r}"
    raise TypeError(msg)


async def adrive(flow: Flow[Any], client: httpx.AsyncClient, clock: Clock) -> AsyncIterator[Any]:
    """Run ``flow`` with async I/O, yielding what it emits."""
    value: Any = None
    try:
        while True:
            try:
                effect = flow.send(value)
            except StopIteration:
                return
            if isinstance(effect, Emit):
                value = None
                yield effect.item
            else:
                value = await _aperform(effect, client, clock)
    finally:
        flow.close()


async def arun(flow: Flow[T], client: httpx.AsyncClient, clock: Clock) -> T:
    """Run a flow that emits nothing with async I/O; return its value."""
    value: Any = None
    try:
        while True:
            try:
                effect = flow.send(value)
            except StopIteration as stop:
                result: T = stop.value
                return result
            if isinstance(effect, Emit):
                msg = "this flow emits items: iterate it with adrive()"
                raise TypeError(msg)
            value = await _aperform(effect, client, clock)
    finally:
        flow.close()
