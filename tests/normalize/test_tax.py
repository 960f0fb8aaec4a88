"""normalize.tax: inclusive/exclusive prices, rounding strategies, checks of reported tax."""

from __future__ import annotations

import dataclasses
import doctest
import re
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retail_canon import CanonicalValueError, CurrencyMismatch, RoundingNotPossible
from retail_canon.models import (
    Discount,
    Money,
    OrderLine,
    OrderTotals,
    Quantity,
    SalesOrder,
    ShippingLine,
    TaxKind,
    TaxLiability,
    TaxLine,
)
from retail_canon.models._iso4217_data import MINOR_UNITS
from retail_canon.normalize.tax import (
    LineTax,
    RoundingStrategy,
    TaxableLine,
    TaxComputation,
    TaxDiscrepancy,
    TaxPolicy,
    TaxRate,
    check_order_tax,
    compute_tax,
    spread_tax_line,
    tax_exclusive,
    tax_inclusive,
)
from strategies import sales_orders

MINOR = {"JPY": 0, "USD": 2, "EUR": 2, "GBP": 2, "BHD": 3}
"""Minor units as ISO 4217 publishes them, written out independently of the library."""

LINE, DOCUMENT, PER_RATE = (
    RoundingStrategy.LINE,
    RoundingStrategy.DOCUMENT,
    RoundingStrategy.PER_RATE,
)
DOCS = Path(__file__).parents[2] / "docs" / "normalize" / "tax.md"


def money(amount: str | int | Decimal, currency: str = "USD") -> Money:
    return Money(amount=Decimal(amount), currency=currency)


def units_of(value: Money) -> Fraction:
    return Fraction(value.amount) * 10 ** MINOR[value.currency]


def half_round(value: Fraction, mode: str) -> int:
    """``value`` rounded to an integer with a half-way mode, using fractions only."""
    floor = value.numerator // value.denominator
    rest = value - floor
    if rest != Fraction(1, 2):
        return floor if rest < Fraction(1, 2) else floor + 1
    if mode == ROUND_HALF_UP:
        return floor + 1 if value > 0 else floor
    assert mode == ROUND_HALF_EVEN
    return floor if floor % 2 == 0 else floor + 1


def rate(value: str, **kw) -> TaxRate:
    return TaxRate(Decimal(value), **kw)


def lines_of(currency: str, *pairs: tuple[str, TaxRate]) -> list[TaxableLine]:
    return [TaxableLine(money(a, currency), (r,), line_id=str(i)) for i, (a, r) in enumerate(pairs)]


def taxes(result: TaxComputation) -> list[Decimal]:
    return [line.tax.amount for line in result.lines]


# ---------------------------------------------------------------------------------------
# Policy and rates
# ---------------------------------------------------------------------------------------


def test_policy_defaults_to_half_up_and_checks_its_parts():
    assert TaxPolicy(LINE).rounding == ROUND_HALF_UP
    assert TaxPolicy("PER_RATE").strategy is PER_RATE  # type: ignore[arg-type]
    with pytest.raises(CanonicalValueError, match="'PER_ITEM' is not one of LINE, DOCUMENT"):
        TaxPolicy("PER_ITEM")  # type: ignore[arg-type]
    with pytest.raises(CanonicalValueError, match="'half-up'"):
        TaxPolicy(LINE, "half-up")  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        TaxPolicy(LINE).strategy = DOCUMENT  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-0.1, "use a Decimal"),
        (Decimal("-0.01"), "zero or more"),
        (Decimal("NaN"), "finite"),
        ("abc", "not a number"),
        (True, "use a Decimal"),
    ],
)
def test_tax_rate_refuses_bad_rates(value, message):
    with pytest.raises(CanonicalValueError, match=message):
        TaxRate(value)


