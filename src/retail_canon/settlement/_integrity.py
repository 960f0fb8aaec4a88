"""Layer 1, payout integrity: a settlement must add up to its deposit before any matching.

- The same settlement twice (same channel and id): the repeat is a ``DUPLICATE``.
- Lines that do not add up to the deposit: with ``integrity="quarantine"`` (the default)
  none of the settlement's lines is matched and its whole deposit is one
  ``PAYOUT_INTEGRITY`` exception (documents its lines would have settled are reported as
  held, not as missing); with ``"report"`` the lines are matched and the gap is the
  exception.
- The reserve carries over: the hold of one settlement (negative ``RESERVE`` lines) must
  come back as the release of the next one of the same channel, marketplace and
  currency; a release that does not is a ``PAYOUT_INTEGRITY`` exception. A quarantined
  settlement stays in the chain (its reserve lines are not what failed to add up).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import pairwise

from retail_canon.settlement._context import EXCEPTION, Context
from retail_canon.settlement._types import ReasonCode

__all__ = ["check_integrity", "excluded_settlements", "fmt_units"]


def fmt_units(units: int, digits: int) -> str:
    """Minor units written as an amount.

    >>> fmt_units(-1230, 2), fmt_units(5, 0)
    ('-12.30', '5')
    """
    return str(Decimal(units).scaleb(-digits))


def excluded_settlements(ctx: Context, lines_total: Sequence[int]) -> set[int]:
    """The settlements integrity excludes, without booking anything.

    Repeats of a settlement, and in ``quarantine`` mode those whose lines do not add up to
    the deposit. `check_integrity` excludes exactly these; the numpy engine lays its lines
    out without them while the input checks still run.
    """
    if ctx.policy.integrity == "off":
        return set()
    quarantine = ctx.policy.integrity == "quarantine"
    seen: set[tuple[str, str]] = set()
    out: set[int] = set()
    for s, header in enumerate(ctx.table.settlements):
        key = (header.channel, header.settlement_id)
        if key in seen or (quarantine and ctx.s_total[s] != lines_total[s]):
            out.add(s)
        seen.add(key)
    return out


def check_integrity(
    ctx: Context,
    lines_total: Sequence[int],
    hold: Sequence[int],
    release: Sequence[int],
    lines_of: Callable[[int], tuple[int, ...]],
    groups_of: Callable[[int], Iterable[int]],
) -> None:
    """Fill ``ctx.excluded``, ``ctx.held``, ``ctx.chain_ok`` and the integrity exceptions."""
    ctx.lines_total = list(lines_total)
    mode = ctx.policy.integrity
    if mode == "off":
        return
    headers = ctx.table.settlements
    excluded = excluded_settlements(ctx, lines_total)
    ctx.excluded.update(excluded)
    seen: dict[tuple[str, str], int] = {}
    for s, header in enumerate(headers):
        digits = ctx.s_digits[s]
        key = (header.channel, header.settlement_id)
        if key in seen:
            note = f"settlement {header.settlement_id} also appears at position {seen[key]}"
            ctx.notes[s].append(note)
            ctx.duplicates.add(s)
            ctx.ledger.add(
                EXCEPTION, ReasonCode.DUPLICATE, s, ctx.s_total[s], lines=lines_of(s), detail=note
            )
            continue
        seen[key] = s
        gap = ctx.s_total[s] - lines_total[s]
        if gap == 0:
            continue
        note = (
            f"lines add up to {fmt_units(lines_total[s], digits)}, "
            f"the deposit is {fmt_units(ctx.s_total[s], digits)}"
        )
        ctx.notes[s].append(note)
        if s in excluded:  # quarantine mode
            ctx.held.update(groups_of(s))
            ctx.ledger.add(
                EXCEPTION,
                ReasonCode.PAYOUT_INTEGRITY,
                s,
                ctx.s_total[s],
                lines=lines_of(s),
                detail=f"{note}: no line of it was matched",
            )
        else:
            ctx.ledger.add(EXCEPTION, ReasonCode.PAYOUT_INTEGRITY, s, gap, detail=note)
    _reserve_chain(ctx, hold, release)


def _reserve_chain(ctx: Context, hold: Sequence[int], release: Sequence[int]) -> None:
    headers = ctx.table.settlements
    chains: dict[tuple[str, str | None, str], list[int]] = {}
    for s, header in enumerate(headers):
        if s not in ctx.duplicates:  # a quarantined settlement still holds its reserve
            chains.setdefault((header.channel, header.marketplace_id, header.currency), []).append(
                s
            )
    for chain in chains.values():
        chain.sort(key=lambda s: ctx.s_rank[s])
        for previous, s in pairwise(chain):
            if release[s] != -hold[previous]:
                digits = ctx.s_digits[s]
                ctx.chain_ok[s] = False
                ctx.notes[s].append(
                    f"reserve release {fmt_units(release[s], digits)} does not carry over "
                    f"the hold {fmt_units(-hold[previous], digits)} of settlement "
                    f"{headers[previous].settlement_id}"
                )
