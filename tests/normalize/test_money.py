"""normalize.money: named rounding, allocation without lost cents, recorded exchange rates."""

from __future__ import annotations

import dataclasses
import doctest
import re
from datetime import UTC, date, datetime
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from retail_canon import (
    CanonicalValueError,
    CurrencyMismatch,
    InvalidExchangeRate,
    NaiveTimestamp,
    RoundingNotPossible,
    UnknownCurrency,
)
from retail_canon.models import Discount, Money, OrderLine, Quantity
from retail_canon.normalize.money import (
    ROUNDING_MODES,
    Conversion,
    ExchangeRate,
    allocate,
    allocate_to_lines,
    convert,
    is_rounded,
    round_money,
    round_preserving_sum,
)

MINOR = {"JPY": 0, "KRW": 0, "USD": 2, "EUR": 2, "GBP": 2, "BHD": 3, "KWD": 3}
"""Minor units as ISO 4217 publishes them, written out independently of the library."""

MODES = [ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_HALF_DOWN, ROUND_FLOOR, ROUND_CEILING]
MODES += [ROUND_DOWN, ROUND_UP]

DOCS = Path(__file__).parents[2] / "docs" / "normalize" / "money.md"


def money(amount: str | int | Decimal, currency: str = "USD") -> Money:
    return Money(amount=Decimal(amount), currency=currency)


def units_of(value: Money) -> Fraction:
    return Fraction(value.amount) * 10 ** MINOR[value.currency]


def reference_round(value: Fraction, mode: str) -> int:
    """``value`` rounded to an integer under ``mode``, with fractions only."""
    floor = value.numerator // value.denominator
    rest = value - floor
    if rest == 0:
        return floor
    ceiling = floor + 1
    toward_zero, away = (floor, ceiling) if value > 0 else (ceiling, floor)
    directed = {
        ROUND_FLOOR: floor,
        ROUND_CEILING: ceiling,
        ROUND_DOWN: toward_zero,
        ROUND_UP: away,
    }
    if mode in directed:
        return directed[mode]
    if rest != Fraction(1, 2):
        return floor if rest < Fraction(1, 2) else ceiling
    if mode == ROUND_HALF_UP:
        return away
    if mode == ROUND_HALF_DOWN:
        return toward_zero
    assert mode == ROUND_HALF_EVEN
    return floor if floor % 2 == 0 else ceiling


currencies = st.sampled_from(sorted(MINOR))


@st.composite
def amounts(draw, currency: str | None = None, *, extra_digits: int = 0, limit: int = 10**9):
    """Money with up to ``extra_digits`` places beyond the currency's minor units."""
    currency = currency or draw(currencies)
    units = draw(st.integers(-limit, limit))
    places = MINOR[currency] + draw(st.integers(0, extra_digits))
    return Money(amount=Decimal(units).scaleb(-places), currency=currency)


# ---------------------------------------------------------------------------------------
# Rounding
# ---------------------------------------------------------------------------------------


@given(amounts(extra_digits=4), st.sampled_from(MODES))
def test_round_money_matches_a_fraction_reference(value, mode):
    rounded = round_money(value, mode)
    assert rounded.currency == value.currency
    assert units_of(rounded) == reference_round(units_of(value), mode)


@pytest.mark.parametrize(
    ("amount", "currency", "half_up", "half_even"),
    [
        ("0.125", "USD", "0.13", "0.12"),  # exactly half a cent, even neighbour below
        ("0.135", "USD", "0.14", "0.14"),  # even neighbour above: the modes agree
        ("-0.125", "USD", "-0.13", "-0.12"),  # refunds: half-up rounds away from zero
        ("2.5", "JPY", "3", "2"),
        ("0.0005", "BHD", "0.001", "0.000"),
        ("1.005", "EUR", "1.01", "1.00"),  # the classic float trap, exact here
    ],
)
def test_ties_at_exactly_half_a_minor_unit(amount, currency, half_up, half_even):
    value = money(amount, currency)
    assert round_money(value, ROUND_HALF_UP) == money(half_up, currency)
    assert round_money(value, ROUND_HALF_EVEN) == money(half_even, currency)


