"""Quantity: an exact decimal amount of one unit of measure."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from retail_canon.models._base import CanonicalModel, ExactDecimal
from retail_canon.models._exact import EXACT

__all__ = ["NonNegativeQuantity", "PositiveQuantity", "Quantity", "UomCode"]

UomCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Z0-9]{2,3}$",
        description="UN/ECE Rec 20 unit code (EA, C62, KGM, ...) or Rec 21 package code (XCS).",
    ),
]
"""A UN/ECE Recommendation 20 unit code, or a Rec 21 package code with its ``X`` prefix."""


class Quantity(CanonicalModel):
    """An exact quantity with its UN/ECE unit code.

    >>> Quantity(value="2", uom="EA") + Quantity(value="3", uom="EA")
    Quantity(value=Decimal('5'), uom='EA')
    """

    value: ExactDecimal
    """The amount; never a binary float."""
    uom: UomCode = "EA"
    """UN/ECE Rec 20 code (Rec 21 ``X``-code for packaging levels)."""

    def _check_uom(self, other: Any, op: str) -> Quantity:
        if not isinstance(other, Quantity):
            msg = f"cannot {op} Quantity and {type(other).__name__}"
            raise TypeError(msg)
        if other.uom != self.uom:
            msg = f"cannot {op} {self.uom} and {other.uom} quantities; convert first"
            raise ValueError(msg)
        return other

    def __add__(self, other: Quantity) -> Quantity:
        value = EXACT.add(self.value, self._check_uom(other, "add").value)
        return Quantity.model_construct(value=value, uom=self.uom)

    def __sub__(self, other: Quantity) -> Quantity:
        value = EXACT.subtract(self.value, self._check_uom(other, "subtract").value)
        return Quantity.model_construct(value=value, uom=self.uom)


# Decimal against Decimal compares about twice as fast as Decimal against int.
_ZERO = Decimal(0)


def _non_negative(quantity: Quantity) -> Quantity:
    if quantity.value < _ZERO:
        msg = f"quantity must not be negative, got {quantity.value} {quantity.uom}"
        raise ValueError(msg)
    return quantity


def _positive(quantity: Quantity) -> Quantity:
    if quantity.value <= _ZERO:
        msg = f"quantity must be greater than zero, got {quantity.value} {quantity.uom}"
        raise ValueError(msg)
    return quantity


NonNegativeQuantity = Annotated[Quantity, AfterValidator(_non_negative)]
"""A `Quantity` that is zero or more."""

PositiveQuantity = Annotated[Quantity, AfterValidator(_positive)]
"""A `Quantity` greater than zero."""