def test_tax_rate_checks_the_vat_category_and_reads_tax_lines():
    with pytest.raises(CanonicalValueError, match="'X' is not a UNCL5305 code"):
        rate("0.2", vat_category="X")
    line = TaxLine(
        kind=TaxKind.SALES,
        rate=Decimal("0.0625"),
        amount=money("1.00"),
        liability=TaxLiability.MARKETPLACE,
        responsible_party="Amazon Services, Inc.",
    )
    parsed = TaxRate.from_tax_line(line)
    assert (parsed.rate, parsed.kind, parsed.liability) == (
        Decimal("0.0625"),
        TaxKind.SALES,
        TaxLiability.MARKETPLACE,
    )
    assert parsed.responsible_party == "Amazon Services, Inc."
    with pytest.raises(CanonicalValueError, match="has no rate"):
        TaxRate.from_tax_line(TaxLine(amount=money("1.00")))
    assert rate("0.2").key == rate("0.20").key
    assert rate("0.2", kind=TaxKind.VAT, jurisdiction="GB").describe() == "rate 0.2 (VAT, GB)"


# ---------------------------------------------------------------------------------------
# Worked examples
# ---------------------------------------------------------------------------------------


def test_us_per_item_and_per_invoice_half_up_differ_by_a_cent():
    texas = rate("0.0825", kind=TaxKind.SALES, jurisdiction="US-TX")
    lines = lines_of("USD", ("4.99", texas), ("2.49", texas), ("1.29", texas))
    # Exact: 0.411675 + 0.205425 + 0.106425 = 0.723525
    per_item = compute_tax(lines, TaxPolicy(LINE))
    per_invoice = compute_tax(lines, TaxPolicy(DOCUMENT))
    assert taxes(per_item) == [Decimal("0.41"), Decimal("0.21"), Decimal("0.11")]
    assert per_item.total == money("0.73")
    assert per_invoice.total == money("0.72")
    # The invoice's residue is pushed back by largest remainder: 0.41, 0.20, 0.11.
    assert taxes(per_invoice) == [Decimal("0.41"), Decimal("0.20"), Decimal("0.11")]
    assert [line.gross for line in per_invoice.lines] == [
        money("5.40"),
        money("2.69"),
        money("1.40"),
    ]


def test_eu_en16931_two_rates_rounded_once_per_rate_per_document():
    standard = rate("0.19", kind=TaxKind.VAT, jurisdiction="DE", vat_category="S")
    reduced = rate("0.07", kind=TaxKind.VAT, jurisdiction="DE", vat_category="S")
    lines = lines_of(
        "EUR",
        ("0.99", standard),
        ("0.99", standard),
        ("0.99", standard),
        ("1.49", reduced),
        ("1.49", reduced),
    )
    result = compute_tax(lines, TaxPolicy(PER_RATE))
    # BR-CO-17: category tax = category taxable amount × rate, rounded to 2 decimals.
    breakdown = [(t.rate, t.taxable_amount, t.amount) for t in result.summary]
    assert breakdown == [
        (Decimal("0.19"), money("2.97", "EUR"), money("0.56", "EUR")),  # 0.5643
        (Decimal("0.07"), money("2.98", "EUR"), money("0.21", "EUR")),  # 0.2086
    ]
    assert taxes(result) == [Decimal(x) for x in ("0.19", "0.19", "0.18", "0.11", "0.10")]
    assert result.total == money("0.77", "EUR")
    # Per line the split differs (0.57 and 0.20), though the total happens to agree.
    per_line = compute_tax(lines, TaxPolicy(LINE))
    assert taxes(per_line) == [Decimal(x) for x in ("0.19", "0.19", "0.19", "0.10", "0.10")]
    assert [t.vat_category for t in result.summary] == ["S", "S"]


def test_japan_8_and_10_percent_rounded_once_per_rate_on_tax_inclusive_prices():
    food = rate("0.08", kind=TaxKind.JCT, title="軽減税率 8%")
    other = rate("0.10", kind=TaxKind.JCT, title="標準税率 10%")
    lines = lines_of("JPY", ("98", food), ("128", food), ("1280", other), ("2480", other))
    invoice = compute_tax(lines, TaxPolicy(PER_RATE), prices_include_tax=True)
    # 226 × 8/108 = 16.74 → 17; 3,760 × 10/110 = 341.8 → 342
    assert [(t.title, t.amount) for t in invoice.summary] == [
        ("軽減税率 8%", money("17", "JPY")),
        ("標準税率 10%", money("342", "JPY")),
    ]
    assert [t.taxable_amount for t in invoice.summary] == [
        money("209", "JPY"),
        money("3418", "JPY"),
    ]
    assert all(t.included_in_price for line in invoice.lines for t in line.tax_lines)
    assert [line.gross for line in invoice.lines] == [line.amount for line in lines]
    # Rounding per line (information only under the qualified invoice system) gives 16 and 341.
    per_line = compute_tax(lines, TaxPolicy(LINE), prices_include_tax=True)
    assert taxes(per_line) == [Decimal(x) for x in ("7", "9", "116", "225")]
    # The issuer may round down instead: 16 and 341 per rate.
    down = compute_tax(lines, TaxPolicy(PER_RATE, ROUND_DOWN), prices_include_tax=True)
    assert [t.amount.amount for t in down.summary] == [Decimal(16), Decimal(341)]


