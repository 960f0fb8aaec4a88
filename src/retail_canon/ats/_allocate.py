"""Splitting whole units between channels by percentages without oversubscribing."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from retail_canon.ats._errors import InvalidRules

__all__ = ["largest_remainder", "split", "split_columns"]


def split(total: int, nums: Sequence[int], den: int, total_num: int) -> list[int]:
    """Shares ``nums[i] / den`` of ``total`` (``total_num = sum(nums)``), largest remainder.

    The parts add up to ``floor(total × total_num / den)``: all of ``total`` when the
    shares make 100 %, never more. Each part is its exact share rounded down or up; the
    units left after rounding down go to the largest fractional remainders, ties to the
    earlier part (the priority order).

    >>> split(10, [1, 1, 1], 3, 3)
    [4, 3, 3]
    """
    if total <= 0:
        return [0] * len(nums)
    parts = []
    remainders = []
    for num in nums:
        q, r = divmod(num * total, den)
        parts.append(q)
        remainders.append(r)
    extra = total_num * total // den - sum(parts)
    if extra:
        order = sorted(range(len(nums)), key=lambda i: (-remainders[i], i))
        for i in order[:extra]:
            parts[i] += 1
    return parts


def split_columns(
    totals: Sequence[int], nums: Sequence[int], den: int, total_num: int
) -> list[list[int]]:
    """`split` of every total at once: one list of parts per share, in share order.

    >>> split_columns([10, 7, 0], [30, 20], 100, 50)
    [[3, 2, 0], [2, 1, 0]]
    """
    parts = [[num * t // den if t > 0 else 0 for t in totals] for num in nums]
    if len(nums) == 2:  # the common case, without a sort per total
        (a, b), (na, nb) = parts, nums
        for i, t in enumerate(totals):
            if t > 0:
                extra = total_num * t // den - a[i] - b[i]
                if extra == 2:
                    a[i] += 1
                    b[i] += 1
                elif extra == 1:
                    if na * t % den >= nb * t % den:
                        a[i] += 1
                    else:
                        b[i] += 1
        return parts
    for i, t in enumerate(totals):
        if t > 0:
            column = split(t, nums, den, total_num)
            for part, value in zip(parts, column, strict=True):
                part[i] = value
    return parts


def largest_remainder(total: int, percents: Sequence[Decimal | int | str]) -> list[int]:
    """Split ``total`` units by ``percents`` (in priority order) without oversubscribing.

    The parts never add up to more than ``total``, nor to more than the percentages'
    share of it: ``floor(total × sum(percents) / 100)``. Remainders go to the largest
    fractional shares first, and equal remainders to the earlier channel, so the same
    input always gives the same split. A total of zero or less gives zeros.

    Args:
        total: whole units to split.
        percents: each channel's percentage, 0-100, adding up to at most 100.

    Returns:
        One part per percentage, in the same order.

    Raises:
        InvalidRules: a percentage outside 0-100, a float, or percentages over 100 together.

    >>> largest_remainder(7, [30, 20])
    [2, 1]
    >>> largest_remainder(10, ["33.3", "33.3", "33.4"])
    [3, 3, 4]
    >>> largest_remainder(1, [50, 50])
    [1, 0]
    """
    fractions = []
    for p in percents:
        if isinstance(p, float | bool):
            msg = f"percentage {p!r}: use a Decimal, an int or a string"
            raise InvalidRules(msg)
        f = Fraction(Decimal(p)) / 100
        if not 0 <= f <= 1:
            msg = f"percentage {p!r} must be between 0 and 100"
            raise InvalidRules(msg)
        fractions.append(f)
    if sum(fractions) > 1:
        msg = f"percentages {list(map(str, percents))} add up to more than 100"
        raise InvalidRules(msg)
    den = 1
    for f in fractions:
        den = math.lcm(den, f.denominator)
    nums = [int(f * den) for f in fractions]
    return split(total, nums, den, sum(nums))
