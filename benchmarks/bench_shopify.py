"""Shopify: order backfill from `ShopifyFake` at its cost budget (simulated clock).

Records:

- ``backfill`` / ``achieved_over_allowed``: a backfill of 10,000 orders (2,000 at S, one line
  each, 25 per page: 77 points a page, requested = actual) from a fake enforcing a
  1,000-point bucket restored at 100 points/s, the Standard plan. Ours: points spent per
  second over the window T from the first to the last successful query. Baseline: what the
  bucket allows over the same window, (B + R·T)/T. Target ≥ 0.95.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from _harness import Record, register, tier_value

ORDERS = {"XS": 300, "S": 2_000, "M": 10_000, "L": 10_000}
BUCKET, RESTORE = 1000.0, 100.0


def _backfill(tier: str) -> Record:
    from retail_canon.connectors.shopify import ShopifyConnector
    from retail_canon.models import Money, OrderLine, Quantity, SalesOrder
    from retail_canon.testing import FakeClock
    from retail_canon.testing.shopify import ACCESS_TOKEN, SHOP, ShopifyFake

    count = tier_value(tier, ORDERS)
    start = datetime(2026, 5, 1, tzinfo=UTC)
    clock = FakeClock()
    fake = ShopifyFake(clock=clock, maximum_available=BUCKET, restore_rate=RESTORE)
    for i in range(count):
        fake.put_order(
            SalesOrder(
                order_id=f"shopify-{100000 + i}",
                channel="shopify",
                placed_at=start + timedelta(seconds=i),
                currency="USD",
                lines=[
                    OrderLine(
                        line_id=f"shopify-{900000 + i}",
                        sku=f"SKU-{i % 97}",
                        quantity=Quantity(value=1),
                        unit_price=Money(amount="9.99", currency="USD"),
                    )
                ],
            )
        )
    shop = ShopifyConnector(
        shop=SHOP,
        access_token=ACCESS_TOKEN,
        page_size=25,
        lines_per_order=1,
        transport=fake,
        clock=clock,
        max_elapsed=3600.0,
    )
    got = sum(1 for _ in shop.read_orders())
    assert got == count, (got, count)
    calls = [e for e in fake.exchanges if e.status == 200]
    window = max(calls[-1].at - calls[0].at, 1e-9)
    return Record(
        bench="shopify",
        case="backfill",
        metric="achieved_over_allowed",
        value=fake.points_spent / window,
        unit="points/s",
        baseline=(
            f"query cost the bucket allows (B={BUCKET:g} points, R={RESTORE:g}/s) over the same "
            f"{window:,.0f} s, (B + R*T)/T; {count:,} orders, {len(calls)} queries, "
            f"{fake.throttled} THROTTLED, 25 orders/page, simulated clock"
        ),
        baseline_value=(BUCKET + RESTORE * window) / window,
        better="higher",
        target=0.95,
    )


@register("shopify", "order backfill at the Admin GraphQL cost budget")
def run(tier: str) -> Iterator[Record]:
    yield _backfill(tier)
