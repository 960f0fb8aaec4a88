"""What the GS1 keys (GTIN, GLN, SSCC) share: digits only, fixed lengths, mod-10 check."""

from __future__ import annotations

from retail_canon._exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from retail_canon.models._gs1 import gs1_check_digit

__all__ = ["check_key", "clean", "gs1_check_digit"]

_SEPARATORS = str.maketrans("", "", " -.\t")


def clean(value: str) -> str:
    """``value`` without spaces, hyphens and dots."""
    return value.translate(_SEPARATORS)


def check_key(value: str, lengths: tuple[int, ...], scheme: str) -> str:
    """Raise unless ``value`` (already compact) is a well-formed GS1 key of ``lengths``."""
    if not value.isdigit() or not value.isascii():
        msg = f"{scheme} {value!r}: only digits are allowed"
        raise InvalidFormat(msg)
    if len(value) not in lengths:
        allowed = " or ".join(map(str, lengths))
        msg = f"{scheme} {value!r}: {len(value)} digits, expected {allowed}"
        raise InvalidLength(msg)
    expected = gs1_check_digit(value[:-1])
    if value[-1] != expected:
        msg = f"{scheme} {value!r}: check digit should be {expected}"
        raise InvalidChecksum(msg)
    return value
