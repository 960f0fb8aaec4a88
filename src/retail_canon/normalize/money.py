"""Money: rounding with a named mode, allocation without lost cents, explicit exchange rates.

`retail_canon.models.Money` already rounds one amount (`Money.round`) and splits one
amount by integer or decimal weights (`Money.allocate`). This module adds what integration
code needs on top of them:

- `round_money` checks the rounding mode first, so a typo fails with the value named;
  `is_rounded` tells whether an amount is already a whole number of minor units;
- `round_preserving_sum` rounds several amounts so that the rounded parts add up to the
  rounded total (largest remainder), e.g. per-line taxes that must match the invoice tax;
- `allocate` splits an amount proportionally to `Money` weights (line subtotals), with
  negative amounts, zero weights and all-negative weights (credit notes) handled, and
  `allocate_to_lines` spreads an order-level discount or charge over order lines;
- `ExchangeRate` and `convert` convert with an explicit, recorded rate; the reverse
  direction needs an explicit `ExchangeRate.inverse`.

Minor units come from the vendored ISO 4217 table (`retail_canon.models.minor_units`),
never from babel, whose CLDR display digits differ for 15 currencies.

>>> from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
>>> from retail_canon.models import Money
>>> round_money(Money(amount="0.125", currency="USD"), ROUND_HALF_EVEN).amount
Decimal('0.12')
>>> usd = [Money(amount=a, currency="USD") for a in ("0.333", "0.333", "0.334")]
>>> [m.amount for m in round_preserving_sum(usd, ROUND_HALF_UP)]
[Decimal('0.33'), Decimal('0.33'), Decimal('0.34')]
>>> subtotals = [Money(amount=a, currency="USD") for a in ("30.00", "10.00", "0.00")]
>>> [m.amount for m in allocate(Money(amount="-5.00", currency="USD"), subtotals)]
[Decimal('-3.75'), Decimal('-1.25'), Decimal('0.00')]
>>> eur_usd = ExchangeRate("EUR", "USD", Decimal("1.0825"), source="ECB")
>>> convert(Money(amount="19.99", currency="EUR"), eur_usd, rounding=ROUND_HALF_UP).converted
Money(amount=Decimal('21.64'), currency='USD')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    InvalidOperation,
    localcontext,
)
from fractions import Fraction
from typing import Literal, cast, get_args

from retail_canon._exceptions import (
    CanonicalValueError,
    CurrencyMismatch,
    InvalidExchangeRate,
    NaiveTimestamp,
    RoundingNotPossible,
)
from retail_canon.models._exact import EXACT
from retail_canon.models._money import Money, minor_units
from retail_canon.models._sales_order import OrderLine

__all__ = [
    "allocate",
    "allocate_to_lines",
    "Conversion",
    "convert",
    "ExchangeRate",
    "exact_number",
    "is_rounded",
    "round_money",
    "round_preserving_sum",
    "Rounding",
    "ROUNDING_MODES",
]

Rounding = Literal[
    "ROUND_CEILING",
    "ROUND_DOWN",
    "ROUND_FLOOR",
    "ROUND_HALF_DOWN",
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "ROUND_UP",
    "ROUND_05UP",
]
"""A `decimal` rounding mode, e.g. `decimal.ROUND_HALF_UP`."""

ROUNDING_MODES: frozenset[str] = frozenset(get_args(Rounding))
"""Every `decimal` rounding mode, by name."""

# Sums and products of Decimals must not round (the default context keeps 28 digits).
# Only +, - and * run in it: they are exact with enough digits; division never does.
_EXACT = EXACT
_HALF = Fraction(1, 2)


def _check_rounding(rounding: str) -> Rounding:
    if rounding not in ROUNDING_MODES:
        choices = ", ".join(sorted(ROUNDING_MODES))
        msg = f"rounding mode {rounding!r} is not a decimal rounding mode ({choices})"
        raise CanonicalValueError(msg)
    return cast("Rounding", rounding)


def _digits(currency: str) -> int:
    digits = minor_units(currency)
    if digits is None:
        msg = f"{currency} has no minor units to round to"
        raise RoundingNotPossible(msg)
    return digits


def _to_units(amount: Decimal | Fraction, digits: int) -> Fraction:
    """``amount`` counted in minor units, exactly."""
    return Fraction(amount) * Fraction(10**digits)


def _from_units(units: int, currency: str) -> Money:
    with localcontext(_EXACT):
        return Money.from_minor_units(units, currency)


def _round_units(units: Fraction, currency: str, rounding: str) -> int:
    """``units`` (an exact count of minor units) rounded to a whole number with ``rounding``.

    `Money.round` does the rounding: it gets a stand-in amount that lies in the same gap
    between two whole units, on the same side of the midpoint (or on it), as ``units``,
    so every `decimal` mode rounds both alike. That keeps exact rationals such as
    ``gross × rate / (1 + rate)`` away from an inexact decimal division.
    """
    floor = math.floor(units)
    rest = units - floor
    quarters = 0 if rest == 0 else 1 if rest < _HALF else 2 if rest == _HALF else 3
    with localcontext(_EXACT):
        stand_in = (Decimal(floor) + Decimal(quarters * 25).scaleb(-2)).scaleb(-_digits(currency))
        return Money.model_construct(amount=stand_in, currency=currency).to_minor_units(rounding)


def _largest_remainder(units: Sequence[Fraction], target: int) -> list[int]:
    """Whole parts of ``units`` that add up to ``target``, by largest remainder.

    Each part is the floor of its unit count, plus one for the parts with the largest
    fractional remainders (ties to the earliest part) until the parts reach ``target``.

    ``target`` must lie between the sum of the floors and that sum plus the number of
    parts with a fractional part, which holds when it is the sum rounded with any mode.
    """
    parts = [math.floor(u) for u in units]
    short = target - sum(parts)
    order = sorted(range(len(parts)), key=lambda i: (parts[i] - units[i], i))
    for i in order[:short]:
        parts[i] += 1
    return parts


def round_money(money: Money, rounding: Rounding) -> Money:
    """``money`` rounded to its currency's ISO 4217 minor units with ``rounding``.

    The same as `Money.round`, after checking that ``rounding`` is a `decimal` mode.

    Raises:
        CanonicalValueError: ``rounding`` is not a `decimal` rounding mode.
        RoundingNotPossible: the currency has no minor units (XAU, XDR, ...).

    >>> from decimal import ROUND_HALF_UP
    >>> round_money(Money(amount="1.005", currency="BHD"), ROUND_HALF_UP).amount
    Decimal('1.005')
    >>> round_money(Money(amount="1.005", currency="USD"), ROUND_HALF_UP).amount
    Decimal('1.01')
    """
    with localcontext(_EXACT):
        return money.round(_check_rounding(rounding))


def is_rounded(money: Money) -> bool:
    """Whether ``money`` is a whole number of its currency's minor units.

    Raises:
        RoundingNotPossible: the currency has no minor units.

    >>> is_rounded(Money(amount="1.50", currency="USD"))
    True
    >>> is_rounded(Money(amount="1.5", currency="JPY"))
    False
    """
    return _to_units(money.amount, _digits(money.currency)).denominator == 1


def _one_currency(amounts: Sequence[Money], what: str) -> str:
    currency = amounts[0].currency
    for i, money in enumerate(amounts):
        if money.currency != currency:
            msg = f"{what} {i} is in {money.currency}, not {currency} like {what} 0"
            raise CurrencyMismatch(msg)
    return currency


def round_preserving_sum(amounts: Sequence[Money], rounding: Rounding) -> list[Money]:
    """Round each amount so that the rounded parts add up to the rounded total.

    The total is ``sum(amounts)`` rounded once with ``rounding``; each part is its amount
    rounded down or up (never further), and the minor units still missing go to the parts
    with the largest fractional remainders, ties to the earliest part. Use it to push a
    document-level rounding residue back onto lines.

    Raises:
        CurrencyMismatch: the amounts are not all in one currency.
        CanonicalValueError: ``rounding`` is not a `decimal` rounding mode.
        RoundingNotPossible: the currency has no minor units.

    >>> from decimal import ROUND_HALF_UP
    >>> taxes = [Money(amount="0.0825", currency="USD")] * 3
    >>> [m.amount for m in round_preserving_sum(taxes, ROUND_HALF_UP)]
    [Decimal('0.09'), Decimal('0.08'), Decimal('0.08')]
    """
    _check_rounding(rounding)
    if not amounts:
        return []
    currency = _one_currency(amounts, "amount")
    digits = _digits(currency)
    units = [_to_units(m.amount, digits) for m in amounts]
    target = _round_units(sum(units, Fraction(0)), currency, rounding)
    return [_from_units(u, currency) for u in _largest_remainder(units, target)]


def _weight(value: Money | Decimal | int, currency: str, index: int) -> Decimal:
    if isinstance(value, Money):
        if value.currency != currency:
            msg = f"weight {index} is in {value.currency}, the amount in {currency}"
            raise CurrencyMismatch(msg)
        return value.amount
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        msg = f"weight {index} is a {type(value).__name__}: use Money, Decimal or int"
        raise TypeError(msg)
    weight = Decimal(value)
    if not weight.is_finite():
        msg = f"weight {index} is {value}, not a finite number"
        raise CanonicalValueError(msg)
    return weight


def allocate(amount: Money, weights: Sequence[Money | Decimal | int]) -> list[Money]:
    """Split ``amount`` in proportion to ``weights``; the parts add up to exactly ``amount``.

    Weights may be `Money` in the amount's currency (line subtotals, say), `Decimal` or
    `int`. Each part is within one minor unit of its exact share; the minor units left
    over go to the largest fractional shares, ties to the earliest part (`Money.allocate`
    does the split). A zero weight gets zero. Weights that are all zero or negative (the
    lines of a credit note) share by their size. ``amount`` may be negative.

    Raises:
        CanonicalValueError: no weights; weights of both signs; all weights zero while
            ``amount`` is not zero.
        CurrencyMismatch: a `Money` weight in another currency.
        RoundingNotPossible: ``amount`` is not a whole number of minor units (round it
            first), or its currency has none.

    >>> [m.amount for m in allocate(Money(amount="0.05", currency="EUR"), [1, 1])]
    [Decimal('0.03'), Decimal('0.02')]
    """
    currency = amount.currency
    values = [_weight(w, currency, i) for i, w in enumerate(weights)]
    if not values:
        msg = f"no weights to allocate {amount.amount} {currency} over"
        raise CanonicalValueError(msg)
    if any(v < 0 for v in values) and any(v > 0 for v in values):
        shown = ", ".join(str(v) for v in values)
        msg = f"weights mix positive and negative values ({shown}): cannot share in proportion"
        raise CanonicalValueError(msg)
    if all(v == 0 for v in values):
        if not amount.is_zero():
            msg = f"cannot allocate {amount.amount} {currency}: every weight is zero"
            raise CanonicalValueError(msg)
        return amount.allocate([1] * len(values))
    return amount.allocate([abs(v) for v in values])


def allocate_to_lines(amount: Money, lines: Sequence[OrderLine]) -> list[Money]:
    """Spread an order-level ``amount`` over order lines, in proportion to their net value.

    A line's weight is its subtotal (``unit_price × quantity``) less its own discounts.
    The parts come back in the order of ``lines`` and add up to exactly ``amount``; see
    `allocate` for the rules and errors. To spread an order-level tax, see
    `retail_canon.normalize.tax.spread_tax_line`, which keeps the tax line's liability.
    """
    weights: list[Money | Decimal | int] = []
    with localcontext(_EXACT):
        for line in lines:
            net = line.subtotal()
            for discount in line.discounts:
                net = net - discount.amount
            weights.append(net)
    return allocate(amount, weights)


def exact_number(
    value: object,
    what: str,
    error: type[CanonicalValueError] = CanonicalValueError,
    hint: str = "use a Decimal, not a binary float",
) -> Decimal:
    """``value`` (a Decimal, int or numeric str) as a Decimal, or ``error`` naming it.

    Binary floats and bools are refused: they would carry binary rounding into money.
    The result may be NaN or infinite; callers check the range they need.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        msg = f"{what} {value!r}: {hint}"
        raise error(msg)
    try:
        return Decimal(value)
    except InvalidOperation:
        msg = f"{what} {value!r} is not a number"
        raise error(msg) from None


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    """One unit of ``base`` is worth ``rate`` units of ``quote``, as ``source`` said on ``as_of``.

    Immutable, so a conversion can keep the exact rate it used. A rate converts only from
    ``base`` to ``quote``; the other direction is an explicit `inverse`.

    Raises:
        UnknownCurrency: ``base`` or ``quote`` is not an active ISO 4217 code.
        InvalidExchangeRate: the rate is not a finite number greater than zero, is a
            binary float, or is not 1 between a currency and itself.
        NaiveTimestamp: ``as_of`` is a datetime without a time zone.

    >>> rate = ExchangeRate("EUR", "USD", Decimal("1.0825"), as_of=date(2024, 5, 2), source="ECB")
    >>> str(rate)
    '1 EUR = 1.0825 USD (ECB, 2024-05-02)'
    >>> str(rate.inverse(precision=6))
    '1 USD = 0.923788 EUR (ECB, 2024-05-02)'
    """

    base: str
    """ISO 4217 code of the currency converted from."""
    quote: str
    """ISO 4217 code of the currency converted to."""
    rate: Decimal
    """Units of ``quote`` per unit of ``base``; greater than zero."""
    as_of: date | datetime | None = None
    """When the rate applies (a date, or an aware datetime)."""
    source: str | None = None
    """Who published the rate, e.g. ``ECB`` or a payment provider."""

    def __post_init__(self) -> None:
        minor_units(self.base)
        minor_units(self.quote)
        value: object = self.rate
        rate = exact_number(value, f"{self.base}→{self.quote} rate", InvalidExchangeRate)
        if not rate.is_finite() or rate <= 0:
            msg = f"{self.base}→{self.quote} rate {value!r} must be greater than zero"
            raise InvalidExchangeRate(msg)
        if self.base == self.quote and rate != 1:
            msg = f"{self.base}→{self.quote} rate {value!r}: a currency is worth 1 of itself"
            raise InvalidExchangeRate(msg)
        if isinstance(self.as_of, datetime) and self.as_of.utcoffset() is None:
            msg = f"{self.base}→{self.quote} rate as_of {self.as_of.isoformat()} has no time zone"
            raise NaiveTimestamp(msg)
        object.__setattr__(self, "rate", rate)

    def __str__(self) -> str:
        origin = ", ".join(str(x) for x in (self.source, self.as_of) if x is not None)
        text = f"1 {self.base} = {self.rate} {self.quote}"
        return f"{text} ({origin})" if origin else text

    def inverse(self, *, precision: int = 28) -> ExchangeRate:
        """The ``quote`` → ``base`` rate, ``1 / rate`` to ``precision`` significant digits.

        ``as_of`` and ``source`` are kept. ``1 / rate`` is rarely a finite decimal, so
        converting there and back can miss the original amount by a minor unit: see
        `convert`. Prefer a published rate for the other direction where there is one.
        """
        if precision < 1:
            msg = f"precision {precision} must be at least 1 significant digit"
            raise CanonicalValueError(msg)
        inverse = Context(prec=precision, rounding=ROUND_HALF_EVEN).divide(1, self.rate)
        return ExchangeRate(self.quote, self.base, inverse, self.as_of, self.source)