@pytest.mark.parametrize(
    ("net", "half_up", "half_even"),
    [("2.50", "0.13", "0.12"), ("2.70", "0.14", "0.14"), ("-2.50", "-0.13", "-0.12")],
)
def test_tax_exactly_half_a_cent_half_up_vs_half_even(net, half_up, half_even):
    five = rate("0.05")
    for mode, expected in ((ROUND_HALF_UP, half_up), (ROUND_HALF_EVEN, half_even)):
        result = compute_tax(lines_of("USD", (net, five)), TaxPolicy(LINE, mode))
        assert result.total == money(expected)
        assert tax_inclusive(money(net), Decimal("0.05"), rounding=mode) == money(net) + money(
            expected
        )


def test_single_price_conversions():
    assert tax_exclusive(money("1100", "JPY"), Decimal("0.10")) == money("1000", "JPY")
    assert tax_exclusive(money("9.99", "EUR"), Decimal("0.20")) == money("8.32", "EUR")
    assert tax_inclusive(money("8.32", "EUR"), Decimal("0.20")) == money("9.98", "EUR")
    assert tax_inclusive(money("19.99"), Decimal(0)) == money("19.99")
    assert tax_exclusive(money("1.234", "BHD"), Decimal("0.10")) == money("1.122", "BHD")


def test_a_line_with_several_taxes_is_rounded_once_per_line_as_ssuta_says():
    state = rate("0.0625", jurisdiction="US-TX")
    city = rate("0.02", jurisdiction="US-TX-AUS")
    # 0.40: 0.025 + 0.008 = 0.033 → 0.03 together; rounded apart, 0.03 + 0.01 = 0.04.
    result = compute_tax([TaxableLine(money("0.40"), (state, city))], TaxPolicy(LINE))
    assert result.total == money("0.03")
    assert [t.amount for t in result.lines[0].tax_lines] == [money("0.02"), money("0.01")]
    apart = [
        compute_tax(lines_of("USD", ("0.40", r)), TaxPolicy(LINE)).total for r in (state, city)
    ]
    assert apart == [money("0.03"), money("0.01")]


def test_compute_tax_refuses_empty_and_mixed_input():
    with pytest.raises(CanonicalValueError, match="no lines"):
        compute_tax([], TaxPolicy(LINE))
    with pytest.raises(CurrencyMismatch, match="line 1 is in EUR, not USD"):
        compute_tax(
            lines_of("USD", ("1", rate("0.1"))) + lines_of("EUR", ("1", rate("0.1"))),
            TaxPolicy(LINE),
        )
    with pytest.raises(RoundingNotPossible, match="XAU"):
        compute_tax(
            [TaxableLine(Money(amount="1", currency="XAU"), (rate("0.1"),))], TaxPolicy(LINE)
        )


def test_a_line_without_taxes_is_untaxed():
    result = compute_tax([TaxableLine(money("5.00"), line_id="gift-card")], TaxPolicy(PER_RATE))
    assert result.lines == (
        LineTax(
            line_id="gift-card",
            net=money("5.00"),
            tax=money("0"),
            gross=money("5.00"),
            tax_lines=(),
        ),
    )
    assert result.summary == ()
    assert result.total == money("0")


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------

RATES = ["0", "0.05", "0.07", "0.08", "0.0825", "0.10", "0.19", "0.20", "0.21", "0.25"]
tax_rates = st.one_of(
    st.sampled_from(RATES).map(Decimal),
    st.integers(0, 3000).map(lambda n: Decimal(n).scaleb(-4)),  # 0 % to 30 %, 4 places
)
strategies_ = st.sampled_from(list(RoundingStrategy))
half_modes = st.sampled_from([ROUND_HALF_UP, ROUND_HALF_EVEN])
liabilities = st.sampled_from(list(TaxLiability))


