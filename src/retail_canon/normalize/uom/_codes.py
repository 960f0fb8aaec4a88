"""The vendored unit table: UN/ECE Rec 20 codes with exact factors, and Rec 21 package codes.

Every factor is an exact decimal taken from a legal definition, never a rounded reading:

- mass: 1 lb = 0.45359237 kg (international yard and pound agreement, 1959); the ounce is
  1/16 lb, the troy ounce 480 grains of 64.79891 mg, the short ton 2000 lb, the long ton
  2240 lb;
- length: 1 in = 25.4 mm exactly (1959); the foot is 12 in, the yard 3 ft, the mile 5280 ft;
- volume: 1 US gallon = 231 in³ = 3.785411784 L; US quart, pint and fluid ounce are 1/4,
  1/8 and 1/128 of it; 1 imperial gallon = 4.54609 L (UK Weights and Measures Act 1985),
  imperial quart, pint and fluid ounce are 1/4, 1/8 and 1/160 of it. (Rec 20 prints the
  older 4.546092 dm³ for GLI; we follow the legal value.)

Factors are to one base unit per dimension: EA (count), KGM, MTR, MTK, LTR, SEC. Units
without a factor (pair, set, kit, percent, month, ...) convert only to themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from retail_canon._exceptions import UnknownUnit

__all__ = ["BASE_UNITS", "UNITS", "Dimension", "UnitInfo", "is_package_code", "unit_info"]

Dimension = Literal["count", "mass", "length", "area", "volume", "time", "package", "other"]
"""What a unit measures. ``package`` units (Rec 21) hold a per-item number of base units."""

BASE_UNITS: dict[Dimension, str] = {
    "count": "EA",
    "mass": "KGM",
    "length": "MTR",
    "area": "MTK",
    "volume": "LTR",
    "time": "SEC",
}
"""The unit every factor of a dimension is expressed in."""


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """A canonical unit code and what it means.

    Attributes:
        code: the Rec 20 code, or the Rec 21 package code with its ``X`` prefix.
        name: the English name, as in the recommendation.
        dimension: what the unit measures.
        factor: how many of the dimension's base unit (`base`) one of this unit is, exactly;
            ``None`` for package codes (their size depends on the item) and for units that
            convert only to themselves (pair, set, percent, ...).
    """

    code: str
    name: str
    dimension: Dimension
    factor: Decimal | None

    @property
    def base(self) -> str | None:
        """The code `factor` is expressed in (``KGM`` for mass, ...), or ``None``."""
        return BASE_UNITS.get(self.dimension) if self.factor is not None else None


_TABLE: tuple[tuple[str, str, Dimension, str | None], ...] = (
    # count: units of one item each, and multiples of items
    ("EA", "each", "count", "1"),
    ("C62", "one", "count", "1"),
    ("H87", "piece", "count", "1"),
    ("NAR", "number of articles", "count", "1"),
    ("TP", "ten pack", "count", "10"),
    ("DZN", "dozen", "count", "12"),
    ("CNP", "hundred pack", "count", "100"),
    ("GRO", "gross", "count", "144"),
    # mass, in kilograms
    ("KGM", "kilogram", "mass", "1"),
    ("GRM", "gram", "mass", "0.001"),
    ("MGM", "milligram", "mass", "0.000001"),
    ("TNE", "tonne (metric ton)", "mass", "1000"),
    ("LBR", "pound", "mass", "0.45359237"),
    ("ONZ", "ounce (avoirdupois)", "mass", "0.028349523125"),
    ("APZ", "troy ounce", "mass", "0.0311034768"),
    ("STN", "ton (US) or short ton (UK/US)", "mass", "907.18474"),
    ("LTN", "ton (UK) or long ton (US)", "mass", "1016.0469088"),
    # length, in metres
    ("MTR", "metre", "length", "1"),
    ("CMT", "centimetre", "length", "0.01"),
    ("MMT", "millimetre", "length", "0.001"),
    ("KMT", "kilometre", "length", "1000"),
    ("INH", "inch", "length", "0.0254"),
    ("FOT", "foot", "length", "0.3048"),
    ("YRD", "yard", "length", "0.9144"),
    ("SMI", "mile (statute mile)", "length", "1609.344"),
    # area, in square metres
    ("MTK", "square metre", "area", "1"),
    ("CMK", "square centimetre", "area", "0.0001"),
    ("MMK", "square millimetre", "area", "0.000001"),
    ("INK", "square inch", "area", "0.00064516"),
    ("FTK", "square foot", "area", "0.09290304"),
    ("YDK", "square yard", "area", "0.83612736"),
    # volume, in litres
    ("LTR", "litre", "volume", "1"),
    ("MLT", "millilitre", "volume", "0.001"),
    ("CLT", "centilitre", "volume", "0.01"),
    ("DLT", "decilitre", "volume", "0.1"),
    ("CMQ", "cubic centimetre", "volume", "0.001"),
    ("DMQ", "cubic decimetre", "volume", "1"),
    ("MTQ", "cubic metre", "volume", "1000"),
    ("INQ", "cubic inch", "volume", "0.016387064"),
    ("FTQ", "cubic foot", "volume", "28.316846592"),
    ("GLL", "gallon (US)", "volume", "3.785411784"),
    ("QTL", "liquid quart (US)", "volume", "0.946352946"),
    ("PTL", "liquid pint (US)", "volume", "0.473176473"),
    ("OZA", "fluid ounce (US)", "volume", "0.0295735295625"),
    ("GLI", "gallon (UK)", "volume", "4.54609"),
    ("QTI", "quart (UK)", "volume", "1.1365225"),
    ("PTI", "pint (UK)", "volume", "0.56826125"),
    ("OZI", "fluid ounce (UK)", "volume", "0.0284130625"),
    # time, in seconds
    ("SEC", "second", "time", "1"),
    ("MIN", "minute", "time", "60"),
    ("HUR", "hour", "time", "3600"),
    ("DAY", "day", "time", "86400"),
    ("WEE", "week", "time", "604800"),
    # units that convert only to themselves
    ("PR", "pair", "other", None),
    ("SET", "set", "other", None),
    ("KT", "kit", "other", None),
    ("DZP", "dozen pack (counts packs, not items)", "other", None),
    ("MON", "month", "other", None),
    ("P1", "percent", "other", None),
    ("E48", "service unit", "other", None),
    ("ZZ", "mutually defined", "other", None),
    # Rec 21 package codes (X prefix): their size is a property of the item
    ("XCS", "case", "package", None),
    ("XCT", "carton", "package", None),
    ("XBX", "box", "package", None),
    ("XPK", "package", "package", None),
    ("XPA", "packet", "package", None),
    ("XPX", "pallet", "package", None),
    ("XBG", "bag", "package", None),
    ("XBO", "bottle, non-protected, cylindrical", "package", None),
    ("XCR", "crate", "package", None),
    ("XDR", "drum", "package", None),
    ("XRO", "roll", "package", None),
    ("XTU", "tube", "package", None),
    ("XBE", "bundle", "package", None),
    ("XKI", "kit", "package", None),
    ("XUN", "unit", "package", None),
    ("XSW", "shrinkwrapped", "package", None),
    ("XNE", "unpacked or unpackaged", "package", None),
)

UNITS: dict[str, UnitInfo] = {
    code: UnitInfo(code, name, dimension, None if factor is None else Decimal(factor))
    for code, name, dimension, factor in _TABLE
}
"""Every canonical code this module knows, by code."""


def is_package_code(code: str) -> bool:
    """Whether ``code`` has the shape of a Rec 21 package code (``X`` + two characters).

    Rec 20 assigns no code starting with ``X``: that prefix is reserved for Rec 21.
    """
    return len(code) == 3 and code[0] == "X" and code.isalnum() and code.isupper()


def unit_info(code: str) -> UnitInfo:
    """What a canonical unit code means: its name, dimension and exact factor.

    Only canonical codes are accepted (case-sensitive); vendor spellings go through
    `normalize_unit` first.

    >>> unit_info("LBR")
    UnitInfo(code='LBR', name='pound', dimension='mass', factor=Decimal('0.45359237'))
    >>> unit_info("LBR").base
    'KGM'

    Raises:
        UnknownUnit: ``code`` is not a canonical code in the vendored table.
    """
    try:
        return UNITS[code]
    except KeyError:
        msg = (
            f"unknown unit code {code!r}: not a canonical Rec 20/21 code "
            "(read vendor spellings with normalize_unit first)"
        )
        raise UnknownUnit(msg) from None