def test_round_money_refuses_a_mode_that_is_not_a_decimal_mode():
    with pytest.raises(CanonicalValueError, match="'HALF_UP' is not a decimal rounding mode"):
        round_money(money("1.005"), "HALF_UP")  # type: ignore[arg-type]
    assert "ROUND_HALF_UP" in ROUNDING_MODES


def test_no_minor_units_no_rounding():
    gold = Money(amount="1.2345", currency="XAU")
    with pytest.raises(RoundingNotPossible, match="XAU"):
        round_money(gold, ROUND_HALF_UP)
    with pytest.raises(RoundingNotPossible, match="XAU"):
        is_rounded(gold)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1.50", "USD", True),
        ("1.5", "USD", True),
        ("1.505", "USD", False),
        ("12", "JPY", True),
        ("12.0", "JPY", True),
        ("12.5", "JPY", False),
        ("0.001", "BHD", True),
        ("1E+3", "EUR", True),
    ],
)
def test_is_rounded(amount, currency, expected):
    assert is_rounded(money(amount, currency)) is expected


@given(st.lists(amounts(extra_digits=3, limit=10**6), min_size=1, max_size=8), st.data())
def test_round_preserving_sum_adds_up_to_the_rounded_total(values, data):
    currency = values[0].currency
    values = [Money(amount=v.amount, currency=currency) for v in values]
    mode = data.draw(st.sampled_from(MODES))
    parts = round_preserving_sum(values, mode)
    exact = [units_of(v) for v in values]
    assert sum(units_of(p) for p in parts) == reference_round(sum(exact), mode)
    for part, value in zip(parts, exact, strict=True):
        assert units_of(part).denominator == 1
        assert abs(units_of(part) - value) < 1  # rounded down or up, never further


def test_round_preserving_sum_gives_the_residue_to_the_largest_remainders():
    parts = round_preserving_sum([money("0.333"), money("0.333"), money("0.334")], ROUND_HALF_UP)
    assert parts == [money("0.33"), money("0.33"), money("0.34")]
    # Ties between remainders go to the earliest part; independent rounding would give 0.24.
    parts = round_preserving_sum([money("0.0825")] * 3, ROUND_HALF_UP)
    assert parts == [money("0.09"), money("0.08"), money("0.08")]
    negative = round_preserving_sum([money("-0.333"), money("-0.333"), money("-0.334")], ROUND_UP)
    assert negative == [money("-0.33"), money("-0.33"), money("-0.34")]
    assert round_preserving_sum([], ROUND_HALF_UP) == []


