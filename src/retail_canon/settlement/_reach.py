"""What the residual stage can reach, and what the numpy engine books without it.

A document no active line shares a key with ("free") goes through the residual stage of
`_residual`: refund by order, tokens, fuzzy, and otherwise `unsettled_documents`. Most
free documents cannot be reached by any of the three steps, and the numpy engine books
those directly, with the reason `Context.unsettled_reason` gives, instead of handing
thousands of them to Python. A free document is *reachable* when:

- it is a credit memo whose order key is the only order of a residual refund group
  (refund by order);
- one of its keys reduces to the token of a residual group on the same side (tokens);
- the fuzzy stage is on and the document has no key (keyed lines meet only such
  documents), or there are unkeyed receivable lines (which meet any document).

The same holds the other way for residual groups (lines to collect, no document): a group
no free document can reach ("orphan") is booked on arrays as `settle_group` books a group
without documents (``UNMATCHED`` or ``REFUND_MISSING_IN_ERP``, fees, withheld tax). A
group some step could reach, and every document one could, go through `settle_residuals`
as before, so both engines agree. Removing orphans changes nothing for the others: a
token an orphan carries has no document, and an orphan's order has no free credit memo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from retail_canon.settlement._context import CODE, Context, Line
from retail_canon.settlement._residual import tokens
from retail_canon.settlement._types import ReasonCode
from retail_canon.settlement._vector import LIMIT, Array

__all__ = ["book_unreachable", "hold_documents", "out_of_reach", "reachable_groups"]


def book_unreachable(
    ctx: Context,
    free: Array,
    residual: Mapping[int, Sequence[Line]],
    unkeyed: bool,
    columns: tuple[Array, Array, Array, Array, Array, Array],
) -> Array:
    """Book the open items of the free documents ``free`` cannot reach; the rest, returned.

    ``columns`` are the documents' group id, credit-memo flag, order key, refund key,
    open units signed as the settlement carries them, and issue day (`date.toordinal`).
    ``residual`` holds the lines of the groups left for the residual stage; ``unkeyed``
    tells whether there are unkeyed receivable lines.
    """
    if not free.size:
        return free
    fuzzy = bool(ctx.policy.fuzzy_max_documents)
    if fuzzy and unkeyed:
        return free
    group, memo, order, refund, signed, issued = (c[free] for c in columns)
    reach = (order < 0) & (refund < 0) if fuzzy else np.zeros(free.size, dtype=bool)
    n_keys = ctx.n_keys
    orders: set[int] = set()
    wanted: set[tuple[bool, str]] = set()
    keys = ctx.keys
    residual_tokens = tokens([keys[key % n_keys] for key in residual])
    for (key, lines), tok in zip(residual.items(), residual_tokens, strict=True):
        if tok:
            wanted.add((key >= n_keys, tok))
        if key >= n_keys:
            found = {ln[6] for ln in lines}
            if len(found) == 1 and min(found) >= 0:
                orders.add(min(found))
    if orders:
        reach |= memo & np.isin(order, np.array(sorted(orders), dtype=np.int64))
    if wanted:
        codes = np.unique(np.concatenate([order[order >= 0], refund[memo & (refund >= 0)]]))
        reduced = tokens([keys[c] for c in codes.tolist()])
        as_memo = np.zeros(len(keys) + 1, dtype=bool)
        as_invoice = np.zeros(len(keys) + 1, dtype=bool)
        for side, hits in ((True, as_memo), (False, as_invoice)):
            side_tokens = {tok for is_memo, tok in wanted if is_memo is side}
            if side_tokens and codes.size:
                hits[codes] = [tok in side_tokens for tok in reduced]
        reach |= np.where(memo, as_memo[refund] | as_memo[order], as_invoice[order])
    out = ~reach & (signed != 0)
    lag = ctx.policy.settlement_lag_days
    timing = np.ones(free.size, dtype=bool)
    if ctx.batch_end is not None:
        timing = issued > ctx.batch_end - lag
    for mask, reason in (
        (out & timing, ReasonCode.TIMING),
        (out & ~timing & memo, ReasonCode.REFUND_NOT_SETTLED),
        (out & ~timing & ~memo, ReasonCode.UNMATCHED),
    ):
        if mask.any():
            ctx.open_columns.append((free[mask], group[mask], CODE[reason], signed[mask]))
    kept: Array = free[reach]
    return kept


def reachable_groups(
    ctx: Context,
    free: Array,
    groups: Array,
    orders: Array,
    unkeyed: bool,
    columns: tuple[Array, Array, Array],
) -> Array:
    """Which residual ``groups`` (ids) a residual step could settle against free documents.

    ``orders`` holds each group's only order key (``-1``: none, or several); ``columns``
    are the documents' credit-memo flag, order key and refund key. A group is reachable
    when a free credit memo carries its only order (refund groups), when a free document
    key reduces to its token, or when the fuzzy stage could meet it at all (some free
    document has no key, or there are unkeyed receivable lines). The rest, with no
    document to find, are booked as `settle_group` books a group without documents.
    """
    memo, order, refund = (c[free] for c in columns)
    if ctx.policy.fuzzy_max_documents and (unkeyed or bool(((order < 0) & (refund < 0)).any())):
        return np.ones(groups.size, dtype=bool)
    n_keys = ctx.n_keys
    is_refund = groups >= n_keys
    reach = is_refund & np.isin(orders, order[memo & (order >= 0)]) & (orders >= 0)
    keys = ctx.keys
    group_tokens = tokens([keys[g % n_keys] for g in groups.tolist()])
    sides = is_refund.tolist()
    wanted: dict[bool, set[str]] = {True: set(), False: set()}
    for tok, side in zip(group_tokens, sides, strict=True):
        if tok:
            wanted[side].add(tok)
    found: dict[bool, set[str]] = {True: set(), False: set()}
    for side, codes in (
        (True, np.concatenate([order[memo & (order >= 0)], refund[memo & (refund >= 0)]])),
        (False, order[~memo & (order >= 0)]),
    ):
        if wanted[side]:  # only the side some group's token is on: its documents' tokens
            found[side] = wanted[side].intersection(tokens([keys[c] for c in set(codes.tolist())]))
    hits = [tok in found[side] for tok, side in zip(group_tokens, sides, strict=True)]
    out: Array = reach | np.array(hits, dtype=bool)
    return out


def out_of_reach(
    ctx: Context,
    orphan: Array,
    pending: Array,
    group: Array,
    order_key: Array,
    group_ids: Array,
    free: Array,
    unkeyed: bool,
    columns: tuple[Array, Array, Array],
) -> Array:
    """Clear the ``orphan`` groups (compact ids) a residual step could reach.

    ``pending`` are line rows (a superset of the orphans' lines), ``group`` and
    ``order_key`` the lines' compact group and order key. Returns the rows of the lines of
    the orphans left, which no residual step can reach.
    """
    rows: Array = pending[orphan[group[pending]]]
    if not rows.size:
        return rows
    only = np.full(orphan.size, LIMIT, dtype=np.int64)
    np.minimum.at(only, group[rows], order_key[rows])
    most = np.full(orphan.size, -1, dtype=np.int64)
    np.maximum.at(most, group[rows], order_key[rows])
    candidates = np.flatnonzero(orphan)
    lowest, highest = only[candidates], most[candidates]
    orders = np.where(lowest == highest, lowest, -1)
    reached = reachable_groups(ctx, free, group_ids[candidates], orders, unkeyed, columns)
    orphan[candidates[reached]] = False
    out: Array = rows[orphan[group[rows]]]
    return out


def hold_documents(
    ctx: Context, rows: Array, group: Array, group_id: Array, signed: Array
) -> Array:
    """Book the documents held by a quarantined settlement; the other ``rows``, returned.

    Among ``rows`` (documents), those no active line shares a key with (``group`` is the
    compact group, ``-1``) whose key has lines in a quarantined settlement (``group_id``)
    stay open with ``PAYOUT_INTEGRITY``, as `settle_residuals` books them.
    """
    if not ctx.held or not rows.size:
        return rows
    held_groups = np.zeros(3 * ctx.n_keys + 1, dtype=bool)
    held_groups[list(ctx.held)] = True
    free = rows[group[rows] < 0]
    held = free[(group_id[free] >= 0) & held_groups[np.maximum(group_id[free], 0)]]
    held = held[signed[held] != 0]
    ctx.open_columns.append((held, group_id[held], CODE[ReasonCode.PAYOUT_INTEGRITY], signed[held]))
    kept: Array = np.setdiff1d(rows, held, assume_unique=True)
    return kept
