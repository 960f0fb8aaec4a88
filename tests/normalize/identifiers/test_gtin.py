from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean as stdnum_ean

from retail_canon import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from retail_canon.normalize.identifiers import gtin

digits = st.text(alphabet="0123456789", min_size=1)


@st.composite
def valid_gtins(draw):
    length = draw(st.sampled_from([8, 12, 13, 14]))
    data = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    return data + gtin.calc_check_digit(data)


@given(valid_gtins())
def test_validate_format_round_trip(value):
    assert gtin.validate(gtin.format(value)) == gtin.compact(value) == value


@given(valid_gtins())
def test_agrees_with_stdnum(value):
    assert gtin.is_valid(value) == stdnum_ean.is_valid(value)
    assert gtin.calc_check_digit(value[:-1]) == stdnum_ean.calc_check_digit(value[:-1])


@given(valid_gtins(), st.integers(min_value=1, max_value=9))
def test_changing_the_check_digit_breaks_it(value, shift):
    broken = value[:-1] + str((int(value[-1]) + shift) % 10)
    with pytest.raises(InvalidChecksum, match="check digit should be"):
        gtin.validate(broken)
    assert not gtin.is_valid(broken)


@given(valid_gtins())
def test_gtin14_keeps_the_check_digit_and_is_idempotent(value):
    long = gtin.to_gtin14(value)
    assert len(long) == 14
    assert long.lstrip("0") == value.lstrip("0")
    assert gtin.to_gtin14(long) == long
    assert gtin.is_valid(long)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("036000291452", "00036000291452"),  # UPC-A worked example
        ("4006381333931", "04006381333931"),  # EAN-13
        ("73513537", "00000073513537"),  # EAN-8
        ("10036000291459", "10036000291459"),  # GTIN-14, case of the UPC above
    ],
)
def test_published_examples(value, expected):
    assert gtin.to_gtin14(value) == expected


def test_errors_name_the_value_and_the_problem():
    with pytest.raises(InvalidFormat, match="'03600029145A'"):
        gtin.validate("03600029145A")
    with pytest.raises(InvalidLength, match="11 digits, expected 8 or 12 or 13 or 14"):
        gtin.validate("03600029145")
    with pytest.raises(InvalidChecksum) as exc:
        gtin.validate("036000291453")
    assert exc.value.code == "invalid_checksum"
    assert isinstance(exc.value, ValueError)


@pytest.mark.parametrize(
    ("upce", "upca"),
    [
        ("04252614", "042100005264"),
        ("425261", "042100005264"),
        ("01234565", "012345000065"),
        ("01234133", "012300000413"),
        ("01234543", "012340000053"),
        ("01234505", "012000003455"),
    ],
)
def test_upce_expands_to_upca(upce, upca):
    assert gtin.upce_to_upca(upce) == upca
    assert gtin.is_valid(upca)
    assert stdnum_ean.is_valid(upca)


def test_upce_is_never_padded():
    # Padding the 8-digit UPC-E would give a different (and here invalid) GTIN.
    assert gtin.upce_to_upca("04252614") != "04252614".zfill(12)


def test_upce_errors():
    with pytest.raises(InvalidComponent, match="number system must be 0 or 1"):
        gtin.upce_to_upca("24252614")
    with pytest.raises(InvalidChecksum):
        gtin.upce_to_upca("04252615")
    with pytest.raises(InvalidLength):
        gtin.upce_to_upca("0425261")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2123456789010", "restricted"),
        ("0212345678909", "restricted"),  # 021 prefix
        ("212345678909", "restricted"),  # UPC-A number system 2 (random weight)
        ("0412345678903", "company_internal"),
        ("4006381333931", "global"),
        ("9780306406157", "global"),
        ("73513537", "global"),
    ],
)
def test_circulation(value, expected):
    assert gtin.circulation(value) == expected
    assert gtin.needs_scope(value) == (expected != "global")
