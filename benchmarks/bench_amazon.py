"""Bench ``amazon``: the V2 settlement file parser; an order backfill at the usage plans.

Records:

- ``settlement_v2`` / ``settlement_ns_per_line``: `SettlementFile` over a generated V2
  settlement file (1,000,000 amount rows at M, 100,000 at S; UTF-8, 24 columns; five rows
  per order, refunds and promotions mixed in): encoding sniffing, header and summary checks,
  an exact `Decimal` per amount, a `SettlementRow` per line and the deposit check, against
  ``csv.reader`` (tab-separated, text mode) merely iterating the same file; best of 3
  (5 at S), the two alternated. Target ≤ 3.
- ``settlement_v2`` / ``peak_memory_kib``: tracemalloc's peak while parsing the whole file,
  against the same parser's peak on a tenth of it: flat memory is a ratio near 1; target
  ≤ 1.5.
- ``backfill_v0`` and ``backfill_2026`` / ``achieved_over_allowed``: a backfill of 10,000
  orders (2,000 at S; 100 orders per page for v0, 10 for 2026-01-01) from `AmazonFake`
  enforcing Amazon's usage plans, on a simulated clock: successful requests per second of
  the bottleneck operation (v0: ``getOrderItems``, 0.5/s, burst 30; 2026-01-01:
  ``searchOrders``, 0.0056/s, burst 20) against what the plan allows over the same window,
  (B + R·T)/T. Target ≥ 0.95.
"""

from __future__ import annotations

import csv
import gc
import os
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _harness import Record, register, tier_value

ROWS = {"XS": 2_000, "S": 100_000, "M": 1_000_000, "L": 1_000_000}
REPEATS = {"XS": 1, "S": 5, "M": 3, "L": 3}
ORDERS = {"XS": 300, "S": 2_000, "M": 10_000, "L": 10_000}


def _write(rows: int, directory: str) -> Path:
    from retail_canon.testing.amazon import settlement_v2_lines

    path = Path(directory) / f"settlement-{rows}.tsv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.writelines(settlement_v2_lines(rows, seed=rows))
    return path


def _ours(path: Path) -> int:
    from retail_canon.connectors.amazon.settlement import SettlementFile

    with path.open("rb") as stream:
        report = SettlementFile(stream)
        for _ in report:
            pass
        assert report.balanced
        return report.rows


def _floor(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as stream:
        count = 0
        for _ in csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE):
            count += 1
        return count - 2


def _timed(fn: Any, path: Path) -> float:
    gc.disable()
    try:
        start = time.perf_counter()
        fn(path)
        return time.perf_counter() - start
    finally:
        gc.enable()


def _peak(path: Path) -> float:
    tracemalloc.start()
    try:
        _ours(path)
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def _settlement(tier: str) -> Iterator[Record]:
    rows, repeats = tier_value(tier, ROWS), tier_value(tier, REPEATS)
    with tempfile.TemporaryDirectory() as directory:
        path = _write(rows, directory)
        tenth = _write(max(rows // 10, 1), directory)
        assert _ours(path) == _floor(path) == rows
        ours, floor = [], []
        for _ in range(repeats):
            ours.append(_timed(_ours, path))
            floor.append(_timed(_floor, path))
        size = os.path.getsize(path) / 1e6
        yield Record(
            bench="amazon",
            case="settlement_v2",
            metric="settlement_ns_per_line",
            value=min(ours) / rows * 1e9,
            unit="ns/line",
            baseline=(
                f"csv: csv.reader (tab, text mode) iterating the same {rows:,}-row file "
                f"({size:.0f} MB), best of {repeats}"
            ),
            baseline_value=min(floor) / rows * 1e9,
            better="lower",
            target=3.0,
        )
        yield Record(
            bench="amazon",
            case="settlement_v2",
            metric="peak_memory_kib",
            value=_peak(path),
            unit="KiB",
            baseline=(
                f"the same parser's tracemalloc peak on a tenth of the file ({rows // 10:,} rows)"
            ),
            baseline_value=_peak(tenth),
            better="lower",
            target=1.5,
        )


def _backfill(tier: str, api: str, operation: str) -> Record:
    from retail_canon.connectors.amazon import AmazonConnector
    from retail_canon.models import ExternalRef, Money, OrderLine, Quantity, SalesOrder
    from retail_canon.testing import FakeClock
    from retail_canon.testing.amazon import USAGE_PLANS, AmazonFake

    count = tier_value(tier, ORDERS)
    start = datetime(2026, 5, 1, tzinfo=UTC)
    orders = [
        SalesOrder(
            order_id=f"111-{i:07d}-0000001",
            channel="amazon",
            marketplace_id="ATVPDKIKX0DER",
            placed_at=start + timedelta(seconds=i),
            updated_at=start + timedelta(seconds=i),
            currency="USD",
            source_status="Unshipped",
            lines=[
                OrderLine(
                    line_id=f"111-{i:07d}-0000001-{i:014d}",
                    source_line_id=f"{i:014d}",
                    sku=f"SKU-{i % 97}",
                    item_refs=[ExternalRef(system="amazon", scheme="ASIN", value="B000000001")],
                    quantity=Quantity(value=1),
                    unit_price=Money(amount="9.99", currency="USD"),
                )
            ],
            external_refs=[
                ExternalRef(system="amazon", scheme="AmazonOrderId", value=f"111-{i:07d}-0000001")
            ],
        )
        for i in range(count)
    ]
    clock = FakeClock()
    fake = AmazonFake(clock=clock, usage_plans=True, page_token_ttl=None)
    fake.add_orders(orders)
    amazon = AmazonConnector(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        refresh_token=fake.refresh_token,
        transport=fake,
        clock=clock,
        orders_api=api,
        page_size=100 if api == "v0" else 10,
        max_elapsed=3600.0,
    )
    got = sum(1 for _ in amazon.read_orders())
    assert got == count, (got, count)
    calls = [e for e in fake.exchanges if e.status == 200 and _op(e.path) == operation]
    window = max(calls[-1].at - calls[0].at, 1e-9)
    rate, burst = USAGE_PLANS[operation]
    throttled = sum(1 for e in fake.exchanges if e.status == 429)
    return Record(
        bench="amazon",
        case=f"backfill_{api.split('-')[0]}",
        metric="achieved_over_allowed",
        value=len(calls) / window,
        unit="requests/s",
        baseline=(
            f"{operation} allowed by the usage plan (R={rate:g}/s, B={burst:g}) over the same "
            f"{window:,.0f} s, (B + R*T)/T; {count:,} orders, {len(calls)} calls, "
            f"{throttled} 429s, {'100' if api == 'v0' else '10'} orders/page, simulated clock"
        ),
        baseline_value=(burst + rate * window) / window,
        better="higher",
        target=0.95,
    )


def _op(path: str) -> str:
    if path.endswith("/orderItems"):
        return "getOrderItems"
    if path == "/orders/2026-01-01/orders":
        return "searchOrders"
    return "other"


@register("amazon", "V2 settlement file parse vs csv.reader; order backfill at the usage plan")
def run(tier: str) -> Iterator[Record]:
    yield from _settlement(tier)
    yield _backfill(tier, "v0", "getOrderItems")
    yield _backfill(tier, "2026-01-01", "searchOrders")
