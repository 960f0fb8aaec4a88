"""The GS1 mod-10 check digit, shared by GTIN, GLN and SSCC."""

from __future__ import annotations

__all__ = ["gs1_check_digit", "is_valid_gs1"]


def gs1_check_digit(data: str) -> str:
    """The check digit for the GS1 key ``data`` (all digits but the check).

    Weights 3, 1, 3, ... are anchored at the rightmost data digit, so left zero-padding
    never changes the result.

    >>> gs1_check_digit("03600029145")
    '2'
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(data)))
    return str((10 - total % 10) % 10)


def is_valid_gs1(key: str) -> bool:
    """Whether ``key`` is all digits and ends in its correct GS1 check digit."""
    return len(key) >= 2 and key.isdigit() and gs1_check_digit(key[:-1]) == key[-1]
