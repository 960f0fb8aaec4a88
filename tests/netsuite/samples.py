"""Sample canonical objects and a seeded fake for the NetSuite tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from retail_canon.models import (
    AmountType,
    InventoryBuckets,
    InventoryPosition,
    Money,
    OrderLine,
    Quantity,
    SalesOrder,
    SettlementLine,
)
from retail_canon.testing.netsuite import (
    ACCOUNT_ID,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    CUSTOMER_ID,
    TOKEN_ID,
    TOKEN_SECRET,
    NetSuiteFake,
)

START = datetime(2026, 5, 1, tzinfo=UTC)
SKUS = 10

CONFIG: dict[str, Any] = {
    "account_id": ACCOUNT_ID,
    "customer_id": CUSTOMER_ID,
    "consumer_key": CONSUMER_KEY,
    "consumer_secret": CONSUMER_SECRET,
    "token_id": TOKEN_ID,
    "token_secret": TOKEN_SECRET,
}


def seeded_fake(**options: Any) -> NetSuiteFake:
    """A fake account whose item master has SKU-0 .. SKU-9."""
    fake = NetSuiteFake(**options)
    for i in range(SKUS):
        fake.add_item(f"SKU-{i}")
    return fake


def make_orders(n: int, *, prefix: str = "shop") -> list[SalesOrder]:
    return [
        SalesOrder(
            order_id=f"{prefix}-{1000 + i}",
            channel="shopify",
            placed_at=START + timedelta(hours=i),
            currency="USD",
            lines=[
                OrderLine(
                    line_id=f"{prefix}-{1000 + i}-1",
                    sku=f"SKU-{i % SKUS}",
                    quantity=Quantity(value="2"),
                    unit_price=Money(amount="19.99", currency="USD"),
                )
            ],
        )
        for i in range(n)
    ]


def make_positions(n: int) -> list[InventoryPosition]:
    return [
        InventoryPosition(
            sku=f"SKU-{i}",
            location_id=f"DC-{1 + i % 2}",
            buckets=InventoryBuckets(on_hand=10 + i, committed=i % 3),
            as_of=START,
        )
        for i in range(n)
    ]


def make_receivables(n: int) -> list[SettlementLine]:
    lines = []
    for i in range(n):
        credit = i % 3 == 2
        lines.append(
            SettlementLine(
                line_id=f"netsuite-{'creditmemo' if credit else 'invoice'}-{5000 + i}",
                amount_type=AmountType.REFUND if credit else AmountType.PRINCIPAL,
                amount=Money(amount="-5.00" if credit else "39.98", currency="USD"),
                posted_at=START + timedelta(minutes=i // 2),  # pairs share a timestamp
                order_id=f"shop-{1000 + i}",
            )
        )
    return lines
