"""Money: exact amounts, currency safety, explicit rounding, allocation without lost cents."""

from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from fractions import Fraction

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from retail_canon._exceptions import (
    CanonicalValueError,
    CurrencyMismatch,
    RetailCanonError,
    RoundingNotPossible,
    UnknownCurrency,
)
from retail_canon.models import Money, minor_units
from strategies import (
    COMMON_CURRENCIES,
    assert_lossless_round_trip,
    currencies,
    decimals,
    money,
)

MINOR = {"JPY": 0, "USD": 2, "EUR": 2, "BHD": 3, "KWD": 3, "CLF": 4}
"""Minor units as ISO 4217 publishes them, written out independently of the library."""

ROUNDING_MODES = [ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_FLOOR, ROUND_CEILING, ROUND_DOWN, ROUND_UP]


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def exact(value: Decimal | Money) -> Fraction:
    return Fraction(value.amount if isinstance(value, Money) else value)


def minor_money(units: int, currency: str) -> Money:
    """``units`` minor units of ``currency``, built without any decimal arithmetic."""
    return Money(amount=Decimal(f"{units}E-{MINOR[currency]}"), currency=currency)


def reference_round(value: Fraction, mode: str) -> int:
    """``value`` rounded to an integer under ``mode``, computed with fractions."""
    floor = value.numerator // value.denominator
    rest = value - floor
    if rest == 0:
        return floor
    ceiling = floor + 1
    toward_zero = floor if value > 0 else ceiling
    away = ceiling if value > 0 else floor
    if mode == ROUND_FLOOR:
        return floor
    if mode == ROUND_CEILING:
        return ceiling
    if mode == ROUND_DOWN:
        return toward_zero
    if mode == ROUND_UP:
        return away
    if rest != Fraction(1, 2):
        return floor if rest < Fraction(1, 2) else ceiling
    if mode == ROUND_HALF_UP:
        return away
    assert mode == ROUND_HALF_EVEN
    return floor if floor % 2 == 0 else ceiling


# ---------------------------------------------------------------------------------------
# Construction and round trips
# ---------------------------------------------------------------------------------------


@given(money())
def test_round_trip_is_lossless(m: Money) -> None:
    assert_lossless_round_trip(m)


@pytest.mark.parametrize(
    "text",
    ["0.1000000000000000055511151231257827", "12.30", "1.000", "1E+3", "0E-9", "-0.50"],
)
def test_amount_keeps_every_digit_and_trailing_zero(text: str) -> None:
    m = Money(amount=text, currency="USD")
    assert str(m.amount) == text
    assert m.model_dump_json() == f'{{"amount":"{text}","currency":"USD"}}'
    assert str(Money.model_validate_json(m.model_dump_json()).amount) == text


def test_json_number_is_read_digit_for_digit() -> None:
    doc = '{"amount": 0.1000000000000000055511151231257827, "currency": "USD"}'
    m = Money.model_validate_json(doc)
    assert m.amount == Decimal("0.1000000000000000055511151231257827")
    assert str(m.amount) == "0.1000000000000000055511151231257827"
    assert m.amount != Decimal.from_float(0.1)  # what a float would have made of it


@pytest.mark.parametrize(
    "number", ["12.30", "1.000", "1E+3", "-2.5e-7", "123456789012345678901234567890"]
)
def test_json_number_keeps_exponent_and_trailing_zeros(number: str) -> None:
    m = Money.model_validate_json(f'{{"amount": {number}, "currency": "EUR"}}')
    assert m.amount.as_tuple() == Decimal(number).as_tuple()


@given(decimals(), currencies())
def test_generated_decimals_as_json_numbers_round_trip_exactly(
    amount: Decimal, currency: str
) -> None:
    assume(str(amount) != "-0")  # a JSON reader takes -0 as the integer 0
    m = Money.model_validate_json(f'{{"amount": {amount}, "currency": "{currency}"}}')
    assert m.amount.as_tuple() == amount.as_tuple()
    assert m.currency == currency


def test_float_amount_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Money(amount=0.1, currency="USD")
    (error,) = info.value.errors()
    assert error["loc"] == ("amount",)
    assert "binary float" in error["msg"]


