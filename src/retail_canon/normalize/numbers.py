"""Exact decimals from payloads and report files: machine formats and locale formats.

Two readers, both returning a `Decimal` built from the digits of the text (never through a
binary float), and both refusing anything they cannot read exactly with `InvalidNumber`:

- `parse_decimal` reads the plain machine format of APIs and JSON strings: an optional
  sign, digits, an optional ``.`` and fraction, an optional exponent (``-12.50``,
  ``1E+3``). No thousands separators, no commas: ``1,234`` could mean 1234 or 1.234, so it
  is refused. Standard library only.
- `parse_locale_decimal` reads numbers written for people, as report files and
  spreadsheet exports contain them: ``1.234,56`` (de_DE), ``1 234,56`` (fr_FR),
  ``1,234.56`` (en_US), ``1'234.56`` (de_CH), ``12,34,567.89`` (en_IN). The decimal and
  group symbols and the group sizes come from CLDR through babel, which is imported on
  first use only. Grouping is optional but, when present, must be complete and in the
  right places, so a number written for another locale is refused instead of being
  misread: ``1,234.56`` is not a de_DE number. The look-alike spaces (space, no-break
  space, narrow no-break space, thin space) are accepted for one another, and so are
  ``'`` and ``’``; the minus sign may be ``-``, ``−`` or the locale's own. Currency
  symbols, percent signs, exponents and parentheses for negatives are refused.

>>> parse_decimal("-12.50")
Decimal('-12.50')
>>> parse_locale_decimal("1.234,56", "de_DE")
Decimal('1234.56')
>>> parse_locale_decimal("1 234,56", "fr_FR")
Decimal('1234.56')
>>> parse_locale_decimal("1,234.56", "en_US")
Decimal('1234.56')
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import NamedTuple

from retail_canon._exceptions import InvalidNumber

__all__ = ["parse_decimal", "parse_locale_decimal"]

_MACHINE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BIDI_MARKS = str.maketrans("", "", "\u200e\u200f\u061c")
_SPACES = " \u00a0\u202f\u2009"
_APOSTROPHES = "'\u2019"
_NO_GROUPING = 100  # babel reports a huge group size for patterns without grouping


def parse_decimal(text: str) -> Decimal:
    """Read a number in plain machine format, exactly.

    Args:
        text: an optional sign, digits, an optional ``.`` and fraction, and an optional
            exponent; surrounding whitespace is ignored.

    Returns:
        The `Decimal` with the digits and exponent of the text (``"12.50"`` keeps its two
        places).

    Raises:
        InvalidNumber: anything else, including ``NaN``, ``Infinity``, thousands
            separators and decimal commas.

    >>> parse_decimal(" 1E+3 ")
    Decimal('1E+3')
    >>> parse_decimal("1,234")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    retail_canon._exceptions.InvalidNumber: number '1,234': not a plain decimal number ...
    """
    stripped = _text(text, "number").strip()
    if _MACHINE.fullmatch(stripped):
        return Decimal(stripped)
    hint = (
        " (a comma is ambiguous: use parse_locale_decimal for report files)"
        if "," in stripped
        else ""
    )
    msg = f"number {text!r}: not a plain decimal number{hint}"
    raise InvalidNumber(msg)


def parse_locale_decimal(text: str, locale: str) -> Decimal:
    """Read a number formatted for people in ``locale``, exactly.

    Args:
        text: the number as the report shows it; surrounding whitespace is ignored.
        locale: a CLDR locale identifier such as ``"de_DE"`` (``"de-DE"`` works too).

    Returns:
        The `Decimal` with the digits of the text.

    Raises:
        InvalidNumber: the text is not a number in that locale's format.
        LookupError: babel does not know ``locale`` (a configuration mistake, deliberately
            not an `InvalidNumber`).

    >>> parse_locale_decimal("-1'234'567.5", "de_CH")
    Decimal('-1234567.5')
    >>> parse_locale_decimal("12,34,567.89", "en_IN")
    Decimal('1234567.89')
    >>> parse_locale_decimal("1,234.56", "de_DE")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    retail_canon._exceptions.InvalidNumber: number '1,234.56' (locale 'de_DE'): ...
    """
    grammar = _grammar(_text(locale, "locale"))
    stripped = _text(text, "number").translate(_BIDI_MARKS).strip()
    match = grammar.pattern.fullmatch(stripped)
    if match is None:
        msg = (
            f"number {text!r} (locale {locale!r}): not a number in this locale's format, "
            f"which writes 1234.56 as {grammar.example!r}"
        )
        raise InvalidNumber(msg)
    sign = "-" if match["sign"] in grammar.minus else ""
    digits = match["int"].translate(grammar.drop_groups)
    fraction = match["frac"]
    return Decimal(f"{sign}{digits}.{fraction}" if fraction else f"{sign}{digits}")


def _text(value: object, what: str) -> str:
    if isinstance(value, str):
        return value
    msg = f"{what} {value!r}: expected a str, got {type(value).__name__}"
    raise TypeError(msg)


class _Grammar(NamedTuple):
    pattern: re.Pattern[str]
    minus: frozenset[str]
    drop_groups: dict[int, None]
    example: str


@functools.lru_cache(maxsize=64)
def _grammar(locale: str) -> _Grammar:
    # babel is heavy (and its locale data more so): it loads on the first locale number.
    from babel import numbers
    from babel.core import Locale, UnknownLocaleError

    try:
        loc = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        msg = f"locale {locale!r} is not known to babel (CLDR)"
        raise LookupError(msg) from None
    decimal = numbers.get_decimal_symbol(loc)
    group = numbers.get_group_symbol(loc)
    pattern = loc.decimal_formats[None]
    primary, secondary = pattern.grouping
    minus = frozenset({"-", "\u2212", numbers.get_minus_sign_symbol(loc).translate(_BIDI_MARKS)})
    plus = frozenset({"+", numbers.get_plus_sign_symbol(loc).translate(_BIDI_MARKS)})
    groups = _SPACES if group in _SPACES else _APOSTROPHES if group in _APOSTROPHES else group
    groups = groups.replace(decimal, "")
    signs = "|".join(re.escape(s) for s in sorted(minus | plus, key=len, reverse=True) if s)
    if primary >= _NO_GROUPING or not groups:
        integer = "[0-9]+"
    else:
        sep = "[" + "".join(re.escape(c) for c in groups) + "]"
        integer = (
            f"[0-9]+|[0-9]{{1,{secondary}}}(?:{sep}[0-9]{{{secondary}}})*{sep}[0-9]{{{primary}}}"
        )
    regex = f"(?P<sign>{signs})?(?P<int>{integer})(?:{re.escape(decimal)}(?P<frac>[0-9]+))?"
    return _Grammar(
        pattern=re.compile(regex),
        minus=minus,
        drop_groups=dict.fromkeys(map(ord, groups)),
        example=f"1{group}234{decimal}56",
    )
