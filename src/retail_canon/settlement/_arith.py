"""Exact integer arithmetic on minor units, shared by the pure-Python and numpy engines.

Amounts are whole minor units (Python ints, or int64 in the numpy engine), so sums are
exact. The two roundings the matcher needs are written on integers here and pinned by the
tests to `Money.round` and `retail_canon.normalize.money.convert`, which stay the
reference: half-up for expected fees, half-even for currency conversion.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from retail_canon.normalize.money import ExchangeRate
from retail_canon.settlement._policy import Tolerance

__all__ = ["ToleranceUnits", "convert_units", "half_even", "half_up", "rounding_bound"]


def half_up(num: int, den: int) -> int:
    """``num / den`` rounded half away from zero (``decimal.ROUND_HALF_UP``); ``den > 0``.

    >>> half_up(5, 2), half_up(-5, 2), half_up(7, 3), half_up(-1, 4)
    (3, -3, 2, 0)
    """
    sign = -1 if num < 0 else 1
    return sign * ((2 * abs(num) + den) // (2 * den))


def half_even(num: int, den: int) -> int:
    """``num / den`` rounded half to even (``decimal.ROUND_HALF_EVEN``); ``den > 0``.

    >>> half_even(5, 2), half_even(7, 2), half_even(-5, 2), half_even(8, 3)
    (2, 4, -2, 3)
    """
    sign = -1 if num < 0 else 1
    quotient, rest = divmod(abs(num), den)
    if 2 * rest > den or (2 * rest == den and quotient % 2 == 1):
        quotient += 1
    return sign * quotient


@lru_cache(maxsize=256)
def rate_fraction(rate: ExchangeRate) -> Fraction:
    """The rate as an exact fraction."""
    return Fraction(rate.rate)


def convert_units(units: int, from_digits: int, rate: ExchangeRate, to_digits: int) -> int:
    """Minor units converted with ``rate`` and rounded half-even, like `convert`.

    >>> from decimal import Decimal
    >>> convert_units(1999, 2, ExchangeRate("EUR", "USD", Decimal("1.0825")), 2)
    2164
    """
    fraction = rate_fraction(rate)
    num = units * fraction.numerator * 10**to_digits
    den = fraction.denominator * 10**from_digits
    return half_even(num, den)


def rounding_bound(lines: int, per_line: Fraction) -> int:
    """Rounding allowed on a sum of ``lines`` rounded lines: ceil(lines × per_line).

    >>> rounding_bound(5, Fraction(1, 2)), rounding_bound(0, Fraction(1, 2))
    (3, 0)
    """
    product = lines * per_line
    return -(-product.numerator // product.denominator)


class ToleranceUnits:
    """A `Tolerance` in the minor units of one currency, tested on integers.

    >>> from decimal import Decimal
    >>> tol = ToleranceUnits(Tolerance(absolute=Decimal("0.05"), percent=Decimal("1")), 2)
    >>> tol.accepts(5, 100), tol.accepts(6, 100), tol.accepts(10, 1000), tol.accepts(11, 1000)
    (True, False, True, False)
    """

    __slots__ = ("absolute", "den", "num")

    def __init__(self, tolerance: Tolerance, digits: int) -> None:
        absolute = Fraction(tolerance.absolute) * 10**digits
        self.absolute = absolute.numerator // absolute.denominator
        percent = Fraction(tolerance.percent)
        self.num = percent.numerator
        self.den = percent.denominator * 100

    def accepts(self, diff: int, reference: int) -> bool:
        """Whether ``diff`` is within the tolerance of ``reference``."""
        size = abs(diff)
        return size <= self.absolute or size * self.den <= self.num * abs(reference)
