"""NetSuite's per-account concurrency limit, enforced on our side by a semaphore.

NetSuite counts the requests *in flight* per account (SOAP, REST and RESTlets together;
Tier 1 allows 15, plus 10 per SuiteCloud Plus licence) and answers **429** to one over the
limit. A request rate limit cannot prevent that — slow requests pile up — so every
NetSuite connector holds a `ConcurrencyGate`: a fair (first come, first served) semaphore
shared by its threads and asyncio tasks, on any event loop. `GatedTransport` takes a slot
before a request is sent and gives it back when the answer's body has been read, so a
connector never has more than ``max_concurrency`` requests open at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx

from retail_canon.connectors._clients import shared_ssl_context

__all__ = ["ConcurrencyGate", "GatedTransport"]


class ConcurrencyGate:
    """A fair semaphore for threads and asyncio tasks alike.

    Args:
        limit: the most holders at once.

    Attributes:
        peak: the most holders there have been at once (for tests and metrics).

    >>> gate = ConcurrencyGate(2)
    >>> gate.acquire(); gate.acquire(); gate.in_use
    2
    >>> gate.release(); gate.in_use
    1
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            msg = f"a concurrency limit must be at least 1, not {limit}"
            raise ValueError(msg)
        self.limit = limit
        self.peak = 0
        self._used = 0
        self._lock = threading.Lock()
        self._waiters: deque[threading.Event | tuple[asyncio.AbstractEventLoop, Any]] = deque()

    @property
    def in_use(self) -> int:
        """Slots held now."""
        return self._used

    def _take(self) -> bool:
        if self._used < self.limit and not self._waiters:
            self._used += 1
            self.peak = max(self.peak, self._used)
            return True
        return False

    def acquire(self) -> None:
        """Take a slot, blocking the thread until one is free."""
        with self._lock:
            if self._take():
                return
            event = threading.Event()
            self._waiters.append(event)
        event.wait()

    async def aacquire(self) -> None:
        """Take a slot, suspending the task until one is free (cancellation-safe)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._take():
                return
            future: asyncio.Future[None] = loop.create_future()
            entry = (loop, future)
            self._waiters.append(entry)
        try:
            await future
        except asyncio.CancelledError:
            with self._lock:
                handed = entry not in self._waiters
                if not handed:
                    self._waiters.remove(entry)
            if handed:  # the slot came with the cancellation: pass it on
                self.release()
            raise

    def release(self) -> None:
        """Give a slot back: to the longest waiter, else to the pool."""
        with self._lock:
            while self._waiters:
                waiter = self._waiters.popleft()
                if isinstance(waiter, threading.Event):
                    waiter.set()
                    return
                loop, future = waiter
                if loop.is_closed():
                    continue
                loop.call_soon_threadsafe(self._hand, future)
                return
            self._used -= 1

    def _hand(self, future: asyncio.Future[None]) -> None:
        if future.done():  # cancelled meanwhile: its task gave up the slot
            self.release()
        else:
            future.set_result(None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(limit={self.limit}, in_use={self._used})"


class _Once:
    def __init__(self, release: Callable[[], None]) -> None:
        self._release: Callable[[], None] | None = release
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            release, self._release = self._release, None
        if release is not None:
            release()


class _SyncStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, done: _Once) -> None:
        self._inner, self._done = inner, done

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._done()


class _AsyncStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, done: _Once) -> None:
        self._inner, self._done = inner, done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._done()


def _wrap(response: httpx.Response, stream: Any, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=stream,
        extensions=response.extensions,
        request=request,
    )


class GatedTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport that holds a gate slot from sending a request to closing its answer.

    Args:
        gate: the gate.
        inner: the transport to send through (a fake in tests); by default httpx's own
            transports, made on first use (one per side).
    """

    def __init__(
        self,
        gate: ConcurrencyGate,
        inner: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.gate = gate
        self._inner = inner
        self._sync: httpx.BaseTransport | None = None
        self._async: httpx.AsyncBaseTransport | None = None
        self._lock = threading.Lock()

    def _sync_inner(self) -> httpx.BaseTransport:
        if isinstance(self._inner, httpx.BaseTransport):
            return self._inner
        if self._inner is not None:
            msg = "the injected transport is async-only: use the async methods"
            raise TypeError(msg)
        with self._lock:
            if self._sync is None:
                self._sync = httpx.HTTPTransport(verify=shared_ssl_context())
            return self._sync

    def _async_inner(self) -> httpx.AsyncBaseTransport:
        if isinstance(self._inner, httpx.AsyncBaseTransport):
            return self._inner
        if self._inner is not None:
            msg = "the injected transport is sync-only: use the sync methods"
            raise TypeError(msg)
        with self._lock:
            if self._async is None:
                self._async = httpx.AsyncHTTPTransport(verify=shared_ssl_context())
            return self._async

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send with a slot held until the answer is closed."""
        inner = self._sync_inner()
        self.gate.acquire()
        done = _Once(self.gate.release)
        try:
            response = inner.handle_request(request)
        except BaseException:
            done()
            raise
        stream = response.stream
        if not isinstance(stream, httpx.SyncByteStream):  # pragma: no cover - defensive
            done()
            return response
        return _wrap(response, _SyncStream(stream, done), request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Async twin of `handle_request`."""
        inner = self._async_inner()
        await self.gate.aacquire()
        done = _Once(self.gate.release)
        try:
            response = await inner.handle_async_request(request)
        except BaseException:
            done()
            raise
        stream = response.stream
        if not isinstance(stream, httpx.AsyncByteStream):  # pragma: no cover - defensive
            done()
            return response
        return _wrap(response, _AsyncStream(stream, done), request)

    def close(self) -> None:
        """Close the sync transport made here (an injected one too, as httpx does)."""
        if isinstance(self._inner, httpx.BaseTransport):
            self._inner.close()
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        """Close the async transport made here (an injected one too, as httpx does)."""
        if isinstance(self._inner, httpx.AsyncBaseTransport):
            await self._inner.aclose()
        if self._async is not None:
            await self._async.aclose()
