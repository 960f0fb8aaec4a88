"""ASIN: Amazon Standard Identification Number, 10 characters, A–Z and 0–9.

An ASIN is only unique within one Amazon marketplace, so it always travels with its
marketplace id (`scoped`). Book ASINs are ISBN-10s and carry the ISBN check character;
other ASINs (usually starting ``B0``) have no public check digit, so only their shape can
be validated and `calc_check_digit` is not offered.

>>> validate(" b00example ")
'B00EXAMPLE'
>>> is_isbn("0306406152")
True
>>> scoped("B00EXAMPLE", "ATVPDKIKX0DER")
('B00EXAMPLE', 'ATVPDKIKX0DER')
"""

from __future__ import annotations

from retail_canon._exceptions import InvalidComponent, InvalidFormat, InvalidIdentifier
from retail_canon.normalize.identifiers import isbn
from retail_canon.normalize.identifiers._gs1 import clean

__all__ = ["compact", "format", "is_isbn", "is_valid", "scoped", "validate"]


def compact(value: str) -> str:
    """``value`` without spaces, hyphens and dots, upper-cased."""
    return clean(value).upper()


def validate(value: str) -> str:
    """The compact ASIN, or `InvalidFormat` unless it is 10 characters of A–Z, 0–9.

    An all-digit ASIN (or nine digits and ``X``) is an ISBN-10 and must carry a correct
    ISBN check character.
    """
    code = compact(value)
    if len(code) != 10 or not code.isascii() or not code.isalnum():
        msg = f"ASIN {code!r}: 10 characters of A-Z and 0-9 expected"
        raise InvalidFormat(msg)
    if code[:9].isdigit():
        isbn.validate(code)
    return code


def is_valid(value: str) -> bool:
    """Whether ``value`` is a well-formed ASIN."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def is_isbn(value: str) -> bool:
    """Whether the ASIN is a book's ISBN-10."""
    return validate(value)[:9].isdigit()


def scoped(value: str, marketplace_id: str) -> tuple[str, str]:
    """The ASIN with the marketplace it belongs to; a marketplace id is required."""
    if not marketplace_id or not marketplace_id.strip():
        msg = f"ASIN {value!r}: an ASIN is only unique within a marketplace; give its id"
        raise InvalidComponent(msg)
    return validate(value), marketplace_id.strip()


def format(value: str) -> str:
    """The compact ASIN."""
    return validate(value)
