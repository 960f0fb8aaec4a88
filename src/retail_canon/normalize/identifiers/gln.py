"""GLN: GS1 Global Location Number, 13 digits with a mod-10 check digit.

A GLN names a legal entity or a physical location (warehouse, store, dock door). It
travels in GS1-128 under AIs 410–414 and in UBL/Peppol under ISO 6523 scheme ``0088``.

>>> validate("5412345 00001 3")
'5412345000013'
>>> calc_check_digit("541234500001")
'3'
>>> is_valid("5412345000014")
False
"""

from __future__ import annotations

from retail_canon._exceptions import InvalidIdentifier
from retail_canon.normalize.identifiers._gs1 import check_key, clean, gs1_check_digit

__all__ = ["calc_check_digit", "compact", "format", "is_valid", "validate"]


def compact(value: str) -> str:
    """``value`` without spaces, hyphens and dots."""
    return clean(value)


def calc_check_digit(data: str) -> str:
    """The check digit for the first 12 digits of a GLN."""
    return gs1_check_digit(data)


def validate(value: str) -> str:
    """The compact 13-digit GLN, or a typed error naming what is wrong."""
    return check_key(compact(value), (13,), "GLN")


def is_valid(value: str) -> bool:
    """Whether ``value`` is a valid GLN."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """The GLN as 13 digits (GLNs are written without grouping)."""
    return validate(value)
