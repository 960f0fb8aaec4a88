"""Money: an exact decimal amount in one ISO 4217 currency."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

from retail_canon._exceptions import CurrencyMismatch, RoundingNotPossible, UnknownCurrency
from retail_canon.models._base import CanonicalModel, ExactDecimal
from retail_canon.models._exact import EXACT
from retail_canon.models._iso4217_data import MINOR_UNITS

if TYPE_CHECKING:
    from pydantic.json_schema import JsonSchemaValue

__all__ = ["CurrencyCode", "Money", "minor_units"]


def minor_units(currency: str) -> int | None:
    """The ISO 4217 minor units of ``currency`` (``None`` for metals, SDR, test codes).

    Raises:
        UnknownCurrency: ``currency`` is not an active ISO 4217 code.

    >>> minor_units("JPY"), minor_units("BHD"), minor_units("USD")
    (0, 3, 2)
    """
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        msg = f"{currency!r} is not an active ISO 4217 currency code"
        raise UnknownCurrency(msg) from None


class _Currency:
    """Annotation marker: an active ISO 4217 code, checked inside pydantic-core."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.custom_error_schema(
            core_schema.literal_schema(list(MINOR_UNITS)),
            custom_error_type="unknown_currency",
            custom_error_message="Input is not an active ISO 4217 currency code (e.g. USD, EUR)",
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # A pattern, not an enum: ISO adding a currency must not be a breaking change.
        return {
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "description": "Active ISO 4217 alphabetic code, e.g. USD.",
        }


CurrencyCode = Annotated[str, _Currency()]
"""An active ISO 4217 alphabetic currency code."""


class Money(CanonicalModel):
    """An exact amount of one currency.

    Arithmetic works only between amounts of the same currency and never rounds; rounding
    to the currency's minor units always names its mode.

    >>> from decimal import ROUND_HALF_UP
    >>> total = Money(amount="19.99", currency="USD") * 3
    >>> total
    Money(amount=Decimal('59.97'), currency='USD')
    >>> (total * Decimal("0.0825")).round(ROUND_HALF_UP).amount
    Decimal('4.95')
    """

    amount: ExactDecimal
    """Signed amount; as many decimal places as the source gave (serialised as a string)."""
    currency: CurrencyCode
    """ISO 4217 alphabetic code."""

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``."""
        return cls(amount=Decimal(0), currency=currency)

    @classmethod
    def from_minor_units(cls, units: int, currency: str) -> Money:
        """An amount given in minor units, e.g. cents: ``from_minor_units(1999, "USD")``."""
        digits = minor_units(currency)
        if digits is None:
            msg = f"{currency} has no minor units"
            raise RoundingNotPossible(msg)
        return cls(amount=Decimal(units).scaleb(-digits, EXACT), currency=currency)

    @property
    def minor_units(self) -> int | None:
        """ISO 4217 minor units of this amount's currency."""
        return MINOR_UNITS[self.currency]

    def _new(self, amount: Decimal) -> Money:
        return Money.model_construct(amount=amount, currency=self.currency)

    def _same_currency(self, other: Any, op: str) -> Money:
        if not isinstance(other, Money):
            msg = f"cannot {op} Money and {type(other).__name__}"
            raise TypeError(msg)
        if other.currency != self.currency:
            msg = f"cannot {op} {self.currency} and {other.currency} amounts"
            raise CurrencyMismatch(msg)
        return other

    def __add__(self, other: Money) -> Money:
        return self._new(EXACT.add(self.amount, self._same_currency(other, "add").amount))

    def __sub__(self, other: Money) -> Money:
        return self._new(EXACT.subtract(self.amount, self._same_currency(other, "subtract").amount))

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            msg = f"Money can be multiplied by a Decimal or an int, not {type(factor).__name__}"
            raise TypeError(msg)
        return self._new(EXACT.multiply(self.amount, factor))

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return self._new(EXACT.minus(self.amount))

    def __abs__(self) -> Money:
        return self._new(EXACT.abs(self.amount))

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same_currency(other, "compare").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same_currency(other, "compare").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same_currency(other, "compare").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same_currency(other, "compare").amount

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __hash__(self) -> int:
        return hash((self.currency, self.amount))

    def is_zero(self) -> bool:
        """Whether the amount is zero."""
        return self.amount == 0

    def round(self, rounding: str) -> Money:
        """Round to the currency's minor units with an explicit ``decimal`` rounding mode.

        Raises:
            RoundingNotPossible: the currency has no minor units (XAU, XDR, ...).
        """
        digits = self.minor_units
        if digits is None:
            msg = f"{self.currency} has no minor units to round to"
            raise RoundingNotPossible(msg)
        exponent = Decimal(1).scaleb(-digits)
        return self._new(self.amount.quantize(exponent, rounding=rounding, context=EXACT))

    def to_minor_units(self, rounding: str) -> int:
        """The amount in minor units (cents), rounded with an explicit mode."""
        digits = self.minor_units
        return int(self.round(rounding).amount.scaleb(digits or 0, EXACT))

    def allocate(self, weights: list[int] | list[Decimal]) -> list[Money]:
        """Split into parts proportional to ``weights`` that add up to exactly this amount.

        The amount must already be in minor units. Remainders go to the largest fractional
        shares first (largest-remainder method), ties to the earliest part, so no cent is
        lost or invented.

        >>> [m.amount for m in Money(amount="10.00", currency="USD").allocate([1, 1, 1])]
        [Decimal('3.34'), Decimal('3.33'), Decimal('3.33')]
        """
        digits = self.minor_units
        if digits is None:
            msg = f"{self.currency} has no minor units to allocate"
            raise RoundingNotPossible(msg)
        exact_weights = [Fraction(w) for w in weights]
        total_weight = sum(exact_weights)
        if not weights or any(w < 0 for w in exact_weights) or total_weight == 0:
            msg = "weights must be non-negative and not all zero"
            raise ValueError(msg)
        units = self.amount.scaleb(digits, EXACT)
        if units != units.to_integral_value():
            msg = f"{self.amount} {self.currency} is not a whole number of minor units"
            raise RoundingNotPossible(msg)
        total_units = int(units)
        sign = -1 if total_units < 0 else 1
        magnitude = abs(total_units)
        # Exact fractions: decimal division would round shares to 28 digits and could
        # push a floor past the exact one (parts would then no longer add up).
        shares = [magnitude * w / total_weight for w in exact_weights]
        floors = [int(s) for s in shares]
        short = magnitude - sum(floors)
        order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - floors[i]), i))
        for i in order[:short]:
            floors[i] += 1
        return [self._new(Decimal(sign * f).scaleb(-digits, EXACT)) for f in floors]
