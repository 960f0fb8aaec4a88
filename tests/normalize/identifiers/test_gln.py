from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean as stdnum_ean

from retail_canon import InvalidChecksum, InvalidLength
from retail_canon.models import Location
from retail_canon.normalize.identifiers import gln

data12 = st.text(alphabet="0123456789", min_size=12, max_size=12)


@given(data12)
def test_validate_format_round_trip_and_stdnum_agreement(data):
    value = data + gln.calc_check_digit(data)
    assert gln.validate(gln.format(value)) == gln.compact(value) == value
    assert stdnum_ean.is_valid(value)


def test_published_example():
    assert gln.validate("5412345000013") == "5412345000013"
    assert gln.calc_check_digit("541234500001") == "3"


def test_errors():
    with pytest.raises(InvalidChecksum, match="check digit should be 3"):
        gln.validate("5412345000014")
    with pytest.raises(InvalidLength):
        gln.validate("541234500001")  # 12 digits: a UPC-A length, not a GLN
    assert not gln.is_valid("5412345000014")


def test_the_model_and_the_normalizer_agree():
    location = Location(location_id="DC1", name="DC", kind="WAREHOUSE", gln="5412345000013")
    assert location.gln == gln.validate("5412345000013")
