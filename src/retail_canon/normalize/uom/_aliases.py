"""Alias tables: what vendors send, mapped to canonical codes, one closed table per source.

Lookup is case-insensitive; dots and underscores count as spaces and runs of spaces as one
(``"fl. oz."``, ``"FL_OZ"`` and ``"fl oz"`` are the same key). A canonical code is always
accepted as itself. Free-text words for "one item" (``pcs``, ``piece``, ``unit``, X12
``PC``/``UN``, Shopify ``ITEM``, Amazon ``COUNT``) all map to ``EA``; the Rec 20 codes
``C62``, ``H87`` and ``NAR`` stay as given and convert 1:1 to ``EA``.

A token that means different things in different places is refused, with the reason, rather
than guessed; each entry of ``_AMBIGUOUS`` says what to send instead.
"""

from __future__ import annotations

from typing import Literal, get_args

from retail_canon._exceptions import UnknownUnit
from retail_canon.normalize.uom._codes import UNITS

__all__ = ["UnitSource", "normalize_unit"]

UnitSource = Literal["x12", "amazon", "shopify"]
"""A source with its own closed table: ANSI X12 element 355, Amazon SP-API, Shopify."""

_SOURCES: tuple[str, ...] = get_args(UnitSource)


def _expand(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_key(alias): code for code, aliases in groups.items() for alias in aliases}


def _key(value: str) -> str:
    return " ".join(value.replace(".", " ").replace("_", " ").split()).casefold()


_GENERIC = _expand(
    {
        # count
        "EA": ("each", "eaches", "pc", "pcs", "piece", "pieces", "unit", "units", "count"),
        "DZN": ("dz", "doz", "dozen", "dozens"),
        "PR": ("pair", "pairs"),
        "SET": ("sets",),
        "KT": ("kit", "kits"),
        "GRO": ("gross",),
        # mass
        "KGM": ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme"),
        "GRM": ("g", "gram", "grams", "gramme", "grammes"),
        "MGM": ("mg", "milligram", "milligrams"),
        "LBR": ("lb", "lbs", "pound", "pounds"),
        "ONZ": ("oz", "ozs", "ounce", "ounces"),
        "TNE": ("t", "tonne", "tonnes", "metric ton", "metric tons"),
        # length
        "MTR": ("m", "meter", "meters", "metre", "metres"),
        "CMT": ("cm", "centimeter", "centimeters", "centimetre", "centimetres"),
        "MMT": ("mm", "millimeter", "millimeters", "millimetre", "millimetres"),
        "KMT": ("km", "kilometer", "kilometers", "kilometre", "kilometres"),
        "INH": ("in", "inch", "inches"),
        "FOT": ("ft", "foot", "feet"),
        "YRD": ("yd", "yds", "yard", "yards"),
        "SMI": ("mi", "mile", "miles"),
        # area
        "MTK": ("m2", "m²", "sq m", "sqm", "square meter", "square meters", "square metre"),
        "CMK": ("cm2", "cm²", "sq cm", "square centimeter", "square centimeters"),
        "INK": ("in2", "in²", "sq in", "square inch", "square inches"),
        "FTK": ("ft2", "ft²", "sq ft", "sqft", "square foot", "square feet"),
        "YDK": ("yd2", "yd²", "sq yd", "square yard", "square yards"),
        # volume
        "LTR": ("l", "liter", "liters", "litre", "litres"),
        "MLT": ("ml", "milliliter", "milliliters", "millilitre", "millilitres"),
        "CLT": ("cl", "centiliter", "centiliters", "centilitre", "centilitres"),
        "DLT": ("dl", "deciliter", "deciliters", "decilitre", "decilitres"),
        "CMQ": ("cc", "cm3", "cm³", "cubic centimeter", "cubic centimeters"),
        "MTQ": ("m3", "m³", "cbm", "cubic meter", "cubic meters", "cubic metre"),
        "INQ": ("in3", "in³", "cu in", "cubic inch", "cubic inches"),
        "FTQ": ("ft3", "ft³", "cu ft", "cubic foot", "cubic feet"),
        # time
        "SEC": ("s", "second", "seconds"),
        "MIN": ("minute", "minutes"),
        "HUR": ("h", "hr", "hrs", "hour", "hours"),
        "DAY": ("days",),
        "WEE": ("wk", "week", "weeks"),
        # packaging levels (Rec 21)
        "XCS": ("cs", "case", "cases", "ca"),
        "XCT": ("ctn", "ctns", "carton", "cartons"),
        "XBX": ("bx", "box", "boxes"),
        "XPK": ("pk", "pack", "packs", "pkg", "pkgs", "package", "packages"),
        "XPA": ("packet", "packets"),
        "XPX": ("pl", "plt", "pallet", "pallets"),
        "XBG": ("bg", "bag", "bags"),
        "XBO": ("btl", "bottle", "bottles"),
        "XCR": ("crate", "crates"),
        "XDR": ("dr", "drum", "drums"),
        "XRO": ("rl", "roll", "rolls"),
        "XTU": ("tube", "tubes"),
        "XBE": ("bdl", "bundle", "bundles"),
    }
)

