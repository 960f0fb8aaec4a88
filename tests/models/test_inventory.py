"""Inventory positions and events, their buckets, and the locations that hold stock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import assume, given
from pydantic import ValidationError

from retail_canon.models import (
    InventoryBucket,
    InventoryBuckets,
    InventoryEvent,
    InventoryPosition,
    Location,
)
from strategies import (
    assert_lossless_round_trip,
    gs1_check_digit,
    has_integral_negative_zero,
    inventory_buckets,
    inventory_events,
    inventory_positions,
    json_with_numbers,
    locations,
)

AS_OF = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-6)))
BUCKETS = [b.value for b in InventoryBucket]


def position(**buckets: object) -> InventoryPosition:
    return InventoryPosition(sku="SKU-1", location_id="DC-1", buckets=buckets, as_of=AS_OF)


@given(inventory_positions())
def test_position_round_trip_is_lossless(p: InventoryPosition) -> None:
    assert_lossless_round_trip(p)


@given(inventory_events())
def test_event_round_trip_is_lossless(e: InventoryEvent) -> None:
    assert_lossless_round_trip(e)


@given(inventory_buckets())
def test_buckets_round_trip(b: InventoryBuckets) -> None:
    assert_lossless_round_trip(b)


@given(locations())
def test_location_round_trip(loc: Location) -> None:
    assert_lossless_round_trip(loc)


@given(inventory_positions())
def test_position_json_numbers_are_read_exactly(p: InventoryPosition) -> None:
    assume(not has_integral_negative_zero(p))
    back = InventoryPosition.model_validate_json(json_with_numbers(p))
    assert back.model_dump_json() == p.model_dump_json()


@given(inventory_events())
def test_event_json_numbers_are_read_exactly(e: InventoryEvent) -> None:
    assume(not has_integral_negative_zero(e))
    back = InventoryEvent.model_validate_json(json_with_numbers(e))
    assert back.model_dump_json() == e.model_dump_json()


def test_every_bucket_of_the_enum_is_a_field() -> None:
    assert set(BUCKETS) == set(InventoryBuckets.model_fields)


def test_buckets_default_to_zero() -> None:
    p = position(on_hand="5")
    assert p.buckets.on_hand == 5
    assert all(getattr(p.buckets, b) == 0 for b in BUCKETS if b != "on_hand")


@pytest.mark.parametrize("bucket", BUCKETS)
def test_no_bucket_may_be_negative(bucket: str) -> None:
    with pytest.raises(ValidationError) as info:
        position(**{bucket: "-1"})
    (error,) = info.value.errors()
    assert error["loc"] == ("buckets", bucket)
    assert "greater than or equal to 0" in error["msg"]


def test_bucket_float_is_refused_at_its_path() -> None:
    with pytest.raises(ValidationError) as info:
        position(on_hand=3.0)
    (error,) = info.value.errors()
    assert error["loc"] == ("buckets", "on_hand")


def test_event_delta_may_be_negative() -> None:
    event = InventoryEvent(
        event_id="e-1",
        sku="SKU-1",
        location_id="DC-1",
        bucket="on_hand",
        delta="-2.500",
        idempotency_key="k-1",
        source_sequence=7,
        occurred_at=AS_OF,
    )
    assert event.delta == Decimal("-2.5")
    assert str(event.delta) == "-2.500"
    assert event.bucket is InventoryBucket.ON_HAND


def test_event_sequence_is_not_negative() -> None:
    with pytest.raises(ValidationError) as info:
        InventoryEvent(
            event_id="e-1",
            sku="SKU-1",
            location_id="DC-1",
            bucket="on_hand",
            delta="1",
            idempotency_key="k-1",
            source_sequence=-1,
            occurred_at=AS_OF,
        )
    (error,) = info.value.errors()
    assert error["loc"] == ("source_sequence",)


def test_unknown_bucket_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        InventoryEvent(
            event_id="e-1",
            sku="SKU-1",
            location_id="DC-1",
            bucket="lost",
            delta="1",
            idempotency_key="k-1",
            source_sequence=1,
            occurred_at=AS_OF,
        )
    (error,) = info.value.errors()
    assert error["loc"] == ("bucket",)


# Locations ------------------------------------------------------------------------------


def test_valid_gln_is_accepted() -> None:
    data = "061414100000"
    gln = data + gs1_check_digit(data)
    assert gln == "0614141000005"  # GS1's own example
    assert Location(location_id="L", name="DC", kind="WAREHOUSE", gln=gln).gln == gln


@pytest.mark.parametrize("gln", ["0614141000006", "0614141000001", "1234567890123"])
def test_gln_with_wrong_check_digit_is_refused(gln: str) -> None:
    with pytest.raises(ValidationError) as info:
        Location(location_id="L", name="DC", kind="WAREHOUSE", gln=gln)
    (error,) = info.value.errors()
    assert error["loc"] == ("gln",)
    assert "check digit" in error["msg"]


@pytest.mark.parametrize("gln", ["061414100000", "06141410000055", "061414100000X"])
def test_gln_of_wrong_shape_is_refused(gln: str) -> None:
    with pytest.raises(ValidationError) as info:
        Location(location_id="L", name="DC", kind="WAREHOUSE", gln=gln)
    assert info.value.errors()[0]["loc"] == ("gln",)


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", "90.0001"), ("latitude", "-91"), ("longitude", "180.5"), ("longitude", "-181")],
)
def test_coordinates_out_of_range_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as info:
        Location(location_id="L", name="DC", kind="STORE", **{field: value})
    (error,) = info.value.errors()
    assert error["loc"] == (field,)


def test_coordinates_at_the_edges_are_accepted() -> None:
    loc = Location(location_id="L", name="DC", kind="STORE", latitude="-90", longitude="180.000")
    assert str(loc.longitude) == "180.000"