def test_round_preserving_sum_refuses_mixed_currencies():
    with pytest.raises(CurrencyMismatch, match="amount 1 is in EUR, not USD"):
        round_preserving_sum([money("1"), money("1", "EUR")], ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------
# Allocation
# ---------------------------------------------------------------------------------------


@st.composite
def allocations(draw):
    """An amount in whole minor units and weights: Money, Decimal or int, zeros included."""
    currency = draw(st.sampled_from(["JPY", "USD", "BHD"]))  # 0, 2 and 3 minor units
    whole = draw(amounts(currency))
    sign = draw(st.sampled_from([1, 1, -1]))  # all-negative weights: a credit note's lines
    size = draw(st.integers(1, 8))
    raw = draw(st.lists(st.integers(0, 10**6), min_size=size, max_size=size))
    assume(any(raw))
    kind = draw(st.sampled_from(["money", "decimal", "int"]))
    if kind == "money":
        weights = [Money(amount=Decimal(sign * w).scaleb(-3), currency=currency) for w in raw]
        exact = [Fraction(sign * w, 1000) for w in raw]
    elif kind == "decimal":
        weights = [Decimal(sign * w).scaleb(-2) for w in raw]
        exact = [Fraction(sign * w, 100) for w in raw]
    else:
        weights = [sign * w for w in raw]
        exact = [Fraction(sign * w) for w in raw]
    return whole, weights, exact


@given(allocations())
@example((money("10.00"), [1, 1, 1], [Fraction(1)] * 3))
@example((money("-0.05"), [Decimal(0), Decimal(3), Decimal(0)], [0, 3, 0]))
def test_allocation_sums_to_the_whole_and_each_part_is_within_one_minor_unit(case):
    whole, weights, exact = case
    parts = allocate(whole, weights)
    assert len(parts) == len(weights)
    assert all(p.currency == whole.currency for p in parts)
    total_units = units_of(whole)
    assert sum(units_of(p) for p in parts) == total_units
    total_weight = sum(exact)
    for part, weight in zip(parts, exact, strict=True):
        share = total_units * Fraction(weight) / total_weight
        assert units_of(part).denominator == 1
        assert abs(units_of(part) - share) < 1
        if weight == 0:
            assert part.is_zero()


def test_allocation_tie_rule_is_deterministic_earliest_first():
    assert allocate(money("0.05", "EUR"), [1, 1]) == [money("0.03", "EUR"), money("0.02", "EUR")]
    assert allocate(money("-0.05", "EUR"), [1, 1]) == [money("-0.03", "EUR"), money("-0.02", "EUR")]
    subtotals = [money("10.00"), money("10.00"), money("10.00")]
    assert allocate(money("1.00"), subtotals) == [money("0.34"), money("0.33"), money("0.33")]


def test_allocation_by_line_subtotals_worked_example():
    # A $5.00 order discount over lines worth $30, $10 and a free gift.
    subtotals = [money("30.00"), money("10.00"), money("0.00")]
    assert allocate(money("-5.00"), subtotals) == [money("-3.75"), money("-1.25"), money("0.00")]
    # Credit note lines are negative: they share by size.
    credit = [money("-30.00"), money("-10.00")]
    assert allocate(money("-5.00"), credit) == [money("-3.75"), money("-1.25")]


def test_allocation_of_zero_over_zero_weights_is_zeros():
    assert allocate(money("0.00"), [0, 0]) == [money("0"), money("0")]


@pytest.mark.parametrize(
    ("amount", "weights", "error", "message"),
    [
        (money("1.00"), [], CanonicalValueError, "no weights"),
        (money("1.00"), [0, Decimal(0)], CanonicalValueError, "every weight is zero"),
        (money("1.00"), [1, -1], CanonicalValueError, "mix positive and negative"),
        (money("1.00"), [money("1", "EUR")], CurrencyMismatch, "weight 0 is in EUR"),
        (money("1.005"), [1, 1], RoundingNotPossible, "not a whole number of minor units"),
        (money("1.00"), [Decimal("NaN")], CanonicalValueError, "not a finite number"),
        (Money(amount="1", currency="XAU"), [1], RoundingNotPossible, "XAU has no minor units"),
    ],
)
def test_allocation_errors_name_the_problem(amount, weights, error, message):
    with pytest.raises(error, match=message):
        allocate(amount, weights)


@pytest.mark.parametrize("weight", [0.5, True, "1"])
def test_allocation_refuses_floats_bools_and_strings(weight):
    with pytest.raises(TypeError, match="use Money, Decimal or int"):
        allocate(money("1.00"), [weight])


def test_allocate_to_lines_uses_net_line_values():
    lines = [
        OrderLine(line_id="1", sku="A", quantity=Quantity(value=2), unit_price=money("15.00")),
        OrderLine(
            line_id="2",
            sku="B",
            quantity=Quantity(value=1),
            unit_price=money("20.00"),
            discounts=(Discount(amount=money("10.00")),),
        ),
    ]
    # Weights 30.00 and 10.00 (20.00 less its own 10.00 discount).
    assert allocate_to_lines(money("4.00"), lines) == [money("3.00"), money("1.00")]
    assert allocate_to_lines(money("0.01"), lines) == [money("0.01"), money("0.00")]


# ---------------------------------------------------------------------------------------
# Exchange rates
# ---------------------------------------------------------------------------------------


def test_exchange_rate_is_immutable_and_printable():
    rate = ExchangeRate("EUR", "USD", Decimal("1.0825"), as_of=date(2024, 5, 2), source="ECB")
    assert str(rate) == "1 EUR = 1.0825 USD (ECB, 2024-05-02)"
    assert str(ExchangeRate("EUR", "USD", Decimal("1.0825"))) == "1 EUR = 1.0825 USD"
    with pytest.raises(dataclasses.FrozenInstanceError):
        rate.rate = Decimal(2)  # type: ignore[misc]
    assert ExchangeRate("EUR", "USD", "1.0825").rate == Decimal("1.0825")  # type: ignore[arg-type]
    assert ExchangeRate("JPY", "JPY", Decimal(1)).rate == 1


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        (Decimal(0), "must be greater than zero"),
        (Decimal("-1.08"), "must be greater than zero"),
        (Decimal("NaN"), "must be greater than zero"),
        (Decimal("Infinity"), "must be greater than zero"),
        (1.08, "not a binary float"),
        (True, "not a binary float"),
        ("abc", "'abc' is not a number"),
    ],
)
def test_exchange_rate_refuses_bad_rates(rate, message):
    with pytest.raises(InvalidExchangeRate, match=message) as info:
        ExchangeRate("EUR", "USD", rate)
    assert info.value.code == "invalid_exchange_rate"
    assert "EUR→USD" in str(info.value)


