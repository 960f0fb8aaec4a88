"""Exact conversions of `Quantity` objects: measures by the vendored table, packs by item.

No pint here: a conversion is one multiplication and one division of decimals in a context
that traps inexact results, so a result is either exact or refused (or rounded on request).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_05UP,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from retail_canon._exceptions import (
    CanonicalValueError,
    IncompatibleUnits,
    InexactConversion,
    UnknownUnit,
)
from retail_canon.models._quantity import Quantity
from retail_canon.normalize.uom._codes import UNITS, is_package_code

if TYPE_CHECKING:
    from retail_canon.models._product import Product

__all__ = ["PackHierarchy", "convert", "tidy"]

# Precision 100 decides everyday values; longer ones (see `_exactly`) get more.
_PRECISION: Final = 100
_TRAPS: Final = [InvalidOperation, DivisionByZero, Overflow]
_EXACT = Context(prec=_PRECISION, traps=[Inexact, *_TRAPS])
# Rounding to `places` first computes the quotient to a few more digits than needed with
# ROUND_05UP, which keeps the last digit honest: no double-rounding error.
_APPROX = Context(prec=_PRECISION, rounding=ROUND_05UP, traps=_TRAPS)
# normalize/quantize of results: never rounds on its own.
_WIDE = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=_TRAPS)
_ONE = Decimal(1)

# code -> (dimension key, factor to the dimension's base, counted in whole units?)
_Resolved = tuple[str, Decimal, bool]
_RESOLVED: dict[str, _Resolved] = {
    info.code: (
        (info.dimension, info.factor, info.dimension == "count")
        if info.factor is not None
        else (info.code, _ONE, True)  # converts only to itself (or via a pack level)
    )
    for info in UNITS.values()
}


class PackHierarchy:
    """The pack levels of one item: how many base units each packaging level holds.

    Build it from a `Product` (``PackHierarchy.from_product(product)``) or directly:

    >>> packs = PackHierarchy("EA", {"XPK": 6, "XCS": 24, "XPX": 1920})
    >>> packs.quantity_of_base("XCS")
    Decimal('24')
    >>> convert(Quantity(value=2, uom="XCS"), "XPK", pack=packs)
    Quantity(value=Decimal('8'), uom='XPK')

    Attributes:
        base_uom: the canonical code stock is counted in (``EA``, or a measure like ``KGM``
            for an item sold by weight).
        levels: package code (Rec 21, ``X`` prefix) → how many ``base_uom`` one holds.
    """

    __slots__ = ("_base", "_base_uom", "_levels")

    def __init__(self, base_uom: str, levels: Mapping[str, Decimal | int | str]) -> None:
        if is_package_code(base_uom):
            self._base: _Resolved = (base_uom, _ONE, True)
        elif base_uom in _RESOLVED:
            self._base = _RESOLVED[base_uom]
        else:
            msg = f"pack hierarchy base unit {base_uom!r} is not a canonical unit code"
            raise UnknownUnit(msg)
        checked: dict[str, Decimal] = {}
        for code, size in levels.items():
            if not is_package_code(code):
                msg = f"pack level {code!r} is not a Rec 21 package code (X prefix, e.g. XCS)"
                raise UnknownUnit(msg)
            if code == base_uom:
                msg = f"pack level {code!r} is also the base unit"
                raise CanonicalValueError(msg)
            if isinstance(size, float):
                msg = f"pack level {code!r}: size {size!r} is a binary float; use a Decimal"
                raise TypeError(msg)
            amount = Decimal(size)
            if not amount.is_finite() or amount <= 0:
                msg = f"pack level {code!r}: size must be a positive number, got {size!r}"
                raise CanonicalValueError(msg)
            checked[code] = amount
        self._base_uom = base_uom
        self._levels = MappingProxyType(checked)

    @classmethod
    def from_product(cls, product: Product) -> PackHierarchy:
        """The hierarchy of ``product.pack_levels`` over ``product.base_uom``.

        Raises:
            CanonicalValueError: two levels share a code with different sizes, or a level
                is the base unit.
            UnknownUnit: the base unit is not canonical, or a level is not a package code.
        """
        levels: dict[str, Decimal] = {}
        for level in product.pack_levels:
            seen = levels.setdefault(level.uom, level.quantity_of_base)
            if seen != level.quantity_of_base:
                msg = (
                    f"product {product.product_id!r}: pack level {level.uom} is declared "
                    f"twice, as {seen} and {level.quantity_of_base} {product.base_uom}"
                )
                raise CanonicalValueError(msg)
        return cls(product.base_uom, levels)

    @property
    def base_uom(self) -> str:
        """The canonical code stock is counted in."""
        return self._base_uom

    @property
    def levels(self) -> Mapping[str, Decimal]:
        """Package code → how many `base_uom` one holds (read-only)."""
        return self._levels

    def quantity_of_base(self, uom: str) -> Decimal:
        """How many `base_uom` one ``uom`` holds (``1`` for the base unit itself).

        Raises:
            IncompatibleUnits: ``uom`` is neither the base unit nor one of the levels.
        """
        if uom == self._base_uom:
            return _ONE
        try:
            return self._levels[uom]
        except KeyError:
            msg = f"{uom!r} is not a pack level of this item ({self._describe()})"
            raise IncompatibleUnits(msg) from None

    def _describe(self) -> str:
        sizes = ", ".join(f"1 {c} = {n} {self._base_uom}" for c, n in self._levels.items())
        return f"levels: {sizes}" if sizes else f"no pack levels over {self._base_uom}"

    def _resolve(self, code: str) -> _Resolved:
        if code == self._base_uom:
            return self._base
        dimension, factor, _ = self._base
        return dimension, self.quantity_of_base(code) * factor, True

    def __repr__(self) -> str:
        return f"PackHierarchy({self._base_uom!r}, {dict(self._levels)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PackHierarchy):
            return NotImplemented
        return self._base_uom == other._base_uom and self._levels == other._levels

    def __hash__(self) -> int:
        return hash((self._base_uom, frozenset(self._levels.items())))


def _resolve(code: str, pack: PackHierarchy | None) -> _Resolved:
    if is_package_code(code):
        if pack is None:
            msg = (
                f"{code} is a packaging level: how much it holds depends on the item; "
                "pass pack=product (or a PackHierarchy)"
            )
            raise IncompatibleUnits(msg)
        return pack._resolve(code)
    resolved = _RESOLVED.get(code)
    if resolved is None:
        msg = (
            f"unknown unit code {code!r}: not a canonical Rec 20/21 code "
            "(read vendor spellings with normalize_unit first)"
        )
        raise UnknownUnit(msg)
    return resolved


def tidy(value: Decimal) -> Decimal:
    """``value`` without trailing fractional zeros and without a positive exponent."""
    value = value.normalize(_WIDE)
    if value.as_tuple().exponent > 0:  # type: ignore[operator]  # finite: an int
        return value.quantize(_ONE, context=_WIDE)
    return value


def _exactly(value: Decimal, source_factor: Decimal, target_factor: Decimal) -> Decimal | None:
    """``value × source_factor ÷ target_factor`` if it has a finite decimal form, else None."""
    try:
        return _EXACT.divide(_EXACT.multiply(value, source_factor), target_factor)
    except Inexact:
        # n ÷ m terminates only if m's remaining factors are 2s and 5s, and then has at
        # most log2(m) < 3.33 × digits(m) digits more than n.
        need = _digits(value) + _digits(source_factor) + 10 * _digits(target_factor) // 3 + 4
        if need <= _PRECISION:
            return None
    wide = Context(prec=need, traps=[Inexact, *_TRAPS])
    try:
        return wide.divide(wide.multiply(value, source_factor), target_factor)
    except Inexact:
        return None


def _digits(value: Decimal) -> int:
    return len(value.as_tuple().digits)


def _rounded(
    value: Decimal, source_factor: Decimal, target_factor: Decimal, places: int, rounding: str
) -> Decimal:
    """``value × source_factor ÷ target_factor`` rounded once, correctly, to ``places``."""
    digits = value.adjusted() + source_factor.adjusted() - target_factor.adjusted() + places
    if digits + 10 <= _PRECISION:
        context = _APPROX
    else:
        context = Context(prec=digits + 10, rounding=ROUND_05UP, traps=_TRAPS)
    unrounded = context.divide(context.multiply(value, source_factor), target_factor)
    return unrounded.quantize(_ONE.scaleb(-places, _WIDE), rounding=rounding, context=_WIDE)


def convert(
    quantity: Quantity,
    to_uom: str,
    *,
    pack: PackHierarchy | Product | None = None,
    allow_fraction: bool = False,
    places: int | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> Quantity:
    """``quantity`` in ``to_uom``: exact, or an error, or rounded only when asked.

    Measures (mass, length, area, volume, time) and counts (EA, DZN, ...) convert by the
    vendored factor table. Packaging levels (XCS, XPK, XPX, ...) convert through ``pack``,
    the item's hierarchy, because "1 case = 12 each" is a property of the item.

    >>> convert(Quantity(value=12, uom="LBR"), "KGM")
    Quantity(value=Decimal('5.44310844'), uom='KGM')
    >>> convert(Quantity(value=1, uom="KGM"), "LBR", places=3)
    Quantity(value=Decimal('2.205'), uom='LBR')
    >>> case_of_12 = PackHierarchy("EA", {"XCS": 12})
    >>> convert(Quantity(value=36, uom="EA"), "XCS", pack=case_of_12)
    Quantity(value=Decimal('3'), uom='XCS')

    Args:
        quantity: the quantity to convert; its ``uom`` must be a canonical code.
        to_uom: the canonical code to convert to.
        pack: the item's pack hierarchy, or the `Product` to build it from; needed when
            either unit is a packaging level.
        allow_fraction: accept a fractional number of a counted unit (each, dozen, a pack
            level, a pair); by default 7 EA to cases of 12 is an error.
        places: round the result to this many decimal places; needed when the exact result
            has no finite decimal form (1 KGM is 2.2046226218… LBR).
        rounding: the `decimal` rounding mode used with ``places``.

    Returns:
        A new `Quantity` in ``to_uom``, or ``quantity`` itself when the units are the same
        and ``places`` is not given.

    Raises:
        UnknownUnit: a unit is not a canonical code.
        IncompatibleUnits: the units measure different things (KGM to MTR, EA to KGM), or a
            packaging level is not in ``pack`` (or ``pack`` is missing).
        InexactConversion: the result is not a whole number of a counted unit and
            ``allow_fraction`` is false, or it has no finite decimal form and ``places`` is
            not given.
    """
    from_uom = quantity.uom
    value = quantity.value
    if from_uom == to_uom and places is None:
        return quantity
    if pack is None or isinstance(pack, PackHierarchy):
        hierarchy = pack
    else:
        hierarchy = PackHierarchy.from_product(pack)
    source_dim, source_factor, _ = _resolve(from_uom, hierarchy)
    target_dim, target_factor, counted = _resolve(to_uom, hierarchy)
    if source_dim != target_dim:
        msg = (
            f"cannot convert {from_uom} ({_dimension_name(source_dim)}) "
            f"to {to_uom} ({_dimension_name(target_dim)})"
        )
        raise IncompatibleUnits(msg)
    exact = _exactly(value, source_factor, target_factor)
    if counted and not allow_fraction and (exact is None or exact != exact.to_integral_value()):
        shown = _shown(exact, value, source_factor, target_factor)
        msg = (
            f"{value} {from_uom} is {shown} {to_uom}, not a whole number; "
            "pass allow_fraction=True to accept a fraction"
        )
        raise InexactConversion(msg)
    if places is not None:
        if exact is None:
            result = _rounded(value, source_factor, target_factor, places, rounding)
        else:
            result = exact.quantize(_ONE.scaleb(-places, _WIDE), rounding=rounding, context=_WIDE)
    elif exact is None:
        shown = _shown(exact, value, source_factor, target_factor)
        msg = (
            f"{value} {from_uom} is {shown} {to_uom}, which has no finite decimal form; "
            "pass places= to round it"
        )
        raise InexactConversion(msg)
    else:
        result = tidy(exact)
    return Quantity(value=result, uom=to_uom)


def _approx(value: Decimal, source_factor: Decimal, target_factor: Decimal) -> Decimal:
    return _APPROX.divide(_APPROX.multiply(value, source_factor), target_factor)


def _shown(
    exact: Decimal | None, value: Decimal, source_factor: Decimal, target_factor: Decimal
) -> str:
    if exact is not None:
        return str(tidy(exact))
    return f"{_approx(value, source_factor, target_factor):.12g}…"


def _dimension_name(dimension: str) -> str:
    return dimension if dimension.islower() else f"counted in {dimension} only"
