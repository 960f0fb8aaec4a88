"""Sample canonical objects for the Walmart tests."""

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


def make_orders(n: int) -> list[SalesOrder]:
    return [
        SalesOrder(
            order_id=f"walmart-{108000000 + i}",
            channel="walmart",
            placed_at=START + timedelta(hours=i // 2),  # pairs share a timestamp
            currency="USD",
            lines=[
                OrderLine(
                    line_id=f"walmart-{108000000 + i}-1",
                    sku=f"SKU-{i}",
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
            location_id=f"node-{1 + i % 2}",
            buckets=InventoryBuckets(on_hand=10 + i),
            as_of=START,
        )
        for i in range(n)
    ]


def make_shipments(n: int) -> list[FulfillmentOrder]:
    return [
        FulfillmentOrder(
            fulfillment_order_id=f"walmart-{108000000 + i}",
            sales_order_id=f"walmart-{108000000 + i}",
            origin_location_id="seller",
            lines=[
                FulfillmentLine(
                    line_id=f"walmart-{108000000 + i}-1",
                    sales_order_line_id=f"walmart-{108000000 + i}-1",
                    sku=f"SKU-{i}",
                    quantity=Quantity(value="2"),
                )
            ],
            shipments=[
                Shipment(
                    shipment_id=f"ship-{i}",
                    carrier="UPS" if i % 2 else "Acme Freight",
                    tracking_number=f"1Z{i:08d}",
                    tracking_url=f"https://track.example/1Z{i:08d}",
                    shipped_at=START,
                    lines=[
                        ShipmentLine(
                            fulfillment_line_id=f"walmart-{108000000 + i}-1",
                            sku=f"SKU-{i}",
                            quantity=Quantity(value="2"),
                        )
                    ],
                )
            ],
        )
        for i in range(n)
    ]
