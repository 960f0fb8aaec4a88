from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import isbn as stdnum_isbn

from retail_canon import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from retail_canon.normalize.identifiers import gtin, isbn

data9 = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(data9)
def test_isbn10_and_isbn13_round_trip(data):
    ten = data + isbn.calc_check_digit(data)
    thirteen = isbn.to_isbn13(ten)
    assert isbn.to_isbn10(thirteen) == ten
    assert isbn.validate(isbn.format(ten)) == ten
    assert stdnum_isbn.is_valid(ten)
    assert stdnum_isbn.to_isbn13(ten).replace("-", "") == thirteen
    assert gtin.is_valid(thirteen)
    assert isbn.to_gtin14(ten) == "0" + thirteen


@pytest.mark.parametrize(
    ("value", "compact"),
    [
        ("0-306-40615-2", "0306406152"),
        ("ISBN 978-0-306-40615-7", "9780306406157"),
        ("080442957x", "080442957X"),
        ("ISBN: 0-8044-2957-X", "080442957X"),
    ],
)
def test_published_examples(value, compact):
    assert isbn.validate(value) == compact


def test_979_has_no_isbn10():
    value = "979" + "100000001"
    value += gtin.calc_check_digit(value)
    assert isbn.is_valid(value)
    with pytest.raises(InvalidComponent, match="only 978"):
        isbn.to_isbn10(value)


def test_errors():
    with pytest.raises(InvalidChecksum, match="check character should be 2"):
        isbn.validate("0306406153")
    with pytest.raises(InvalidComponent, match="starts with 978 or 979"):
        isbn.validate("4006381333931")  # a valid EAN-13, not a book
    with pytest.raises(InvalidFormat):
        isbn.validate("03064X6152")
    with pytest.raises(InvalidLength):
        isbn.validate("03064061")