@st.composite
def documents(draw, *, max_taxes: int = 2, one_rate: bool = False):
    """(currency, lines) with whole minor-unit amounts; one tax per line if max_taxes=1."""
    currency = draw(st.sampled_from(sorted(MINOR)))
    shared = draw(tax_rates)
    lines = []
    for i in range(draw(st.integers(1, 6))):
        units = draw(st.integers(-(10**6), 10**6))
        count = draw(st.integers(1, max_taxes))
        taxes_ = tuple(
            TaxRate(shared if one_rate else draw(tax_rates), liability=draw(liabilities))
            for _ in range(count)
        )
        amount = Money(amount=Decimal(units).scaleb(-MINOR[currency]), currency=currency)
        lines.append(TaxableLine(amount, taxes_, line_id=f"L{i}"))
    return currency, lines


def exact_taxes(lines, inclusive: bool):
    """Exact tax per (line, tax), in minor units, with fractions."""
    out = []
    for line in lines:
        base = units_of(line.amount)
        if inclusive:
            base /= 1 + sum(Fraction(t.rate) for t in line.taxes)
        out.append([base * Fraction(t.rate) for t in line.taxes])
    return out


@given(documents(), strategies_, half_modes, st.booleans())
def test_line_taxes_always_add_up_to_the_document_tax(document, strategy, mode, inclusive):
    currency, lines = document
    result = compute_tax(lines, TaxPolicy(strategy, mode), prices_include_tax=inclusive)
    exact = exact_taxes(lines, inclusive)
    line_units = [[units_of(t.amount) for t in lt.tax_lines] for lt in result.lines]
    everything = [u for per_line in line_units for u in per_line]
    assert (
        units_of(result.total) == sum(everything) == sum(units_of(t.amount) for t in result.summary)
    )
    for got, want, line, computed in zip(line_units, exact, lines, result.lines, strict=True):
        assert all(g.denominator == 1 and abs(g - w) < 1 for g, w in zip(got, want, strict=True))
        assert computed.net + computed.tax == computed.gross
        assert (computed.gross if inclusive else computed.net) == line.amount
        assert computed.tax == sum((t.amount for t in computed.tax_lines), Money.zero(currency))
        # Liability and party come from the input, never guessed.
        assert [t.liability for t in computed.tax_lines] == [r.liability for r in line.taxes]
    if strategy is DOCUMENT:
        assert units_of(result.total) == half_round(sum(sum(e) for e in exact), mode)
    if strategy is LINE:
        for got, want in zip(line_units, exact, strict=True):
            assert sum(got) == half_round(sum(want), mode)


@given(documents(), half_modes, st.booleans())
def test_per_rate_document_tax_equals_the_sum_of_the_allocated_line_taxes(
    document, mode, inclusive
):
    _, lines = document
    result = compute_tax(lines, TaxPolicy(PER_RATE, mode), prices_include_tax=inclusive)
    exact = exact_taxes(lines, inclusive)
    per_rate_exact: dict = {}
    per_rate_lines: dict = {}
    for line, want, computed in zip(lines, exact, result.lines, strict=True):
        for tax, w, got in zip(line.taxes, want, computed.tax_lines, strict=True):
            key = (tax.rate.normalize(), tax.liability)
            per_rate_exact[key] = per_rate_exact.get(key, 0) + w
            per_rate_lines[key] = per_rate_lines.get(key, 0) + units_of(got.amount)
    summary = {(t.rate.normalize(), t.liability): units_of(t.amount) for t in result.summary}
    assert len(summary) == len(result.summary) == len(per_rate_exact)
    for key, value in per_rate_exact.items():
        assert summary[key] == half_round(value, mode) == per_rate_lines[key]


