"""State machines of every stateful model, checked against the documented lifecycles.

The expected tables below are written out from the status enums' docstrings and the rules
in ``_states.py``, not read from the machines, so a changed machine fails here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import retail_canon.models as models
from retail_canon import InvalidTransition, RetailCanonError
from retail_canon.models import (
    FulfillmentOrder,
    FulfillmentStatus,
    OrderStatus,
    Product,
    ProductStatus,
    Refund,
    RefundStatus,
    ReturnAuthorization,
    ReturnStatus,
    SalesOrder,
    SettlementRecord,
    SettlementStatus,
    Shipment,
    ShipmentStatus,
    StatefulModel,
    StoreTransfer,
    TransferStatus,
)
from strategies import STATEFUL, members, text

# Documented moves between canonical statuses, without the shared rules (self-loops, OTHER).
DOCUMENTED: dict[type[StatefulModel], tuple[type[StrEnum], dict[str, set[str]]]] = {
    Product: (
        ProductStatus,
        {
            "DRAFT": {"ACTIVE", "DISCONTINUED"},
            "ACTIVE": {"INACTIVE", "DISCONTINUED"},
            "INACTIVE": {"ACTIVE", "DISCONTINUED"},
            "DISCONTINUED": set(),
        },
    ),
    SalesOrder: (
        OrderStatus,
        {
            "PENDING": {"OPEN", "PARTIALLY_FULFILLED", "FULFILLED", "CANCELLED"},
            "OPEN": {"PARTIALLY_FULFILLED", "FULFILLED", "CANCELLED"},
            "PARTIALLY_FULFILLED": {"FULFILLED", "CLOSED"},
            "FULFILLED": {"CLOSED"},
            "CLOSED": set(),
            "CANCELLED": set(),
        },
    ),
    FulfillmentOrder: (
        FulfillmentStatus,
        {
            "SCHEDULED": {"OPEN", "CANCELLED"},
            "OPEN": {"IN_PROGRESS", "ON_HOLD", "CLOSED", "INCOMPLETE", "CANCELLED"},
            "IN_PROGRESS": {"ON_HOLD", "CLOSED", "INCOMPLETE", "CANCELLED"},
            "ON_HOLD": {"OPEN", "IN_PROGRESS", "CANCELLED"},
            "CLOSED": set(),
            "INCOMPLETE": set(),
            "CANCELLED": set(),
        },
    ),
    Shipment: (
        ShipmentStatus,
        {
            "PENDING": {"IN_TRANSIT", "CANCELLED"},
            "IN_TRANSIT": {"DELIVERED", "UNDELIVERABLE"},
            "DELIVERED": set(),
            "UNDELIVERABLE": set(),
            "CANCELLED": set(),
        },
    ),
    ReturnAuthorization: (
        ReturnStatus,
        {
            "REQUESTED": {"AUTHORIZED", "DECLINED", "CANCELLED"},
            "AUTHORIZED": {"IN_TRANSIT", "RECEIVED", "CANCELLED"},
            "IN_TRANSIT": {"RECEIVED"},
            "RECEIVED": {"CLOSED"},
            "CLOSED": set(),
            "DECLINED": set(),
            "CANCELLED": set(),
        },
    ),
    Refund: (
        RefundStatus,
        {"PENDING": {"ISSUED", "FAILED"}, "FAILED": {"PENDING"}, "ISSUED": set()},
    ),
    StoreTransfer: (
        TransferStatus,
        {
            "DRAFT": {"READY_TO_SHIP", "CANCELLED"},
            "READY_TO_SHIP": {"IN_TRANSIT", "CANCELLED"},
            "IN_TRANSIT": {"PARTIALLY_RECEIVED", "RECEIVED"},
            "PARTIALLY_RECEIVED": {"RECEIVED"},
            "RECEIVED": set(),
            "CANCELLED": set(),
        },
    ),
    SettlementRecord: (
        SettlementStatus,
        {
            "OPEN": {"CLOSED"},
            "CLOSED": {"PAID", "FAILED"},
            "PAID": set(),
            "FAILED": set(),
        },
    ),
}

MODELS = list(DOCUMENTED)


def terminal(model: type[StatefulModel]) -> set[str]:
    return {s for s, targets in DOCUMENTED[model][1].items() if not targets}


def expected_allowed(model: type[StatefulModel], current: str) -> set[str]:
    """The shared rules applied to the documented table."""
    enum, table = DOCUMENTED[model]
    if current == "OTHER":
        return {s.value for s in enum}  # OTHER may be left to any status
    if current in terminal(model):
        return {current}  # terminal: nothing but itself
    return table[current] | {current, "OTHER"}


def test_every_stateful_model_is_covered() -> None:
    stateful = {
        value
        for name in models.__all__
        if isinstance(value := getattr(models, name), type)
        and issubclass(value, StatefulModel)
        and value is not StatefulModel
    }
    assert stateful == set(DOCUMENTED) == set(STATEFUL)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_documented_table_names_every_canonical_status(model: type[StatefulModel]) -> None:
    enum, table = DOCUMENTED[model]
    assert set(table) | {"OTHER"} == {s.value for s in enum}
    assert "OTHER" in enum.__members__


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_machine_matches_the_documented_table_exhaustively(model: type[StatefulModel]) -> None:
    enum, _ = DOCUMENTED[model]
    machine = model.state_machine
    for current in enum:
        assert {s.value for s in machine.allowed(current)} == expected_allowed(model, current)
        assert machine.is_terminal(current) == (current.value in terminal(model))
        for target in enum:
            if target.value in expected_allowed(model, current):
                machine.check(current, target)
            else:
                with pytest.raises(InvalidTransition):
                    machine.check(current, target)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(data=st.data())
def test_transition_to_on_generated_objects(
    model: type[StatefulModel], data: st.DataObject
) -> None:
    enum, _ = DOCUMENTED[model]
    obj: Any = data.draw(STATEFUL[model](status=members(enum)), label="obj")
    target = data.draw(members(enum), label="target")
    source_status = data.draw(st.none() | text(), label="source_status")
    before = obj.model_dump()
    current = obj.status

    assert {s.value for s in obj.allowed_transitions()} == expected_allowed(model, current)

    if target.value in expected_allowed(model, current):
        moved = obj.transition_to(target, source_status=source_status)
        assert type(moved) is model
        assert moved.status is target
        assert moved.source_status == source_status
        # everything else is carried over unchanged
        rest = moved.model_dump(exclude={"status", "source_status"})
        assert rest == obj.model_dump(exclude={"status", "source_status"})
    else:
        with pytest.raises(InvalidTransition) as info:
            obj.transition_to(target, source_status=source_status)
        error = info.value
        assert error.kind == model.state_machine.kind
        assert error.current == current.value
        assert error.target == target.value
        assert error.allowed == expected_allowed(model, current) - {current.value}
        assert repr(current.value) in str(error)
        assert repr(target.value) in str(error)
    # frozen objects: the original never changes, whatever happened
    assert obj.model_dump() == before
    assert obj.status is current


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(data=st.data())
def test_terminal_statuses_refuse_everything_but_themselves(
    model: type[StatefulModel], data: st.DataObject
) -> None:
    enum, _ = DOCUMENTED[model]
    status = data.draw(st.sampled_from(sorted(terminal(model))))
    obj: Any = data.draw(STATEFUL[model](status=st.just(enum(status))))
    assert obj.transition_to(status, source_status="again").status == status
    for target in enum:
        if target.value != status:
            with pytest.raises(InvalidTransition, match="terminal"):
                obj.transition_to(target)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(data=st.data())
def test_other_rules(model: type[StatefulModel], data: st.DataObject) -> None:
    enum, _ = DOCUMENTED[model]
    start = data.draw(members(enum).filter(lambda s: s.value not in terminal(model)))
    obj: Any = data.draw(STATEFUL[model](status=st.just(start)))
    # any non-terminal status may go to OTHER (a status with no canonical meaning)...
    other = obj.transition_to("OTHER", source_status="weird_vendor_state")
    assert other.status == "OTHER"
    assert other.source_status == "weird_vendor_state"
    # ...and OTHER may be left to any status, terminal ones included
    for target in enum:
        assert other.transition_to(target).status is target


def minimal(model: type[StatefulModel], status: str) -> Any:
    """The smallest valid object of ``model`` in ``status``."""
    when = datetime(2026, 1, 1, tzinfo=UTC)
    eur = {"amount": "1", "currency": "EUR"}
    line = {"line_id": "l", "sales_order_line_id": "l", "sku": "s"}
    required: dict[type[StatefulModel], dict[str, Any]] = {
        Product: {"product_id": "p", "sku": "s", "title": "t"},
        SalesOrder: {
            "order_id": "o",
            "channel": "c",
            "placed_at": when,
            "currency": "EUR",
            "lines": [{"line_id": "l", "sku": "s", "quantity": {"value": 1}, "unit_price": eur}],
        },
        FulfillmentOrder: {
            "fulfillment_order_id": "f",
            "sales_order_id": "o",
            "origin_location_id": "a",
            "lines": [{**line, "quantity": {"value": 1}}],
        },
        Shipment: {"shipment_id": "s"},
        ReturnAuthorization: {
            "rma_id": "r",
            "sales_order_id": "o",
            "requested_at": when,
            "lines": [{**line, "quantity_authorized": {"value": 1}}],
        },
        Refund: {"item_amount": eur},
        StoreTransfer: {
            "transfer_id": "t",
            "origin_location_id": "a",
            "destination_location_id": "b",
            "requested_at": when,
            "lines": [{"sku": "s", "quantity_requested": {"value": 1}}],
        },
        SettlementRecord: {
            "settlement_id": "s",
            "channel": "c",
            "currency": "EUR",
            "period_start": when,
            "total": eur,
        },
    }
    return model.model_validate({**required[model], "status": status})


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_string_targets_are_coerced_and_unknown_ones_refused(model: type[StatefulModel]) -> None:
    enum, table = DOCUMENTED[model]
    current, targets = next((s, t) for s, t in table.items() if t)
    obj = minimal(model, current)
    target = sorted(targets)[0]
    moved = obj.transition_to(target)
    assert moved.status is enum(target)
    with pytest.raises(ValueError, match="NOT_A_STATUS"):
        obj.transition_to("NOT_A_STATUS")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_transition_without_source_status_clears_the_old_one(model: type[StatefulModel]) -> None:
    enum, _ = DOCUMENTED[model]
    obj = minimal(model, "OTHER").model_copy(update={"source_status": "vendor_x"})
    moved = obj.transition_to(next(iter(enum)))
    assert moved.source_status is None
    assert obj.source_status == "vendor_x"


def test_invalid_transition_is_a_value_error_with_a_stable_code() -> None:
    error = InvalidTransition("SalesOrder", "CLOSED", "OPEN", frozenset())
    assert isinstance(error, ValueError)
    assert isinstance(error, RetailCanonError)
    assert error.code == "invalid_transition"
    assert "terminal" in str(error)
    error = InvalidTransition("SalesOrder", "PENDING", "CLOSED", frozenset({"OPEN", "CANCELLED"}))
    assert "CANCELLED, OPEN" in str(error)
