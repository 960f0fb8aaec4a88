"""The per-account concurrency limit: our client never has more requests in flight.

The fake counts requests in flight (each held ``hold`` real seconds, so threads and tasks
overlap) and answers 429 ``CONCURRENCY_LIMIT_EXCEEDED`` above its limit.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from netsuite.samples import CONFIG, make_orders, seeded_fake
from retail_canon.connectors import RateLimited
from retail_canon.connectors.netsuite import ConcurrencyGate, NetSuiteConnector
from retail_canon.testing import FakeClock

WORKERS = 12
LIMIT = 3


def _orders(worker: int):
    return make_orders(3, prefix=f"w{worker}")


def test_threads_never_exceed_the_limit():
    fake = seeded_fake(clock=FakeClock(), concurrency_limit=LIMIT, hold=0.01)
    ns = NetSuiteConnector(**CONFIG, max_concurrency=LIMIT, transport=fake, clock=fake.clock)
    start = threading.Barrier(WORKERS)
    reports = {}

    def work(worker: int) -> None:
        start.wait()
        reports[worker] = ns.write_orders(_orders(worker))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.ok for r in reports.values())
    assert len(reports) == WORKERS
    assert len(fake.sales_orders) == WORKERS * 3
    assert fake.concurrency_rejections == 0
    assert fake.peak_in_flight <= LIMIT
    assert ns.gate.peak <= LIMIT
    assert ns.gate.in_use == 0


def test_tasks_never_exceed_the_limit():
    fake = seeded_fake(clock=FakeClock(), concurrency_limit=LIMIT, hold=0.01)
    ns = NetSuiteConnector(**CONFIG, max_concurrency=LIMIT, transport=fake, clock=fake.clock)

    async def main():
        reports = await asyncio.gather(*(ns.awrite_orders(_orders(w)) for w in range(WORKERS)))
        await ns.aclose()
        return reports

    reports = asyncio.run(main())
    assert all(r.ok for r in reports)
    assert len(fake.sales_orders) == WORKERS * 3
    assert fake.concurrency_rejections == 0
    assert fake.peak_in_flight <= LIMIT
    assert ns.gate.in_use == 0


def test_without_the_gate_the_account_limit_is_hit():
    # The control: the same load through a gate wider than the account's limit gets 429s
    # (some batches may even give up: RateLimited), and still no order is duplicated.
    fake = seeded_fake(clock=FakeClock(), concurrency_limit=LIMIT, hold=0.2)
    ns = NetSuiteConnector(**CONFIG, max_concurrency=WORKERS, transport=fake, clock=fake.clock)
    start = threading.Barrier(WORKERS)
    failures = []

    def work(worker: int) -> None:
        start.wait()
        try:
            ns.write_orders(_orders(worker))
        except RateLimited as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake.concurrency_rejections > 0
    assert fake.peak_in_flight == LIMIT
    assert len(fake.sales_orders) == len(fake.external_ids) <= WORKERS * 3
    assert all(f.vendor_code == "CONCURRENCY_LIMIT_EXCEEDED" for f in failures)


def test_a_cancelled_waiter_does_not_leak_a_slot():
    gate = ConcurrencyGate(1)

    async def main():
        await gate.aacquire()
        waiter = asyncio.ensure_future(gate.aacquire())
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        gate.release()
        assert gate.in_use == 0
        await gate.aacquire()
        gate.release()

    asyncio.run(main())
    assert gate.in_use == 0


def _until(condition) -> None:
    pause = threading.Event()
    while not condition():
        pause.wait(0.001)


def test_waiters_are_served_first_come_first_served():
    gate = ConcurrencyGate(1)
    order: list[int] = []
    gate.acquire()

    def wait(n: int) -> None:
        gate.acquire()
        order.append(n)
        gate.release()

    first = threading.Thread(target=wait, args=(1,))
    first.start()
    _until(lambda: len(gate._waiters) == 1)
    second = threading.Thread(target=wait, args=(2,))
    second.start()
    _until(lambda: len(gate._waiters) == 2)
    gate.release()
    first.join()
    second.join()
    assert order == [1, 2]
    assert gate.in_use == 0


def test_the_limit_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        ConcurrencyGate(0)