@given(st.data(), strategies_, half_modes)
def test_exclusive_inclusive_round_trips_under_every_strategy(data, strategy, mode):
    """Net → gross → net always comes back, and so does every gross that some net produces.

    Holds with one tax per line and, for DOCUMENT, one rate in the whole document; the
    exceptions are the tests below.
    """
    _, lines = data.draw(documents(max_taxes=1, one_rate=strategy is DOCUMENT))
    policy = TaxPolicy(strategy, mode)
    forward = compute_tax(lines, policy)
    grosses = [
        TaxableLine(lt.gross, line.taxes) for lt, line in zip(forward.lines, lines, strict=True)
    ]
    backward = compute_tax(grosses, policy, prices_include_tax=True)
    assert [lt.net for lt in backward.lines] == [line.amount for line in lines]
    assert [lt.tax for lt in backward.lines] == [lt.tax for lt in forward.lines]
    nets = [TaxableLine(lt.net, line.taxes) for lt, line in zip(backward.lines, lines, strict=True)]
    again = compute_tax(nets, policy)
    assert [lt.gross for lt in again.lines] == [g.amount for g in grosses]


@pytest.mark.parametrize("mode", [ROUND_HALF_UP, ROUND_HALF_EVEN])
def test_exception_a_gross_price_no_net_price_produces_cannot_round_trip(mode):
    """EUR 9.99 at 20 %: its tax is 166.5 cents, and no net price has gross 9.99."""
    vat = Decimal("0.20")
    nets = {
        tax_inclusive(money(f"{c / 100:.2f}", "EUR"), vat, rounding=mode) for c in range(800, 860)
    }
    assert money("9.99", "EUR") not in nets  # 8.32 → 9.98, 8.33 → 10.00
    net = tax_exclusive(money("9.99", "EUR"), vat, rounding=mode)
    back = tax_inclusive(net, vat, rounding=mode)
    assert back != money("9.99", "EUR")
    assert (net, back) == (
        (money("8.32", "EUR"), money("9.98", "EUR"))
        if mode == ROUND_HALF_UP
        else (money("8.33", "EUR"), money("10.00", "EUR"))
    )
    # The same under the document strategies: with one line they all agree.
    for strategy in (DOCUMENT, PER_RATE):
        policy = TaxPolicy(strategy, mode)
        inside = compute_tax(
            [TaxableLine(money("9.99", "EUR"), (TaxRate(vat),))], policy, prices_include_tax=True
        )
        assert inside.lines[0].net == net


def test_exception_japan_1105_yen_at_10_percent_depends_on_the_tie_rule():
    # 1,105 × 10/110 = 100.45… → 100, net 1,005; 1,005 × 10 % = 100.5 exactly.
    ten = Decimal("0.10")
    jpy = money("1105", "JPY")
    assert tax_inclusive(
        tax_exclusive(jpy, ten, rounding=ROUND_HALF_UP), ten, rounding=ROUND_HALF_UP
    ) == money("1106", "JPY")
    assert (
        tax_inclusive(
            tax_exclusive(jpy, ten, rounding=ROUND_HALF_EVEN), ten, rounding=ROUND_HALF_EVEN
        )
        == jpy
    )


def test_exception_document_strategy_across_rates_does_not_round_trip():
    """One rounding across 19 % and 7 %: gross → net can land a cent away from the net."""
    high, low = rate("0.19"), rate("0.07")
    lines = lines_of("EUR", ("13.29", high), ("12.21", low), ("1.93", low))
    policy = TaxPolicy(DOCUMENT)
    forward = compute_tax(lines, policy)  # exact 3.5149 → 3.51
    assert taxes(forward) == [Decimal("2.53"), Decimal("0.85"), Decimal("0.13")]
    grosses = [
        TaxableLine(lt.gross, line.taxes) for lt, line in zip(forward.lines, lines, strict=True)
    ]
    assert [g.amount for g in grosses] == [money(x, "EUR") for x in ("15.82", "13.06", "2.06")]
    backward = compute_tax(grosses, policy, prices_include_tax=True)  # exact 3.5150… → 3.52
    assert backward.total == money("3.52", "EUR")
    assert [lt.net for lt in backward.lines] == [
        money(x, "EUR") for x in ("13.29", "12.21", "1.92")
    ]
    # Rounded per rate instead, the same prices do round-trip.
    per_rate = TaxPolicy(PER_RATE)
    there = compute_tax(lines, per_rate)
    back = compute_tax(
        [TaxableLine(lt.gross, line.taxes) for lt, line in zip(there.lines, lines, strict=True)],
        per_rate,
        prices_include_tax=True,
    )
    assert [lt.net for lt in back.lines] == [line.amount for line in lines]


