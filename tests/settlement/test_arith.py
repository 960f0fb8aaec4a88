"""The integer roundings of both engines, pinned to `Money.round` and `normalize.money.convert`."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retail_canon.models import Money
from retail_canon.normalize.money import ExchangeRate, convert
from retail_canon.settlement import Tolerance
from retail_canon.settlement._arith import (
    ToleranceUnits,
    convert_units,
    half_even,
    half_up,
    rounding_bound,
)

UNITS = st.integers(min_value=-(10**12), max_value=10**12)
RATES = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal("500"), places=6, allow_nan=False
)
CURRENCIES = st.sampled_from(["USD", "EUR", "JPY", "BHD", "GBP"])


@given(UNITS, st.integers(min_value=1, max_value=10**6))
def test_half_up_rounds_half_away_from_zero(num: int, den: int) -> None:
    magnitude = int(abs(Fraction(num, den)) + Fraction(1, 2))
    expected = magnitude if num >= 0 else -magnitude
    assert half_up(num, den) == expected


@given(UNITS, st.sampled_from([1, 2, 4, 5, 8, 20, 40, 1000]))
def test_half_up_is_money_round_half_up(num: int, den: int) -> None:
    exact = Decimal(num) / Decimal(den)  # these denominators divide exactly
    money = Money(amount=exact.scaleb(-2), currency="USD")
    assert money.round(ROUND_HALF_UP).amount.scaleb(2) == half_up(num, den)


@given(UNITS, st.integers(min_value=1, max_value=10**6))
def test_half_even_matches_decimal_quantize(num: int, den: int) -> None:
    value = Fraction(num, den)
    expected = round(value)  # Python rounds Fractions half to even
    assert half_even(num, den) == expected


@given(UNITS, RATES, CURRENCIES, CURRENCIES)
def test_convert_units_is_normalize_money_convert(
    units: int, rate: Decimal, base: str, quote: str
) -> None:
    if base == quote:
        rate = Decimal(1)
    exchange = ExchangeRate(base, quote, rate)
    digits = {"JPY": 0, "BHD": 3}.get(base, 2)
    to_digits = {"JPY": 0, "BHD": 3}.get(quote, 2)
    money = Money.from_minor_units(units, base)
    converted = convert(money, exchange, rounding=ROUND_HALF_EVEN).converted
    assert converted == Money.from_minor_units(
        convert_units(units, digits, exchange, to_digits), quote
    )


@given(
    st.integers(-(10**6), 10**6),
    st.integers(-(10**6), 10**6),
    st.decimals(min_value=0, max_value=100, places=2),
    st.decimals(min_value=0, max_value=50, places=3),
)
def test_tolerance_in_units_is_the_decimal_rule(
    diff: int, reference: int, absolute: Decimal, percent: Decimal
) -> None:
    tolerance = Tolerance(absolute=absolute, percent=percent)
    units = ToleranceUnits(tolerance, 2)
    size = Decimal(abs(diff)).scaleb(-2)
    expected = size <= absolute or size <= percent / 100 * Decimal(abs(reference)).scaleb(-2)
    assert units.accepts(diff, reference) == expected


def test_rounding_bound_is_half_a_unit_per_line_rounded_up() -> None:
    assert [rounding_bound(n, Fraction(1, 2)) for n in range(5)] == [0, 1, 1, 2, 2]
    assert rounding_bound(3, Fraction(0)) == 0


@given(
    st.lists(UNITS, min_size=1, max_size=20),
    st.integers(min_value=1, max_value=10**6),
    st.integers(-(10**6), 10**6),
    st.decimals(min_value=0, max_value=100, places=2),
    st.decimals(min_value=0, max_value=50, places=3),
)
def test_numpy_kernels_equal_the_integer_ones(
    nums: list[int], den: int, reference: int, absolute: Decimal, percent: Decimal
) -> None:
    np = pytest.importorskip("numpy")
    from retail_canon.settlement import _vector

    array = np.array(nums, dtype=np.int64)
    assert _vector.half_up(array, den).tolist() == [half_up(n, den) for n in nums]
    dens = np.full(len(nums), den, dtype=np.int64)
    assert _vector.half_even(array, dens).tolist() == [half_even(n, den) for n in nums]
    units = ToleranceUnits(Tolerance(absolute=absolute, percent=percent), 2)
    size = len(nums)
    vector = _vector.accepts(
        array % 10**6,
        np.full(size, reference),
        np.full(size, units.absolute),
        np.full(size, units.num),
        np.full(size, units.den),
    )
    assert vector.tolist() == [units.accepts(n % 10**6, reference) for n in nums]
