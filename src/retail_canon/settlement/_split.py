"""Split groups of the numpy engine: one document paid across several settlements.

A group whose lines fall in several settlements (``KEY_SPLIT_SETTLEMENTS``) is booked
part by part, a part being the group's lines in one settlement, in settlement order, as
`_classify.settle_group` books it: a receivable match per part (the rounding or write-off
taken from the last one), fees per part (the drift taken from the last one), withheld tax
and chargebacks per part. Only groups with one document, every part in its currency and
every receivable part paying it are taken here; `_apply` then takes each part whole.
"""

from __future__ import annotations

import numpy as np

from retail_canon.settlement._context import (
    CB,
    CLASS_OF,
    CODE,
    COM,
    FEE,
    FEE_CLASS_TYPE,
    FUL,
    MATCH,
    VARIANCE,
    WH,
    Context,
    P,
    R,
)
from retail_canon.settlement._types import MatchRule, ReasonCode
from retail_canon.settlement._vector import Array, Chunk, clean_fx, sum_at

__all__ = [
    "last_rows",
    "OTHER",
    "SLOT",
    "SLOTS",
    "split_entries",
    "split_fx",
    "split_parts",
    "SplitParts",
]

_I8 = np.int64
OTHER = 7
"""Slot of every class the fast path does not handle."""
SLOT = np.array([c if c < OTHER else OTHER for c in CLASS_OF], dtype=_I8)
"""Slot of each amount-type code: its class, or `OTHER`."""
SLOTS = OTHER + 1
assert tuple(range(OTHER)) == (P, R, COM, FUL, FEE, WH, CB)


def last_rows(group: Array, mask: Array) -> Array:
    """Positions of the last ``mask`` row of each group (rows sorted by group, then rank)."""
    rows = np.flatnonzero(mask)
    of = group[rows]
    out: Array = rows[np.append(of[1:] != of[:-1], True)] if rows.size else rows
    return out


SplitParts = tuple[Array, Array, Array, Array]
"""(compact group, settlement, sums by slot, counts by slot) per part, by group then rank."""


def split_parts(
    ctx: Context,
    spl: Array,
    pending: Array,
    cg: Array,
    st: Array,
    at: Array,
    amt: Array,
    rep_cur: Array,
    s_doccur: Array,
    side: Array,
    diff: Array,
) -> SplitParts | None:
    """The parts (group, settlement) of the split candidates; clears ``spl`` where unfit.

    ``pending`` are the rows of every line outside the groups settled in one piece.
    """
    if not spl.any():
        return None
    rows = pending[spl[cg[pending]]]
    r_g, r_s = cg[rows], st[rows]
    spl[r_g[s_doccur[r_s] != rep_cur[r_g]]] = False
    rank = np.array(ctx.s_rank, dtype=_I8)
    n_s = ctx.n_settlements
    pairs, inverse = np.unique(r_g * n_s + rank[r_s], return_inverse=True)
    by_rank = np.empty(n_s, dtype=_I8)
    by_rank[rank] = np.arange(n_s, dtype=_I8)
    p_group, p_s = pairs // n_s, by_rank[pairs % n_s]
    slot = inverse * SLOTS + SLOT[at[rows]]
    p_sums = sum_at(pairs.size * SLOTS, slot, amt[rows]).reshape(pairs.size, SLOTS)
    p_counts = np.bincount(slot, minlength=pairs.size * SLOTS).reshape(pairs.size, SLOTS)
    recv_part = (p_counts[:, P] + p_counts[:, R]) > 0
    amount = p_sums[:, P] + p_sums[:, R]
    last = last_rows(p_group, recv_part)
    amount[last] -= diff[p_group[last]]
    orient = 1 - 2 * side[p_group]
    spl[p_group[recv_part & (orient * amount <= 0)]] = False
    keep = spl[p_group]
    return p_group[keep], p_s[keep], p_sums[keep], p_counts[keep]


def split_entries(
    ctx: Context,
    chunk: Chunk,
    parts: SplitParts,
    group_ids: Array,
    drift: dict[int, Array],
    rounding: Array,
    write_off: Array,
    diff: Array,
) -> None:
    """Entries of the clean split groups, part by part, as `_classify.settle_group` books."""
    p_group, p_s, p_sums, p_counts = parts
    gid = group_ids[p_group]
    recv_part = (p_counts[:, P] + p_counts[:, R]) > 0
    last = last_rows(p_group, recv_part)
    amount = p_sums[:, P] + p_sums[:, R]
    amount[last] -= diff[p_group[last]]
    n_parts = np.bincount(p_group[recv_part], minlength=group_ids.size)[p_group]
    for m, key_rule in (
        (recv_part & (n_parts == 1), MatchRule.KEY),
        (recv_part & (n_parts > 1), MatchRule.KEY_SPLIT_SETTLEMENTS),
    ):
        chunk.add(MATCH, CODE[key_rule], -1, True, p_s[m], gid[m], amount[m])
    for status, reason in ((rounding, ReasonCode.ROUNDING), (write_off, ReasonCode.WRITE_OFF)):
        m = last[status[p_group[last]]]
        chunk.add(VARIANCE, CODE[reason], -1, True, p_s[m], gid[m], diff[p_group[m]])
    for c in (COM, FUL, FEE):
        has = p_counts[:, c] > 0
        if not has.any():
            continue
        units = p_sums[:, c].copy()
        rule_code = CODE[MatchRule.FEE_SCHEDULE if c in ctx.fee_rules else MatchRule.FEE_AS_POSTED]
        if c in drift:
            fee_last = last_rows(p_group, has)
            off = drift[c][p_group[fee_last]]
            units[fee_last] -= off
            m = fee_last[off != 0]
            chunk.add(
                VARIANCE,
                CODE[ReasonCode.FEE_DRIFT],
                FEE_CLASS_TYPE[c],
                False,
                p_s[m],
                gid[m],
                drift[c][p_group[m]],
            )
        chunk.add(MATCH, rule_code, FEE_CLASS_TYPE[c], False, p_s[has], gid[has], units[has])
    for c, reason in ((WH, ReasonCode.TAX_WITHHELD), (CB, ReasonCode.CHARGEBACK)):
        m = np.flatnonzero(p_counts[:, c])
        chunk.add(VARIANCE, CODE[reason], -1, False, p_s[m], gid[m], p_sums[m, c])


def split_fx(ctx: Context, parts: SplitParts, diff: Array, doc_of: Array, rate: Array) -> None:
    """FX rows of the clean split groups: each receivable part applied to the document."""
    p_group, p_s, p_sums, p_counts = parts
    recv_part = (p_counts[:, P] + p_counts[:, R]) > 0
    applied = p_sums[:, P] + p_sums[:, R]
    last = last_rows(p_group, recv_part)
    applied[last] -= diff[p_group[last]]
    rows = doc_of[p_group[recv_part]]
    clean_fx(ctx, rows, p_s[recv_part], applied[recv_part], rate[rows])
