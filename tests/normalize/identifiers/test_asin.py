from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retail_canon import InvalidChecksum, InvalidComponent, InvalidFormat
from retail_canon.normalize.identifiers import asin

asins = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=9, max_size=9).map(
    lambda s: "B" + s
)


@given(asins)
def test_validate_format_round_trip(value):
    assert asin.validate(asin.format(value.lower())) == asin.compact(value) == value
    assert not asin.is_isbn(value)


def test_book_asins_are_isbn10s_with_a_check():
    assert asin.is_isbn("0306406152")
    with pytest.raises(InvalidChecksum):
        asin.validate("0306406153")


def test_shape_errors():
    for bad in ["B00EXAMPL", "B00EXAMPLE1", "B00EXÄMPLE", "B00-EX@MPL"]:
        with pytest.raises(InvalidFormat, match="10 characters"):
            asin.validate(bad)
        assert not asin.is_valid(bad)


def test_an_asin_is_always_scoped():
    assert asin.scoped(" b00example", " A1PA6795UKMFR9 ") == ("B00EXAMPLE", "A1PA6795UKMFR9")
    with pytest.raises(InvalidComponent, match="only unique within a marketplace"):
        asin.scoped("B00EXAMPLE", " ")
