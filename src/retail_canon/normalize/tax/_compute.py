"""Compute tax for lines under a policy; convert between tax-inclusive and exclusive prices."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from retail_canon._exceptions import CanonicalValueError, CurrencyMismatch
from retail_canon.models._money import Money
from retail_canon.models._tax import TaxLine
from retail_canon.normalize.money import (
    _EXACT,
    Rounding,
    _digits,
    _from_units,
    _largest_remainder,
    _round_units,
    _to_units,
    allocate,
)
from retail_canon.normalize.tax._policy import RoundingStrategy, TaxPolicy, TaxRate

__all__ = [
    "compute_tax",
    "LineTax",
    "spread_tax_line",
    "tax_exclusive",
    "tax_inclusive",
    "TaxableLine",
    "TaxComputation",
]


@dataclass(frozen=True, slots=True)
class TaxableLine:
    """An amount and the taxes that apply to it.

    ``amount`` is the line's price after discounts: net, or gross when `compute_tax` is
    told that prices include tax. All of the line's taxes apply to that same amount.
    """

    amount: Money
    taxes: tuple[TaxRate, ...] = ()
    line_id: str | None = None
    """Carried through to `LineTax.line_id`."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "taxes", tuple(self.taxes))


@dataclass(frozen=True, slots=True)
class LineTax:
    """The tax of one line: ``net + tax == gross`` exactly."""

    line_id: str | None
    net: Money
    tax: Money
    """The sum of ``tax_lines``."""
    gross: Money
    tax_lines: tuple[TaxLine, ...]
    """One per tax of the line, in its order, rounded to minor units."""


@dataclass(frozen=True, slots=True)
class TaxComputation:
    """The result of `compute_tax`: per-line taxes and a per-rate summary that agree.

    ``total`` equals the sum of every line's tax and the sum of ``summary``.
    """

    policy: TaxPolicy
    prices_include_tax: bool
    lines: tuple[LineTax, ...]
    """One per input line, in order."""
    summary: tuple[TaxLine, ...]
    """One per distinct tax (see `TaxRate.key`), in order of first use: the taxable
    amount is the sum of the nets it applies to, the amount the sum of its line taxes."""
    total: Money
    """The document's tax."""


def apportion(
    exact: Sequence[Fraction], groups: Sequence[Hashable], currency: str, rounding: str
) -> list[int]:
    """Round exact minor-unit amounts so that each group's parts add up to its rounded sum.

    Each group's sum is rounded once with ``rounding``; the parts get that total by
    largest remainder, so each is its exact value rounded down or up.
    """
    members: dict[Hashable, list[int]] = {}
    for i, group in enumerate(groups):
        members.setdefault(group, []).append(i)
    parts = [0] * len(exact)
    for indexes in members.values():
        values = [exact[i] for i in indexes]
        target = _round_units(sum(values, Fraction(0)), currency, rounding)
        for i, part in zip(indexes, _largest_remainder(values, target), strict=True):
            parts[i] = part
    return parts


def group_of(strategy: RoundingStrategy, line: Hashable, tax: TaxRate) -> Hashable:
    """The rounding group of one tax of one line under ``strategy``."""
    if strategy is RoundingStrategy.LINE:
        return ("line", line)
    if strategy is RoundingStrategy.DOCUMENT:
        return ("document",)
    return ("rate", tax.key)


def compute_tax(
    lines: Sequence[TaxableLine], policy: TaxPolicy, *, prices_include_tax: bool = False
) -> TaxComputation:
    """Compute the tax of ``lines`` under ``policy``: per line, per rate and in total.

    Each tax's exact amount is ``amount × rate`` (net prices) or
    ``amount × rate / (1 + sum of the line's rates)`` (gross prices), computed with exact
    fractions. The policy's strategy says which exact amounts are added up and rounded
    once (each line, the whole document, or each rate); within such a group the rounding
    residue goes back onto the lines by largest remainder. So the per-line `TaxLine`
    amounts always add up to the document tax under the chosen strategy.

    The liability and responsible party of each `TaxRate` are copied, never inferred.

    Raises:
        CanonicalValueError: no lines.
        CurrencyMismatch: the lines are not all in one currency.
        RoundingNotPossible: the currency has no minor units.

    >>> from retail_canon.models import TaxKind
    >>> vat = TaxRate(Decimal("0.20"), kind=TaxKind.VAT)
    >>> lines = [TaxableLine(Money(amount="0.99", currency="GBP"), (vat,))] * 3
    >>> compute_tax(lines, TaxPolicy(RoundingStrategy.LINE)).total.amount
    Decimal('0.60')
    >>> compute_tax(lines, TaxPolicy(RoundingStrategy.PER_RATE)).total.amount
    Decimal('0.59')
    """
    if not lines:
        msg = "no lines to compute tax for"
        raise CanonicalValueError(msg)
    currency = lines[0].amount.currency
    for i, line in enumerate(lines):
        if line.amount.currency != currency:
            msg = f"line {i} is in {line.amount.currency}, not {currency} like line 0"
            raise CurrencyMismatch(msg)
    digits = _digits(currency)
    exact: list[Fraction] = []
    groups: list[Hashable] = []
    for i, line in enumerate(lines):
        base = _to_units(line.amount.amount, digits)
        if prices_include_tax:
            base /= 1 + sum((Fraction(t.rate) for t in line.taxes), Fraction(0))
        for rate in line.taxes:
            exact.append(base * Fraction(rate.rate))
            groups.append(group_of(policy.strategy, i, rate))
    parts = iter(apportion(exact, groups, currency, policy.rounding))

    computed: list[LineTax] = []
    summary: dict[Hashable, tuple[TaxRate, Money, int]] = {}
    total = 0
    with localcontext(_EXACT):
        for line in lines:
            units = [next(parts) for _ in line.taxes]
            line_tax = _from_units(sum(units), currency)
            net = line.amount - line_tax if prices_include_tax else line.amount
            tax_lines = tuple(
                _tax_line(tax_rate, net, _from_units(u, currency), prices_include_tax)
                for tax_rate, u in zip(line.taxes, units, strict=True)
            )
            computed.append(LineTax(line.line_id, net, line_tax, net + line_tax, tax_lines))
            total += sum(units)
            for tax_rate, u in zip(line.taxes, units, strict=True):
                key = tax_rate.key
                first, taxable, so_far = summary.get(key, (tax_rate, Money.zero(currency), 0))
                summary[key] = (first, taxable + net, so_far + u)
    return TaxComputation(
        policy=policy,
        prices_include_tax=prices_include_tax,
        lines=tuple(computed),
        summary=tuple(
            _tax_line(rate, taxable, _from_units(u, currency), prices_include_tax)
            for rate, taxable, u in summary.values()
        ),
        total=_from_units(total, currency),
    )


