"""Discounts and shipping lines of an order."""

from __future__ import annotations

from pydantic import Field

from retail_canon.models._base import CanonicalModel
from retail_canon.models._money import Money
from retail_canon.models._tax import TaxLine

__all__ = ["Discount", "ShippingLine"]


class Discount(CanonicalModel):
    """A reduction applied to a line, a shipping line or the whole order.

    ``amount`` is the reduction as a positive number.
    """

    amount: Money
    code: str | None = None
    """The promotion or coupon code, if any."""
    description: str | None = None


class ShippingLine(CanonicalModel):
    """A shipping charge on an order."""

    title: str | None = None
    """The method as the buyer saw it, e.g. ``Standard`` or ``Next Day``."""
    carrier: str | None = None
    service_level: str | None = None
    price: Money
    """Charge before discounts."""
    discounts: tuple[Discount, ...] = ()
    tax_lines: tuple[TaxLine, ...] = Field(default=())
