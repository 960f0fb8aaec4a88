"""GTIN: Global Trade Item Number (GTIN-8, UPC-A/GTIN-12, EAN-13/GTIN-13, GTIN-14).

A GTIN is digits with a GS1 mod-10 check digit. Because the check-digit weights are
anchored at the right, a GTIN keeps its check digit when left-padded with zeros, which is
why every GTIN normalises to 14 digits (GS1's advice for databases). UPC-E, the
zero-suppressed 8-digit form printed on small packs, must be *expanded* to UPC-A, never
padded: use `upce_to_upca`.

Prefixes 020–029 and 200–299 (restricted circulation: in-store and variable-measure
items) and 040–049 (company internal) are not globally unique; `circulation` tells, and
such a GTIN needs a scope (company or store) in a cross-reference.

>>> validate("0 36000 29145 2")
'036000291452'
>>> to_gtin14("4006381333931")
'04006381333931'
>>> calc_check_digit("03600029145")
'2'
>>> upce_to_upca("04252614")
'042100005264'
>>> circulation("2123456789010")
'restricted'
"""

from __future__ import annotations

from typing import Literal

from retail_canon._exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidIdentifier,
    InvalidLength,
)
from retail_canon.normalize.identifiers._gs1 import check_key, clean, gs1_check_digit

__all__ = [
    "calc_check_digit",
    "circulation",
    "compact",
    "format",
    "is_valid",
    "needs_scope",
    "to_gtin14",
    "upce_to_upca",
    "validate",
]

LENGTHS = (8, 12, 13, 14)
Circulation = Literal["global", "restricted", "company_internal"]


def compact(value: str) -> str:
    """``value`` without spaces, hyphens and dots."""
    return clean(value)


def calc_check_digit(data: str) -> str:
    """The check digit for ``data`` (a GTIN without its last digit)."""
    return gs1_check_digit(data)


def validate(value: str) -> str:
    """The compact GTIN-8/12/13/14, or `InvalidFormat`/`InvalidLength`/`InvalidChecksum`."""
    return check_key(compact(value), LENGTHS, "GTIN")


def is_valid(value: str) -> bool:
    """Whether ``value`` is a valid GTIN of any length."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def to_gtin14(value: str) -> str:
    """The GTIN-14 form of a valid GTIN-8/12/13/14 (left-padded with zeros)."""
    return validate(value).zfill(14)


def format(value: str) -> str:
    """A GTIN grouped as printed under its barcode (GTIN-14: indicator, then the rest).

    >>> format("036000291452")
    '0 36000 29145 2'
    >>> format("04006381333931")
    '0 4006381 33393 1'
    """
    gtin = validate(value)
    if len(gtin) == 12:
        return f"{gtin[0]} {gtin[1:6]} {gtin[6:11]} {gtin[11]}"
    if len(gtin) == 13:
        return f"{gtin[0]} {gtin[1:7]} {gtin[7:]}"
    if len(gtin) == 14:
        return f"{gtin[0]} {gtin[1:8]} {gtin[8:13]} {gtin[13]}"
    return f"{gtin[:4]} {gtin[4:]}"


def circulation(value: str) -> Circulation:
    """Whether a GTIN is globally unique, or only within a company or store.

    ``restricted``: prefixes 020–029 and 200–299 (in-store, variable measure);
    ``company_internal``: 040–049; ``global`` otherwise (GTIN-8 included).
    """
    gtin = validate(value)
    if len(gtin) == 8:
        return "global"
    prefix = gtin.zfill(14)[1:4]
    if prefix.startswith(("2", "02")):
        return "restricted"
    if prefix.startswith("04"):
        return "company_internal"
    return "global"


def needs_scope(value: str) -> bool:
    """Whether the GTIN is only unique within a company or store (see `circulation`)."""
    return circulation(value) != "global"


_UPCE_RULES = {
    # last digit of the six → how the manufacturer and product parts are laid out
    "0": lambda d: d[0:2] + "00000" + d[2:5],
    "1": lambda d: d[0:2] + "10000" + d[2:5],
    "2": lambda d: d[0:2] + "20000" + d[2:5],
    "3": lambda d: d[0:3] + "00000" + d[3:5],
    "4": lambda d: d[0:4] + "00000" + d[4],
}


def upce_to_upca(value: str) -> str:
    """Expand a UPC-E (6 digits, or 8 with number system and check digit) to UPC-A.

    An 8-digit input must start with number system 0 or 1 and carry the check digit of
    the expanded UPC-A.
    """
    code = compact(value)
    if not code.isdigit():
        msg = f"UPC-E {code!r}: only digits are allowed"
        raise InvalidFormat(msg)
    if len(code) == 6:
        system, digits, check = "0", code, None
    elif len(code) == 8:
        system, digits, check = code[0], code[1:7], code[7]
    else:
        msg = f"UPC-E {code!r}: {len(code)} digits, expected 6 or 8"
        raise InvalidLength(msg)
    if system not in "01":
        msg = f"UPC-E {code!r}: number system must be 0 or 1, not {system}"
        raise InvalidComponent(msg)
    rule = _UPCE_RULES.get(digits[5])
    body = rule(digits) if rule else digits[0:5] + "0000" + digits[5]
    data = system + body
    expected = gs1_check_digit(data)
    if check is not None and check != expected:
        msg = f"UPC-E {code!r}: check digit should be {expected}"
        raise InvalidChecksum(msg)
    return data + expected
