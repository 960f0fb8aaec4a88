"""Sample canonical objects for the Shopify tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from retail_canon.models import (
    AmountType,
    ExternalRef,
    FulfillmentLine,
    FulfillmentOrder,
    InventoryBuckets,
    InventoryPosition,
    Money,
    OrderLine,
    Payout,
    Product,
    ProductVariant,
    Quantity,
    Refund,
    ReturnAuthorization,
    ReturnLine,
    ReturnStatus,
    SalesOrder,
    SettlementLine,
    SettlementRecord,
    SettlementStatus,
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


def make_settlements(n: int, *, currency: str = "USD") -> list[SettlementRecord]:
    """Payouts of a charge with its fee, a refund and an adjustment each; they add up."""
    records = []
    for i in range(n):
        at = START + timedelta(days=i // 2)  # pairs share an issue time
        lines = [
            SettlementLine(
                line_id=f"shopify-bt-{10 * i + 1}",
                amount_type=AmountType.PRINCIPAL,
                amount=Money(amount="50.00", currency=currency),
                posted_at=at - timedelta(hours=5),
                order_id=f"shopify-{1000 + i}",
            ),
            SettlementLine(
                line_id=f"shopify-bt-{10 * i + 1}-fee",
                amount_type=AmountType.FEE,
                amount=Money(amount="-1.75", currency=currency),
                posted_at=at - timedelta(hours=5),
                order_id=f"shopify-{1000 + i}",
            ),
            SettlementLine(
                line_id=f"shopify-bt-{10 * i + 2}",
                amount_type=AmountType.REFUND,
                amount=Money(amount="-10.00", currency=currency),
                posted_at=at - timedelta(hours=3),
                order_id=f"shopify-{1000 + i}",
                refs=[ExternalRef(system="shopify", scheme="refund_id", value=f"{300 + i}")],
            ),
            SettlementLine(
                line_id=f"shopify-bt-{10 * i + 3}",
                amount_type=AmountType.ADJUSTMENT,
                amount=Money(amount="0.33", currency=currency),
                posted_at=at - timedelta(hours=1),
            ),
        ]
        records.append(
            SettlementRecord(
                settlement_id=f"shopify-payout-{600 + i}",
                channel="shopify",
                currency=currency,
                status=SettlementStatus.PAID,
                period_start=at - timedelta(hours=5),
                period_end=at,
                total=Money(amount="38.58", currency=currency),
                payout=Payout(paid_at=at),
                lines=lines,
            )
        )
    return records


def make_returns(n: int) -> list[ReturnAuthorization]:
    """Returns (every third a refund of items without a Shopify return)."""
    out = []
    for i in range(n):
        at = START + timedelta(hours=i // 2)
        refund_only = i % 3 == 2
        rma = f"shopify-refund-{400 + i}" if refund_only else f"shopify-return-{400 + i}"
        out.append(
            ReturnAuthorization(
                rma_id=rma,
                sales_order_id=f"shopify-{1000 + i}",
                channel="shopify",
                status=ReturnStatus.CLOSED if refund_only else ReturnStatus.AUTHORIZED,
                lines=[
                    ReturnLine(
                        line_id=f"shopify-{90000 + i}",
                        sales_order_line_id=f"shopify-{50000 + i}",
                        sku=f"SKU-{i}",
                        quantity_authorized=Quantity(value="1"),
                        source_reason="DEFECTIVE",
                    )
                ],
                refund=Refund(
                    refund_id=f"gid://shopify/Refund/{700 + i}",
                    status="ISSUED",
                    item_amount=Money(amount="19.99", currency="USD"),
                    tax_amount=Money(amount="1.45", currency="USD"),
                    issued_at=at,
                ),
                requested_at=at,
            )
        )
    return out


def make_products(n: int) -> list[Product]:
    """Products: even ones with two size variants, odd ones single-variant."""
    out = []
    for i in range(n):
        variants = ()
        if i % 2 == 0:
            variants = tuple(
                ProductVariant(sku=f"TEE-{i}-{size}", options=(("Size", size),))
                for size in ("S", "M")
            )
        out.append(
            Product(
                product_id=f"P-{i}",
                sku=f"TEE-{i}" if variants else f"MUG-{i}",
                title=f"Product {i}",
                brand="Fjordline",
                variants=variants,
            )
        )
    return out
