"""ReturnAuthorization, its lines and its refund: round trips, constraints, lifecycles."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import assume, given
from pydantic import ValidationError

from retail_canon import InvalidTransition
from retail_canon.models import (
    Refund,
    RefundStatus,
    ReturnAuthorization,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
)
from strategies import (
    assert_lossless_round_trip,
    has_integral_negative_zero,
    json_with_numbers,
    refunds,
    return_authorizations,
    return_lines,
)

REQUESTED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))
LINE = {
    "line_id": "r-1",
    "sales_order_line_id": "l-1",
    "sku": "SKU-1",
    "quantity_authorized": {"value": "1"},
}


def rma(**changes: Any) -> ReturnAuthorization:
    data = {
        "rma_id": "rma-1",
        "sales_order_id": "o-1",
        "lines": [LINE],
        "requested_at": REQUESTED,
        **changes,
    }
    return ReturnAuthorization.model_validate(data)


@given(return_authorizations())
def test_round_trip_is_lossless(ra: ReturnAuthorization) -> None:
    assert_lossless_round_trip(ra)


@given(return_authorizations())
def test_decimals_as_json_numbers_are_read_exactly(ra: ReturnAuthorization) -> None:
    assume(not has_integral_negative_zero(ra))
    back = ReturnAuthorization.model_validate_json(json_with_numbers(ra))
    assert back == ra
    assert back.model_dump_json() == ra.model_dump_json()


@given(return_lines())
def test_line_round_trip(line: ReturnLine) -> None:
    assert_lossless_round_trip(line)


@given(refunds())
def test_refund_round_trip(refund: Refund) -> None:
    assert_lossless_round_trip(refund)


def test_defaults() -> None:
    ra = rma()
    assert ra.status is ReturnStatus.REQUESTED
    assert ra.lines[0].reason is ReturnReason.OTHER
    assert ra.lines[0].quantity_received == 0
    assert ra.lines[0].disposition is None
    assert ra.requested_at.utcoffset() == timedelta(hours=-3, minutes=-30)


def test_needs_at_least_one_line() -> None:
    with pytest.raises(ValidationError) as info:
        rma(lines=[])
    (error,) = info.value.errors()
    assert error["loc"] == ("lines",)


@pytest.mark.parametrize("value", ["0", "-1"])
def test_authorized_quantity_is_positive(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        rma(lines=[{**LINE, "quantity_authorized": {"value": value}}])
    assert ("lines", 0, "quantity_authorized") in [e["loc"] for e in info.value.errors()]


def test_received_quantity_is_not_negative() -> None:
    with pytest.raises(ValidationError) as info:
        rma(lines=[{**LINE, "quantity_received": "-1"}])
    assert ("lines", 0, "quantity_received") in [e["loc"] for e in info.value.errors()]


def test_refund_amount_float_is_refused_at_its_path() -> None:
    with pytest.raises(ValidationError) as info:
        rma(refund={"item_amount": {"amount": 10.5, "currency": "GBP"}})
    (error,) = info.value.errors()
    assert error["loc"] == ("refund", "item_amount", "amount")


def test_unknown_reason_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        rma(lines=[{**LINE, "reason": "CHANGED_MIND"}])
    assert ("lines", 0, "reason") in [e["loc"] for e in info.value.errors()]


def test_return_lifecycle() -> None:
    requested = rma()
    authorized = requested.transition_to(ReturnStatus.AUTHORIZED, source_status="approved")
    assert authorized.source_status == "approved"
    received = authorized.transition_to(ReturnStatus.IN_TRANSIT).transition_to("RECEIVED")
    closed = received.transition_to(ReturnStatus.CLOSED)
    assert authorized.transition_to(ReturnStatus.RECEIVED).status is ReturnStatus.RECEIVED
    assert requested.transition_to(ReturnStatus.DECLINED).status is ReturnStatus.DECLINED
    assert authorized.transition_to(ReturnStatus.CANCELLED).status is ReturnStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        closed.transition_to(ReturnStatus.RECEIVED)
    with pytest.raises(InvalidTransition):
        received.transition_to(ReturnStatus.CANCELLED)
    with pytest.raises(InvalidTransition):
        requested.transition_to(ReturnStatus.CLOSED)


def test_refund_lifecycle() -> None:
    pending = Refund(item_amount={"amount": "10.00", "currency": "GBP"})
    failed = pending.transition_to(RefundStatus.FAILED, source_status="card_declined")
    retried = failed.transition_to(RefundStatus.PENDING)
    issued = retried.transition_to(RefundStatus.ISSUED)
    assert issued.status is RefundStatus.ISSUED
    with pytest.raises(InvalidTransition) as info:
        issued.transition_to(RefundStatus.PENDING)
    assert info.value.kind == "Refund"
    with pytest.raises(InvalidTransition):
        failed.transition_to(RefundStatus.ISSUED)
