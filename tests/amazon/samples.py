"""Canonical sample orders for the Amazon tests: every status, AFN/MFN, facilitator tax,
promotions, shipping, buyers, and orders with more items than one ``getOrderItems`` page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from retail_canon.connectors.amazon import AmazonConnector
from retail_canon.models import (
    Address,
    AmountType,
    Customer,
    Discount,
    Disposition,
    ExternalRef,
    FulfilledBy,
    FulfillmentLine,
    FulfillmentOrder,
    InventoryBuckets,
    InventoryPosition,
    Money,
    OrderLine,
    OrderStatus,
    OrderTotals,
    Payout,
    Product,
    Quantity,
    Refund,
    RefundStatus,
    ReturnAuthorization,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    SalesOrder,
    SettlementLine,
    SettlementRecord,
    SettlementStatus,
    Shipment,
    ShipmentLine,
    ShippingLine,
    TaxLiability,
    TaxLine,
)
from retail_canon.testing import FakeClock
from retail_canon.testing.amazon import AmazonFake

START = datetime(2026, 5, 1, tzinfo=UTC)
STATUSES = [
    (OrderStatus.PENDING, "Pending"),
    (OrderStatus.OPEN, "Unshipped"),
    (OrderStatus.PARTIALLY_FULFILLED, "PartiallyShipped"),
    (OrderStatus.FULFILLED, "Shipped"),
    (OrderStatus.CANCELLED, "Canceled"),
    (OrderStatus.PENDING, "PendingAvailability"),
    (OrderStatus.OTHER, "Unfulfillable"),
    (OrderStatus.OTHER, "InvoiceUnconfirmed"),
]


def usd(amount: str) -> Money:
    return Money(amount=amount, currency="USD")


def make_order(i: int, *, pii: bool = True, lines: int | None = None) -> SalesOrder:
    """Order ``i``: status, channel, taxes and size vary with ``i``."""
    oid = f"11{i % 10}-{i:07d}-{(i * 7919) % 10_000_000:07d}"
    status, source = STATUSES[i % len(STATUSES)]
    afn = i % 3 == 0
    priced = status is not OrderStatus.PENDING
    facilitator = i % 2 == 0
    count = lines if lines is not None else 1 + i % 3
    order_lines, shipping = [], []
    for j in range(count):
        item = f"{40000 + i:05d}{j:04d}"
        qty = 1 + (i + j) % 3
        shipped = (
            qty
            if status is OrderStatus.FULFILLED
            else (1 if status is OrderStatus.PARTIALLY_FULFILLED and j == 0 else 0)
        )
        taxes = ()
        discounts = ()
        if priced:
            taxes = (
                TaxLine(
                    amount=usd(f"{qty * 0.82:.2f}"),
                    liability=TaxLiability.MARKETPLACE if facilitator else TaxLiability.SELLER,
                    responsible_party="Amazon Services, Inc." if facilitator else None,
                ),
            )
            if j == 0 and i % 4 == 1:
                discounts = (Discount(amount=usd("1.50"), code=f"PROMO-{i % 5}"),)
        order_lines.append(
            OrderLine(
                line_id=f"{oid}-{item}",
                source_line_id=item,
                sku=f"SKU-{(i + j) % 17}",
                item_refs=(ExternalRef(system="amazon", scheme="ASIN", value=f"B0{i % 97:08d}"),),
                title=f"Item {j}",
                quantity=Quantity(value=qty),
                unit_price=usd("12.50") if priced else Money.zero("USD"),
                discounts=discounts,
                tax_lines=taxes,
                quantity_fulfilled=Decimal(shipped),
            )
        )
        if priced and not afn and j == 0:
            shipping.append(
                ShippingLine(
                    title=item,
                    service_level="Std US Dom_1",
                    price=usd("4.99"),
                    tax_lines=(
                        TaxLine(
                            amount=usd("0.30"),
                            liability=taxes[0].liability,
                            responsible_party=taxes[0].responsible_party,
                        ),
                    ),
                )
            )
    placed = START + timedelta(minutes=i)
    return SalesOrder(
        order_id=oid,
        order_number=f"SO-{i}" if i % 5 == 0 else None,
        channel="amazon",
        marketplace_id="ATVPDKIKX0DER",
        placed_at=placed,
        updated_at=START + timedelta(minutes=i // 3 * 3),
        currency="USD",
        status=status,
        source_status=source,
        fulfilled_by=FulfilledBy.MARKETPLACE if afn else FulfilledBy.SELLER,
        customer=Customer(email=f"buyer{i}@marketplace.amazon.com", name=f"Buyer {i}")
        if pii
        else None,
        ship_to=Address(
            name=f"Buyer {i}",
            lines=("1 Main St",),
            city="Seattle",
            region="WA",
            postal_code="98101",
            country="US",
        )
        if pii
        else None,
        service_level="Std US Dom_1" if not afn else None,
        lines=tuple(order_lines),
        shipping_lines=tuple(shipping),
        totals=OrderTotals(grand_total=usd("42.00")) if priced else None,
        external_refs=(ExternalRef(system="amazon", scheme="AmazonOrderId", value=oid),),
    )


def make_orders(n: int, *, pii: bool = True) -> list[SalesOrder]:
    return [make_order(i, pii=pii) for i in range(n)]


def make_fake(**options: object) -> AmazonFake:
    options.setdefault("clock", FakeClock())
    return AmazonFake(**options)  # type: ignore[arg-type]


def settings(fake: AmazonFake) -> dict[str, str]:
    return {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "refresh_token": fake.refresh_token,
        "seller_id": fake.seller_id,
    }


def connector(fake: AmazonFake, **config: object) -> AmazonConnector:
    return AmazonConnector(transport=fake, clock=fake.clock, **{**settings(fake), **config})


def make_settlements(n: int) -> list[SettlementRecord]:
    """Settlements with a handful of lines each that add up to their deposit."""
    out = []
    for i in range(n):
        sid = f"{14823917000 + i}"
        begin = START + timedelta(days=14 * i)
        kinds = [
            ("Order/ItemPrice/Principal", AmountType.PRINCIPAL, "25.00"),
            ("Order/ItemPrice/Tax", AmountType.TAX, "2.00"),
            (
                "Order/ItemWithheldTax/MarketplaceFacilitatorTax-Principal",
                AmountType.TAX_WITHHELD,
                "-2.00",
            ),
            ("Order/ItemFees/Commission", AmountType.COMMISSION, "-3.75"),
            ("Refund/ItemPrice/Principal", AmountType.PRINCIPAL, f"-{i % 5}.00"),
        ]
        lines = tuple(
            SettlementLine(
                line_id=f"{sid}-{3 + j}",
                amount_type=kind,
                source_amount_type=source,
                amount=usd(amount),
                posted_at=begin + timedelta(hours=j),
                order_id=f"111-{i:07d}-0000001",
                sku=f"SKU-{j}",
                refs=(ExternalRef(system="amazon", scheme="order-item-code", value=f"{i:07d}{j}"),),
            )
            for j, (source, kind, amount) in enumerate(kinds)
        )
        total = sum((line.amount.amount for line in lines), Decimal(0))
        out.append(
            SettlementRecord(
                settlement_id=sid,
                channel="amazon",
                currency="USD",
                status=SettlementStatus.CLOSED,
                period_start=begin,
                period_end=begin + timedelta(days=14),
                payout=Payout(paid_at=begin + timedelta(days=16)),
                total=usd(str(total)),
                lines=lines,
                external_refs=(ExternalRef(system="amazon", scheme="settlement-id", value=sid),),
            )
        )
    return out


def make_positions(n: int) -> list[InventoryPosition]:
    """FBA positions: fulfillable, reserved, unfulfillable, researching and inbound."""
    return [
        InventoryPosition(
            sku=f"FBA-SKU-{i:05d}",
            location_id="amazon-fba-ATVPDKIKX0DER",
            buckets=InventoryBuckets(
                on_hand=10 + i % 7 + i % 3 + i % 2 + i % 5,
                reserved=i % 3,
                damaged=i % 2,
                quality_control=i % 5,
                incoming=i % 4 * 6,
            ),
            as_of=START + timedelta(minutes=i),
            external_refs=(
                ExternalRef(system="amazon", scheme="ASIN", value=f"B0{i:08d}"),
                ExternalRef(system="amazon", scheme="FNSKU", value=f"X0{i:08d}"),
            ),
        )
        for i in range(n)
    ]


def make_shipments(n: int) -> list[FulfillmentOrder]:
    """One package per fulfillment order (ids shared: Amazon knows packages, not FOs)."""
    out = []
    for i in range(n):
        order_id = f"11{i % 10}-{i:07d}-{(i * 7919) % 10_000_000:07d}"
        item = f"{40000 + i:05d}0000"
        ref = f"PKG-{i:05d}"
        out.append(
            FulfillmentOrder(
                fulfillment_order_id=ref,
                sales_order_id=order_id,
                origin_location_id="seller",
                lines=(
                    FulfillmentLine(
                        line_id=f"{ref}-{item}",
                        sales_order_line_id=f"{order_id}-{item}",
                        sku=f"SKU-{i % 17}",
                        quantity=Quantity(value=1 + i % 3),
                    ),
                ),
                shipments=(
                    Shipment(
                        shipment_id=ref,
                        carrier="UPS" if i % 2 else "Evri",
                        service="Ground",
                        tracking_number=f"1Z999AA1{i:010d}",
                        shipped_at=START + timedelta(hours=i),
                        lines=(
                            ShipmentLine(
                                fulfillment_line_id=f"{ref}-{item}",
                                sku=f"SKU-{i % 17}",
                                quantity=Quantity(value=1 + i % 3),
                            ),
                        ),
                    ),
                ),
            )
        )
    return out


def make_mfn_positions(n: int, *, marketplace: str = "ATVPDKIKX0DER") -> list[InventoryPosition]:
    """Merchant-fulfilled quantities: positions at ``amazon-mfn-<marketplace>``, one per SKU."""
    return [
        InventoryPosition(
            sku=f"MFN-{i:04d}",
            location_id=f"amazon-mfn-{marketplace}",
            buckets=InventoryBuckets(on_hand=10 + i, committed=i % 3, safety_stock=1),
            as_of=START + timedelta(hours=i),
        )
        for i in range(n)
    ]


def make_products(n: int) -> list[Product]:
    """Products to list: ``product_id`` is the SKU (the fake keys listings by SKU)."""
    return [
        Product(
            product_id=f"KETTLE-{i:03d}",
            sku=f"KETTLE-{i:03d}",
            title=f"Stovetop kettle {i}, 2 l",
            brand="Acme Kitchen",
            description="A whistling kettle for every hob.",
            identifiers=(ExternalRef(system="gs1", scheme="gtin", value=f"0{4006381333900 + i}"),),
            country_of_origin="DE",
        )
        for i in range(n)
    ]


def make_returns(n: int) -> list[ReturnAuthorization]:
    """FBA returns, every other one refunded; ``rma_id`` is ``<order id>-RETURN``."""
    out = []
    for i in range(n):
        oid = f"114-{i:07d}-{(i * 7919) % 10_000_000:07d}"
        item = f"{70000 + i:05d}0001"
        refund = None
        if i % 2 == 0:
            refund = Refund(
                status=RefundStatus.ISSUED,
                item_amount=usd(f"{19 + i}.99"),
                tax_amount=usd("1.60"),
                issued_at=START + timedelta(days=3, hours=i),
            )
        out.append(
            ReturnAuthorization(
                rma_id=f"{oid}-RETURN",
                sales_order_id=oid,
                channel="amazon",
                status=ReturnStatus.RECEIVED,
                lines=(
                    ReturnLine(
                        line_id=f"{oid}-RETURN-1",
                        sales_order_line_id=f"{oid}-{item}",
                        sku=f"SKU-{i % 17}",
                        quantity_authorized=Quantity(value=1 + i % 2),
                        quantity_received=1 + i % 2,
                        reason=ReturnReason.DEFECTIVE,
                        source_reason="DEFECTIVE",
                        disposition=Disposition.CUSTOMER_DAMAGED,
                    ),
                ),
                refund=refund,
                requested_at=START + timedelta(days=2, hours=i),
                received_at=START + timedelta(days=2, hours=i),
            )
        )
    return out
