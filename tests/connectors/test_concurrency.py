"""One connector shared by threads or tasks shares its rate limits and its token."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from connectors.helpers import demo_connector
from retail_canon.connectors import RateLimit, SystemClock
from retail_canon.testing import DemoVendorFake

# Real time: the client's spare token absorbs up to 1/RATE (20 ms) of scheduling jitter.
RATE, BURST = 50.0, 5.0


def _vendor() -> DemoVendorFake:
    fake = DemoVendorFake(clock=SystemClock())  # real time: the interleaving is under test
    fake.seed_orders(60)
    fake.rate_limit(RATE, BURST)
    return fake


def _connector(fake):
    limits = {"listOrders": RateLimit(rate=RATE, burst=BURST)}
    return demo_connector(fake, page_size=10, rate_limits=limits)  # on the fake's clock


def test_threads_share_the_limit_and_one_token():
    fake = _vendor()
    conn = _connector(fake)
    with ThreadPoolExecutor(max_workers=4) as pool:
        reads = list(pool.map(lambda _: [o.order_id for o in conn.read_orders()], range(4)))
    assert all(r == sorted(fake.orders) for r in reads)
    pages = [e for e in fake.exchanges if e.path == "/v1/orders"]
    assert len(pages) == 24
    assert 429 not in {e.status for e in pages}
    assert conn.auth_provider.refreshes == 1
    assert len([e for e in fake.exchanges if e.path == "/oauth/token"]) == 1


def test_tasks_share_the_limit_and_one_token():
    fake = _vendor()
    conn = _connector(fake)

    async def read():
        return [o.order_id async for o in conn.aread_orders()]

    async def main():
        async with conn:
            return await asyncio.gather(*(read() for _ in range(4)))

    reads = asyncio.run(main())
    assert all(r == sorted(fake.orders) for r in reads)
    assert 429 not in {e.status for e in fake.exchanges}
    assert len([e for e in fake.exchanges if e.path == "/oauth/token"]) == 1