@dataclass(frozen=True, slots=True)
class Conversion:
    """The record of one conversion: what went in, what came out, at which rate and rounding."""

    original: Money
    """The amount converted, in ``rate.base``."""
    converted: Money
    """The result in ``rate.quote``, rounded with ``rounding`` (exact when it is ``None``)."""
    rate: ExchangeRate
    """The rate applied."""
    rounding: Rounding | None
    """The rounding mode applied to the result; ``None`` kept the exact product."""

    @property
    def exact(self) -> Money:
        """``original × rate`` before rounding."""
        with localcontext(_EXACT):
            return Money(amount=self.original.amount * self.rate.rate, currency=self.rate.quote)


def convert(money: Money, rate: ExchangeRate, *, rounding: Rounding | None) -> Conversion:
    """Convert ``money`` from ``rate.base`` to ``rate.quote`` and record how.

    The product ``amount × rate`` is exact; ``rounding`` then rounds it once to the quote
    currency's minor units (pass ``None`` to keep the exact product, e.g. before summing).

    Converting back with ``rate.inverse()`` and a half-way mode (``ROUND_HALF_UP``,
    ``ROUND_HALF_EVEN``) misses the original by at most half a minor unit of the base
    currency plus half a minor unit of the quote currency expressed in the base currency
    (``u_quote / rate``). So when a quote minor unit is worth less than a base minor
    unit (EUR → USD at 1.08, USD → JPY at 150), the round trip returns the original
    exactly; the other way (USD → EUR at 0.92) it can be a minor unit off.

    Raises:
        CurrencyMismatch: ``money`` is not in ``rate.base`` (for ``rate.quote``, use
            ``rate.inverse()`` or the published reverse rate).
        CanonicalValueError: ``rounding`` is not a `decimal` rounding mode.
        RoundingNotPossible: ``rounding`` was given and the quote currency has no minor
            units.

    >>> from decimal import ROUND_HALF_UP
    >>> usd_jpy = ExchangeRate("USD", "JPY", Decimal("151.37"))
    >>> result = convert(Money(amount="12.34", currency="USD"), usd_jpy, rounding=ROUND_HALF_UP)
    >>> result.converted.amount, result.exact.amount
    (Decimal('1868'), Decimal('1867.9058'))
    """
    if money.currency != rate.base:
        if money.currency == rate.quote:
            msg = (
                f"{money.amount} {money.currency}: the rate converts {rate.base} to "
                f"{rate.quote}; pass rate.inverse() to convert {rate.quote} to {rate.base}"
            )
        else:
            pair = f"{rate.base}→{rate.quote}"
            msg = f"cannot convert {money.amount} {money.currency} with a {pair} rate"
        raise CurrencyMismatch(msg)
    checked = None if rounding is None else _check_rounding(rounding)
    with localcontext(_EXACT):
        exact = Money(amount=money.amount * rate.rate, currency=rate.quote)
        converted = exact if checked is None else exact.round(checked)
    return Conversion(original=money, converted=converted, rate=rate, rounding=checked)