@pytest.mark.parametrize("code", ["ABC", "XYZ", "ZWD"])
def test_unknown_currency_is_refused(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        Money(amount="1", currency=code)
    (error,) = info.value.errors()
    assert error["loc"] == ("currency",)
    assert "ISO 4217" in error["msg"]
    with pytest.raises(UnknownCurrency):
        minor_units(code)


@pytest.mark.parametrize("code", ["usd", "US", "USDX", ""])
def test_malformed_currency_code_is_refused(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        Money(amount="1", currency=code)
    assert info.value.errors()[0]["loc"] == ("currency",)


@pytest.mark.parametrize(("code", "digits"), [*MINOR.items(), ("XAU", None), ("XXX", None)])
def test_minor_units(code: str, digits: int | None) -> None:
    assert minor_units(code) == digits
    assert Money(amount="1", currency=code).minor_units == digits


def test_error_classes() -> None:
    assert issubclass(UnknownCurrency, CanonicalValueError)
    assert issubclass(CurrencyMismatch, ValueError)
    assert issubclass(RoundingNotPossible, RetailCanonError)
    assert UnknownCurrency.code == "unknown_currency"
    assert CurrencyMismatch.code == "currency_mismatch"
    assert RoundingNotPossible.code == "rounding_not_possible"


# ---------------------------------------------------------------------------------------
# Arithmetic: exact, same currency only
# ---------------------------------------------------------------------------------------

same_currency_pairs = currencies().flatmap(lambda c: st.tuples(money(c), money(c), money(c)))


@given(same_currency_pairs)
@example(
    (
        usd("0.1000000000000000055511151231257827"),
        usd("1"),
        usd("12345678901234567890123456.78"),
    )
)
def test_addition_and_subtraction_are_exact(triple: tuple[Money, Money, Money]) -> None:
    a, b, c = triple
    assert exact(a + b) == exact(a) + exact(b)
    assert exact(a - b) == exact(a) - exact(b)
    assert a + b == b + a
    assert (a + b) - b == a
    assert (a + b) + c == a + (b + c)
    assert (a + b).currency == a.currency


@given(money())
def test_negation_and_zero_identities(a: Money) -> None:
    zero = Money.zero(a.currency)
    assert exact(-a) == -exact(a)
    negated = -a
    assert -negated == a
    assert (a + (-a)).is_zero()
    assert (a - a).is_zero()
    assert a + zero == a
    assert a - zero == a
    assert zero - a == -a
    assert exact(abs(a)) == abs(exact(a))
    assert (-a).currency == a.currency


@given(money(), st.integers(-(10**30), 10**30), decimals())
def test_multiplication_is_exact(a: Money, n: int, d: Decimal) -> None:
    assert exact(a * n) == exact(a) * n
    assert exact(n * a) == exact(a) * n
    assert exact(a * d) == exact(a) * Fraction(d)
    assert (a * 2) == a + a
    assert (a * d).currency == a.currency


@pytest.mark.parametrize("factor", [0.5, 1.0, float("nan"), True, "2", None])
def test_multiplying_by_anything_but_decimal_or_int_is_refused(factor: object) -> None:
    m = usd("19.99")
    with pytest.raises(TypeError, match="Decimal or an int"):
        m * factor  # type: ignore[operator]
    with pytest.raises(TypeError):
        factor * m  # type: ignore[operator]


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_mixed_currencies_raise_currency_mismatch(op: object) -> None:
    with pytest.raises(CurrencyMismatch, match="USD and EUR"):
        op(usd("1"), Money(amount="1", currency="EUR"))  # type: ignore[operator]


@given(st.sampled_from(COMMON_CURRENCIES), st.sampled_from(COMMON_CURRENCIES), decimals())
def test_currency_mismatch_for_any_pair(c1: str, c2: str, amount: Decimal) -> None:
    assume(c1 != c2)
    a = Money(amount=amount, currency=c1)
    b = Money(amount=amount, currency=c2)
    with pytest.raises(CurrencyMismatch):
        a + b
    with pytest.raises(CurrencyMismatch):
        a - b
    assert a != b


@pytest.mark.parametrize("other", [1, Decimal(1), "1", None])
def test_adding_something_that_is_not_money_is_a_type_error(other: object) -> None:
    with pytest.raises(TypeError):
        usd("1") + other  # type: ignore[operator]
    with pytest.raises(TypeError):
        usd("1") - other  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = usd("1") < other  # type: ignore[operator]


def test_equality_is_numeric_within_a_currency() -> None:
    assert usd("1.0") == usd("1.00")
    assert hash(usd("1.0")) == hash(usd("1.00"))
    assert usd("1") != Money(amount="1", currency="EUR")
    assert usd("1") != usd("1.01")
    assert usd("1") != Decimal(1)
    assert usd("1") < usd("1.01")
    assert usd("-1") <= usd("-1.00")
    assert not usd("2") > usd("2")


def test_docstring_example() -> None:
    total = usd("19.99") * 3
    assert total == usd("59.97")
    assert (total * Decimal("0.0825")).round(ROUND_HALF_UP).amount == Decimal("4.95")


# ---------------------------------------------------------------------------------------
# Rounding: always an explicit mode
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "amount", "half_up", "half_even"),
    [
        ("USD", "0.125", "0.13", "0.12"),
        ("USD", "0.135", "0.14", "0.14"),
        ("USD", "-0.125", "-0.13", "-0.12"),
        ("USD", "2.675", "2.68", "2.68"),
        ("JPY", "2.5", "3", "2"),
        ("JPY", "3.5", "4", "4"),
        ("JPY", "-2.5", "-3", "-2"),
        ("BHD", "1.0005", "1.001", "1.000"),
        ("BHD", "1.0015", "1.002", "1.002"),
        ("CLF", "0.00005", "0.0001", "0.0000"),
    ],
)
def test_round_on_ties_depends_on_the_mode(
    currency: str, amount: str, half_up: str, half_even: str
) -> None:
    m = Money(amount=amount, currency=currency)
    up = m.round(ROUND_HALF_UP)
    even = m.round(ROUND_HALF_EVEN)
    assert str(up.amount) == half_up
    assert str(even.amount) == half_even
    assert up.currency == even.currency == currency


