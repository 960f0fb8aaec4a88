"""Canonical positions and events into ATS rows: units, quantity state, whole numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ats.strategies import T0
from retail_canon.ats import (
    Bucket,
    FractionalQuantity,
    InvalidAtsInput,
    Node,
    Position,
    QuantityState,
    delta_from_canonical,
    positions_from_canonical,
)
from retail_canon.models import (
    InventoryBucket,
    InventoryBuckets,
    InventoryEvent,
    InventoryPosition,
    Location,
    LocationCapability,
    LocationKind,
)
from retail_canon.normalize.uom import PackHierarchy


def position(sku, location, uom="EA", **buckets):
    values = {k: Decimal(v) for k, v in buckets.items()}
    return InventoryPosition(
        sku=sku, location_id=location, uom=uom, buckets=InventoryBuckets(**values), as_of=T0
    )


def test_units_of_one_sku_are_converted_and_merged():
    packs = {"MUG": PackHierarchy("EA", {"XCS": 12, "XPX": 480})}
    rows = positions_from_canonical(
        [
            position("MUG", "DC1", "XPX", on_hand=1),
            position("MUG", "DC1", "XCS", on_hand=3, committed=1),
            position("MUG", "DC1", on_hand=5),
            position("TEA", "DC1", on_hand=2),
        ],
        quantity_state="physical",
        packs=packs,
    )
    assert rows == [
        Position("MUG", "DC1", on_hand=480 + 36 + 5, committed=12),
        Position("TEA", "DC1", on_hand=2),
    ]


def test_salable_feeds_add_back_what_is_already_taken_off():
    feed = [position("MUG", "DC1", on_hand=7, committed=3, damaged=1, reserved=2)]
    physical = positions_from_canonical(feed, quantity_state=QuantityState.PHYSICAL)
    salable = positions_from_canonical(feed, quantity_state=QuantityState.SALABLE)
    assert physical[0].on_hand == 7
    assert salable[0].on_hand == 13
    with pytest.raises(TypeError):
        positions_from_canonical(feed)  # the state has no default


@pytest.mark.parametrize(
    ("rows", "packs", "error", "message"),
    [
        (
            [position("MUG", "DC1", "XCS", on_hand=1), position("MUG", "DC2", on_hand=1)],
            None,
            InvalidAtsInput,
            "pass its pack",
        ),
        ([position("MUG", "DC1", on_hand="1.5")], None, FractionalQuantity, "not a whole number"),
        (
            [position("MUG", "DC1", on_hand=1), position("MUG", "DC1", on_hand=2)],
            None,
            InvalidAtsInput,
            "two positions",
        ),
        (
            [position("MUG", "DC1", "XCS", on_hand="0.5")],
            {"MUG": PackHierarchy("EA", {"XCS": 3})},
            FractionalQuantity,
            "1.5 EA",
        ),
    ],
)
def test_conversion_errors(rows, packs, error, message):
    with pytest.raises(error, match=message):
        positions_from_canonical(rows, quantity_state="physical", packs=packs)


def test_events_become_deltas_in_base_units():
    event = InventoryEvent(
        event_id="e1",
        sku="MUG",
        location_id="DC1",
        bucket=InventoryBucket.ON_HAND,
        delta=Decimal(-2),
        uom="XCS",
        idempotency_key="pos:77:1",
        source_sequence=77,
        occurred_at=T0,
        reason="sale",
    )
    delta = delta_from_canonical(
        event, source="pos", packs={"MUG": PackHierarchy("EA", {"XCS": 6})}
    )
    assert (delta.key, delta.source, delta.sequence, delta.quantity) == ("pos:77:1", "pos", 77, -12)
    assert (delta.bucket, delta.reason, delta.occurred_at) == (Bucket.ON_HAND, "sale", T0)


def test_nodes_from_locations():
    store = Location(
        location_id="S1",
        name="Main St",
        kind=LocationKind.STORE,
        capabilities=(
            LocationCapability.PICKUP,
            LocationCapability.SHIP_FROM_STORE,
            LocationCapability.RETURNS,
        ),
    )
    assert Node.from_location(store) == Node("S1", "STORE", {"PICKUP", "SHIP_FROM_STORE"})
