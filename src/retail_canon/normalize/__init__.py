"""Normalizers: turn what vendors send into what the canonical objects accept.

Every function is pure and typed, and raises a typed `ValueError` subclass with a stable
``code`` that names the bad value. Submodules load on first use, and heavy dependencies
(pint, babel, python-dateutil) load only inside the functions that need them.

- `retail_canon.normalize.identifiers`: GTIN, GLN, SSCC, ISBN, ASIN.
- `retail_canon.normalize.uom`: unit codes and aliases, exact measure and pack conversions,
  an optional pint registry.
- `retail_canon.normalize.money`: rounding with a named mode, allocation, exchange rates.
- `retail_canon.normalize.tax`: tax-inclusive/exclusive prices, rounding strategies, checks
  of reported order tax.
- `retail_canon.normalize.dates`: vendor timestamps (ISO 8601, RFC 2822, report files,
  epoch) to aware UTC.
- `retail_canon.normalize.numbers`: exact decimals from machine and locale formats.
- `retail_canon.normalize.status`: vendor statuses to the canonical state machines.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retail_canon.normalize import dates, identifiers, money, numbers, status, tax, uom

__all__ = ["dates", "identifiers", "money", "numbers", "status", "tax", "uom"]

_SUBMODULES = frozenset(__all__)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"retail_canon.normalize.{name}")
        globals()[name] = module
        return module
    msg = f"module 'retail_canon.normalize' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
