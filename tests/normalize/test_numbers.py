from __future__ import annotations

import doctest
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from retail_canon import InvalidNumber
from retail_canon.normalize.numbers import parse_decimal, parse_locale_decimal

DOCS = Path(__file__).parents[2] / "docs" / "normalize" / "numbers.md"
LOCALES = ["de_DE", "fr_FR", "en_US", "de_CH", "en_IN", "sv_SE"]


@st.composite
def decimals(draw, max_digits):
    places = draw(st.integers(min_value=0, max_value=8))
    digits = draw(st.integers(min_value=0, max_value=10**max_digits - 1))
    sign = draw(st.sampled_from([0, 1]))
    return Decimal((sign, tuple(map(int, str(digits))), -places))


@given(decimals(max_digits=20), st.sampled_from(LOCALES))
def test_babel_formatted_numbers_parse_back_exactly(value, locale):
    if locale == "de_CH":
        # babel 2.19 strips pairs of apostrophes from its output as if they quoted a
        # literal, so 1'000'000'000 comes out as "1000000'000": keep de_CH to one group.
        value = value % 1_000_000
    text = format_decimal(value, locale=locale, decimal_quantization=False)
    parsed = parse_locale_decimal(text, locale)
    assert parsed == value
    assert isinstance(parsed, Decimal)


# How each locale writes the en_US separators "," (group) and "." (decimal).
SYMBOLS = {
    "de_DE": {",": ".", ".": ","},
    "fr_FR": {",": "\u202f", ".": ","},
    "en_US": {",": ",", ".": "."},
    "de_CH": {",": "'", ".": "."},
}


@given(decimals(max_digits=40), st.sampled_from(sorted(SYMBOLS)), st.booleans())
def test_digits_and_trailing_zeros_are_kept(value, locale, grouped):
    us = format(value, ",f" if grouped else "f")
    text = us.translate(str.maketrans(SYMBOLS[locale]))
    parsed = parse_locale_decimal(text, locale)
    assert parsed.as_tuple() == value.as_tuple()


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("1.234,56", "de_DE", "1234.56"),
        ("1234,56", "de_DE", "1234.56"),
        ("1.234", "de_DE", "1234"),
        ("-0,50", "de_DE", "-0.50"),
        ("1 234,56", "fr_FR", "1234.56"),
        ("1\u00a0234,56", "fr_FR", "1234.56"),
        ("1\u202f234,56", "fr_FR", "1234.56"),
        ("1,234.56", "en_US", "1234.56"),
        ("+1,234,567.5", "en_US", "1234567.5"),
        ("1'234.56", "de_CH", "1234.56"),
        ("1\u2019234.56", "de_CH", "1234.56"),
        ("12,34,567.89", "en_IN", "1234567.89"),
        ("\u22121\u00a0234,5", "sv_SE", "-1234.5"),
        ("\u200e-12.5", "ar_EG", "-12.5"),
        (" 1.234,56 ", "de-DE", "1234.56"),
    ],
)
def test_locale_formats(text, locale, expected):
    assert parse_locale_decimal(text, locale) == Decimal(expected)
    assert str(parse_locale_decimal(text, locale)) == expected


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("1,234.56", "de_DE"),  # another locale's format
        ("1.234,56", "en_US"),
        ("1.234,56", "fr_FR"),
        ("1234.56", "de_DE"),
        ("1.23,56", "de_DE"),  # misplaced group
        ("1,23", "en_US"),  # a de_DE 1.23, not 123
        ("1234,567.8", "en_US"),  # incomplete grouping
        ("12345.678,9", "de_DE"),
        ("1,234,567.8", "en_IN"),
        ("1,,234", "en_US"),
        ("1234.", "en_US"),
        (".5", "en_US"),
        ("", "en_US"),
        ("12 €", "de_DE"),
        ("(12)", "en_US"),
        ("12%", "en_US"),
        ("1E3", "en_US"),
        ("--1", "en_US"),
        ("\u0661\u0662", "ar_EG"),
        ("NaN", "en_US"),
    ],
)
def test_locale_garbage_is_refused_naming_value_and_locale(text, locale):
    with pytest.raises(InvalidNumber) as caught:
        parse_locale_decimal(text, locale)
    assert repr(text) in str(caught.value)
    assert repr(locale) in str(caught.value)


@given(st.text(max_size=20), st.sampled_from(LOCALES))
def test_locale_parsing_returns_a_decimal_or_refuses(text, locale):
    try:
        parsed = parse_locale_decimal(text, locale)
    except InvalidNumber:
        return
    assert parsed.is_finite()


def test_unknown_locale_is_a_configuration_error():
    with pytest.raises(LookupError, match="xx_YY"):
        parse_locale_decimal("12", "xx_YY")
    with pytest.raises(LookupError):
        parse_locale_decimal("12", "")
    with pytest.raises(TypeError):
        parse_locale_decimal("12", None)  # type: ignore[arg-type]


@given(decimals(max_digits=40))
def test_machine_format_round_trips_exactly(value):
    for text in (str(value), format(value, "f"), format(value, "e")):
        assert parse_decimal(text).as_tuple() == Decimal(text).as_tuple()
        assert parse_decimal(text) == value


@given(st.text(max_size=20))
def test_machine_format_returns_the_decimal_of_the_text_or_refuses(text):
    try:
        parsed = parse_decimal(text)
    except InvalidNumber:
        return
    assert parsed.as_tuple() == Decimal(text.strip()).as_tuple()
    assert parsed.is_finite()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12.50", "12.50"), ("-0", "-0"), ("+.5", "0.5"), ("5.", "5"), (" 1E+3\n", "1E+3")],
)
def test_machine_formats(text, expected):
    assert str(parse_decimal(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        *("", " ", "NaN", "nan", "Infinity", "-inf", "1_000", "1 000", "1.2.3", "1e", ".", "--1"),
        "\u0661\u0662",  # Arabic-Indic digits
    ],
)
def test_machine_garbage_is_refused_naming_the_value(text):
    with pytest.raises(InvalidNumber) as caught:
        parse_decimal(text)
    assert repr(text) in str(caught.value)


def test_a_comma_points_to_the_locale_parser():
    with pytest.raises(InvalidNumber, match="parse_locale_decimal"):
        parse_decimal("1,234")


@pytest.mark.parametrize("bad", [1.5, 12, None, b"12"])
def test_machine_format_refuses_non_text(bad):
    with pytest.raises(TypeError):
        parse_decimal(bad)


def test_docs_examples_run():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_machine_parsing_does_not_load_babel():
    code = (
        "import sys, retail_canon.normalize.numbers as n\n"
        "n.parse_decimal('1.5')\n"
        "before = 'babel' in sys.modules\n"
        "n.parse_locale_decimal('1,5', 'de_DE')\n"
        "print(before, 'babel' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.split() == ["False", "True"]
