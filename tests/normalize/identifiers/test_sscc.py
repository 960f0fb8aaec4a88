from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retail_canon import InvalidChecksum, InvalidLength
from retail_canon.normalize.identifiers import sscc

data17 = st.text(alphabet="0123456789", min_size=17, max_size=17)


@given(data17)
def test_validate_format_round_trip(data):
    value = data + sscc.calc_check_digit(data)
    assert sscc.validate(sscc.format(value)) == sscc.compact(value) == value
    assert sscc.format(value).startswith("(00) ")


def test_application_identifier_is_stripped():
    assert sscc.compact("(00)306141411234567891") == "306141411234567891"
    assert sscc.validate("(00) 3 0614141 123456789 1") == "306141411234567891"


def test_errors():
    with pytest.raises(InvalidChecksum):
        sscc.validate("306141411234567892")
    with pytest.raises(InvalidLength, match="17 digits, expected 18"):
        sscc.validate("30614141123456789")
