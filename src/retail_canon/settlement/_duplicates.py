"""Duplicate lines: the fewest identical repeats that explain an excess.

A marketplace file posted twice, or a line posted twice in one file, over-settles its
documents (or over-charges a fee). Lines with the same amount type, source type, amount
and time are candidates; they are confirmed only when removing them makes the group add
up, so two units of one item (legitimately identical lines) are not taken for duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import product

from retail_canon.settlement._context import EXCEPTION, Context, Line
from retail_canon.settlement._types import ReasonCode

__all__ = ["duplicates", "mark_duplicates"]

_MAX_TRIALS = 256


def duplicates(
    lines: Sequence[Line], explained: Callable[[list[Line]], bool]
) -> tuple[list[Line], list[Line]] | None:
    """(kept, removed): the fewest repeated lines whose removal leaves ``explained(kept)``.

    Lines repeat when amount type, source type, amount and time are equal; repeats are
    removed in the order they occur, so a legitimate twin (two units of one item) and its
    duplicate leave exactly one line out. ``None`` when no removal explains the lines. At
    most 256 combinations are tried; beyond that only "every repeat" is.

    Three identical lines where the documents expect two: the second occurrence goes.

    >>> first = (0, 0, 0, 1000, 5, -1, 7)  # row, settlement, type, units, time, source, key
    >>> lines = [first, (1, *first[1:]), (2, *first[1:])]
    >>> def adds_up(kept):
    ...     return sum(x[3] for x in kept) == 2000
    >>> kept, removed = duplicates(lines, adds_up)
    >>> [x[0] for x in kept], [x[0] for x in removed]
    ([0, 2], [1])
    """
    by_identity: dict[tuple[int, int, int, int], list[Line]] = {}
    for line in lines:
        by_identity.setdefault((line[2], line[5], line[3], line[4]), []).append(line)
    repeats = [same[1:] for same in by_identity.values() if len(same) > 1]
    if not repeats:
        return None
    choices = [range(len(r) + 1) for r in repeats]
    trials = 1
    for choice in choices:
        trials *= len(choice)
    counts = (
        sorted(product(*choices), key=lambda c: (sum(c), c))
        if trials <= _MAX_TRIALS
        else [tuple(len(r) for r in repeats)]
    )
    for count in counts:
        removed = [line for r, c in zip(repeats, count, strict=True) for line in r[:c]]
        if not removed:
            continue
        gone = {line[0] for line in removed}
        kept = [line for line in lines if line[0] not in gone]
        if explained(kept):
            return kept, removed
    return None


def mark_duplicates(ctx: Context, group: int, repeats: Sequence[Line]) -> None:
    """One ``DUPLICATE`` exception per repeated line."""
    for line in repeats:
        ctx.ledger.add(
            EXCEPTION,
            ReasonCode.DUPLICATE,
            line[1],
            line[3],
            group=group,
            atype=line[2],
            lines=(line[0],),
            detail="the same amount type, amount and time twice; the repeat is not matched",
        )