# ---------------------------------------------------------------------------------------
# Spreading an order-level tax line
# ---------------------------------------------------------------------------------------


def test_spread_tax_line_keeps_liability_and_adds_up():
    tax = TaxLine(
        kind=TaxKind.SALES,
        rate=Decimal("0.0825"),
        taxable_amount=money("40.00"),
        amount=money("3.30"),
        liability=TaxLiability.MARKETPLACE,
        responsible_party="Amazon Services, Inc.",
    )
    parts = spread_tax_line(tax, [money("30.00"), money("7.00"), money("3.00")])
    # 2.475, 0.5775, 0.2475: the two cents left over go to the largest remainders (.75).
    assert [p.amount for p in parts] == [money("2.47"), money("0.58"), money("0.25")]
    assert [p.taxable_amount for p in parts] == [money("30.00"), money("7.00"), money("3.00")]
    assert sum((p.amount for p in parts), money("0")) == tax.amount
    assert {(p.liability, p.responsible_party) for p in parts} == {
        (TaxLiability.MARKETPLACE, "Amazon Services, Inc.")
    }
    untaxed = spread_tax_line(TaxLine(amount=money("0.01")), [1, 1])
    assert [(p.amount, p.taxable_amount) for p in untaxed] == [
        (money("0.01"), None),
        (money("0.00"), None),
    ]


# ---------------------------------------------------------------------------------------
# check_order_tax
# ---------------------------------------------------------------------------------------

PLACED = datetime(2024, 5, 2, 14, 30, tzinfo=UTC)


def sales_tax(amount: str, *, rate_: str | None = "0.0825", liability=TaxLiability.SELLER, **kw):
    return TaxLine(
        kind=TaxKind.SALES,
        jurisdiction="US-TX",
        rate=None if rate_ is None else Decimal(rate_),
        amount=money(amount),
        liability=liability,
        **kw,
    )


def order(*line_taxes, totals_tax: str | None = None, prices=("4.99", "2.49", "1.29"), **kw):
    lines = tuple(
        OrderLine(
            line_id=str(i),
            sku=f"SKU-{i}",
            quantity=Quantity(value=1),
            unit_price=money(price),
            tax_lines=tuple(taxes_),
        )
        for i, (price, taxes_) in enumerate(zip(prices, line_taxes, strict=True))
    )
    totals = None
    if totals_tax is not None:
        totals = OrderTotals(tax=money(totals_tax), grand_total=money("100.00"))
    return SalesOrder(
        order_id="o-1",
        channel="shopify",
        placed_at=PLACED,
        currency="USD",
        lines=lines,
        totals=totals,
        **kw,
    )


def per_item(**kw):
    return order(
        [sales_tax("0.41", **kw)],
        [sales_tax("0.21", **kw)],
        [sales_tax("0.11", **kw)],
        totals_tax="0.73",
    )


def test_a_consistent_order_has_no_discrepancy():
    consistent = per_item()
    assert check_order_tax(consistent) == ()
    assert check_order_tax(consistent, TaxPolicy(LINE)) == ()


def test_reported_total_off_by_a_cent_is_reported_with_where_and_by_how_much():
    off = order([sales_tax("0.41")], [sales_tax("0.21")], [sales_tax("0.11")], totals_tax="0.74")
    (found,) = check_order_tax(off)
    assert isinstance(found, TaxDiscrepancy)
    assert found.where == "totals.tax"
    assert (found.expected, found.reported, found.difference) == (
        money("0.73"),
        money("0.74"),
        money("0.01"),
    )
    assert found.paths == tuple(f"lines.{i}.tax_lines.0.amount" for i in range(3))
    assert found.liability is TaxLiability.SELLER
    assert str(found) == "totals.tax: reported 0.74, expected 0.73 USD (difference 0.01)"
    assert check_order_tax(off, tolerance=Decimal("0.01")) == ()
    assert off.totals.tax == money("0.74")  # compared, never rewritten


def test_a_line_tax_off_by_a_cent_is_named_by_its_path():
    off = order([sales_tax("0.41")], [sales_tax("0.22")], [sales_tax("0.11")], totals_tax="0.74")
    (found,) = check_order_tax(off, TaxPolicy(LINE))
    assert found.where == "lines.1.tax_lines.0.amount"
    assert (found.expected, found.reported, found.difference) == (
        money("0.21"),
        money("0.22"),
        money("0.01"),
    )
    assert found.paths == ("lines.1.tax_lines.0.amount",)


