"""`ShopifyFake.put("orders", ...)` writes what `ShopifyConnector.read_orders` reads: a
canonical order seeded into the fake reads back equal, apart from its source references."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from _samples import ada_ship_to, assert_round_trips, usd
from retail_canon.connectors.shopify import ShopifyConnector
from retail_canon.models import (
    Address,
    Customer,
    Discount,
    ExternalRef,
    OrderLine,
    OrderStatus,
    OrderTotals,
    PaymentStatus,
    Quantity,
    SalesOrder,
    TaxLiability,
    TaxLine,
)
from retail_canon.testing import FakeClock
from retail_canon.testing.shopify import ACCESS_TOKEN, SHOP, ShopifyFake

SOURCE_REFERENCES = {"source_status"}
"""What only the vendor decides: the fake writes Shopify's display statuses."""


def _order(**fields: object) -> SalesOrder:
    values: dict[str, object] = {
        "order_id": "shopify-7001",
        "order_number": "#7001",
        "channel": "shopify",
        "placed_at": datetime(2026, 5, 1, 10, 0, 0, 250000, tzinfo=UTC),
        "updated_at": datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
        "currency": "USD",
        "status": OrderStatus.OPEN,
        "payment_status": PaymentStatus.PAID,
        "customer": Customer(
            customer_id="gid://shopify/Customer/42",
            name="Ada Lovelace",
            email="ada@example.invalid",
            phone="+1 206 555 0199",
            external_refs=(
                ExternalRef(
                    system="shopify",
                    scheme="customer_gid",
                    value="gid://shopify/Customer/42",
                    scope=SHOP,
                ),
            ),
        ),
        "ship_to": ada_ship_to("+1 206 555 0100"),
        "bill_to": Address(
            name="Accounts",
            company="Lovelace Ltd",
            lines=("1 Quay",),
            city="Tacoma",
            region="WA",
            postal_code="98402",
            country="US",
        ),
        "lines": (
            OrderLine(
                line_id="shopify-9001",
                source_line_id="gid://shopify/LineItem/9001",
                sku="MUG-1",
                title="Mug",
                quantity=Quantity(value=Decimal(3)),
                unit_price=usd("12.49"),
                discounts=(Discount(amount=usd("2.00")),),
                tax_lines=(
                    TaxLine(
                        title="WA State",
                        rate=Decimal("0.065"),
                        amount=usd("2.31"),
                        liability=TaxLiability.SELLER,
                    ),
                    TaxLine(title="Seattle", amount=usd("0.50")),
                ),
                quantity_cancelled=Decimal(1),
            ),
            OrderLine(
                line_id="shopify-9002",
                source_line_id="gid://shopify/LineItem/9002",
                sku="TEAPOT-1",
                quantity=Quantity(value=Decimal(1)),
                unit_price=usd("30.00"),
            ),
        ),
        "totals": OrderTotals(
            subtotal=usd("65.47"),
            discount=usd("2.00"),
            shipping=usd("0.00"),
            tax=usd("2.81"),
            grand_total=usd("68.28"),
        ),
        "external_refs": (
            ExternalRef(
                system="shopify", scheme="order_gid", value="gid://shopify/Order/7001", scope=SHOP
            ),
        ),
    }
    return SalesOrder.model_validate({**values, **fields})


def _read(order: SalesOrder) -> SalesOrder:
    fake = ShopifyFake(clock=FakeClock())
    fake.put("orders", [order])
    shop = ShopifyConnector(shop=SHOP, access_token=ACCESS_TOKEN, transport=fake, clock=fake.clock)
    (read,) = list(shop.read_orders())
    return read


def test_an_order_round_trips_through_the_fake():
    original = _order()
    read = _read(original)
    assert_round_trips(read, original, vendor_only=SOURCE_REFERENCES)


def test_a_guest_order_without_addresses_round_trips():
    original = _order(customer=Customer(email="guest@example.invalid"), ship_to=None, bill_to=None)
    read = _read(original)
    assert read.customer == original.customer
    assert (read.ship_to, read.bill_to) == (None, None)
    assert read.lines == original.lines


def test_an_order_without_totals_gets_them_from_its_lines():
    read = _read(_order(totals=None))
    assert read.totals == OrderTotals(
        subtotal=usd("65.47"),
        discount=usd("2.00"),
        shipping=usd("0.00"),
        tax=usd("2.81"),
        grand_total=usd("68.28"),
    )