def test_round_pads_to_the_currency_minor_units() -> None:
    assert str(usd("5").round(ROUND_HALF_EVEN).amount) == "5.00"
    assert str(Money(amount="5", currency="BHD").round(ROUND_DOWN).amount) == "5.000"
    assert str(Money(amount="1E+3", currency="JPY").round(ROUND_DOWN).amount) == "1000"


@given(
    st.sampled_from(list(MINOR)).flatmap(lambda c: money(c)),
    st.sampled_from(ROUNDING_MODES),
)
@example(usd("123456789012345678901234567890.125"), ROUND_HALF_EVEN)
def test_round_matches_a_reference_rounding(m: Money, mode: str) -> None:
    digits = MINOR[m.currency]
    rounded = m.round(mode)
    expected_units = reference_round(exact(m) * 10**digits, mode)
    assert exact(rounded) == Fraction(expected_units, 10**digits)
    assert rounded.amount.as_tuple().exponent == -digits
    assert rounded.round(mode) == rounded  # idempotent
    assert m.to_minor_units(mode) == expected_units


@given(st.sampled_from(list(MINOR)), st.integers(-(10**40), 10**40))
@example("USD", 10**30 + 1)
@example("BHD", -(10**35) - 7)
def test_minor_units_round_trip(currency: str, units: int) -> None:
    m = Money.from_minor_units(units, currency)
    assert m.currency == currency
    assert exact(m) == Fraction(units, 10 ** MINOR[currency])
    assert m.amount.as_tuple().exponent == -MINOR[currency]
    for mode in ROUNDING_MODES:
        assert m.to_minor_units(mode) == units


def test_from_minor_units_examples() -> None:
    assert Money.from_minor_units(1999, "USD") == usd("19.99")
    assert str(Money.from_minor_units(1999, "USD").amount) == "19.99"
    assert str(Money.from_minor_units(5, "BHD").amount) == "0.005"
    assert str(Money.from_minor_units(500, "JPY").amount) == "500"
    assert usd("19.99").to_minor_units(ROUND_HALF_EVEN) == 1999
    assert usd("0.005").to_minor_units(ROUND_HALF_UP) == 1
    assert usd("0.005").to_minor_units(ROUND_HALF_EVEN) == 0
    assert usd("-0.005").to_minor_units(ROUND_HALF_UP) == -1