def test_exchange_rate_refuses_unknown_currencies_self_rates_and_naive_times():
    with pytest.raises(UnknownCurrency, match="'EUX'"):
        ExchangeRate("EUX", "USD", Decimal("1.1"))
    with pytest.raises(InvalidExchangeRate, match="worth 1 of itself"):
        ExchangeRate("USD", "USD", Decimal("1.1"))
    with pytest.raises(NaiveTimestamp, match="no time zone"):
        ExchangeRate("EUR", "USD", Decimal("1.1"), as_of=datetime(2024, 5, 2, 16))
    aware = ExchangeRate("EUR", "USD", Decimal("1.1"), as_of=datetime(2024, 5, 2, 16, tzinfo=UTC))
    assert aware.as_of is not None


def test_convert_records_the_rate_the_rounding_and_the_exact_product():
    rate = ExchangeRate("USD", "JPY", Decimal("151.37"), source="bank")
    result = convert(money("12.34"), rate, rounding=ROUND_HALF_UP)
    assert isinstance(result, Conversion)
    assert result.original == money("12.34")
    assert result.converted == money("1868", "JPY")
    assert result.exact == money("1867.9058", "JPY")
    assert result.rate is rate
    assert result.rounding == ROUND_HALF_UP
    kept = convert(money("12.34"), rate, rounding=None)
    assert kept.converted == money("1867.9058", "JPY")
    assert kept.rounding is None


def test_convert_is_exact_beyond_28_digits():
    rate = ExchangeRate("EUR", "USD", Decimal("1.0825000000000000000000000001"))
    result = convert(money("123456789.12", "EUR"), rate, rounding=None)
    expected = Fraction("123456789.12") * Fraction("1.0825000000000000000000000001")
    assert Fraction(result.converted.amount) == expected


def test_convert_refuses_the_wrong_direction_and_other_currencies():
    rate = ExchangeRate("EUR", "USD", Decimal("1.08"))
    with pytest.raises(CurrencyMismatch, match=r"pass rate\.inverse\(\) to convert USD to EUR"):
        convert(money("10.00", "USD"), rate, rounding=ROUND_HALF_UP)
    with pytest.raises(CurrencyMismatch, match=r"10\.00 GBP with a EUR→USD rate"):
        convert(money("10.00", "GBP"), rate, rounding=ROUND_HALF_UP)
    with pytest.raises(CanonicalValueError, match="'half_up'"):
        convert(money("10.00", "EUR"), rate, rounding="half_up")  # type: ignore[arg-type]


