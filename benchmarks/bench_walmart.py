"""Walmart: released-order backfill from `WalmartFake` at its rate limit (simulated clock).

Records:

- ``backfill`` / ``achieved_over_allowed``: a backfill of 20,000 orders (2,000 at S, 100 per
  page) from a fake limiting the orders API to R = 2 requests/s, burst B = 10, announced in
  ``x-current-token-count`` / ``x-next-replenish-time``. Ours: successful order pages per
  second over the window T from the first to the last one. Baseline: what the bucket allows
  over the same window, (B + R·T)/T. Target ≥ 0.95.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from _harness import Record, register, tier_value

ORDERS = {"XS": 300, "S": 2_000, "M": 20_000, "L": 20_000}
RATE, BURST, PAGE = 2.0, 10.0, 100


def _backfill(tier: str) -> Record:
    from retail_canon.connectors.walmart import WalmartConnector
    from retail_canon.models import Money, OrderLine, Quantity, SalesOrder
    from retail_canon.testing import FakeClock
    from retail_canon.testing.walmart import CLIENT_ID, CLIENT_SECRET, WalmartFake

    count = tier_value(tier, ORDERS)
    page = PAGE if tier != "XS" else 10
    start = datetime(2026, 5, 1, tzinfo=UTC)
    clock = FakeClock()
    fake = WalmartFake(clock=clock)
    fake.rate_limit(RATE, BURST, key="orders")
    for i in range(count):
        fake.put_order(
            SalesOrder(
                order_id=f"walmart-{108000000 + i}",
                channel="walmart",
                placed_at=start + timedelta(seconds=i),
                currency="USD",
                lines=[
                    OrderLine(
                        line_id=f"walmart-{108000000 + i}-1",
                        sku=f"SKU-{i % 97}",
                        quantity=Quantity(value=1),
                        unit_price=Money(amount="9.99", currency="USD"),
                    )
                ],
            )
        )
    walmart = WalmartConnector(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        page_size=page,
        transport=fake,
        clock=clock,
        max_elapsed=3600.0,
    )
    got = sum(1 for _ in walmart.read_orders())
    assert got == count, (got, count)
    calls = [e for e in fake.exchanges if e.status == 200 and e.path.startswith("/v3/orders")]
    window = max(calls[-1].at - calls[0].at, 1e-9)
    throttled = fake.statuses().count(429)
    return Record(
        bench="walmart",
        case="backfill",
        metric="achieved_over_allowed",
        value=len(calls) / window,
        unit="requests/s",
        baseline=(
            f"getAllReleasedOrders allowed by the bucket (R={RATE:g}/s, B={BURST:g}) over the "
            f"same {window:,.0f} s, (B + R*T)/T; {count:,} orders, {len(calls)} pages, "
            f"{throttled} 429s, {page} orders/page, simulated clock"
        ),
        baseline_value=(BURST + RATE * window) / window,
        better="higher",
        target=0.95,
    )


@register("walmart", "released-order backfill at the orders API rate limit")
def run(tier: str) -> Iterator[Record]:
    yield _backfill(tier)