@pytest.mark.parametrize("code", ["XAU", "XDR", "XXX"])
def test_currencies_without_minor_units_cannot_be_rounded(code: str) -> None:
    m = Money(amount="1.5", currency=code)  # a valid amount...
    assert m.minor_units is None
    with pytest.raises(RoundingNotPossible, match=code):
        m.round(ROUND_HALF_EVEN)  # ...but there is nothing to round to
    with pytest.raises(RoundingNotPossible):
        m.to_minor_units(ROUND_HALF_EVEN)
    with pytest.raises(RoundingNotPossible):
        Money.from_minor_units(15, code)
    with pytest.raises(RoundingNotPossible):
        m.allocate([1, 1])


def test_from_minor_units_of_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency):
        Money.from_minor_units(1, "ABC")


# ---------------------------------------------------------------------------------------
# Allocation: parts add up exactly, each within one minor unit of its share
# ---------------------------------------------------------------------------------------

weights = st.one_of(
    st.lists(st.integers(0, 10**6), min_size=1, max_size=12),
    st.lists(decimals(sign="non-negative", max_digits=34), min_size=1, max_size=8),
    st.lists(st.integers(0, 3), min_size=1, max_size=30),
).filter(lambda ws: sum(Fraction(w) for w in ws) > 0)


@given(
    st.sampled_from(list(MINOR)),
    st.one_of(st.integers(-(10**6), 10**6), st.integers(-(10**40), 10**40)),
    weights,
)
@example("USD", 1000, [1, 1, 1])
@example("USD", 3 * 10**28 - 1, [1, 1, 1])
@example("USD", 12345678901, [Decimal(1) / Decimal(3)] * 3)
@example("JPY", 1, [Decimal("1E-30"), Decimal(1), Decimal("0.3333333333333333333333333333333")])
def test_allocate_never_loses_or_invents_a_minor_unit(
    currency: str, units: int, weights: list[int] | list[Decimal]
) -> None:
    whole = minor_money(units, currency)
    parts = whole.allocate(weights)

    assert len(parts) == len(weights)
    assert all(p.currency == currency for p in parts)
    assert sum(exact(p) for p in parts) == exact(whole)

    unit = Fraction(1, 10 ** MINOR[currency])
    total_weight = sum(Fraction(w) for w in weights)
    for part, weight in zip(parts, weights, strict=True):
        share = exact(whole) * Fraction(weight) / total_weight
        assert abs(exact(part) - share) < unit
        assert (exact(part) / unit).denominator == 1  # whole minor units
        if weight == 0:
            assert part.is_zero()
        else:
            assert exact(part) * exact(whole) >= 0  # never the opposite sign


def test_allocate_gives_the_remainder_to_the_largest_shares_then_the_earliest() -> None:
    assert [str(p.amount) for p in usd("10.00").allocate([1, 1, 1])] == ["3.34", "3.33", "3.33"]
    assert [str(p.amount) for p in usd("-10.00").allocate([1, 1, 1])] == [
        "-3.34",
        "-3.33",
        "-3.33",
    ]
    assert [str(p.amount) for p in usd("0.05").allocate([1, 3])] == ["0.01", "0.04"]
    # shares 0.625 and 0.375 -> 1 leftover cent goes to the larger fraction (the first)
    assert [str(p.amount) for p in usd("0.01").allocate([5, 3])] == ["0.01", "0.00"]
    assert [str(p.amount) for p in Money(amount="100", currency="JPY").allocate([1, 2])] == [
        "33",
        "67",
    ]
    parts = Money(amount="1.000", currency="BHD").allocate([Decimal("0.5"), Decimal("0.25"), 0])
    assert [str(p.amount) for p in parts] == ["0.667", "0.333", "0.000"]


@pytest.mark.parametrize("bad", [[], [0, 0], [1, -1], [Decimal("-0.5"), Decimal(2)]])
def test_allocate_refuses_unusable_weights(bad: list[int]) -> None:
    with pytest.raises(ValueError, match="weights"):
        usd("10.00").allocate(bad)


def test_allocate_refuses_an_amount_that_is_not_whole_minor_units() -> None:
    with pytest.raises(RoundingNotPossible, match="minor units"):
        usd("10.005").allocate([1, 1])
    with pytest.raises(RoundingNotPossible):
        Money(amount="0.5", currency="JPY").allocate([1])
    # trailing zeros beyond the minor units are fine: 10.000 is 1000 cents
    assert [str(p.amount) for p in usd("10.000").allocate([1, 1])] == ["5.00", "5.00"]