def test_convert_to_a_currency_without_minor_units():
    rate = ExchangeRate("USD", "XAU", Decimal("0.00042"))
    assert convert(money("100.00"), rate, rounding=None).converted.amount == Decimal("0.042")
    with pytest.raises(RoundingNotPossible, match="XAU"):
        convert(money("100.00"), rate, rounding=ROUND_HALF_UP)


def test_inverse_is_explicit_and_keeps_date_and_source():
    rate = ExchangeRate("EUR", "USD", Decimal("1.25"), as_of=date(2024, 5, 2), source="ECB")
    back = rate.inverse()
    assert (back.base, back.quote, back.rate) == ("USD", "EUR", Decimal("0.8"))
    assert (back.as_of, back.source) == (rate.as_of, rate.source)
    assert ExchangeRate("EUR", "USD", Decimal(3)).inverse(precision=4).rate == Decimal("0.3333")
    with pytest.raises(CanonicalValueError, match="precision 0"):
        rate.inverse(precision=0)


rates = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(1, 999_999),
    st.integers(-7, 0),
)


@given(st.data(), rates, st.sampled_from([ROUND_HALF_UP, ROUND_HALF_EVEN]))
def test_round_trip_with_the_inverse_rate_stays_within_the_documented_bound(data, rate, mode):
    base = data.draw(currencies)
    quote = data.draw(currencies.filter(lambda c: c != base))
    original = data.draw(amounts(base, limit=10**8))
    there = ExchangeRate(base, quote, rate)
    converted = convert(original, there, rounding=mode).converted
    back = convert(converted, there.inverse(), rounding=mode).converted
    unit_base = Fraction(1, 10 ** MINOR[base])
    unit_quote_in_base = Fraction(1, 10 ** MINOR[quote]) / Fraction(rate)
    miss = abs(Fraction(back.amount) - Fraction(original.amount))
    # Documented: at most half a base minor unit plus half a quote minor unit in base terms
    # (the 28-digit inverse adds far less than 10**-15 at these sizes).
    assert miss <= unit_base / 2 + unit_quote_in_base / 2 + Fraction(1, 10**15)
    if unit_quote_in_base < unit_base:  # a finer quote currency: the original comes back
        assert back == original


def test_round_trip_can_miss_by_a_minor_unit_when_the_quote_unit_is_coarser():
    usd_eur = ExchangeRate("USD", "EUR", Decimal("0.92"))
    there = convert(money("0.05"), usd_eur, rounding=ROUND_HALF_UP).converted  # 0.046
    back = convert(there, usd_eur.inverse(), rounding=ROUND_HALF_UP).converted  # 0.05434…
    assert (there, back) == (money("0.05", "EUR"), money("0.05"))
    there = convert(money("0.06"), usd_eur, rounding=ROUND_HALF_UP).converted  # 0.0552
    back = convert(there, usd_eur.inverse(), rounding=ROUND_HALF_UP).converted  # 0.06521…
    assert (there, back) == (money("0.06", "EUR"), money("0.07"))  # one cent more
    usd_jpy = ExchangeRate("USD", "JPY", Decimal("151.37"))
    there = convert(money("0.06"), usd_jpy, rounding=ROUND_HALF_UP).converted
    assert convert(there, usd_jpy.inverse(), rounding=ROUND_HALF_UP).converted == money("0.06")


# ---------------------------------------------------------------------------------------
# The documentation's examples run
# ---------------------------------------------------------------------------------------


def run_markdown_examples(path: Path) -> doctest.TestResults:
    """Run the ``pycon`` blocks of a Markdown page as one doctest session."""
    blocks = re.findall(r"```pycon\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, f"no pycon examples in {path}"
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(blocks), {}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    return runner.summarize(verbose=False)


def test_documentation_examples_run():
    results = run_markdown_examples(DOCS)
    assert results.attempted > 10
    assert results.failed == 0