def test_per_invoice_order_checked_per_item_and_per_invoice():
    # The channel rounded per invoice (0.72) and put the residue on the middle line.
    invoice = order(
        [sales_tax("0.41")], [sales_tax("0.20")], [sales_tax("0.11")], totals_tax="0.72"
    )
    assert check_order_tax(invoice, TaxPolicy(DOCUMENT)) == ()
    (found,) = check_order_tax(invoice, TaxPolicy(LINE))
    assert (found.where, found.difference) == ("lines.1.tax_lines.0.amount", money("-0.01"))
    (found,) = check_order_tax(per_item(), TaxPolicy(DOCUMENT))
    assert (found.where, found.expected, found.reported) == (
        "document",
        money("0.72"),
        money("0.73"),
    )
    assert len(found.paths) == 3


def test_per_rate_check_accepts_a_residue_on_any_line():
    # 0.1881 × 3 = 0.5643 → 0.56; the source put the short cent on the first line.
    vat = {"kind": TaxKind.VAT, "rate": Decimal("0.19"), "vat_category": "S", "jurisdiction": "DE"}
    lines = tuple(
        OrderLine(
            line_id=str(i),
            sku="A",
            quantity=Quantity(value=1),
            unit_price=money("0.99", "EUR"),
            tax_lines=(TaxLine(amount=money(a, "EUR"), **vat),),
        )
        for i, a in enumerate(["0.18", "0.19", "0.19"])
    )
    eur = SalesOrder(order_id="o-2", channel="pos", placed_at=PLACED, currency="EUR", lines=lines)
    assert check_order_tax(eur, TaxPolicy(PER_RATE)) == ()
    (found,) = check_order_tax(eur, TaxPolicy(LINE))
    assert found.where == "lines.0.tax_lines.0.amount"
    wrong = eur.model_copy(
        update={
            "lines": (
                *lines[:2],
                lines[2].model_copy(
                    update={"tax_lines": (TaxLine(amount=money("0.20", "EUR"), **vat),)}
                ),
            )
        }
    )
    (found,) = check_order_tax(wrong, TaxPolicy(PER_RATE))
    assert found.where == "rate 0.19 (VAT, DE, S)"
    assert (found.expected, found.reported) == (money("0.56", "EUR"), money("0.57", "EUR"))


def test_marketplace_facilitator_order_keeps_marketplace_liability():
    amazon = "Amazon Services, Inc."
    facilitated = order(
        [sales_tax("0.41", liability=TaxLiability.MARKETPLACE, responsible_party=amazon)],
        [sales_tax("0.21", liability=TaxLiability.MARKETPLACE, responsible_party=amazon)],
        [sales_tax("0.11", liability=TaxLiability.MARKETPLACE, responsible_party=amazon)],
        totals_tax="0.75",
    )
    (found,) = check_order_tax(facilitated, TaxPolicy(LINE))
    assert found.where == "totals.tax"
    assert found.liability is TaxLiability.MARKETPLACE
    assert {t.liability for line in facilitated.lines for t in line.tax_lines} == {
        TaxLiability.MARKETPLACE
    }
    # Recomputing from the order's own rates carries the marketplace through as well.
    lines = [
        TaxableLine(line.subtotal(), tuple(TaxRate.from_tax_line(t) for t in line.tax_lines))
        for line in facilitated.lines
    ]
    computed = compute_tax(lines, TaxPolicy(LINE))
    assert {(t.liability, t.responsible_party) for lt in computed.lines for t in lt.tax_lines} == {
        (TaxLiability.MARKETPLACE, amazon)
    }
    assert [(t.liability, t.responsible_party) for t in computed.summary] == [
        (TaxLiability.MARKETPLACE, amazon)
    ]
    mixed = order(
        [sales_tax("0.41")],
        [sales_tax("0.21", liability=TaxLiability.MARKETPLACE)],
        [sales_tax("0.11")],
        totals_tax="0.75",
    )
    (found,) = check_order_tax(mixed)
    assert found.liability is None  # the tax lines name different liabilities: not guessed


