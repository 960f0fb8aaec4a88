"""The numpy engine: dictionary-encoded keys, compact group arrays, a vectorised fast path.

A *clean* group is one the general classifier would settle without judgement: lines in
one settlement, documents all in its currency with open amounts of the expected sign, no
reserve/adjustment/transfer/unclassified lines, receivables within the rounding bound or
the tolerance of the documents, and every fee class within its rule's tolerance or
drifting on a single line (so no duplicate line can explain the drift). For clean groups
the entries and FX rows are computed on arrays, in exact int64 arithmetic, with the same
formulas as `_classify`. Every other group, document and line goes through the same
Python code as the pure-Python engine, so both engines give the same result (the tests
check it). Amounts too large for exact int64 arithmetic send the whole run to Python.
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
    CREDIT_MEMO,
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
from retail_canon.settlement._engine_py import check_codes
from retail_canon.settlement._errors import (
    MissingAmountType,
    SettlementInputError,
    UnknownDocumentKind,
)
from retail_canon.settlement._integrity import check_integrity
from retail_canon.settlement._residual import settle_residuals
from retail_canon.settlement._types import AMOUNT_TYPES, DOCUMENT_KINDS, MatchRule, ReasonCode
from retail_canon.settlement._vector import (
    LIMIT,
    Array,
    Chunk,
    accepts,
    clean_fx,
    half_up,
    ints,
    sum_at,
)

__all__ = ["run"]

_I8 = np.int64
_OTHER = 7  # slot of every class the fast path does not handle
_SLOT = np.array([c if c < _OTHER else _OTHER for c in CLASS_OF], dtype=_I8)
_SLOTS = _OTHER + 1
assert tuple(range(_OTHER)) == (P, R, COM, FUL, FEE, WH, CB)


def _small_factors(ctx: Context) -> bool:
    """Whether every tolerance and fee rule fraction keeps int64 products exact."""
    tolerances = [*ctx.policy.tolerances.values(), *(rule[2] for rule in ctx.fee_rules.values())]
    factors = [f for rule in ctx.fee_rules.values() for f in rule[:2]]
    factors += [abs(int(rule[3] * 1000)) for rule in ctx.fee_rules.values()]
    for tolerance in tolerances:
        percent = Fraction(tolerance.percent)
        factors += [percent.numerator, percent.denominator * 100]
    return max(factors, default=0) < 10**6


def run(ctx: Context) -> None:
    """Match everything in ``ctx``: vectorised for clean groups, Python for the rest."""
    if not _small_factors(ctx):
        _engine_py.run(ctx)  # products of amounts and these factors could overflow int64
        return
    table = ctx.table
    st = ints(table.settlement)
    at = ints(table.amount_type)
    amt = ints(table.amount)
    okey = ints(table.order_key)
    akey = ints(table.refund_key)
    n, n_s = st.size, ctx.n_settlements
    if n:
        check_codes("settlement", int(st.min()), int(st.max()), 0, n_s, SettlementInputError)
        check_codes(
            "amount_type", int(at.min()), int(at.max()), 0, len(AMOUNT_TYPES), MissingAmountType
        )
        check_codes(
            "order_key", int(okey.min()), int(okey.max()), -1, len(table.keys), SettlementInputError
        )
        check_codes(
            "refund_key",
            int(akey.min()),
            int(akey.max()),
            -1,
            len(table.keys),
            SettlementInputError,
        )
        if int(np.abs(amt).max()) >= LIMIT // n // 10**6:
            _engine_py.run(ctx)  # too large for exact int64 arithmetic
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
    g = okey.copy()
    g[(at == REFUND_TYPE) & (okey >= 0)] += 2 * n_keys
    with_refund = akey >= 0
    g[with_refund] = n_keys + akey[with_refund]

    # Layer 1: integrity.
    reserve = at == RESERVE_TYPE
    held = reserve & (amt < 0)
    released = reserve & ~held
    check_integrity(
        ctx,
        sum_at(n_s, st, amt).tolist(),
        sum_at(n_s, st[held], amt[held]).tolist(),
        sum_at(n_s, st[released], amt[released]).tolist(),
        lambda s: tuple(np.flatnonzero(st == s).tolist()),
        lambda s: set(np.unique(g[(st == s) & (g >= 0)]).tolist()),
    )
    active = np.ones(n, dtype=bool)
    for s in ctx.excluded:
        active &= st != s

    # Layer 2: groups, compacted to the ids that occur.
    keyed = active & (g >= 0)
    keyed_rows = np.flatnonzero(keyed)
    kg = g[keyed_rows]
    kst = st[keyed_rows]
    present = np.zeros(3 * n_keys + 1, dtype=bool)
    present[kg] = True
    compact = np.cumsum(present) - 1
    group_ids = np.flatnonzero(present)
    n_groups = group_ids.size
    cg = compact[kg]
    slot = cg * _SLOTS + _SLOT[at[keyed_rows]]
    sums = sum_at(n_groups * _SLOTS, slot, amt[keyed_rows]).reshape(n_groups, _SLOTS)
    counts = np.bincount(slot, minlength=n_groups * _SLOTS).reshape(n_groups, _SLOTS)
    rep_s = np.zeros(n_groups, dtype=_I8)
    rep_s[cg] = kst
    split = np.zeros(n_groups, dtype=bool)
    split[cg[kst != rep_s[cg]]] = True

    # Documents in the same compact group space (-1: no active line has their key).
    docs = ctx.docs
    dkind = ints(docs.kind)
    dcur = ints(docs.currency)
    dopen = ints(docs.open_amount)
    dok = ints(docs.order_key)
    drk = ints(docs.refund_key)
    drate = ints(docs.rate) if len(docs.rate) else np.full(dkind.size, -1, _I8)
    if dkind.size:
        check_codes(
            "kind", int(dkind.min()), int(dkind.max()), 0, len(DOCUMENT_KINDS), UnknownDocumentKind
        )
        check_codes(
            "currency",
            int(dcur.min()),
            int(dcur.max()),
            0,
            len(docs.currencies),
            SettlementInputError,
        )
        check_codes(
            "rate", int(drate.min()), int(drate.max()), -1, len(docs.rates), SettlementInputError
        )
        check_codes(
            "order_key", int(dok.min()), int(dok.max()), -1, len(docs.keys), SettlementInputError
        )
        check_codes(
            "refund_key", int(drk.min()), int(drk.max()), -1, len(docs.keys), SettlementInputError
        )
        if int(np.abs(dopen).max()) >= LIMIT // dkind.size // 10**6:
            _engine_py.run(ctx)
            return
    if ctx.doc_key_map is not None and dkind.size:
        mapping = np.array([*ctx.doc_key_map, -1], dtype=_I8)
        dok, drk = mapping[dok], mapping[drk]
    memo = dkind == CREDIT_MEMO
    dg = np.where(
        memo, np.where(drk >= 0, n_keys + drk, np.where(dok >= 0, 2 * n_keys + dok, -1)), dok
    )
    dsigned = np.where(memo, -dopen, dopen)
    dgc = np.where(dg >= 0, compact[np.where(dg >= 0, dg, 3 * n_keys)], -1)
    dgc[(dg >= 0) & ~present[np.where(dg >= 0, dg, 3 * n_keys)]] = -1
    linked = np.flatnonzero(dgc >= 0)
    lg = dgc[linked]
    dcount = np.bincount(lg, minlength=n_groups)
    expected = sum_at(n_groups, lg, dsigned[linked])
    rep_cur = np.full(n_groups, -1, dtype=_I8)
    rep_cur[lg] = dcur[linked]
    doc_bad = np.zeros(n_groups, dtype=bool)
    doc_bad[lg[(dcur[linked] != rep_cur[lg]) | (dopen[linked] < 0)]] = True
    doc_code = {c: i for i, c in enumerate(ctx.doc_currency)}
    s_doccur = np.array([doc_code.get(c, -2) for c in ctx.s_currency] or [-2], dtype=_I8)

    # Layers 3-4 on the candidates: receivables against documents, fees against rules.
    cand = np.flatnonzero(
        (dcount > 0) & ~split & (counts[:, _OTHER] == 0) & ~doc_bad & (rep_cur == s_doccur[rep_s])
    )
    c_s = rep_s[cand]
    c_sums = sums[cand]
    c_counts = counts[cand]
    c_exp = expected[cand]
    side = (group_ids[cand] >= n_keys).astype(_I8)
    recv = c_sums[:, P] + c_sums[:, R]
    n_recv = c_counts[:, P] + c_counts[:, R]
    diff = recv - c_exp
    per_line = ctx.policy.rounding_per_line
    bound = (n_recv * per_line.numerator + per_line.denominator - 1) // per_line.denominator
    tol = [
        ctx.tolerance(ctx.policy.tolerance(kind), d)
        for kind in (AmountType.PRINCIPAL, AmountType.REFUND)
        for d in ctx.s_digits
    ]
    pick = side * n_s + c_s
    exact = diff == 0
    rounding = ~exact & (np.abs(diff) <= bound)
    write_off = (
        ~exact
        & ~rounding
        & accepts(
            diff,
            c_exp,
            np.array([t.absolute for t in tol] or [0], dtype=_I8)[pick],
            np.array([t.num for t in tol] or [0], dtype=_I8)[pick],
            np.array([t.den for t in tol] or [1], dtype=_I8)[pick],
        )
    )
    ok = np.where(n_recv > 0, exact | rounding | write_off, c_exp == 0)
    drift: dict[int, Array] = {}
    for c in (COM, FUL, FEE):
        rule = ctx.fee_rules.get(c)
        drift[c] = np.zeros(cand.size, dtype=_I8)
        if rule is None:
            continue
        num, den = rule[0], rule[1]
        if (int(np.abs(c_sums[:, P]).max(initial=0)) + 1) * num >= LIMIT:
            ok[:] = False
            continue
        fee_tol = [ctx.fee_tolerance(c, d) for d in ctx.s_digits]
        fixed = np.array([ctx.fee_fixed(c, d) for d in ctx.s_digits] or [0], dtype=_I8)
        fee_expected = half_up(-num * c_sums[:, P], den)
        fee_expected -= np.where(c_sums[:, P] > 0, fixed[c_s], 0)
        d = c_sums[:, c] - fee_expected
        bad = (
            (c_counts[:, c] > 0)
            & (d != 0)
            & ~accepts(
                d,
                fee_expected,
                np.array([t.absolute for t in fee_tol], dtype=_I8)[c_s],
                np.array([t.num for t in fee_tol], dtype=_I8)[c_s],
                np.array([t.den for t in fee_tol], dtype=_I8)[c_s],
            )
        )
        ok &= ~(bad & (c_counts[:, c] > 1))
        drift[c] = np.where(bad, d, 0)

    # Entries of the clean groups.
    clean_c = np.flatnonzero(ok)
    clean = np.zeros(n_groups, dtype=bool)
    clean[cand[clean_c]] = True
    clean_docs = np.zeros(dkind.size, dtype=bool)
    clean_docs[linked] = clean[lg]
    chunk = Chunk(n_s, dg[clean_docs], np.flatnonzero(clean_docs))
    s_of, gid = c_s[clean_c], group_ids[cand[clean_c]]
    k_sums, k_counts, k_diff = c_sums[clean_c], c_counts[clean_c], diff[clean_c]
    with_recv = n_recv[clean_c] > 0
    one_doc = dcount[cand[clean_c]] == 1
    for m, key_rule in (
        (with_recv & one_doc, MatchRule.KEY),
        (with_recv & ~one_doc, MatchRule.KEY_SPLIT_DOCUMENTS),
    ):
        chunk.add(MATCH, CODE[key_rule], -1, True, s_of[m], gid[m], c_exp[clean_c][m])
    for status, reason in ((rounding, ReasonCode.ROUNDING), (write_off, ReasonCode.WRITE_OFF)):
        m = np.flatnonzero(status[clean_c] & with_recv)
        chunk.add(VARIANCE, CODE[reason], -1, True, s_of[m], gid[m], k_diff[m])
    for c in (COM, FUL, FEE):
        m = k_counts[:, c] > 0
        rule_code = CODE[MatchRule.FEE_SCHEDULE if c in ctx.fee_rules else MatchRule.FEE_AS_POSTED]
        off = drift[c][clean_c]
        chunk.add(
            MATCH, rule_code, FEE_CLASS_TYPE[c], False, s_of[m], gid[m], (k_sums[:, c] - off)[m]
        )
        m = np.flatnonzero(off)
        chunk.add(
            VARIANCE, CODE[ReasonCode.FEE_DRIFT], FEE_CLASS_TYPE[c], False, s_of[m], gid[m], off[m]
        )
    for c, reason in ((WH, ReasonCode.TAX_WITHHELD), (CB, ReasonCode.CHARGEBACK)):
        m = np.flatnonzero(k_counts[:, c])
        chunk.add(VARIANCE, CODE[reason], -1, False, s_of[m], gid[m], k_sums[m, c])
    ctx.chunks.append(chunk)
    fx_docs = np.flatnonzero(clean_docs)
    clean_fx(ctx, fx_docs, rep_s[dgc[fx_docs]], dsigned[fx_docs], drate[fx_docs])

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

    dirty_rows = keyed_rows[~clean[cg]]
    groups: dict[int, list[Line]] = {}
    for line, key in zip(line_tuples(dirty_rows), g[dirty_rows].tolist(), strict=True):
        members = groups.get(key)
        if members is None:
            groups[key] = [line]
        else:
            members.append(line)
    rows = np.flatnonzero(~clean_docs)
    if ctx.held and rows.size:  # documents held by a quarantined settlement: open, as arrays
        held = np.zeros(3 * n_keys + 1, dtype=bool)
        held[list(ctx.held)] = True
        free_rows = rows[dgc[rows] < 0]
        held_rows = free_rows[(dg[free_rows] >= 0) & held[np.maximum(dg[free_rows], 0)]]
        held_rows = held_rows[dopen[held_rows] != 0]
        ctx.open_columns.append(
            (held_rows, dg[held_rows], CODE[ReasonCode.PAYOUT_INTEGRITY], dsigned[held_rows])
        )
        rows = np.setdiff1d(rows, held_rows, assume_unique=True)
    by_group: dict[int, list[Doc]] = {}
    doc_rows = zip(
        rows.tolist(),
        dkind[rows].tolist(),
        dcur[rows].tolist(),
        dopen[rows].tolist(),
        ints(docs.issued)[rows].tolist(),
        drate[rows].tolist(),
        dok[rows].tolist(),
        drk[rows].tolist(),
        strict=True,
    )
    for doc, key in zip(doc_rows, dg[rows].tolist(), strict=True):
        by_group.setdefault(key, []).append(doc)
    residual: dict[int, tuple[bool, list[Line]]] = {}
    for key, lines in groups.items():
        found = by_group.pop(key, None)
        refund = key >= n_keys
        if found:
            settle_group(ctx, key, refund, lines, found)
        elif any(CLASS_OF[ln[2]] <= R for ln in lines):
            residual[key] = (refund, lines)
        else:
            settle_group(ctx, key, refund, lines, [])
    unkeyed: list[Line] = []
    for line in line_tuples(np.flatnonzero(active & (g < 0))):
        if CLASS_OF[line[2]] <= R:
            unkeyed.append(line)
        else:
            account_line(ctx, line)
    free = [(key, doc) for key, found in by_group.items() for doc in found]
    settle_residuals(ctx, residual, unkeyed, free)
