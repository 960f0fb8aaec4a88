"""SalesOrder: round trips, one currency per order, quantities that add up, lifecycle."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from retail_canon import InvalidTransition
from retail_canon.models import (
    Address,
    Customer,
    Discount,
    FulfilledBy,
    Hold,
    OrderLine,
    OrderStatus,
    OrderTotals,
    Party,
    PaymentStatus,
    SalesOrder,
    ShippingLine,
    TaxLine,
)
from strategies import (
    ALL_CURRENCIES,
    EXACT,
    addresses,
    assert_lossless_round_trip,
    customers,
    decimals,
    discounts,
    has_integral_negative_zero,
    holds,
    json_with_numbers,
    order_lines,
    order_totals,
    parties,
    sales_orders,
    shipping_lines,
    tax_lines,
)

PLACED = datetime(2026, 5, 4, 23, 15, 0, 250000, tzinfo=timezone(timedelta(hours=9)))


def order(**changes: Any) -> SalesOrder:
    data: dict[str, Any] = {
        "order_id": "o-1",
        "channel": "shopify",
        "placed_at": PLACED,
        "currency": "USD",
        "lines": [
            {
                "line_id": "l-1",
                "sku": "SKU-1",
                "quantity": {"value": "3"},
                "unit_price": {"amount": "19.99", "currency": "USD"},
            }
        ],
    }
    data.update(changes)
    return SalesOrder.model_validate(data)


def money_paths(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths of every Money (a dict of exactly amount and currency) in a python-mode dump."""
    if isinstance(data, dict):
        if set(data) == {"amount", "currency"}:
            yield path
            return
        for key, value in data.items():
            yield from money_paths(value, (*path, key))
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            yield from money_paths(value, (*path, i))


def set_in(data: Any, path: tuple[Any, ...], key: str, value: Any) -> Any:
    """A copy of the nested dump ``data`` with ``data[path][key] = value``."""
    if not path:
        return {**data, key: value}
    head, *rest = path
    if isinstance(data, dict):
        return {**data, head: set_in(data[head], tuple(rest), key, value)}
    items = list(data)
    items[head] = set_in(items[head], tuple(rest), key, value)
    return items


# Round trips ----------------------------------------------------------------------------


@given(sales_orders())
def test_round_trip_is_lossless(o: SalesOrder) -> None:
    assert_lossless_round_trip(o)


@given(sales_orders())
def test_decimals_as_json_numbers_are_read_exactly(o: SalesOrder) -> None:
    assume(not has_integral_negative_zero(o))
    back = SalesOrder.model_validate_json(json_with_numbers(o))
    assert back == o
    assert back.model_dump_json() == o.model_dump_json()


def test_json_number_in_a_nested_amount_keeps_every_digit() -> None:
    doc = order().model_dump(mode="json")
    text = (
        SalesOrder.model_validate(doc)
        .model_dump_json()
        .replace('"amount":"19.99"', '"amount":0.1000000000000000055511151231257827')
    )
    assert "0.1000000000000000055511151231257827," in text
    back = SalesOrder.model_validate_json(text)
    assert str(back.lines[0].unit_price.amount) == "0.1000000000000000055511151231257827"


