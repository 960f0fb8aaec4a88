"""Sample canonical objects shared by the connector tests (ERPs and channels).

`make_orders` with its defaults is the ERP tests' batch (``shop-1000`` … on SKU-0 .. SKU-9);
the channel tests pass their own ids, channel and timestamps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from retail_canon.models import (
    Address,
    AmountType,
    InventoryBuckets,
    InventoryPosition,
    Money,
    OrderLine,
    Quantity,
    SalesOrder,
    SettlementLine,
)

START = datetime(2026, 5, 1, tzinfo=UTC)
SKUS = 10
"""How many SKUs the seeded fakes' item masters hold (SKU-0 .. SKU-9)."""


def usd(amount: str) -> Money:
    """``amount`` US dollars."""
    return Money(amount=Decimal(amount), currency="USD")


def ada_ship_to(phone: str) -> Address:
    """The canonical ship-to address of the channel samples' "Ada Lovelace" orders.

    Only the phone differs between vendors (each formats it its own way).
    """
    return Address(
        name="Ada Lovelace",
        lines=("12 Harbour Street", "Apt 4"),
        city="Seattle",
        region="WA",
        postal_code="98101",
        country="US",
        phone=phone,
    )


def assert_round_trips(read: SalesOrder, original: SalesOrder, *, vendor_only: set[str]) -> None:
    """``read`` equals ``original`` but for the fields only the vendor decides."""
    assert read.model_dump(exclude=vendor_only) == original.model_dump(exclude=vendor_only)


def make_orders(
    n: int,
    *,
    prefix: str = "shop",
    first: int = 1000,
    channel: str = "shopify",
    sku: Callable[[int], str] = lambda i: f"SKU-{i % SKUS}",
    hours: Callable[[int], int] = lambda i: i,
) -> list[SalesOrder]:
    """``n`` one-line orders ``<prefix>-<first + i>``: two units at 19.99 USD of ``sku(i)``,
    placed ``hours(i)`` after `START`."""
    return [
        SalesOrder(
            order_id=f"{prefix}-{first + i}",
            channel=channel,
            placed_at=START + timedelta(hours=hours(i)),
            currency="USD",
            lines=[
                OrderLine(
                    line_id=f"{prefix}-{first + i}-1",
                    sku=sku(i),
                    quantity=Quantity(value="2"),
                    unit_price=Money(amount="19.99", currency="USD"),
                )
            ],
        )
        for i in range(n)
    ]


def make_positions(
    n: int,
    *,
    location: Callable[[int], str],
    sku: Callable[[int], str] = lambda i: f"SKU-{i}",
    committed: bool = True,
) -> list[InventoryPosition]:
    """``n`` positions of ``sku(i)`` at ``location(i)``: ``10 + i`` on hand, ``i % 3``
    committed (none without ``committed``), as of `START`."""
    return [
        InventoryPosition(
            sku=sku(i),
            location_id=location(i),
            buckets=(
                InventoryBuckets(on_hand=10 + i, committed=i % 3)
                if committed
                else InventoryBuckets(on_hand=10 + i)
            ),
            as_of=START,
        )
        for i in range(n)
    ]


def make_receivables(n: int, *, line_id: Callable[[int, bool], str]) -> list[SettlementLine]:
    """``n`` posted lines for orders ``shop-1000`` …: every third a -5.00 refund, the others
    39.98 invoices; ``line_id(i, refund)`` names them. Pairs share a timestamp."""
    lines = []
    for i in range(n):
        refund = i % 3 == 2
        lines.append(
            SettlementLine(
                line_id=line_id(i, refund),
                amount_type=AmountType.REFUND if refund else AmountType.PRINCIPAL,
                amount=Money(amount="-5.00" if refund else "39.98", currency="USD"),
                posted_at=START + timedelta(minutes=i // 2),
                order_id=f"shop-{1000 + i}",
            )
        )
    return lines