# ANSI X12 element 355. EA CA BX CT PK PL DZ LB OZ GA FT RL BG DR PT TN from the project's
# reference table; KG GR ML UN CF CR checked in published 355 code lists; the rest are the
# long-standing 355 codes used in retail implementation guides. X12 is a US standard: GA,
# PT and QT are US liquid measures, TN is the net (short) ton of 2000 lb.
_X12 = _expand(
    {
        "EA": ("EA", "PC", "UN"),
        "PR": ("PR",),
        "KT": ("KT",),
        "DZN": ("DZ",),
        "XCS": ("CA",),
        "XBX": ("BX",),
        "XCT": ("CT",),
        "XPK": ("PK",),
        "XPX": ("PL",),
        "XRO": ("RL",),
        "XBG": ("BG",),
        "XBO": ("BO",),
        "XDR": ("DR",),
        "LBR": ("LB",),
        "ONZ": ("OZ",),
        "KGM": ("KG",),
        "GRM": ("GR",),
        "STN": ("TN",),
        "FOT": ("FT",),
        "INH": ("IN",),
        "YRD": ("YD",),
        "CMT": ("CM",),
        "MMT": ("MM",),
        "MTR": ("MR",),
        "GLL": ("GA",),
        "QTL": ("QT",),
        "PTL": ("PT",),
        "LTR": ("LT",),
        "MLT": ("ML",),
        "FTQ": ("CF",),
        "MTQ": ("CR",),
    }
)

# Amazon SP-API `Measurement.unit` (Orders), plus the lower-case weight units of the
# Shipping and Fulfillment Outbound APIs.
_AMAZON = _expand(
    {
        "EA": ("COUNT",),
        "ONZ": ("OUNCES", "oz"),
        "LBR": ("POUNDS", "lb"),
        "KGM": ("KILOGRAMS", "kg"),
        "GRM": ("GRAMS", "g"),
        "MGM": ("MILLIGRAMS",),
        "INH": ("INCHES",),
        "FOT": ("FEET",),
        "MTR": ("METERS",),
        "CMT": ("CENTIMETERS",),
        "MMT": ("MILLIMETERS",),
        "MTK": ("SQUARE_METERS",),
        "CMK": ("SQUARE_CENTIMETERS",),
        "FTK": ("SQUARE_FEET",),
        "INK": ("SQUARE_INCHES",),
        "LTR": ("LITERS",),
        "MTQ": ("CUBIC_METERS",),
        "FTQ": ("CUBIC_FEET",),
        "INQ": ("CUBIC_INCHES",),
        "CMQ": ("CUBIC_CENTIMETERS",),
    }
)

# Shopify `WeightUnit` (GRAMS, ...), REST `weight_unit` (g, kg, oz, lb) and
# `UnitPriceMeasurementMeasuredUnit`, whose FLOZ, GAL, PT and QT are documented as US units.
_SHOPIFY = _expand(
    {
        "EA": ("ITEM",),
        "GRM": ("GRAMS", "G"),
        "KGM": ("KILOGRAMS", "KG"),
        "MGM": ("MG",),
        "ONZ": ("OUNCES", "OZ"),
        "LBR": ("POUNDS", "LB"),
        "MMT": ("MM",),
        "CMT": ("CM",),
        "MTR": ("M",),
        "INH": ("IN",),
        "FOT": ("FT",),
        "YRD": ("YD",),
        "MTK": ("M2",),
        "FTK": ("FT2",),
        "MLT": ("ML",),
        "CLT": ("CL",),
        "LTR": ("L",),
        "MTQ": ("M3",),
        "OZA": ("FLOZ",),
        "PTL": ("PT",),
        "QTL": ("QT",),
        "GLL": ("GAL",),
    }
)

_US_OR_UK = "the US and the imperial {0} differ; send {1} (US) or {2} (imperial)"
_AMAZON_VOLUME = (
    "Amazon does not say whether {0} are US or imperial; send {1} (US) or {2} (imperial)"
)

