"""A pint registry built from our own table, for arbitrary dimensional maths.

pint is imported inside these functions only, never when ``retail_canon.normalize.uom`` is
imported, and never by `convert`. The registry is ``pint.UnitRegistry(None)`` (none of
pint's default definitions, so no free-form reading of ``pcs`` as parsec) with our
canonical codes as its unit names and `Decimal` magnitudes. It is built once, on first
use, and shared: 10–20 ms for about 80 definitions, on top of ``import pint`` (150–300 ms).
"""

from __future__ import annotations

import threading
import warnings
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from retail_canon._exceptions import UnknownUnit
from retail_canon.models._quantity import Quantity
from retail_canon.normalize.uom._codes import BASE_UNITS, UNITS
from retail_canon.normalize.uom._convert import tidy

if TYPE_CHECKING:
    import pint

__all__ = ["definitions", "from_pint", "registry", "to_pint"]

_LOCK = threading.Lock()
_REGISTRY: list[pint.UnitRegistry[Decimal]] = []

# Base units of the dimensions pint can relate: area and volume derive from length.
_BASE_DEFINITIONS = {
    "count": "EA = [count]",
    "mass": "KGM = [mass]",
    "length": "MTR = [length]",
    "area": "MTK = MTR ** 2",
    "volume": "LTR = 0.001 * MTR ** 3",
    "time": "SEC = [time]",
}


def definitions() -> list[str]:
    """The pint definition lines of the registry, generated from the vendored table.

    Each dimension's base unit comes first; units without a factor (packaging levels,
    pair, percent, ...) become dimensions of their own, so pint refuses to convert them.
    """
    lines = list(_BASE_DEFINITIONS.values())
    for info in UNITS.values():
        if info.factor is None:
            lines.append(f"{info.code} = [{info.code.lower()}]")
        elif info.code != BASE_UNITS[info.dimension]:
            lines.append(f"{info.code} = {info.factor} * {BASE_UNITS[info.dimension]}")
    return lines


def registry() -> pint.UnitRegistry[Decimal]:
    """The shared pint registry of canonical codes (built on first call; imports pint).

    >>> ureg = registry()
    >>> ureg.Quantity(Decimal(12), "LBR").to("KGM")
    <Quantity(5.44310844, 'KGM')>
    >>> (ureg.Quantity(Decimal(2), "MTR") * ureg.Quantity(Decimal(3), "MTR")).to("MTK")
    <Quantity(6, 'MTK')>
    """
    if _REGISTRY:
        return _REGISTRY[0]
    with _LOCK:
        if not _REGISTRY:
            _REGISTRY.append(_build())
    return _REGISTRY[0]


def _build() -> pint.UnitRegistry[Decimal]:
    with warnings.catch_warnings():
        # pint and its parser libraries may warn about their own deprecations on import;
        # that is not the caller's business.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        import pint

        ureg: pint.UnitRegistry[Decimal] = pint.UnitRegistry(
            None, non_int_type=Decimal, cache_folder=None
        )
        for line in definitions():
            ureg.define(line)
    return ureg


def to_pint(quantity: Quantity) -> pint.Quantity[Decimal]:
    """``quantity`` as a pint quantity of `registry` (a `Decimal` magnitude).

    >>> to_pint(Quantity(value=2, uom="GLL")).to("MLT")
    <Quantity(7570.823568, 'MLT')>

    Raises:
        UnknownUnit: ``quantity.uom`` is not in the vendored table.
    """
    if quantity.uom not in UNITS:
        msg = f"unknown unit code {quantity.uom!r}: not in retail_canon's pint registry"
        raise UnknownUnit(msg)
    return registry().Quantity(quantity.value, quantity.uom)


def from_pint(quantity: pint.Quantity[Any], uom: str | None = None) -> Quantity:
    """A `Quantity` from a pint quantity of `registry`, converted to ``uom`` if given.

    >>> ureg = registry()
    >>> area = ureg.Quantity(Decimal("0.3048"), "MTR") ** 2
    >>> from_pint(area, "FTK")
    Quantity(value=Decimal('1'), uom='FTK')

    Args:
        quantity: a pint quantity with a `Decimal` or `int` magnitude.
        uom: the canonical code for the result; by default the quantity's own unit, which
            must then be a single canonical code (not ``MTR ** 2``).

    Raises:
        UnknownUnit: ``uom`` is not a canonical code, or no ``uom`` is given and the unit
            is not a single canonical code.
        TypeError: the magnitude is a binary float (or not a number).
    """
    if uom is None:
        uom = str(quantity.units)
        if uom not in UNITS:
            msg = f"pint unit {uom!r} is not a single canonical code; pass uom="
            raise UnknownUnit(msg)
    elif uom in UNITS:
        quantity = quantity.to(uom)
    else:
        msg = f"unknown unit code {uom!r}: not in retail_canon's pint registry"
        raise UnknownUnit(msg)
    magnitude = quantity.magnitude
    if isinstance(magnitude, bool) or not isinstance(magnitude, Decimal | int):
        kind = type(magnitude).__name__
        msg = f"pint magnitude {magnitude!r} is a {kind}, not a Decimal or int: exact values only"
        raise TypeError(msg)
    return Quantity(value=tidy(Decimal(magnitude)), uom=uom)
