"""`WalmartFake.put("orders", ...)` writes what `WalmartConnector.read_orders` reads: a
canonical order seeded into the fake reads back equal, apart from its source references."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from _samples import ada_ship_to, assert_round_trips, usd
from retail_canon.connectors.walmart import WalmartConnector
from retail_canon.models import (
    Customer,
    ExternalRef,
    OrderLine,
    OrderStatus,
    Quantity,
    SalesOrder,
    ShippingLine,
    TaxLine,
)
from retail_canon.testing import FakeClock
from retail_canon.testing.walmart import CLIENT_ID, CLIENT_SECRET, WalmartFake

SOURCE_REFERENCES = {"source_status"}
"""What only the vendor decides: the raw line statuses the fake writes."""

PLACED = datetime(2026, 5, 1, 10, 0, 0, 250000, tzinfo=UTC)


def _order(**fields: object) -> SalesOrder:
    values: dict[str, object] = {
        "order_id": "walmart-1796277083022",
        "order_number": "5281956426648",
        "channel": "walmart",
        "placed_at": PLACED,
        "updated_at": datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
        "currency": "USD",
        "status": OrderStatus.PARTIALLY_FULFILLED,
        "customer": Customer(email="3A31739D8B0A45A1@relay.walmart.com"),
        "ship_to": ada_ship_to("2065550100"),
        "service_level": "Express",
        "ship_by": datetime(2026, 5, 2, 17, 0, tzinfo=UTC),
        "deliver_by": datetime(2026, 5, 5, 23, 0, tzinfo=UTC),
        "lines": (
            OrderLine(
                line_id="walmart-1796277083022-1",
                source_line_id="1",
                sku="MUG-1",
                title="Mug",
                quantity=Quantity(value=Decimal(3)),
                unit_price=usd("12.49"),
                tax_lines=(
                    TaxLine(title="Tax1", amount=usd("2.44")),
                    TaxLine(title="Local", amount=usd("0.50")),
                ),
                quantity_fulfilled=Decimal(1),
                quantity_cancelled=Decimal(1),
            ),
            OrderLine(
                line_id="walmart-1796277083022-2",
                source_line_id="2",
                sku="TEAPOT-1",
                title="Teapot",
                quantity=Quantity(value=Decimal(1)),
                unit_price=usd("30.00"),
            ),
        ),
        "shipping_lines": (
            ShippingLine(
                title="Shipping",
                price=usd("5.99"),
                tax_lines=(TaxLine(title="Tax1", amount=usd("0.43")),),
            ),
        ),
        "external_refs": (
            ExternalRef(system="walmart", scheme="purchase_order_id", value="1796277083022"),
        ),
    }
    return SalesOrder.model_validate({**values, **fields})


def _read(order: SalesOrder, status: str = "Acknowledged") -> SalesOrder:
    fake = WalmartFake(clock=FakeClock())
    fake.put_order(order, status=status)
    return _read_back(fake)


def _read_back(fake: WalmartFake) -> SalesOrder:
    walmart = WalmartConnector(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        orders="all",
        transport=fake,
        clock=fake.clock,
    )
    (read,) = list(walmart.read_orders(since=PLACED.replace(hour=0)))
    return read


def test_an_order_round_trips_through_the_fake():
    original = _order()
    read = _read(original)
    assert_round_trips(read, original, vendor_only=SOURCE_REFERENCES)
    assert read.source_status == "Acknowledged,Cancelled,Shipped"


def test_put_seeds_new_orders_in_created():
    fake = WalmartFake(clock=FakeClock())
    fake.put("orders", [_order()])
    read = _read_back(fake)
    assert read.lines[0].tax_lines == _order().lines[0].tax_lines
    assert read.ship_to == _order().ship_to
    assert read.source_status == "Cancelled,Created,Shipped"


@pytest.mark.parametrize("line_id", ["W-1", "walmart-1796277083022-"])
def test_a_line_id_without_a_walmart_line_number_gets_its_position(line_id):
    order = _order()
    first = order.lines[0].model_copy(update={"line_id": line_id})
    read = _read(order.model_copy(update={"lines": (first, order.lines[1])}))
    assert [line.source_line_id for line in read.lines] == ["1", "2"]


def test_an_order_without_parties_round_trips_without_them():
    read = _read(_order(customer=None, ship_to=None))
    assert (read.customer, read.ship_to) == (None, None)