@pytest.mark.parametrize(
    ("model", "strategy"),
    [
        (OrderLine, order_lines()),
        (Address, addresses()),
        (Customer, customers()),
        (Party, parties()),
        (TaxLine, tax_lines()),
        (Discount, discounts()),
        (ShippingLine, shipping_lines()),
        (OrderTotals, order_totals()),
        (Hold, holds()),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
@given(data=st.data())
def test_parts_round_trip(model: type, strategy: Any, data: st.DataObject) -> None:
    part = data.draw(strategy)
    assert isinstance(part, model)
    assert_lossless_round_trip(part)


# Defaults and helpers -------------------------------------------------------------------


def test_defaults() -> None:
    o = order()
    assert o.status is OrderStatus.OPEN
    assert o.payment_status is PaymentStatus.OTHER
    assert o.fulfilled_by is FulfilledBy.SELLER
    assert o.schema_version == "1.0"
    assert o.prices_include_tax is False
    assert o.lines[0].quantity_fulfilled == 0
    assert o.placed_at.utcoffset() == timedelta(hours=9)


def test_customer_is_a_buyer_by_default() -> None:
    assert order(customer={"name": "A"}).customer.role == "BUYER"  # type: ignore[union-attr]


@given(order_lines())
def test_subtotal_is_unit_price_times_quantity_exactly(line: OrderLine) -> None:
    subtotal = line.subtotal()
    assert subtotal.currency == line.unit_price.currency
    assert Fraction(subtotal.amount) == Fraction(line.unit_price.amount) * Fraction(
        line.quantity.value
    )


def test_subtotal_example() -> None:
    assert order().lines[0].subtotal().amount == Decimal("59.97")


# One currency per order ----------------------------------------------------------------


@given(sales_orders(), st.data())
def test_any_amount_in_another_currency_is_refused_with_its_path(
    o: SalesOrder, data: st.DataObject
) -> None:
    dump = o.model_dump()
    path = data.draw(st.sampled_from(sorted(money_paths(dump), key=str)))
    other = data.draw(st.sampled_from(ALL_CURRENCIES).filter(lambda c: c != o.currency))
    with pytest.raises(ValidationError) as info:
        SalesOrder.model_validate(set_in(dump, path, "currency", other))
    (error,) = info.value.errors()
    assert error["loc"] == (*path, "currency")
    assert error["msg"] == f"currency {other} differs from the order's {o.currency}"


def test_order_has_at_least_one_money_path() -> None:
    paths = set(money_paths(order().model_dump()))
    assert paths == {("lines", 0, "unit_price")}


# Fulfilled + cancelled may not exceed ordered ------------------------------------------


@given(order_lines(currency="EUR"), decimals(sign="positive"))
@example(
    OrderLine(
        line_id="l",
        sku="s",
        quantity={"value": "1"},
        unit_price={"amount": "1", "currency": "EUR"},
        quantity_fulfilled="1",
        quantity_cancelled="0",
    ),
    Decimal("5.01E-28"),
)
def test_fulfilled_plus_cancelled_may_reach_but_not_exceed_ordered(
    line: OrderLine, excess: Decimal
) -> None:
    ordered = line.quantity.value
    rest = EXACT.subtract(ordered, line.quantity_fulfilled)
    full = line.model_dump() | {"quantity_cancelled": rest}
    base = {"order_id": "o", "channel": "c", "placed_at": PLACED, "currency": "EUR"}

    accepted = SalesOrder.model_validate({**base, "lines": [full]})
    assert accepted.lines[0].quantity_cancelled == rest

    over = full | {"quantity_cancelled": EXACT.add(rest, excess)}
    with pytest.raises(ValidationError) as info:
        SalesOrder.model_validate({**base, "lines": [full, over]})
    (error,) = info.value.errors()
    assert error["loc"] == ("lines", 1, "quantity_cancelled")
    assert "exceed the ordered" in error["msg"]


def _line(line_id: str, *, fulfilled: str, cancelled: str) -> dict[str, Any]:
    return {
        "line_id": line_id,
        "sku": "SKU-1",
        "quantity": {"value": "2"},
        "unit_price": {"amount": "1.00", "currency": "USD"},
        "quantity_fulfilled": fulfilled,
        "quantity_cancelled": cancelled,
    }


def test_the_first_line_with_too_much_fulfilled_and_cancelled_is_named() -> None:
    lines = [
        _line("ok", fulfilled="1", cancelled="1"),
        _line("over", fulfilled="2", cancelled="1"),
        _line("also-over", fulfilled="3", cancelled="0"),
    ]
    with pytest.raises(ValidationError) as info:
        order(lines=lines)
    (error,) = info.value.errors()
    assert error["type"] == "quantity_exceeded"
    assert error["loc"] == ("lines", 1, "quantity_cancelled")
    assert error["msg"] == "fulfilled 2 + cancelled 1 exceed the ordered 2"


@pytest.mark.parametrize(
    "where",
    ["line", "shipping_line", "order_tax", "totals"],
)
def test_a_currency_mismatch_wins_over_an_exceeded_quantity(where: str) -> None:
    eur = {"amount": "1.00", "currency": "EUR"}
    usd = {"amount": "1.00", "currency": "USD"}
    lines = [
        _line("over", fulfilled="2", cancelled="1"),
        _line("l-2", fulfilled="0", cancelled="0"),
    ]
    changes: dict[str, Any] = {"lines": lines}
    if where == "line":
        lines[1]["tax_lines"] = [{"amount": usd, "taxable_amount": eur}]
        path: tuple[Any, ...] = ("lines", 1, "tax_lines", 0, "taxable_amount")
    elif where == "shipping_line":
        changes["shipping_lines"] = [{"price": usd, "discounts": [{"amount": eur}]}]
        path = ("shipping_lines", 0, "discounts", 0, "amount")
    elif where == "order_tax":
        changes["tax_lines"] = [{"amount": eur}]
        path = ("tax_lines", 0, "amount")
    else:
        changes["totals"] = {"grand_total": usd, "shipping": eur}
        path = ("totals", "shipping")
    document = order().model_dump(mode="json") | changes
    for attempt in (
        lambda: SalesOrder.model_validate(document),
        lambda: SalesOrder.model_validate_json(json.dumps(document)),
    ):
        with pytest.raises(ValidationError) as info:
            attempt()
        (error,) = info.value.errors()
        assert error["type"] == "currency_mismatch"
        assert error["loc"] == (*path, "currency")
        assert error["msg"] == "currency EUR differs from the order's USD"


# Lifecycle ------------------------------------------------------------------------------


def test_documented_transitions() -> None:
    pending = order(status="PENDING")
    opened = pending.transition_to(OrderStatus.OPEN, source_status="unfulfilled")
    assert opened.status is OrderStatus.OPEN
    assert opened.source_status == "unfulfilled"
    assert pending.status is OrderStatus.PENDING  # the original is untouched
    partial = opened.transition_to(OrderStatus.PARTIALLY_FULFILLED)
    fulfilled = partial.transition_to(OrderStatus.FULFILLED)
    assert fulfilled.transition_to(OrderStatus.CLOSED).status is OrderStatus.CLOSED
    assert pending.transition_to(OrderStatus.CANCELLED).status is OrderStatus.CANCELLED


def test_fulfilled_cannot_go_back_to_pending() -> None:
    with pytest.raises(InvalidTransition) as info:
        order(status="FULFILLED").transition_to(OrderStatus.PENDING)
    assert info.value.kind == "SalesOrder"
    assert info.value.current == "FULFILLED"
    assert info.value.target == "PENDING"
    assert "FULFILLED" in str(info.value)
    assert "PENDING" in str(info.value)


@pytest.mark.parametrize("target", [s for s in OrderStatus if s is not OrderStatus.CANCELLED])
def test_cancelled_is_terminal(target: OrderStatus) -> None:
    cancelled = order(status="CANCELLED")
    with pytest.raises(InvalidTransition):
        cancelled.transition_to(target)
    assert cancelled.transition_to(OrderStatus.CANCELLED).status is OrderStatus.CANCELLED


def test_returned_is_not_an_order_status() -> None:
    with pytest.raises(ValidationError):
        order(status="RETURNED")
