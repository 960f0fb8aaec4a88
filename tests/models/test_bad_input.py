"""Bad records: each kind is refused with the field path in ``loc`` and a readable message."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

import retail_canon.models as models
from retail_canon.models import (
    KINDS,
    CanonicalModel,
    InventoryPosition,
    Location,
    Money,
    SalesOrder,
    StoreTransfer,
)
from strategies import PARTS, TOP_LEVEL, gs1_check_digit

PLACED = datetime(2026, 5, 4, 12, 0, tzinfo=timezone(timedelta(hours=2)))


def line(**changes: Any) -> dict[str, Any]:
    return {
        "line_id": "l-1",
        "sku": "SKU-1",
        "quantity": {"value": "3"},
        "unit_price": {"amount": "19.99", "currency": "USD"},
        **changes,
    }


def order_data(**changes: Any) -> dict[str, Any]:
    return {
        "order_id": "o-1",
        "channel": "shopify",
        "placed_at": PLACED,
        "currency": "USD",
        "lines": [line()],
        **changes,
    }


def errors_of(model: type[BaseModel], data: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return info.value.errors()


def error_at(errors: list[dict[str, Any]], loc: tuple[Any, ...]) -> dict[str, Any]:
    """The error reported at ``loc``; fails listing what was reported instead."""
    found = [e for e in errors if e["loc"] == loc]
    assert found, f"no error at {loc}; got {[(e['loc'], e['msg']) for e in errors]}"
    return found[0]


def only_error(errors: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(errors) == 1, [(e["loc"], e["msg"]) for e in errors]
    return errors[0]


def test_the_baseline_record_is_valid() -> None:
    assert SalesOrder.model_validate(order_data()).lines[0].unit_price == Money(
        amount="19.99", currency="USD"
    )


# Floats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [19.99, 0.1, 1e-7, 20.0])
def test_python_float_money_is_refused(amount: float) -> None:
    errors = errors_of(
        SalesOrder, order_data(lines=[line(unit_price={"amount": amount, "currency": "USD"})])
    )
    error = error_at(errors, ("lines", 0, "unit_price", "amount"))
    assert "float" in error["msg"]
    assert "Decimal" in error["msg"]


def test_float_in_a_deeply_nested_amount_is_refused_at_its_path() -> None:
    tax = {"amount": {"amount": 1.5, "currency": "USD"}}
    errors = errors_of(SalesOrder, order_data(lines=[line(), line(tax_lines=[tax])]))
    error_at(errors, ("lines", 1, "tax_lines", 0, "amount", "amount"))


def test_float_quantity_is_refused() -> None:
    errors = errors_of(SalesOrder, order_data(lines=[line(quantity={"value": 2.5})]))
    assert "float" in error_at(errors, ("lines", 0, "quantity", "value"))["msg"]


# Currencies -----------------------------------------------------------------------------


def test_unknown_currency_of_the_order_is_refused() -> None:
    error = only_error(errors_of(SalesOrder, order_data(currency="XYZ")))
    assert error["loc"] == ("currency",)
    assert "ISO 4217" in error["msg"]


def test_unknown_currency_of_a_line_is_refused_at_its_path() -> None:
    price = {"amount": "1", "currency": "DOL"}
    errors = errors_of(SalesOrder, order_data(lines=[line(unit_price=price)]))
    assert "ISO 4217" in error_at(errors, ("lines", 0, "unit_price", "currency"))["msg"]


def test_mixed_currencies_in_an_order_name_the_path() -> None:
    price = {"amount": "19.99", "currency": "EUR"}
    error = only_error(errors_of(SalesOrder, order_data(lines=[line(), line(unit_price=price)])))
    # A rule across fields, yet the error points at the field to blame.
    assert error["loc"] == ("lines", 1, "unit_price", "currency")
    assert error["type"] == "currency_mismatch"
    assert error["msg"] == "currency EUR differs from the order's USD"


def test_mixed_currencies_in_order_totals_name_the_path() -> None:
    totals = {"grand_total": {"amount": "1", "currency": "GBP"}}
    error = only_error(errors_of(SalesOrder, order_data(totals=totals)))
    assert error["loc"] == ("totals", "grand_total", "currency")
    assert "GBP" in error["msg"]


# Datetimes ------------------------------------------------------------------------------


def test_naive_datetime_is_refused() -> None:
    error = only_error(errors_of(SalesOrder, order_data(placed_at=datetime(2026, 5, 4, 12, 0))))
    assert error["loc"] == ("placed_at",)
    assert error["type"] == "timezone_aware"
    assert "timezone" in error["msg"]


def test_naive_iso_string_is_refused_in_json() -> None:
    doc = json.dumps(order_data(placed_at="2026-05-04T12:00:00"), default=str)
    with pytest.raises(ValidationError) as info:
        SalesOrder.model_validate_json(doc)
    assert only_error(info.value.errors())["loc"] == ("placed_at",)


def test_naive_nested_datetime_is_refused_at_its_path() -> None:
    hold = {"reason": "fraud check", "since": datetime(2026, 5, 4)}
    errors = errors_of(SalesOrder, order_data(hold=hold))
    assert error_at(errors, ("hold", "since"))["type"] == "timezone_aware"


# Quantities -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "-0.001"])
def test_negative_order_line_quantity_is_refused(value: str) -> None:
    errors = errors_of(SalesOrder, order_data(lines=[line(quantity={"value": value})]))
    assert "greater than zero" in error_at(errors, ("lines", 0, "quantity"))["msg"]


@pytest.mark.parametrize("value", ["0", "0.00", "-0"])
def test_zero_order_line_quantity_is_refused(value: str) -> None:
    errors = errors_of(SalesOrder, order_data(lines=[line(quantity={"value": value})]))
    assert "greater than zero" in error_at(errors, ("lines", 0, "quantity"))["msg"]


def test_negative_fulfilled_quantity_is_refused() -> None:
    errors = errors_of(SalesOrder, order_data(lines=[line(quantity_fulfilled="-1")]))
    error_at(errors, ("lines", 0, "quantity_fulfilled"))


def test_negative_inventory_bucket_is_refused() -> None:
    data = {
        "sku": "SKU-1",
        "location_id": "DC-1",
        "buckets": {"on_hand": "5", "reserved": "-1"},
        "as_of": PLACED,
    }
    error = only_error(errors_of(InventoryPosition, data))
    assert error["loc"] == ("buckets", "reserved")
    assert "greater than or equal to 0" in error["msg"]


def test_fulfilled_plus_cancelled_above_ordered_is_refused() -> None:
    bad = line(quantity_fulfilled="2", quantity_cancelled="1.5")
    error = only_error(errors_of(SalesOrder, order_data(lines=[line(), bad])))
    assert error["loc"] == ("lines", 1, "quantity_cancelled")
    assert error["msg"] == "fulfilled 2 + cancelled 1.5 exceed the ordered 3"


# Unknown fields -------------------------------------------------------------------------


def test_unknown_top_level_field_is_refused() -> None:
    error = only_error(errors_of(SalesOrder, order_data(order_total="12")))
    assert error["loc"] == ("order_total",)
    assert error["type"] == "extra_forbidden"


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        (order_data(lines=[line(colour="red")]), ("lines", 0, "colour")),
        (
            order_data(lines=[line(unit_price={"amount": "1", "currency": "USD", "fx": "1"})]),
            ("lines", 0, "unit_price", "fx"),
        ),
        (order_data(customer={"name": "A", "loyalty_tier": "gold"}), ("customer", "loyalty_tier")),
        (order_data(ship_to={"country": "US", "street": "1 Main"}), ("ship_to", "street")),
    ],
)
def test_unknown_nested_field_is_refused_at_its_path(
    data: dict[str, Any], loc: tuple[Any, ...]
) -> None:
    error = error_at(errors_of(SalesOrder, data), loc)
    assert error["type"] == "extra_forbidden"
    assert "not permitted" in error["msg"]


# NaN and infinity -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    [
        *(Decimal(text) for text in ("NaN", "-NaN", "sNaN", "Infinity", "-Infinity")),
        *("NaN", "nan", "Infinity", "-Infinity", "inf"),
        *(float("nan"), float("inf")),
    ],
    ids=repr,
)
def test_nan_and_infinity_are_refused(amount: object) -> None:
    price = {"amount": amount, "currency": "USD"}
    errors = errors_of(SalesOrder, order_data(lines=[line(unit_price=price)]))
    error_at(errors, ("lines", 0, "unit_price", "amount"))


@pytest.mark.parametrize("literal", ['"NaN"', '"Infinity"', '"-Infinity"', "NaN", "Infinity"])
def test_nan_and_infinity_are_refused_in_json(literal: str) -> None:
    with pytest.raises(ValidationError):
        Money.model_validate_json(f'{{"amount": {literal}, "currency": "USD"}}')


def test_exact_json_reread_keeps_the_other_errors_paths() -> None:
    # A JSON number (read exactly on a second pass) next to a real error: only the real
    # error is reported, at its own path.
    data = order_data(lines=[line(unit_price={"amount": "1", "currency": "ZZZ"})])
    doc = json.dumps(data, default=str).replace('"amount": "1"', '"amount": 1.50')
    assert '"amount": 1.50' in doc
    with pytest.raises(ValidationError) as info:
        SalesOrder.model_validate_json(doc)
    errors = info.value.errors()
    assert error_at(errors, ("lines", 0, "unit_price", "currency"))["type"] == "unknown_currency"
    assert all(e["type"] != "exact_decimal_json" for e in errors)


def test_json_numbers_read_exactly_with_and_without_a_callers_context() -> None:
    doc = '{"amount": 0.1000000000000000055511151231257827, "currency": "USD"}'
    exact = Decimal("0.1000000000000000055511151231257827")
    assert Money.model_validate_json(doc).amount == exact
    assert Money.model_validate_json(doc, context={"source": "x"}).amount == exact
    assert Money.model_validate_json('{"amount": 12.30, "currency": "USD"}').amount.as_tuple() == (
        Decimal("12.30").as_tuple()
    )


def test_json_number_inside_a_users_model_is_a_validation_error() -> None:
    # Outside CanonicalModel.model_validate_json nobody re-reads the document, so a JSON
    # number is refused with a typed validation error, never a stray internal signal.
    class Envelope(BaseModel):
        price: Money

    with pytest.raises(ValidationError) as info:
        Envelope.model_validate_json('{"price": {"amount": 1.5, "currency": "USD"}}')
    assert error_at(info.value.errors(), ("price", "amount"))["type"] == "exact_decimal_json"


# Identifiers and versions ---------------------------------------------------------------


def test_gln_with_wrong_check_digit_is_refused() -> None:
    good = "501234567890" + gs1_check_digit("501234567890")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    Location(location_id="L", name="n", kind="STORE", gln=good)
    error = only_error(
        errors_of(Location, {"location_id": "L", "name": "n", "kind": "STORE", "gln": bad})
    )
    assert error["loc"] == ("gln",)
    assert "check digit" in error["msg"]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("version", ["2.0", "0.9", "10.0", "1", "1.x", "v1.0", "1.0.1"])
def test_schema_version_of_another_major_is_refused(kind: str, version: str) -> None:
    sample = _sample(kind)
    error = only_error(errors_of(KINDS[kind], sample.model_dump() | {"schema_version": version}))
    assert error["loc"] == ("schema_version",)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("version", ["1.0", "1.7", "1.42"])
def test_schema_version_of_the_same_major_is_accepted(kind: str, version: str) -> None:
    sample = _sample(kind)
    obj = KINDS[kind].model_validate(sample.model_dump() | {"schema_version": version})
    assert obj.schema_version == version  # type: ignore[attr-defined]


_SAMPLES: dict[str, Any] = {}


def _sample(kind: str) -> Any:
    """One generated object of ``kind`` (drawn once per kind)."""
    if kind not in _SAMPLES:
        found: list[Any] = []

        @settings(max_examples=1)
        @given(TOP_LEVEL[kind]())
        def grab(obj: Any) -> None:
            found.append(obj)

        grab()
        _SAMPLES[kind] = found[0]
    return _SAMPLES[kind]


def test_transfer_to_its_own_origin_is_refused() -> None:
    data = {
        "transfer_id": "t-1",
        "origin_location_id": "STORE-7",
        "destination_location_id": "STORE-7",
        "lines": [{"sku": "S", "quantity_requested": {"value": "1"}}],
        "requested_at": PLACED,
    }
    error = only_error(errors_of(StoreTransfer, data))
    assert error["loc"] == ("destination_location_id",)
    assert "'STORE-7'" in error["msg"]


# Every model: unknown fields refused, instances frozen ----------------------------------

ALL_MODELS = sorted(
    (
        value
        for name in models.__all__
        if isinstance(value := getattr(models, name), type)
        and issubclass(value, CanonicalModel)
        and value is not CanonicalModel
        and value is not models.StatefulModel
    ),
    key=lambda m: m.__name__,
)
STRATEGIES = {**{KINDS[k]: f for k, f in TOP_LEVEL.items()}, **PARTS}


def test_every_model_has_a_strategy() -> None:
    assert set(ALL_MODELS) == set(STRATEGIES)
    assert set(TOP_LEVEL) == set(KINDS)


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
@settings(max_examples=10)
@given(data=st.data())
def test_every_model_refuses_unknown_fields(model: type[BaseModel], data: st.DataObject) -> None:
    obj = data.draw(STRATEGIES[model]())
    error = only_error(errors_of(model, obj.model_dump() | {"unexpected_field": 1}))
    assert error["loc"] == ("unexpected_field",)
    assert error["type"] == "extra_forbidden"


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
@settings(max_examples=10)
@given(data=st.data())
def test_every_model_is_frozen(model: type[BaseModel], data: st.DataObject) -> None:
    obj = data.draw(STRATEGIES[model]())
    before = obj.model_dump_json()
    for name in model.model_fields:
        with pytest.raises(ValidationError) as info:
            setattr(obj, name, getattr(obj, name))
        assert info.value.errors()[0]["type"] == "frozen_instance"
    assert obj.model_dump_json() == before
