"""Sample canonical objects for the Shopify tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from retail_canon.models import (
    FulfillmentLine,
    FulfillmentOrder,
    InventoryBuckets,
    InventoryPosition,
    Money,
    OrderLine,
    Quantity,
    SalesOrder,
    Shipment,
    ShipmentLine,
)

START = datetime(2026, 5, 1, tzinfo=UTC)


def make_orders(n: int, *, currency: str = "USD") -> list[SalesOrder]:
    return [
        SalesOrder(
            order_id=f"shopify-{1000 + i}",
            order_number=f"#{1000 + i}",
            channel="shopify",
            placed_at=START + timedelta(hours=i),
            updated_at=START + timedelta(hours=i // 2),  # pairs share a timestamp
            currency=currency,
            lines=[
                OrderLine(
                    line_id=f"shopify-{50000 + i}",
                    sku=f"SKU-{i}",
                    quantity=Quantity(value="2"),
                    unit_price=Money(amount="19.99", currency=currency),
                )
            ],
        )
        for i in range(n)
    ]


def make_positions(n: int) -> list[InventoryPosition]:
    return [
        InventoryPosition(
            sku=f"SKU-{i}",
            location_id=str(1 + i % 3),
            buckets=InventoryBuckets(on_hand=10 + i),
            as_of=START,
        )
        for i in range(n)
    ]


def make_fulfillment_orders(n: int) -> list[FulfillmentOrder]:
    return [
        FulfillmentOrder(
            fulfillment_order_id=f"shopify-{7000 + i}",
            sales_order_id=f"shopify-{1000 + i}",
            origin_location_id="1",
            lines=[
                FulfillmentLine(
                    line_id=f"shopify-{80000 + i}",
                    sales_order_line_id=f"shopify-{50000 + i}",
                    sku=f"SKU-{i}",
                    quantity=Quantity(value="2"),
                )
            ],
            shipments=[
                Shipment(
                    shipment_id=f"ship-{i}",
                    carrier="UPS",
                    tracking_number=f"1Z{i:08d}",
                    tracking_url=f"https://ups.example/track/1Z{i:08d}",
                    lines=[
                        ShipmentLine(
                            fulfillment_line_id=f"shopify-{80000 + i}",
                            sku=f"SKU-{i}",
                            quantity=Quantity(value="2"),
                        )
                    ],
                )
            ],
        )
        for i in range(n)
    ]
