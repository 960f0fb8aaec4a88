"""Sample canonical objects and a seeded fake for the Odoo tests."""

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
from retail_canon.testing.odoo import API_KEY, DATABASE, LOGIN, PARTNER_ID, OdooFake

START = datetime(2026, 5, 1, tzinfo=UTC)
SKUS = 10

JSON2: dict[str, Any] = {
    "base_url": OdooFake.base_url,
    "database": DATABASE,
    "api_key": API_KEY,
    "partner_id": PARTNER_ID,
}
JSONRPC: dict[str, Any] = {**JSON2, "protocol": "jsonrpc", "login": LOGIN}
PROTOCOLS = {"json2": JSON2, "jsonrpc": JSONRPC}


def seeded_fake(**options: Any) -> OdooFake:
    """A fake database whose products are SKU-0 .. SKU-9."""
    fake = OdooFake(**options)
    for i in range(SKUS):
        fake.add_product(f"SKU-{i}")
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
            sku=f"SKU-{i // 2}",  # pairs share a product, in two locations
            location_id=f"WH{1 + i % 2}/Stock",
            buckets=InventoryBuckets(on_hand=10 + i, committed=i % 3),
            as_of=START,
        )
        for i in range(n)
    ]


def make_receivables(n: int) -> list[SettlementLine]:
    lines = []
    for i in range(n):
        refund = i % 3 == 2
        lines.append(
            SettlementLine(
                line_id=f"odoo-move-{5000 + i}",
                amount_type=AmountType.REFUND if refund else AmountType.PRINCIPAL,
                amount=Money(amount="-5.00" if refund else "39.98", currency="USD"),
                posted_at=START + timedelta(minutes=i // 2),  # pairs share a write_date
                order_id=f"shop-{1000 + i}",
            )
        )
    return lines
