"""The pure-Python engine: every group goes through the general classifier.

It is the reference: the numpy engine must give the same result on every input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retail_canon.settlement._classify import account_line, settle_group
from retail_canon.settlement._context import (
    CLASS_OF,
    CREDIT_MEMO,
    REFUND_TYPE,
    RESERVE_TYPE,
    Context,
    Doc,
    Line,
    R,
)
from retail_canon.settlement._errors import (
    MissingAmountType,
    SettlementInputError,
    UnknownDocumentKind,
)
from retail_canon.settlement._integrity import check_integrity
from retail_canon.settlement._residual import settle_residuals
from retail_canon.settlement._types import AMOUNT_TYPES, DOCUMENT_KINDS

__all__ = ["check_codes", "run"]


def _list(column: Sequence[Any]) -> list[Any]:
    tolist = getattr(column, "tolist", None)
    return list(tolist()) if tolist is not None else list(column)


def check_codes(
    name: str, low: int, high: int, lowest: int, size: int, error: type[SettlementInputError]
) -> None:
    """Refuse codes outside ``[lowest, size)``, naming the column."""
    if size and (low < lowest or high >= size):
        bad = low if low < lowest else high
        msg = f"column {name} holds {bad}, outside {lowest}..{size - 1}"
        raise error(msg)


def run(ctx: Context) -> None:
    """Match everything in ``ctx`` with plain Python."""
    table = ctx.table
    settlement = _list(table.settlement)
    atype = _list(table.amount_type)
    amount = _list(table.amount)
    okey = _list(table.order_key)
    akey = _list(table.refund_key)
    posted = _list(table.posted)
    source = _list(table.source_type) if len(table.source_type) else [-1] * len(settlement)
    n = len(settlement)
    if n:
        check_codes(
            "settlement",
            min(settlement),
            max(settlement),
            0,
            ctx.n_settlements,
            SettlementInputError,
        )
        check_codes("amount_type", min(atype), max(atype), 0, len(AMOUNT_TYPES), MissingAmountType)
        check_codes("order_key", min(okey), max(okey), -1, len(table.keys), SettlementInputError)
        check_codes("refund_key", min(akey), max(akey), -1, len(table.keys), SettlementInputError)
    if ctx.resolver is not None:
        pairs = list(zip(settlement, okey, strict=True))
        ctx.resolve_keys(ctx.resolver, sorted({(s, k) for s, k in pairs if k >= 0}))
        resolved = ctx.resolved
        okey = [resolved.get((s, k), k) if k >= 0 else k for s, k in pairs]
    n_keys = ctx.n_keys
    groups_all = [
        n_keys + a if a >= 0 else (2 * n_keys + o if t == REFUND_TYPE and o >= 0 else o)
        for t, o, a in zip(atype, okey, akey, strict=True)
    ]
    totals = [0] * ctx.n_settlements
    hold = [0] * ctx.n_settlements
    release = [0] * ctx.n_settlements
    for s, t, u in zip(settlement, atype, amount, strict=True):
        totals[s] += u
        if t == RESERVE_TYPE:
            if u < 0:
                hold[s] += u
            else:
                release[s] += u
    check_integrity(
        ctx,
        totals,
        hold,
        release,
        lambda s: tuple(i for i, x in enumerate(settlement) if x == s),
        lambda s: {g for g, x in zip(groups_all, settlement, strict=True) if x == s and g >= 0},
    )
    excluded = ctx.excluded
    groups: dict[int, list[Line]] = {}
    unkeyed: list[Line] = []
    account: list[Line] = []
    for row in range(n):
        s = settlement[row]
        if s in excluded:
            continue
        line = (row, s, atype[row], amount[row], posted[row], source[row], okey[row])
        g = groups_all[row]
        if g >= 0:
            members = groups.get(g)
            if members is None:
                groups[g] = [line]
            else:
                members.append(line)
        elif CLASS_OF[line[2]] <= R:
            unkeyed.append(line)
        else:
            account.append(line)
    by_group = _documents(ctx)
    residual: dict[int, tuple[bool, list[Line]]] = {}
    for g, lines in groups.items():
        found = by_group.pop(g, None)
        refund = g >= n_keys
        if found:
            settle_group(ctx, g, refund, lines, found)
        elif any(CLASS_OF[ln[2]] <= R for ln in lines):
            residual[g] = (refund, lines)
        else:
            settle_group(ctx, g, refund, lines, [])
    for line in account:
        account_line(ctx, line)
    free = [(g, doc) for g, found in by_group.items() for doc in found]
    settle_residuals(ctx, residual, unkeyed, free)


def _documents(ctx: Context) -> dict[int, list[Doc]]:
    """Documents by group id (``-1``: documents without a key)."""
    docs = ctx.docs
    kind = _list(docs.kind)
    currency = _list(docs.currency)
    open_units = _list(docs.open_amount)
    okey = _list(docs.order_key)
    rkey = _list(docs.refund_key)
    issued = _list(docs.issued)
    rate = _list(docs.rate) if len(docs.rate) else [-1] * len(kind)
    if kind:
        check_codes("kind", min(kind), max(kind), 0, len(DOCUMENT_KINDS), UnknownDocumentKind)
        check_codes(
            "currency", min(currency), max(currency), 0, len(docs.currencies), SettlementInputError
        )
        check_codes("rate", min(rate), max(rate), -1, len(docs.rates), SettlementInputError)
        check_codes("order_key", min(okey), max(okey), -1, len(docs.keys), SettlementInputError)
        check_codes("refund_key", min(rkey), max(rkey), -1, len(docs.keys), SettlementInputError)
    mapping = ctx.doc_key_map
    if mapping is not None:
        okey = [mapping[k] if k >= 0 else k for k in okey]
        rkey = [mapping[k] if k >= 0 else k for k in rkey]
    n_keys = ctx.n_keys
    out: dict[int, list[Doc]] = {}
    for i, k in enumerate(kind):
        o, r = okey[i], rkey[i]
        g = o
        if k == CREDIT_MEMO:
            g = n_keys + r if r >= 0 else (2 * n_keys + o if o >= 0 else -1)
        doc = (i, k, currency[i], open_units[i], issued[i], rate[i], o, r)
        out.setdefault(g, []).append(doc)
    return out