def test_check_uses_taxable_amounts_discounts_shipping_and_order_level_lines():
    line = OrderLine(
        line_id="1",
        sku="A",
        quantity=Quantity(value=2),
        unit_price=money("10.00"),
        discounts=(Discount(amount=money("2.00")),),
        tax_lines=(sales_tax("1.49"),),  # 18.00 × 0.0825 = 1.485 → 1.49
    )
    ship = ShippingLine(
        price=money("5.00"),
        discounts=(Discount(amount=money("1.00")),),
        tax_lines=(sales_tax("0.33"),),
    )
    document_tax = TaxLine(
        rate=Decimal("0.01"), taxable_amount=money("22.00"), amount=money("0.22")
    )
    no_rate = TaxLine(amount=money("0.50"), title="recycling fee")
    checked = SalesOrder(
        order_id="o-3",
        channel="web",
        placed_at=PLACED,
        currency="USD",
        lines=(line,),
        shipping_lines=(ship,),
        tax_lines=(document_tax, no_rate),
        totals=OrderTotals(tax=money("2.54"), grand_total=money("24.54")),
    )
    for strategy in RoundingStrategy:
        assert check_order_tax(checked, TaxPolicy(strategy)) == (), strategy
    explicit = line.model_copy(
        update={"tax_lines": (sales_tax("1.49", taxable_amount=money("18.00")),)}
    )
    assert check_order_tax(checked.model_copy(update={"lines": (explicit,)}), TaxPolicy(LINE)) == ()
    shifted = line.model_copy(
        update={"tax_lines": (sales_tax("1.49", taxable_amount=money("20.00")),)}
    )
    (found,) = check_order_tax(checked.model_copy(update={"lines": (shifted,)}), TaxPolicy(LINE))
    assert (found.where, found.expected) == ("lines.0.tax_lines.0.amount", money("1.65"))
    wrong_document_tax = document_tax.model_copy(update={"amount": money("0.23")})
    bad = checked.model_copy(update={"tax_lines": (wrong_document_tax, no_rate)})
    found_all = check_order_tax(bad, TaxPolicy(LINE))
    assert [f.where for f in found_all] == ["totals.tax", "tax_lines.0.amount"]


def test_check_tax_inclusive_order():
    vat = TaxLine(
        kind=TaxKind.VAT, rate=Decimal("0.20"), amount=money("1.67", "EUR"), included_in_price=True
    )
    line = OrderLine(
        line_id="1",
        sku="A",
        quantity=Quantity(value=1),
        unit_price=money("9.99", "EUR"),
        tax_lines=(vat,),
    )
    gross = SalesOrder(
        order_id="o-4",
        channel="pos",
        placed_at=PLACED,
        currency="EUR",
        prices_include_tax=True,
        lines=(line,),
    )
    assert check_order_tax(gross, TaxPolicy(LINE)) == ()
    (found,) = check_order_tax(gross, TaxPolicy(LINE, ROUND_HALF_EVEN))  # 1.665 → 1.66
    assert (found.expected, found.difference) == (money("1.66", "EUR"), money("0.01", "EUR"))


def test_check_refuses_a_bad_tolerance():
    for bad in (Decimal(-1), 0.01, Decimal("NaN")):
        with pytest.raises(CanonicalValueError, match="tolerance"):
            check_order_tax(per_item(), tolerance=bad)


@given(sales_orders(), strategies_)
def test_check_order_tax_reports_instead_of_crashing(sales_order, strategy):
    found = check_order_tax(sales_order)
    assert all(isinstance(f, TaxDiscrepancy) and f.where == "totals.tax" for f in found)
    if MINOR_UNITS[sales_order.currency] is None:
        return
    for f in check_order_tax(sales_order, TaxPolicy(strategy)):
        assert f.reported - f.expected == f.difference
        assert f.difference.amount != 0


def run_markdown_examples(path: Path) -> doctest.TestResults:
    """Run the ``pycon`` blocks of a Markdown page as one doctest session."""
    blocks = re.findall(r"```pycon\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, f"no pycon examples in {path}"
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    return runner.summarize(verbose=False)


def test_documentation_examples_run():
    results = run_markdown_examples(DOCS)
    assert results.attempted > 10
    assert results.failed == 0