_AMBIGUOUS: dict[str | None, dict[str, str]] = {
    None: {
        "ct": "a count ('24 ct' = 24 each) in free text but a carton in X12; "
        "send EA or XCT, or pass source='x12'",
        "gal": _US_OR_UK.format("gallon", "GLL", "GLI"),
        "gallon": _US_OR_UK.format("gallon", "GLL", "GLI"),
        "gallons": _US_OR_UK.format("gallon", "GLL", "GLI"),
        "qt": _US_OR_UK.format("quart", "QTL", "QTI"),
        "quart": _US_OR_UK.format("quart", "QTL", "QTI"),
        "quarts": _US_OR_UK.format("quart", "QTL", "QTI"),
        "pt": _US_OR_UK.format("pint", "PTL", "PTI"),
        "pint": _US_OR_UK.format("pint", "PTL", "PTI"),
        "pints": _US_OR_UK.format("pint", "PTL", "PTI"),
        "fl oz": _US_OR_UK.format("fluid ounce", "OZA", "OZI"),
        "floz": _US_OR_UK.format("fluid ounce", "OZA", "OZI"),
        "fluid ounce": _US_OR_UK.format("fluid ounce", "OZA", "OZI"),
        "fluid ounces": _US_OR_UK.format("fluid ounce", "OZA", "OZI"),
        "ton": "short (2000 lb), long (2240 lb) or metric ton; send STN, LTN or TNE",
        "tons": "short (2000 lb), long (2240 lb) or metric ton; send STN, LTN or TNE",
        "tn": "short (2000 lb), long (2240 lb) or metric ton; send STN, LTN or TNE",
        "gr": "gram in X12 (GR) but grain in apothecary use; send GRM or pass source='x12'",
    },
    "x12": {
        "cs": "not X12's code for a case (that is CA); ask the partner what they mean",
    },
    "amazon": {
        "gallons": _AMAZON_VOLUME.format("GALLONS", "GLL", "GLI"),
        "quarts": _AMAZON_VOLUME.format("QUARTS", "QTL", "QTI"),
        "pints": _AMAZON_VOLUME.format("PINTS", "PTL", "PTI"),
        "fluid ounces": _AMAZON_VOLUME.format("FLUID_OUNCES", "OZA", "OZI"),
    },
    "shopify": {
        "unknown": "Shopify reported the unit as UNKNOWN (an older API version cannot "
        "name it); read it with a newer API version",
    },
}

_TABLES: dict[str | None, dict[str, str]] = {
    None: _GENERIC,
    "x12": _X12,
    "amazon": _AMAZON,
    "shopify": _SHOPIFY,
}


def normalize_unit(value: str, *, source: UnitSource | None = None) -> str:
    """The canonical Rec 20 / Rec 21 code for a unit as a vendor wrote it.

    Without ``source``, canonical codes and the free-text table are used (``pcs``, ``lbs``,
    ``kg``, ``case``, ``ctn``, ...). With a ``source``, that source's closed table is used
    instead, plus the canonical codes: an X12 partner sending ``pcs`` is an error, not a
    guess.

    >>> normalize_unit("pcs")
    'EA'
    >>> normalize_unit("LBS")
    'LBR'
    >>> normalize_unit("CA", source="x12")
    'XCS'
    >>> normalize_unit("POUNDS", source="amazon")
    'LBR'

    Args:
        value: the unit as received; case, dots, underscores and extra spaces are ignored.
        source: whose table to read ``value`` with; ``None`` for free text.

    Returns:
        The canonical code, e.g. ``"EA"``, ``"KGM"``, ``"XCS"``.

    Raises:
        UnknownUnit: ``value`` is neither a canonical code nor in the source's table, or it
            is ambiguous there (the message says why and what to send instead).
        ValueError: ``source`` is not one of ``"x12"``, ``"amazon"``, ``"shopify"``.
    """
    try:
        table = _TABLES[source]
    except KeyError:
        msg = f"unknown unit source {source!r}; expected one of {', '.join(_SOURCES)} or None"
        raise ValueError(msg) from None
    key = _key(value)
    code = table.get(key)
    if code is not None:
        return code
    upper = value.strip().upper()
    if upper in UNITS:
        return upper
    where = f" from source {source!r}" if source else ""
    reason = _AMBIGUOUS[source].get(key)
    if reason is not None:
        msg = f"ambiguous unit {value!r}{where}: {reason}"
        raise UnknownUnit(msg)
    if not key:
        msg = f"empty unit {value!r}{where}"
        raise UnknownUnit(msg)
    msg = f"unknown unit {value!r}{where}: not a Rec 20/21 code nor a known alias"
    raise UnknownUnit(msg)
