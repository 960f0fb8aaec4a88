"""The numpy engine: dictionary-encoded keys, compact group arrays, a vectorised fast path.

A *clean* group is one the general classifier would settle without judgement: lines in
one settlement (or one document paid across settlements: `_split`), documents in its
currency with open amounts of the expected sign, no reserve/adjustment/transfer/other
lines, receivables within the rounding bound or tolerance, every fee class within its
rule's tolerance or drifting on a single line (no duplicate line can explain the drift).
Clean groups, and groups and documents the residual stage cannot reach (`_reach`), are
booked on arrays in exact int64 arithmetic with the formulas of `_classify`; every other
group, document and line goes through the pure-Python engine's code, so both engines
give the same result (the tests check it). Amounts too large for int64 run in Python.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from retail_canon.models import AmountType
from retail_canon.settlement import _engine_py
from retail_canon.settlement._classify import account_line, settle_group
from retail_canon.settlement._context import (
    CB,
    CLASS_OF,
    CODE,
    COM,
    EXCEPTION,
    FEE,
    FEE_CLASS_TYPE,
    FUL,
    MATCH,
    REFUND_TYPE,
    RESERVE_TYPE,
    VARIANCE,
    WH,
    Context,
    Doc,
    Line,
    P,
    R,
)
from retail_canon.settlement._integrity import check_integrity, excluded_settlements
from retail_canon.settlement._lines import (
    PARALLEL_LINES,
    Extent,
    Later,
    Layout,
    check_inputs,
    columns,
    doc_keys,
    doc_side,
    group_extent,
    group_ids_of,
    later,
    layout,
    settlement_totals,
    slot_sums,
)
from retail_canon.settlement._reach import book_unreachable, hold_documents, out_of_reach
from retail_canon.settlement._residual import settle_residuals
from retail_canon.settlement._split import (
    OTHER,
    SLOT,
    split_entries,
    split_fx,
    split_parts,
)
from retail_canon.settlement._types import MatchRule, ReasonCode
from retail_canon.settlement._vector import (
    Array,
    Chunk,
    accepted,
    clean_fx,
    fee_checks,
    ints,
    sum_at,
)

__all__ = ["run"]

_I8 = np.int64
Laid = tuple[Array, set[int], Layout, Array, Later[Extent]]
"""Group ids, excluded settlements, `layout`, `slot_sums`, `group_extent`."""


def _small_factors(ctx: Context) -> bool:
    """Whether every tolerance and fee rule fraction keeps int64 products exact."""
    tolerances = [*ctx.policy.tolerances.values(), *(rule[2] for rule in ctx.fee_rules.values())]
    factors = [f for rule in ctx.fee_rules.values() for f in rule[:2]]
    factors += [abs(int(rule[3] * 1000)) for rule in ctx.fee_rules.values()]
    for tolerance in tolerances:
        percent = Fraction(tolerance.percent)
        factors += [percent.numerator, percent.denominator * 100]
    return max(factors, default=0) < 10**6


def run(ctx: Context, threads: int = 1) -> None:
    """Match everything in ``ctx``: vectorised for clean groups, Python for the rest.

    With ``threads`` > 1, some whole-array steps run in a worker thread (`_lines`).
    """
    if not _small_factors(ctx):
        _engine_py.run(ctx)  # products of amounts and these factors could overflow int64
        return
    table, docs = ctx.table, ctx.docs
    line_columns, doc_columns = columns(ctx)
    st, at, amt, okey, akey = line_columns
    dkind, dcur, dopen, dok, drk, drate = doc_columns
    n, n_s = st.size, ctx.n_settlements
    parallel = threads > 1 and n >= PARALLEL_LINES
    totals = later(parallel, settlement_totals, n_s, st, amt)  # for `excluded_settlements`
    checked = later(parallel, check_inputs, ctx, line_columns, doc_columns)
    early_keys = later(parallel, doc_keys, ctx, doc_columns) if ctx.resolver is None else None
    rows_of: dict[int, Array] = {}  # line rows by settlement, for the excluded ones
    left: dict[int, Array] = {}  # group ids of the excluded settlements' lines

    def settlement_rows(s: int) -> Array:
        rows = rows_of.get(s)
        if rows is None:
            rows = rows_of[s] = np.flatnonzero(st == s)
        return rows

    def lay_out(g: Array, out: set[int]) -> Laid:
        # Lines of the settlements ``out`` (those integrity excludes) leave their group
        # (-1); the group ids they had are kept in ``left``. The worker counts the lines
        # (after the checks) while this thread sums them.
        for s in sorted(out):
            left[s] = g[settlement_rows(s)]
            g[rows_of[s]] = -1
        laid = layout(ctx.n_keys, g, at)
        extent = later(parallel, group_extent, laid[1].size, laid[2], st, laid[3])
        return g, out, laid, slot_sums(laid[1].size, laid[3], amt), extent

    early = None
    try:  # meanwhile, nothing booked: reserve and refund rows, groups and sums of the lines
        reserve = np.flatnonzero(at == RESERVE_TYPE)
        by_order = np.flatnonzero(at == REFUND_TYPE)  # refunds without a refund id: by order
        if ctx.resolver is None:
            g = group_ids_of(ctx.n_keys, okey, akey, by_order)
            lines_total = totals.get()
            if lines_total is not None:  # its extent waits for the checks in the worker
                early = lay_out(g, excluded_settlements(ctx, lines_total))
    except (IndexError, ValueError):
        checked.get()  # an out-of-range column explains it: raise its typed error
        raise
    big, dbig = checked.get()
    if big is None or dbig is None:
        _engine_py.run(ctx)  # amounts too large for exact int64 arithmetic
        return
    if ctx.resolver is not None and n:
        okey = okey.copy()
        keyed = okey >= 0
        width = len(table.keys) + 1
        pairs, inverse = np.unique(st[keyed] * width + okey[keyed], return_inverse=True)
        pair_list = [(p // width, p % width) for p in pairs.tolist()]
        ctx.resolve_keys(ctx.resolver, pair_list)
        okey[keyed] = np.array([ctx.resolved[p] for p in pair_list], dtype=_I8)[inverse]
    n_keys = ctx.n_keys
    lines_total = totals.get() or []  # in range: checked
    if early is None:
        early = lay_out(
            group_ids_of(n_keys, okey, akey, by_order), excluded_settlements(ctx, lines_total)
        )
    g, out, laid, sums, extent = early

    # Layer 1: integrity.
    r_s, r_amt = st[reserve], amt[reserve]
    held = r_amt < 0

    def groups_of(s: int) -> set[int]:
        mask = np.zeros(3 * n_keys + 1, dtype=bool)
        keyed = left[s] if s in left else g[settlement_rows(s)]
        mask[keyed[keyed >= 0]] = True
        return set(np.flatnonzero(mask).tolist())

    check_integrity(
        ctx,
        lines_total,
        sum_at(n_s, r_s[held], r_amt[held], big).tolist(),
        sum_at(n_s, r_s[~held], r_amt[~held], big).tolist(),
        lambda s: tuple(settlement_rows(s).tolist()),
        groups_of,
    )
    if ctx.excluded != out:  # cannot happen (the same rule), but then lay out again
        left.clear()
        g, out, laid, sums, extent = lay_out(
            group_ids_of(n_keys, okey, akey, by_order), ctx.excluded
        )
    s_active = np.ones(max(n_s, 1), dtype=bool)
    s_active[sorted(ctx.excluded)] = False
    compact, group_ids, cg, _ = laid
    n_groups = group_ids.size
    keys = doc_keys(ctx, doc_columns) if early_keys is None else early_keys.get()
    fees = later(parallel, fee_checks, ctx, sums, extent.get)  # layer 4, meanwhile
    doc_groups = doc_side(doc_columns, keys, laid, dbig)
    dok, drk, memo, dg, dsigned, dgc, linked, dcount, expected, rep_cur, doc_bad = doc_groups
    lg = dgc[linked]
    doc_code = {c: i for i, c in enumerate(ctx.doc_currency)}
    s_doccur = np.array([doc_code.get(c, -2) for c in ctx.s_currency] or [-2], dtype=_I8)
    counts, rep_s, split = extent.get()  # rep_s: the first settlement of each group

    # Layers 3-4 on every group: receivables against documents, fees against rules.
    n_recv = counts[P] + counts[R]
    has_docs = dcount > 0
    simple = (counts[OTHER] == 0) & ~doc_bad
    ok = simple & ~split & np.where(has_docs, rep_cur == s_doccur[rep_s], n_recv == 0)
    # Split groups (one document paid across settlements) are checked per part below.
    spl = simple & split & (dcount == 1) & (n_recv > 0)
    ok[0] = spl[0] = False
    side = (group_ids >= n_keys).astype(_I8)
    recv = sums[P] + sums[R]
    diff = recv - expected
    per_line = ctx.policy.rounding_per_line
    bound = (n_recv * per_line.numerator + per_line.denominator - 1) // per_line.denominator
    tol = [
        ctx.tolerance(ctx.policy.tolerance(kind), d)
        for kind in (AmountType.PRINCIPAL, AmountType.REFUND)
        for d in ctx.s_digits
    ]
    pick = side * n_s + rep_s
    exact = diff == 0
    rounding = ~exact & (np.abs(diff) <= bound)
    write_off = accepted(~exact & ~rounding, diff, expected, tol, pick)
    settled = np.where(n_recv > 0, exact | rounding | write_off, expected == 0)
    ok &= settled
    spl &= settled
    # Groups with lines to collect and no document (residual groups), unless a fee needs the
    # duplicate search: booked here when no residual step can reach them (see below).
    orphan = simple & ~split & ~has_docs & (n_recv > 0)
    orphan[0] = False
    drift: dict[int, Array] = {}
    for c, duplicable, fee_drift in fees.get():
        if duplicable is None:
            ok[:] = spl[:] = orphan[:] = False
            continue
        ok &= ~duplicable
        spl &= ~duplicable
        orphan &= ~duplicable
        drift[c] = fee_drift

    # Split groups: every part of the lines must be in the document's currency and every
    # receivable part must pay it (so that applying the parts oldest first takes each whole).
    pending = np.flatnonzero((~ok)[cg])  # lines outside the groups settled in one piece
    parts = split_parts(ctx, spl, pending, cg, st, at, amt, rep_cur, s_doccur, side, diff)

    # Entries of the clean groups.
    clean = ok | spl
    clean_docs = np.zeros(dkind.size, dtype=bool)
    clean_docs[linked] = clean[lg]

    def fx() -> None:  # FX rows of the clean groups' documents (read-only on the arrays)
        if parts is not None:
            doc_of = np.full(n_groups, -1, dtype=_I8)
            doc_of[lg] = linked
            split_fx(ctx, parts, diff, doc_of, drate)
        if ctx.functional_digits is not None:
            fx_docs = np.flatnonzero(clean_docs & (drate >= 0))
            fx_docs = fx_docs[~spl[dgc[fx_docs]]]
            clean_fx(ctx, fx_docs, rep_s[dgc[fx_docs]], dsigned[fx_docs], drate[fx_docs])

    fx_done = later(parallel, fx)  # joined before the general classifier runs
    rows = np.flatnonzero(~clean_docs)
    rows = hold_documents(ctx, rows, dgc, dg, dsigned)
    free_rows = rows[dgc[rows] < 0]  # documents no active line shares a key with
    loose_rows = pending[cg[pending] == 0]  # lines without a key, or excluded
    if ctx.excluded:
        loose_rows = loose_rows[s_active[st[loose_rows]]]
    unkeyed = bool((SLOT[at[loose_rows]] <= R).any())
    orphan_rows = out_of_reach(
        ctx, orphan, pending, cg, okey, group_ids, free_rows, unkeyed, (memo, dok, drk)
    )
    clean |= orphan
    chunk = Chunk(n_s, dg[clean_docs], np.flatnonzero(clean_docs))
    booked = ok | orphan
    collect = orphan_rows[SLOT[at[orphan_rows]] <= R]  # receivable lines of the orphans
    chunk.add_lines(group_ids[cg[collect]], collect)
    for refund, reason in ((False, ReasonCode.UNMATCHED), (True, ReasonCode.REFUND_MISSING_IN_ERP)):
        m = np.flatnonzero(orphan & ((group_ids >= n_keys) == refund))
        chunk.add(EXCEPTION, CODE[reason], -1, False, rep_s[m], group_ids[m], recv[m], lines=True)
    with_recv = ok & (n_recv > 0)
    one_doc = dcount == 1
    for m, key_rule in (
        (with_recv & one_doc, MatchRule.KEY),
        (with_recv & ~one_doc, MatchRule.KEY_SPLIT_DOCUMENTS),
    ):
        chunk.add(MATCH, CODE[key_rule], -1, True, rep_s[m], group_ids[m], expected[m])
    for status, reason in ((rounding, ReasonCode.ROUNDING), (write_off, ReasonCode.WRITE_OFF)):
        m = np.flatnonzero(status & with_recv)
        chunk.add(VARIANCE, CODE[reason], -1, True, rep_s[m], group_ids[m], diff[m])
    for c in (COM, FUL, FEE):
        m = booked & (counts[c] > 0)
        rule_code = CODE[MatchRule.FEE_SCHEDULE if c in ctx.fee_rules else MatchRule.FEE_AS_POSTED]
        off = drift.get(c)
        units = sums[c] if off is None else sums[c] - off
        chunk.add(MATCH, rule_code, FEE_CLASS_TYPE[c], False, rep_s[m], group_ids[m], units[m])
        if off is not None:
            m = np.flatnonzero(booked & (off != 0))
            chunk.add(
                VARIANCE,
                CODE[ReasonCode.FEE_DRIFT],
                FEE_CLASS_TYPE[c],
                False,
                rep_s[m],
                group_ids[m],
                off[m],
            )
    for c, reason in ((WH, ReasonCode.TAX_WITHHELD), (CB, ReasonCode.CHARGEBACK)):
        m = np.flatnonzero(booked & (counts[c] > 0))
        chunk.add(VARIANCE, CODE[reason], -1, False, rep_s[m], group_ids[m], sums[c][m])
    if parts is not None:
        split_entries(ctx, chunk, parts, group_ids, drift, rounding, write_off, diff)
    fx_done.get()
    ctx.chunks.append(chunk)

    # Everything else: the general classifier, exactly as in the pure-Python engine.
    posted_at = ints(table.posted)
    src = ints(table.source_type) if len(table.source_type) else np.full(n, -1, _I8)

    def line_tuples(rows: Array) -> list[Line]:
        return list(
            zip(
                rows.tolist(),
                st[rows].tolist(),
                at[rows].tolist(),
                amt[rows].tolist(),
                posted_at[rows].tolist(),
                src[rows].tolist(),
                okey[rows].tolist(),
                strict=True,
            )
        )

    clean[0] = True  # lines without a group are not a group's
    dirty_rows = pending[~clean[cg[pending]]]
    groups: dict[int, list[Line]] = {}
    for line, key in zip(line_tuples(dirty_rows), g[dirty_rows].tolist(), strict=True):
        members = groups.get(key)
        if members is None:
            groups[key] = [line]
        else:
            members.append(line)
    unkeyed_lines: list[Line] = []
    for line in line_tuples(loose_rows):
        if CLASS_OF[line[2]] <= R:
            unkeyed_lines.append(line)
        else:
            account_line(ctx, line)
    # Free documents (no active line has their key) the residual stage cannot reach.
    residual_lines = {
        key: lines
        for key, lines in groups.items()
        if dcount[compact[key]] == 0 and any(CLASS_OF[ln[2]] <= R for ln in lines)
    }
    issued = ints(docs.issued)
    reach = book_unreachable(
        ctx, free_rows, residual_lines, unkeyed, (dg, memo, dok, drk, dsigned, issued)
    )
    rows = np.union1d(rows[dgc[rows] >= 0], reach)
    by_group: dict[int, list[Doc]] = {}
    doc_rows = zip(
        rows.tolist(),
        dkind[rows].tolist(),
        dcur[rows].tolist(),
        dopen[rows].tolist(),
        issued[rows].tolist(),
        drate[rows].tolist(),
        dok[rows].tolist(),
        drk[rows].tolist(),
        strict=True,
    )
    for doc, key in zip(doc_rows, dg[rows].tolist(), strict=True):
        found = by_group.get(key)
        if found is None:
            by_group[key] = [doc]
        else:
            found.append(doc)
    residual: dict[int, tuple[bool, list[Line]]] = {}
    for key, lines in groups.items():
        found = by_group.pop(key, None)
        refund = key >= n_keys
        if found:
            settle_group(ctx, key, refund, lines, found)
        elif key in residual_lines:
            residual[key] = (refund, lines)
        else:
            settle_group(ctx, key, refund, lines, [])
    free = [(key, doc) for key, found in by_group.items() for doc in found]
    settle_residuals(ctx, residual, unkeyed_lines, free)
