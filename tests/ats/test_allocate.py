"""Largest-remainder splits of whole units: never oversubscribed, deterministic ties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retail_canon.ats import InvalidRules, largest_remainder
from retail_canon.ats._allocate import split, split_columns

percent_lists = (
    st.lists(st.integers(0, 10_000), min_size=1, max_size=6)
    .filter(lambda ps: sum(ps) <= 10_000)
    .map(lambda ps: [f"{p / 100:.2f}" for p in ps])
)


@given(st.integers(-5, 10_000), percent_lists)
def test_parts_never_exceed_the_total_nor_their_share(total, percents):
    parts = largest_remainder(total, percents)
    shares = [Fraction(p) / 100 for p in percents]
    assert len(parts) == len(percents)
    assert all(p >= 0 for p in parts)
    if total <= 0:
        assert parts == [0] * len(parts)
        return
    assert sum(parts) == int(total * sum(shares))  # floor of the combined share
    assert sum(parts) <= total
    for part, share in zip(parts, shares, strict=True):
        exact = total * share
        assert exact - 1 < part < exact + 1


@given(st.integers(0, 1000), st.integers(1, 5))
def test_equal_shares_favour_the_earlier_channel(total, n):
    parts = largest_remainder(total, ["20"] * n)
    assert parts == sorted(parts, reverse=True)
    assert max(parts) - min(parts) <= 1


def test_examples():
    assert largest_remainder(10, [30, 20]) == [3, 2]
    assert largest_remainder(7, [30, 20]) == [2, 1]  # 2.1 and 1.4: floor(3.5) = 3
    assert largest_remainder(9, ["33.4", "33.3", "33.3"]) == [3, 3, 3]
    assert largest_remainder(2, ["33.3", "33.4", "33.3"]) == [1, 1, 0]  # tie: the earlier
    assert largest_remainder(100, [100]) == [100]


@pytest.mark.parametrize(
    ("percents", "message"),
    [
        ([60, 41], "more than 100"),
        ([0.5], "use a Decimal"),
        ([True], "use a Decimal"),
        (["-1"], "between"),
    ],
)
def test_bad_percentages(percents, message):
    with pytest.raises(InvalidRules, match=message):
        largest_remainder(10, percents)


@given(
    st.lists(st.integers(-3, 5_000), max_size=30),
    st.lists(st.integers(0, 50), min_size=1, max_size=4).filter(lambda ns: sum(ns) <= 100),
)
def test_splitting_a_column_equals_splitting_each_total(totals, nums):
    columns = split_columns(totals, nums, 100, sum(nums))
    for i, total in enumerate(totals):
        assert [c[i] for c in columns] == split(total, nums, 100, sum(nums))
