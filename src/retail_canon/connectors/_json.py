"""Decimals as exact JSON numbers, for vendors that want numbers rather than strings."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["exact_number", "json_ready"]


def exact_number(value: Decimal) -> int | float:
    """A JSON number whose text is exactly the decimal's (refuses any that is not).

    Raises:
        ValueError: a decimal that a JSON number (a double) cannot carry exactly.

    >>> exact_number(Decimal("19.99")), exact_number(Decimal("2.00"))
    (19.99, 2)
    """
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        msg = f"{value} cannot be written as an exact JSON number"
        raise ValueError(msg)
    return number


def json_ready(value: Any) -> Any:
    """``value`` with every `Decimal` (in mappings, lists and tuples) as `exact_number`.

    Raises:
        ValueError: a decimal that a JSON number (a double) cannot carry exactly.

    >>> json_ready([0, 0, {"price_unit": Decimal("12.49"), "product_uom_qty": Decimal("3")}])
    [0, 0, {'price_unit': 12.49, 'product_uom_qty': 3}]
    """
    if isinstance(value, Decimal):
        return exact_number(value)
    if isinstance(value, Mapping):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value
