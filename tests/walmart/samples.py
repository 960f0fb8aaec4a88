"""Sample canonical objects for the Walmart tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import _samples
from _samples import START
from retail_canon.models import (
    ExternalRef,
    FulfillmentLine,
    FulfillmentOrder,
    InventoryBuckets,
    InventoryPosition,
    Money,
    Payout,
    Product,
    Quantity,
    Refund,
    ReturnAuthorization,
    ReturnLine,
    ReturnStatus,
    SalesOrder,
    SettlementLine,
    SettlementRecord,
    Shipment,
    ShipmentLine,
)
from retail_canon.testing import FaultKind

READ_FAULTS = [kind for kind in FaultKind if kind is not FaultKind.PAGE_TOKEN_EXPIRY]
"""The faults the Walmart read tests inject: every kind but page-token expiry."""

POSTAL = {
    "name": "Ada Lovelace",
    "address1": "12 Harbour Street",
    "address2": "Apt 4",
    "city": "Seattle",
    "state": "WA",
    "postalCode": "98101",
    "country": "USA",
    "addressType": "RESIDENTIAL",
}
"""A ``shippingInfo.postalAddress`` as Walmart sends it."""


def make_orders(n: int) -> list[SalesOrder]:
    """Purchase orders ``walmart-<108000000 + i>`` of SKU-<i>; pairs share a timestamp."""
    return _samples.make_orders(
        n,
        prefix="walmart",
        first=108000000,
        channel="walmart",
        sku=lambda i: f"SKU-{i}",
        hours=lambda i: i // 2,
    )


def make_positions(n: int) -> list[InventoryPosition]:
    """SKU-<i> at node-1 / node-2 in turn, on hand only."""
    return _samples.make_positions(n, location=lambda i: f"node-{1 + i % 2}", committed=False)


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


def make_feed_positions(n: int) -> list[InventoryPosition]:
    """Positions over three ship nodes, some with committed stock (the sellable is sent)."""
    return [
        InventoryPosition(
            sku=f"FEED-{i}",
            location_id=f"node-{1 + i % 3}",
            buckets=InventoryBuckets(on_hand=20 + i, committed=i % 4),
            as_of=START,
        )
        for i in range(n)
    ]


def make_settlements(n: int) -> list[SettlementRecord]:
    """Weekly recon reports: a sale, its commission and a refund each, adding up."""
    out = []
    for i in range(n):
        day = START + timedelta(days=7 * (i + 1))
        po = f"{108000000 + i}"
        lines = [
            ("PRINCIPAL", "19.99", po),
            ("TAX", "1.65", po),
            ("COMMISSION", "-3.00", po),
            ("PRINCIPAL", "-5.00", f"{109000000 + i}"),
        ]
        settlement_lines = [
            SettlementLine(
                line_id=f"l{j}",
                amount_type=kind,
                amount=Money(amount=amount, currency="USD"),
                order_id=order,
                sku=f"SKU-{i}",
                posted_at=day - timedelta(days=2),
            )
            for j, (kind, amount, order) in enumerate(lines)
        ]
        total = sum((Decimal(a) for _, a, _ in lines), Decimal(0))
        out.append(
            SettlementRecord(
                settlement_id=f"walmart-recon-{day:%Y%m%d}",
                channel="walmart",
                currency="USD",
                period_start=day - timedelta(days=7),
                period_end=day - timedelta(days=1),
                total=Money(amount=total, currency="USD"),
                payout=Payout(paid_at=day),
                lines=settlement_lines,
            )
        )
    return out


def make_returns(n: int) -> list[ReturnAuthorization]:
    statuses = [
        ReturnStatus.AUTHORIZED,
        ReturnStatus.IN_TRANSIT,
        ReturnStatus.RECEIVED,
        ReturnStatus.CLOSED,
        ReturnStatus.CANCELLED,
    ]
    out = []
    for i in range(n):
        po = f"{108000000 + i}"
        requested = START + timedelta(hours=i // 2)  # pairs share a timestamp
        status = statuses[i % len(statuses)]
        out.append(
            ReturnAuthorization(
                rma_id=f"walmart-{77000000 + (n - i)}",  # ids not in time order
                sales_order_id=f"walmart-{po}",
                channel="walmart",
                status=status,
                lines=[
                    ReturnLine(
                        line_id=f"r{i}-1",
                        sales_order_line_id=f"walmart-{po}-1",
                        sku=f"SKU-{i}",
                        quantity_authorized=Quantity(value="1"),
                        source_reason="DAMAGED",
                    )
                ],
                refund=Refund(item_amount=Money(amount="19.99", currency="USD")),
                requested_at=requested,
                authorized_at=requested,
            )
        )
    return out


def make_products(n: int) -> list[Product]:
    return [
        Product(
            product_id=f"LIST-{i}",
            sku=f"LIST-{i}",
            title=f"Enamel mug {i}",
            brand="Acme",
            identifiers=[ExternalRef(system="gs1", scheme="gtin", value=f"0001234567{i:04d}")],
            weight=Quantity(value="0.5", uom="KGM"),
        )
        for i in range(n)
    ]


def price_hook(product: Product, item: dict) -> None:
    """The test catalogue's enrichment: a price and a category."""
    item["Orderable"]["price"] = Money(amount="12.99", currency="USD")
    item["Visible"] = {"Kitchen": {"shortDescription": product.title}}
