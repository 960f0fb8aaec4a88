"""FulfillmentOrder and its shipments: round trips, constraints, lifecycles."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from retail_canon import InvalidTransition
from retail_canon.models import (
    FulfillmentLine,
    FulfillmentOrder,
    FulfillmentStatus,
    Package,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from strategies import (
    assert_lossless_round_trip,
    fulfillment_lines,
    fulfillment_orders,
    has_integral_negative_zero,
    json_with_numbers,
    packages,
    shipment_lines,
    shipments,
)

LINE = {"line_id": "f-1", "sales_order_line_id": "l-1", "sku": "SKU-1", "quantity": {"value": "2"}}


def fulfillment(**changes: Any) -> FulfillmentOrder:
    data = {
        "fulfillment_order_id": "fo-1",
        "sales_order_id": "o-1",
        "origin_location_id": "DC-1",
        "lines": [LINE],
        **changes,
    }
    return FulfillmentOrder.model_validate(data)


@given(fulfillment_orders())
def test_round_trip_is_lossless(fo: FulfillmentOrder) -> None:
    assert_lossless_round_trip(fo)


@given(fulfillment_orders())
def test_decimals_as_json_numbers_are_read_exactly(fo: FulfillmentOrder) -> None:
    assume(not has_integral_negative_zero(fo))
    back = FulfillmentOrder.model_validate_json(json_with_numbers(fo))
    assert back == fo
    assert back.model_dump_json() == fo.model_dump_json()


@pytest.mark.parametrize(
    ("model", "strategy"),
    [
        (FulfillmentLine, fulfillment_lines()),
        (Shipment, shipments()),
        (ShipmentLine, shipment_lines()),
        (Package, packages()),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
@given(data=st.data())
def test_parts_round_trip(model: type, strategy: Any, data: st.DataObject) -> None:
    part = data.draw(strategy)
    assert isinstance(part, model)
    assert_lossless_round_trip(part)


def test_defaults() -> None:
    fo = fulfillment()
    assert fo.status is FulfillmentStatus.OPEN
    assert fo.shipments == ()
    assert fo.lines[0].quantity_shipped == 0
    assert Shipment(shipment_id="s").status is ShipmentStatus.PENDING


def test_needs_at_least_one_line() -> None:
    with pytest.raises(ValidationError) as info:
        fulfillment(lines=[])
    (error,) = info.value.errors()
    assert error["loc"] == ("lines",)


@pytest.mark.parametrize("field", ["quantity_shipped", "quantity_cancelled", "backorder_quantity"])
def test_line_quantities_are_not_negative(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        fulfillment(lines=[{**LINE, field: "-1"}])
    assert ("lines", 0, field) in [e["loc"] for e in info.value.errors()]


@pytest.mark.parametrize("value", ["0", "-1"])
def test_line_quantity_is_positive(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        fulfillment(lines=[{**LINE, "quantity": {"value": value}}])
    assert ("lines", 0, "quantity") in [e["loc"] for e in info.value.errors()]


def test_shipment_line_quantity_is_positive() -> None:
    bad = {
        "shipment_id": "s",
        "lines": [{"fulfillment_line_id": "f", "sku": "x", "quantity": {"value": "0"}}],
    }
    with pytest.raises(ValidationError) as info:
        fulfillment(shipments=[bad])
    assert ("shipments", 0, "lines", 0, "quantity") in [e["loc"] for e in info.value.errors()]


@pytest.mark.parametrize("sscc", ["12345678901234567", "1234567890123456789", "12345678901234567X"])
def test_package_sscc_is_eighteen_digits(sscc: str) -> None:
    with pytest.raises(ValidationError) as info:
        Package(sscc=sscc)
    (error,) = info.value.errors()
    assert error["loc"] == ("sscc",)


def test_package_weight_may_be_zero_but_not_negative() -> None:
    assert Package(weight={"value": "0", "uom": "KGM"}).weight.value == 0  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as info:
        Package(weight={"value": "-0.1", "uom": "KGM"})
    (error,) = info.value.errors()
    assert error["loc"] == ("weight",)
    assert "negative" in error["msg"]


def test_fulfillment_lifecycle() -> None:
    scheduled = fulfillment(status="SCHEDULED")
    opened = scheduled.transition_to("OPEN")
    held = opened.transition_to(FulfillmentStatus.ON_HOLD, source_status="on_hold")
    assert held.source_status == "on_hold"
    working = held.transition_to(FulfillmentStatus.IN_PROGRESS)
    assert working.transition_to(FulfillmentStatus.ON_HOLD).transition_to("OPEN").status == "OPEN"
    closed = working.transition_to(FulfillmentStatus.CLOSED)
    for terminal in (closed, fulfillment(status="INCOMPLETE"), fulfillment(status="CANCELLED")):
        with pytest.raises(InvalidTransition):
            terminal.transition_to(FulfillmentStatus.OPEN)
    with pytest.raises(InvalidTransition):
        scheduled.transition_to(FulfillmentStatus.IN_PROGRESS)


def test_shipment_lifecycle() -> None:
    pending = Shipment(shipment_id="s")
    moving = pending.transition_to(ShipmentStatus.IN_TRANSIT, source_status="in_transit")
    delivered = moving.transition_to(ShipmentStatus.DELIVERED)
    assert delivered.status is ShipmentStatus.DELIVERED
    with pytest.raises(InvalidTransition) as info:
        delivered.transition_to(ShipmentStatus.IN_TRANSIT)
    assert info.value.kind == "Shipment"
    with pytest.raises(InvalidTransition):
        moving.transition_to(ShipmentStatus.CANCELLED)
    assert pending.transition_to(ShipmentStatus.CANCELLED).status is ShipmentStatus.CANCELLED
