"""Quantity: exact values with a UN/ECE unit code; the non-negative and positive variants."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from retail_canon.models import NonNegativeQuantity, PositiveQuantity, Quantity
from strategies import assert_lossless_round_trip, decimals, quantities, uom_codes

NON_NEGATIVE = TypeAdapter(NonNegativeQuantity)
POSITIVE = TypeAdapter(PositiveQuantity)


@given(quantities())
def test_round_trip_is_lossless(q: Quantity) -> None:
    assert_lossless_round_trip(q)


@given(decimals(), uom_codes())
def test_json_number_value_is_read_exactly(value: Decimal, uom: str) -> None:
    assume(str(value) != "-0")
    q = Quantity.model_validate_json(f'{{"value": {value}, "uom": "{uom}"}}')
    assert q.value.as_tuple() == value.as_tuple()


def test_uom_defaults_to_each() -> None:
    assert Quantity(value="2").uom == "EA"


@pytest.mark.parametrize("uom", ["ea", "E", "EACH", "K G", "", "KG\n"])
def test_malformed_unit_code_is_refused(uom: str) -> None:
    with pytest.raises(ValidationError) as info:
        Quantity(value="1", uom=uom)
    (error,) = info.value.errors()
    assert error["loc"] == ("uom",)


def test_float_value_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Quantity(value=1.5, uom="KGM")
    (error,) = info.value.errors()
    assert error["loc"] == ("value",)
    assert "float" in error["msg"]


same_uom = uom_codes().flatmap(
    lambda uom: st.tuples(*[st.builds(Quantity, value=decimals(), uom=st.just(uom))] * 3)
)


@given(same_uom)
@example(
    (
        Quantity(value="0.1000000000000000055511151231257827", uom="KGM"),
        Quantity(value="1", uom="KGM"),
        Quantity(value="1E+20", uom="KGM"),
    )
)
def test_addition_and_subtraction_are_exact(triple: tuple[Quantity, Quantity, Quantity]) -> None:
    a, b, c = triple
    assert Fraction((a + b).value) == Fraction(a.value) + Fraction(b.value)
    assert Fraction((a - b).value) == Fraction(a.value) - Fraction(b.value)
    assert (a + b) - b == Quantity(value=a.value, uom=a.uom)
    assert (a + b) + c == a + (b + c)
    assert (a + b).uom == a.uom


def test_adding_different_units_is_refused() -> None:
    with pytest.raises(ValueError, match="EA and KGM"):
        Quantity(value="1", uom="EA") + Quantity(value="1", uom="KGM")
    with pytest.raises(ValueError, match="convert"):
        Quantity(value="1", uom="EA") - Quantity(value="1", uom="C62")


@pytest.mark.parametrize("other", [1, Decimal(1), "1", None])
def test_adding_a_non_quantity_is_a_type_error(other: object) -> None:
    with pytest.raises(TypeError):
        Quantity(value="1") + other  # type: ignore[operator]
    with pytest.raises(TypeError):
        Quantity(value="1") - other  # type: ignore[operator]


@given(decimals(sign="non-negative"))
def test_non_negative_accepts_zero_and_more(value: Decimal) -> None:
    assert NON_NEGATIVE.validate_python({"value": value}).value == value


@given(decimals(sign="positive"))
def test_non_negative_refuses_less_than_zero(magnitude: Decimal) -> None:
    with pytest.raises(ValidationError, match="must not be negative"):
        NON_NEGATIVE.validate_python({"value": -magnitude})


@given(decimals(sign="positive"))
def test_positive_accepts_more_than_zero(value: Decimal) -> None:
    assert POSITIVE.validate_python({"value": value}).value == value


@pytest.mark.parametrize("value", ["0", "-0", "0.000", "-1", "-1E-30"])
def test_positive_refuses_zero_and_less(value: str) -> None:
    with pytest.raises(ValidationError, match="greater than zero"):
        POSITIVE.validate_python({"value": value})