def _tax_line(rate: TaxRate, taxable: Money, amount: Money, included: bool) -> TaxLine:
    return TaxLine(
        kind=rate.kind,
        title=rate.title,
        jurisdiction=rate.jurisdiction,
        rate=rate.rate,
        taxable_amount=taxable,
        amount=amount,
        included_in_price=included,
        liability=rate.liability,
        responsible_party=rate.responsible_party,
        vat_category=rate.vat_category,
    )


def tax_inclusive(net: Money, rate: Decimal, *, rounding: Rounding = ROUND_HALF_UP) -> Money:
    """The gross price of ``net``: ``net`` plus its tax rounded once with ``rounding``.

    Raises:
        CanonicalValueError: ``rate`` is not a finite, non-negative `Decimal`.
        RoundingNotPossible: the currency has no minor units.

    >>> tax_inclusive(Money(amount="8.32", currency="EUR"), Decimal("0.20")).amount
    Decimal('9.98')
    """
    line = TaxableLine(net, (TaxRate(rate),))
    return compute_tax([line], TaxPolicy(RoundingStrategy.LINE, rounding)).lines[0].gross


def tax_exclusive(gross: Money, rate: Decimal, *, rounding: Rounding = ROUND_HALF_UP) -> Money:
    """The net price inside ``gross``: ``gross`` less its tax rounded once with ``rounding``.

    The tax inside ``gross`` is ``gross × rate / (1 + rate)``, computed exactly.

    ``tax_inclusive(tax_exclusive(g, r), r) == g`` whenever some net price has gross
    ``g``; for other grosses (EUR 9.99 at 20 %) no net price can give ``g`` back.

    Raises:
        CanonicalValueError: ``rate`` is not a finite, non-negative `Decimal`.
        RoundingNotPossible: the currency has no minor units.

    >>> tax_exclusive(Money(amount="9.99", currency="EUR"), Decimal("0.20")).amount
    Decimal('8.32')
    """
    line = TaxableLine(gross, (TaxRate(rate),))
    policy = TaxPolicy(RoundingStrategy.LINE, rounding)
    return compute_tax([line], policy, prices_include_tax=True).lines[0].net


def spread_tax_line(tax_line: TaxLine, weights: Sequence[Money | Decimal | int]) -> list[TaxLine]:
    """Split an order-level tax line over lines in proportion to ``weights``.

    The amounts (and taxable amounts, when given) add up exactly to the original's, by
    largest remainder (`retail_canon.normalize.money.allocate`); every other field,
    liability and responsible party included, is kept.

    Raises:
        CanonicalValueError: see `retail_canon.normalize.money.allocate`.
        CurrencyMismatch: a `Money` weight in another currency.
        RoundingNotPossible: an amount is not a whole number of minor units.

    >>> tax = TaxLine(amount=Money(amount="1.00", currency="USD"), liability="MARKETPLACE")
    >>> [(t.amount.amount, t.liability.value) for t in spread_tax_line(tax, [2, 1])]
    [(Decimal('0.67'), 'MARKETPLACE'), (Decimal('0.33'), 'MARKETPLACE')]
    """
    amounts = allocate(tax_line.amount, weights)
    taxable = tax_line.taxable_amount
    bases = allocate(taxable, weights) if taxable is not None else [None] * len(amounts)
    return [
        tax_line.model_copy(update={"amount": amount, "taxable_amount": base})
        for amount, base in zip(amounts, bases, strict=True)
    ]
