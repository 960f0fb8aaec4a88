"""SSCC: Serial Shipping Container Code, 18 digits with a mod-10 check digit.

It labels one logistic unit (carton, pallet) and travels under GS1 Application
Identifier ``(00)``, which `compact` strips. Serial references must not be reused for at
least twelve months.

>>> validate("(00) 3 0614141 123456789 1")
'306141411234567891'
>>> format("306141411234567891")
'(00) 3 0614141 123456789 1'
"""

from __future__ import annotations

from retail_canon._exceptions import InvalidIdentifier
from retail_canon.normalize.identifiers._gs1 import check_key, clean, gs1_check_digit

__all__ = ["calc_check_digit", "compact", "format", "is_valid", "validate"]


def compact(value: str) -> str:
    """``value`` without the ``(00)`` Application Identifier, spaces, hyphens and dots."""
    code = clean(value)
    return code[4:] if code.startswith("(00)") else code


def calc_check_digit(data: str) -> str:
    """The check digit for the first 17 digits of an SSCC."""
    return gs1_check_digit(data)


def validate(value: str) -> str:
    """The compact 18-digit SSCC, or a typed error naming what is wrong."""
    return check_key(compact(value), (18,), "SSCC")


def is_valid(value: str) -> bool:
    """Whether ``value`` is a valid SSCC."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """``(00)``, extension digit, company prefix and serial (7-digit prefix assumed), check."""
    code = validate(value)
    return f"(00) {code[0]} {code[1:8]} {code[8:17]} {code[17]}"
