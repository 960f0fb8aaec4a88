"""StoreTransfer: round trips, distinct ends, exact discrepancies, lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, example, given
from pydantic import ValidationError

from retail_canon import InvalidTransition
from retail_canon.models import StoreTransfer, TransferLine, TransferStatus
from strategies import (
    assert_lossless_round_trip,
    has_integral_negative_zero,
    ids,
    json_with_numbers,
    store_transfers,
    transfer_lines,
)

REQUESTED = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)
LINE = {"sku": "SKU-1", "quantity_requested": {"value": "10"}}


def transfer(**changes: Any) -> StoreTransfer:
    data = {
        "transfer_id": "t-1",
        "origin_location_id": "STORE-1",
        "destination_location_id": "STORE-2",
        "lines": [LINE],
        "requested_at": REQUESTED,
        **changes,
    }
    return StoreTransfer.model_validate(data)


@given(store_transfers())
def test_round_trip_is_lossless(t: StoreTransfer) -> None:
    assert_lossless_round_trip(t)


@given(store_transfers())
def test_decimals_as_json_numbers_are_read_exactly(t: StoreTransfer) -> None:
    assume(not has_integral_negative_zero(t))
    back = StoreTransfer.model_validate_json(json_with_numbers(t))
    assert back == t
    assert back.model_dump_json() == t.model_dump_json()


@given(transfer_lines())
def test_line_round_trip(line: TransferLine) -> None:
    assert_lossless_round_trip(line)


def test_defaults() -> None:
    t = transfer()
    assert t.status is TransferStatus.DRAFT
    assert t.lines[0].quantity_shipped == 0
    assert t.lines[0].discrepancy == 0


@given(ids())
def test_transfer_to_its_own_origin_is_refused(location: str) -> None:
    with pytest.raises(ValidationError) as info:
        transfer(origin_location_id=location, destination_location_id=location)
    (error,) = info.value.errors()
    assert error["loc"] == ("destination_location_id",)
    assert "origin" in error["msg"]


@given(transfer_lines())
@example(
    TransferLine(
        sku="S",
        quantity_requested={"value": "1"},
        quantity_shipped="1",
        quantity_received="0.1000000000000000055511151231257827",
    )
)
def test_discrepancy_is_shipped_minus_received_exactly(line: TransferLine) -> None:
    expected = Fraction(line.quantity_shipped) - Fraction(line.quantity_received)
    assert Fraction(line.discrepancy) == expected


def test_discrepancy_example() -> None:
    line = TransferLine(
        sku="S", quantity_requested={"value": "10"}, quantity_shipped="10", quantity_received="8"
    )
    assert line.discrepancy == Decimal(2)


@pytest.mark.parametrize("field", ["quantity_shipped", "quantity_received"])
def test_line_quantities_are_not_negative(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        transfer(lines=[{**LINE, field: "-1"}])
    assert ("lines", 0, field) in [e["loc"] for e in info.value.errors()]


def test_requested_quantity_is_positive() -> None:
    with pytest.raises(ValidationError) as info:
        transfer(lines=[{**LINE, "quantity_requested": {"value": "0"}}])
    assert ("lines", 0, "quantity_requested") in [e["loc"] for e in info.value.errors()]


def test_lifecycle() -> None:
    draft = transfer()
    ready = draft.transition_to(TransferStatus.READY_TO_SHIP)
    moving = ready.transition_to(TransferStatus.IN_TRANSIT, source_status="shipped")
    assert moving.source_status == "shipped"
    assert moving.transition_to(TransferStatus.RECEIVED).status is TransferStatus.RECEIVED
    partial = moving.transition_to(TransferStatus.PARTIALLY_RECEIVED)
    received = partial.transition_to(TransferStatus.RECEIVED)
    assert draft.transition_to(TransferStatus.CANCELLED).status is TransferStatus.CANCELLED
    assert ready.transition_to(TransferStatus.CANCELLED).status is TransferStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        moving.transition_to(TransferStatus.CANCELLED)
    with pytest.raises(InvalidTransition):
        received.transition_to(TransferStatus.IN_TRANSIT)
    with pytest.raises(InvalidTransition):
        draft.transition_to(TransferStatus.IN_TRANSIT)
