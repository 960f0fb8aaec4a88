"""Compare the tax an order reports with what its lines and rates imply."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from retail_canon._exceptions import CanonicalValueError
from retail_canon.models._money import Money
from retail_canon.models._sales_order import SalesOrder
from retail_canon.models._tax import TaxLiability, TaxLine
from retail_canon.normalize.money import _EXACT, _digits, _round_units, _to_units
from retail_canon.normalize.tax._compute import group_of
from retail_canon.normalize.tax._policy import RoundingStrategy, TaxPolicy, TaxRate

__all__ = [
    "check_order_tax",
    "TaxDiscrepancy",
]


@dataclass(frozen=True, slots=True)
class TaxDiscrepancy:
    """A reported tax figure that differs from what it should be, beyond the tolerance."""

    where: str
    """The figure checked: a path such as ``totals.tax`` or
    ``lines.1.tax_lines.0.amount``, ``lines.1.tax_lines`` (a line's taxes together),
    ``document``, or a rate such as ``rate 0.20 (VAT, GB)``."""
    expected: Money
    reported: Money
    difference: Money
    """``reported - expected``."""
    paths: tuple[str, ...]
    """The reported tax amounts that make up ``reported``."""
    liability: TaxLiability | None
    """The liability those tax lines share; ``None`` when they name different ones."""

    def __str__(self) -> str:
        return (
            f"{self.where}: reported {self.reported.amount}, expected {self.expected.amount} "
            f"{self.expected.currency} (difference {self.difference.amount})"
        )


@dataclass(frozen=True, slots=True)
class _Reported:
    path: str
    """Where the amount is, e.g. ``lines.0.tax_lines.1.amount``."""
    owner: str
    """The line, shipping line or order-level tax line it belongs to."""
    tax: TaxLine
    exact: Fraction | None
    """What the rate implies, in minor units; ``None`` when the tax line has no rate."""


def _reported(order: SalesOrder, digits: int) -> Iterator[_Reported]:
    owners: list[tuple[str, Money | None, tuple[TaxLine, ...]]] = []
    with localcontext(_EXACT):
        for i, line in enumerate(order.lines):
            price = line.subtotal()
            for discount in line.discounts:
                price = price - discount.amount
            owners.append((f"lines.{i}", price, line.tax_lines))
        for i, ship in enumerate(order.shipping_lines):
            price = ship.price
            for discount in ship.discounts:
                price = price - discount.amount
            owners.append((f"shipping_lines.{i}", price, ship.tax_lines))
    for owner, owner_price, taxes in owners:
        shared = [Fraction(t.rate or 0) for t in taxes if _shares_price(order, t)]
        included = 1 + sum(shared, Fraction(0))
        for j, tax in enumerate(taxes):
            exact = None
            if tax.rate is not None and tax.taxable_amount is not None:
                exact = _to_units(tax.taxable_amount.amount, digits) * Fraction(tax.rate)
            elif tax.rate is not None and owner_price is not None:
                exact = _to_units(owner_price.amount, digits) * Fraction(tax.rate)
                if _shares_price(order, tax):
                    exact /= included
            yield _Reported(f"{owner}.tax_lines.{j}.amount", owner, tax, exact)
    for i, tax in enumerate(order.tax_lines):
        exact = None
        if tax.rate is not None and tax.taxable_amount is not None:
            exact = _to_units(tax.taxable_amount.amount, digits) * Fraction(tax.rate)
        yield _Reported(f"tax_lines.{i}.amount", f"tax_lines.{i}", tax, exact)


def _shares_price(order: SalesOrder, tax: TaxLine) -> bool:
    """Whether ``tax`` is inside its line's price and must be recomputed from it."""
    included = order.prices_include_tax or tax.included_in_price
    return included and tax.rate is not None and tax.taxable_amount is None


def _tolerance(tolerance: Decimal | int) -> Decimal:
    if isinstance(tolerance, bool) or not isinstance(tolerance, Decimal | int):
        msg = f"tolerance {tolerance!r}: use a Decimal amount such as Decimal('0.01')"
        raise CanonicalValueError(msg)
    value = Decimal(tolerance)
    if not value.is_finite() or value < 0:
        msg = f"tolerance {tolerance!r} must be zero or more"
        raise CanonicalValueError(msg)
    return value


def _liability(items: list[_Reported]) -> TaxLiability | None:
    found = {item.tax.liability for item in items}
    return found.pop() if len(found) == 1 else None


def _compare(
    where: str, expected: Money, items: list[_Reported], currency: str, tolerance: Decimal
) -> TaxDiscrepancy | None:
    with localcontext(_EXACT):
        reported = sum((item.tax.amount for item in items), Money.zero(currency))
        difference = reported - expected
    if abs(difference.amount) <= tolerance:
        return None
    paths = tuple(item.path for item in items)
    return TaxDiscrepancy(where, expected, reported, difference, paths, _liability(items))


def check_order_tax(
    order: SalesOrder, policy: TaxPolicy | None = None, *, tolerance: Decimal | int = 0
) -> tuple[TaxDiscrepancy, ...]:
    """Compare the tax ``order`` reports with what its own figures imply.

    Nothing is recomputed into the order: reported amounts stay as the source gave them,
    and each difference larger than ``tolerance`` (an amount in the order's currency)
    comes back as a `TaxDiscrepancy`. An empty result means the order is consistent.

    1. ``totals.tax``, when reported, against the sum of every tax line (lines,
       shipping lines and order-level tax lines): ``where="totals.tax"``.
    2. With a ``policy``, each tax line that has a rate against what that rate implies,
       summed and rounded as the policy's strategy says. LINE compares each line's taxes
       (``lines.1.tax_lines.0.amount``, or ``lines.1.tax_lines`` for several taxes, which
       SSUTA rounds together); DOCUMENT compares all of them at once (``document``);
       PER_RATE compares each rate (``rate 0.20 (VAT, GB)``), so a source that put a
       residue on another line than `compute_tax` would is not flagged.

    The base of a tax line is its ``taxable_amount`` when given, otherwise its line's
    ``unit_price × quantity`` less the line's own discounts (a shipping line's price less
    its discounts). Order-level discounts are not spread: where they lower the base, the
    source's ``taxable_amount`` says by how much. When prices include tax (the order's
    ``prices_include_tax`` or the tax line's ``included_in_price``), a line's taxes share
    its price: each is ``price × rate / (1 + sum of those rates)``. Tax lines without a
    rate, and order-level tax lines without a taxable amount, count only in check 1.

    Raises:
        CanonicalValueError: ``tolerance`` is negative or not a `Decimal` or `int`.
        RoundingNotPossible: a policy was given and the currency has no minor units.
    """
    limit = _tolerance(tolerance)
    currency = order.currency
    digits = 0 if policy is None else _digits(currency)
    items = list(_reported(order, digits))
    found: list[TaxDiscrepancy] = []
    totals = order.totals
    if totals is not None and totals.tax is not None:
        with localcontext(_EXACT):
            expected = sum((item.tax.amount for item in items), Money.zero(currency))
            difference = totals.tax - expected
        if abs(difference.amount) > limit:
            paths = tuple(item.path for item in items)
            found.append(
                TaxDiscrepancy(
                    "totals.tax", expected, totals.tax, difference, paths, _liability(items)
                )
            )
    if policy is None:
        return tuple(found)
    groups: dict[Hashable, list[_Reported]] = {}
    for item in items:
        if item.exact is not None:
            rate = TaxRate.from_tax_line(item.tax)
            groups.setdefault(group_of(policy.strategy, item.owner, rate), []).append(item)
    for members in groups.values():
        total = sum((item.exact for item in members if item.exact is not None), Fraction(0))
        units = _round_units(total, currency, policy.rounding)
        with localcontext(_EXACT):
            expected = Money.from_minor_units(units, currency)
        discrepancy = _compare(_where(policy, members), expected, members, currency, limit)
        if discrepancy is not None:
            found.append(discrepancy)
    return tuple(found)


def _where(policy: TaxPolicy, members: list[_Reported]) -> str:
    if policy.strategy is RoundingStrategy.DOCUMENT:
        return "document"
    if policy.strategy is RoundingStrategy.PER_RATE:
        return TaxRate.from_tax_line(members[0].tax).describe()
    if len(members) == 1:
        return members[0].path
    return f"{members[0].owner}.tax_lines"
