"""ISBN: International Standard Book Number, ISBN-10 and ISBN-13.

ISBN-10 is nine digits and a mod-11 check character (``X`` stands for 10). ISBN-13 is a
GTIN-13 with prefix 978 or 979 (the mod-10 GS1 check). Every 978 ISBN has an ISBN-10 form;
979 ISBNs have none. For books with an ISBN-10, Amazon's ASIN *is* the ISBN-10.

>>> validate("0-306-40615-2")
'0306406152'
>>> to_isbn13("0-306-40615-2")
'9780306406157'
>>> to_isbn10("978-0-306-40615-7")
'0306406152'
>>> calc_check_digit("030640615")
'2'
"""

from __future__ import annotations

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
    "compact",
    "format",
    "is_valid",
    "to_gtin14",
    "to_isbn10",
    "to_isbn13",
    "validate",
]


def compact(value: str) -> str:
    """``value`` without ``ISBN`` prefix, spaces, hyphens and dots; ``x`` upper-cased."""
    code = clean(value).upper()
    return code[4:].lstrip(":") if code.startswith("ISBN") else code


def _isbn10_check(data: str) -> str:
    total = sum((i + 1) * int(d) for i, d in enumerate(data))
    check = total % 11
    return "X" if check == 10 else str(check)


def calc_check_digit(data: str) -> str:
    """The check character for 9 digits (ISBN-10) or 12 digits (ISBN-13)."""
    if len(data) == 9:
        return _isbn10_check(data)
    return gs1_check_digit(data)


def validate(value: str) -> str:
    """The compact ISBN-10 or ISBN-13, or a typed error naming what is wrong."""
    code = compact(value)
    if len(code) == 13:
        check_key(code, (13,), "ISBN")
        if code[:3] not in {"978", "979"}:
            msg = f"ISBN {code!r}: an ISBN-13 starts with 978 or 979"
            raise InvalidComponent(msg)
        return code
    if len(code) != 10:
        msg = f"ISBN {code!r}: {len(code)} characters, expected 10 or 13"
        raise InvalidLength(msg)
    if not code[:9].isdigit() or not (code[9].isdigit() or code[9] == "X") or not code.isascii():
        msg = f"ISBN {code!r}: nine digits and a digit or X expected"
        raise InvalidFormat(msg)
    expected = _isbn10_check(code[:9])
    if code[9] != expected:
        msg = f"ISBN {code!r}: check character should be {expected}"
        raise InvalidChecksum(msg)
    return code


def is_valid(value: str) -> bool:
    """Whether ``value`` is a valid ISBN-10 or ISBN-13."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def to_isbn13(value: str) -> str:
    """The ISBN-13 of a valid ISBN (an ISBN-13 is returned compact)."""
    code = validate(value)
    if len(code) == 13:
        return code
    data = "978" + code[:9]
    return data + gs1_check_digit(data)


def to_isbn10(value: str) -> str:
    """The ISBN-10 of a valid ISBN; 979 ISBNs have none (`InvalidComponent`)."""
    code = validate(value)
    if len(code) == 10:
        return code
    if not code.startswith("978"):
        msg = f"ISBN {code!r}: only 978 ISBNs have an ISBN-10 form"
        raise InvalidComponent(msg)
    return code[3:12] + _isbn10_check(code[3:12])


def to_gtin14(value: str) -> str:
    """The GTIN-14 of a valid ISBN (its ISBN-13 padded with one zero)."""
    return to_isbn13(value).zfill(14)


def format(value: str) -> str:
    """The compact ISBN (hyphenation needs the ISBN range tables, which we don't ship)."""
    return validate(value)
