"""Settle one key group: receivables against documents, fees against the schedule.

This is the general classifier every group can go through; the numpy engine sends only
the groups its vectorised fast path cannot prove clean. The outcome of a group:

- receivable lines (principal, tax, shipping, gift wrap, promotion, refund) against the
  documents' open amounts: exact, within the rounding bound (``ROUNDING``), within the
  tolerance (``WRITE_OFF``), over-settled (identical lines that explain the excess are
  ``DUPLICATE``; otherwise ``UNMATCHED`` / ``REFUND_AMOUNT_MISMATCH``) or short (the
  documents stay open: ``PARTIAL_SETTLEMENT`` / ``REFUND_AMOUNT_MISMATCH``);
- each fee class against its rule (``FEE_DRIFT`` beyond tolerance, unless identical fee
  lines explain it) or as posted;
- withheld tax and chargebacks as variances; anything else line by line.
"""

from __future__ import annotations

from collections.abc import Sequence

from retail_canon.settlement._arith import convert_units, half_up
from retail_canon.settlement._context import (
    ADJ,
    CB,
    CLASS_OF,
    CODE,
    COM,
    CREDIT_MEMO,
    EXCEPTION,
    FEE,
    FEE_CLASS_TYPE,
    FEE_CLASSES,
    FUL,
    MATCH,
    OTH,
    RES,
    TRF,
    VARIANCE,
    WH,
    Context,
    Doc,
    Line,
    P,
    R,
)
from retail_canon.settlement._duplicates import duplicates, mark_duplicates
from retail_canon.settlement._types import MatchRule, ReasonCode

__all__ = ["account_line", "fx_row", "settle_group", "unsettled_documents"]

EXACT, ROUNDING, WRITE_OFF, OVER, SHORT = range(5)  # the first three settle a group


def _judge(
    ctx: Context, total: int, expected: int, lines: int, refund: bool, digits: int
) -> tuple[int, int]:
    """(status, difference) of ``total`` settled against ``expected``."""
    diff = total - expected
    if diff == 0:
        return EXACT, 0
    if abs(diff) <= ctx.rounding_bound(lines):
        return ROUNDING, diff
    if ctx.group_tolerance(refund, digits).accepts(diff, expected):
        return WRITE_OFF, diff
    orient = -1 if refund else 1
    return (OVER if orient * diff > 0 else SHORT), diff


def _parts(ctx: Context, lines: Sequence[Line]) -> list[tuple[int, int]]:
    """(settlement, sum) per settlement, in settlement order."""
    if not lines:
        return []
    first = lines[0][1]
    total = 0
    for line in lines:
        if line[1] != first:
            break
        total += line[3]
    else:
        return [(first, total)]
    sums: dict[int, int] = {}
    for line in lines:
        sums[line[1]] = sums.get(line[1], 0) + line[3]
    rank = ctx.s_rank
    return sorted(sums.items(), key=lambda item: rank[item[0]])


def _rule(parts: int, docs: int) -> MatchRule:
    if parts <= 1:
        return MatchRule.KEY if docs <= 1 else MatchRule.KEY_SPLIT_DOCUMENTS
    return MatchRule.KEY_SPLIT_SETTLEMENTS if docs <= 1 else MatchRule.KEY_MANY_TO_MANY


def settle_group(
    ctx: Context,
    group: int,
    refund: bool,
    lines: Sequence[Line],
    docs: Sequence[Doc],
    rule: MatchRule | None = None,
) -> None:
    """Book every line of a group (one currency) against ``docs`` (possibly none)."""
    s_currency, doc_currency = ctx.s_currency, ctx.doc_currency
    currency = s_currency[lines[0][1]]
    if any(s_currency[ln[1]] != currency for ln in lines):
        for each in sorted({s_currency[ln[1]] for ln in lines}):
            settle_group(
                ctx,
                group,
                refund,
                [ln for ln in lines if s_currency[ln[1]] == each],
                [d for d in docs if doc_currency[d[2]] == each],
                rule,
            )
        return
    usable = docs
    if any(doc_currency[d[2]] != currency for d in docs):
        usable = [d for d in docs if doc_currency[d[2]] == currency]
        for doc in docs:
            if doc_currency[doc[2]] != currency:
                detail = f"document in {doc_currency[doc[2]]}, its key settled in {currency}"
                _open_item(
                    ctx, doc, group, ReasonCode.UNMATCHED, doc[3] * _orient(refund), 0, detail
                )
    recv: list[Line] = []
    fees: dict[int, list[Line]] = {}
    per_part: dict[tuple[int, int], int] = {}
    others: list[Line] = []
    principal = 0
    for line in lines:
        cls = CLASS_OF[line[2]]
        if cls <= R:
            recv.append(line)
            if cls == P:
                principal += line[3]
        elif cls in FEE_CLASSES:
            members = fees.get(cls)
            if members is None:
                fees[cls] = [line]
            else:
                members.append(line)
        elif cls in (WH, CB):
            key = (cls, line[1])
            per_part[key] = per_part.get(key, 0) + line[3]
        else:
            others.append(line)
    if usable:
        kept = _receivables(ctx, group, refund, recv, usable, rule)
        if len(kept) != len(recv):
            principal = sum(ln[3] for ln in kept if CLASS_OF[ln[2]] == P)
    elif recv:
        reason = ReasonCode.REFUND_MISSING_IN_ERP if refund else ReasonCode.UNMATCHED
        for s, units in _parts(ctx, recv):
            rows = tuple(ln[0] for ln in recv if ln[1] == s)
            ctx.ledger.add(EXCEPTION, reason, s, units, group=group, lines=rows)
    for cls in FEE_CLASSES:
        if cls in fees:
            _fees(ctx, group, cls, fees[cls], principal)
    if len(per_part) > 1:
        per_part = dict(sorted(per_part.items(), key=lambda kv: (ctx.s_rank[kv[0][1]], kv[0])))
    for (cls, s), units in per_part.items():
        reason = ReasonCode.TAX_WITHHELD if cls == WH else ReasonCode.CHARGEBACK
        ctx.ledger.add(VARIANCE, reason, s, units, group=group)
    for line in others:
        account_line(ctx, line, group)


def _orient(refund: bool) -> int:
    return -1 if refund else 1


def _receivables(
    ctx: Context,
    group: int,
    refund: bool,
    recv: list[Line],
    docs: Sequence[Doc],
    rule: MatchRule | None,
) -> list[Line]:
    """Book receivable lines against documents; returns the lines kept (not duplicates)."""
    orient = _orient(refund)
    digits = ctx.doc_digits[docs[0][2]]
    expected = orient * sum(d[3] for d in docs)
    total = sum(ln[3] for ln in recv)
    if recv:
        status, diff = _judge(ctx, total, expected, len(recv), refund, digits)
    else:
        status, diff = (EXACT, 0) if expected == 0 else (SHORT, -expected)
    if status == OVER:

        def explained(kept: list[Line]) -> bool:
            total = sum(ln[3] for ln in kept)
            return _judge(ctx, total, expected, len(kept), refund, digits)[0] <= WRITE_OFF

        found = duplicates(recv, explained)
        if found is not None:
            mark_duplicates(ctx, group, found[1])
            recv = found[0]
            total = sum(ln[3] for ln in recv)
            status, diff = _judge(ctx, total, expected, len(recv), refund, digits)
    parts = _parts(ctx, recv)
    doc_ids = tuple(sorted(d[0] for d in docs))
    how = rule or _rule(len(parts), len(docs))
    adjust = diff if status in (ROUNDING, WRITE_OFF, OVER) else 0
    matched: list[tuple[int, int]] = []
    for i, (s, units) in enumerate(parts):
        amount = units - (adjust if i == len(parts) - 1 else 0)
        matched.append((s, amount))
        ctx.ledger.add(MATCH, how, s, amount, group=group, docs=doc_ids)
    if adjust:
        last = parts[-1][0]
        if status == OVER:
            reason = ReasonCode.REFUND_AMOUNT_MISMATCH if refund else ReasonCode.UNMATCHED
            rows = tuple(ln[0] for ln in recv)
            detail = "settled more than the documents' open amount"
            ctx.ledger.add(
                EXCEPTION, reason, last, diff, group=group, docs=doc_ids, lines=rows, detail=detail
            )
        else:
            reason = ReasonCode.ROUNDING if status == ROUNDING else ReasonCode.WRITE_OFF
            ctx.ledger.add(VARIANCE, reason, last, diff, group=group, docs=doc_ids)
    _apply(ctx, group, refund, matched, docs)
    return recv


def _apply(
    ctx: Context,
    group: int,
    refund: bool,
    matched: Sequence[tuple[int, int]],
    docs: Sequence[Doc],
) -> None:
    """Apply matched money to documents oldest first; FX rows; open items for the rest."""
    orient = _orient(refund)
    ordered = sorted(docs, key=lambda d: (d[4], d[0])) if len(docs) > 1 else docs
    remaining = [orient * d[3] for d in ordered]
    for s, amount in matched:
        for i, doc in enumerate(ordered):
            if amount * orient <= 0:
                break
            rest = remaining[i]
            if rest * orient <= 0:
                continue
            take = orient * min(abs(amount), abs(rest))
            remaining[i] -= take
            amount -= take
            fx_row(ctx, s, doc[0], doc[5], take)
    for doc, rest in zip(ordered, remaining, strict=True):
        if rest == 0:
            continue
        done = orient * doc[3] - rest
        if done == 0:
            reason = ctx.unsettled_reason(group, refund, doc[4])
        elif refund:
            reason = ReasonCode.REFUND_AMOUNT_MISMATCH
        else:
            reason = ReasonCode.PARTIAL_SETTLEMENT
        _open_item(ctx, doc, group, reason, rest, done, "")


def _open_item(
    ctx: Context, doc: Doc, group: int, reason: ReasonCode, rest: int, done: int, detail: str
) -> None:
    ctx.open_items.append((doc[0], group, CODE[reason], rest, done, detail))


def fx_row(ctx: Context, s: int, doc: int, rate: int, applied: int) -> None:
    """Record the FX difference of ``applied`` units of settlement ``s`` on a document."""
    settlement_rate = ctx.s_rate[s]
    if ctx.functional_digits is None or settlement_rate is None or rate < 0:
        return
    digits = ctx.s_digits[s]
    now = convert_units(applied, digits, settlement_rate, ctx.functional_digits)
    then = convert_units(applied, digits, ctx.docs.rates[rate], ctx.functional_digits)
    if now != then:
        ctx.fx.append((s, doc, applied, now - then))


def _fees(ctx: Context, group: int, cls: int, lines: list[Line], principal: int) -> None:
    """Book one fee class of a group: against its rule, or as posted."""
    atype = FEE_CLASS_TYPE[cls]
    rule = ctx.fee_rules.get(cls)
    drift = 0
    if rule is not None:
        num, den = rule[0], rule[1]
        digits = ctx.s_digits[lines[0][1]]
        tol = ctx.fee_tolerance(cls, digits)
        expected = half_up(-num * principal, den)
        if principal > 0:
            expected -= ctx.fee_fixed(cls, digits)
        posted = sum(ln[3] for ln in lines)
        drift = posted - expected
        if drift and not tol.accepts(drift, expected):

            def explained(kept: list[Line]) -> bool:
                rest = sum(ln[3] for ln in kept) - expected
                return rest == 0 or tol.accepts(rest, expected)

            found = duplicates(lines, explained)
            if found is not None:
                mark_duplicates(ctx, group, found[1])
                lines = found[0]
                drift = sum(ln[3] for ln in lines) - expected
        if drift and tol.accepts(drift, expected):
            drift = 0
    how = MatchRule.FEE_AS_POSTED if rule is None else MatchRule.FEE_SCHEDULE
    parts = _parts(ctx, lines)
    for i, (s, units) in enumerate(parts):
        amount = units - (drift if i == len(parts) - 1 else 0)
        ctx.ledger.add(MATCH, how, s, amount, group=group, atype=atype)
    if drift:
        ctx.ledger.add(
            VARIANCE, ReasonCode.FEE_DRIFT, parts[-1][0], drift, group=group, atype=atype
        )


_ACCOUNT_REASON = {
    COM: ReasonCode.ACCOUNT_FEE,
    FUL: ReasonCode.ACCOUNT_FEE,
    FEE: ReasonCode.ACCOUNT_FEE,
    ADJ: ReasonCode.REIMBURSEMENT,
    TRF: ReasonCode.TRANSFER,
    CB: ReasonCode.CHARGEBACK,
    WH: ReasonCode.TAX_WITHHELD,
}


def account_line(ctx: Context, line: Line, group: int = -1) -> None:
    """Book a line that is not settled against documents: reserve, account fee, ..."""
    row, s, atype, units = line[0], line[1], line[2], line[3]
    cls = CLASS_OF[atype]
    if cls == RES:
        if units < 0:
            ctx.ledger.add(
                VARIANCE, ReasonCode.RESERVE_HOLD, s, units, group=group, atype=atype, lines=(row,)
            )
        elif ctx.chain_ok[s]:
            ctx.ledger.add(
                VARIANCE,
                ReasonCode.RESERVE_RELEASE,
                s,
                units,
                group=group,
                atype=atype,
                lines=(row,),
            )
        else:
            detail = "; ".join(ctx.notes[s])
            ctx.ledger.add(
                EXCEPTION,
                ReasonCode.PAYOUT_INTEGRITY,
                s,
                units,
                group=group,
                atype=atype,
                lines=(row,),
                detail=detail,
            )
    elif cls == OTH:
        ctx.ledger.add(
            EXCEPTION, ReasonCode.UNCLASSIFIED, s, units, group=group, atype=atype, lines=(row,)
        )
    else:
        ctx.ledger.add(
            VARIANCE, _ACCOUNT_REASON[cls], s, units, group=group, atype=atype, lines=(row,)
        )


def unsettled_documents(ctx: Context, docs: Sequence[tuple[int, Doc]]) -> None:
    """Open items for documents nothing settled: ``(group, document)`` pairs."""
    for group, doc in docs:
        if doc[3] == 0:
            continue
        refund = doc[1] == CREDIT_MEMO
        reason = ctx.unsettled_reason(group, refund, doc[4])
        _open_item(ctx, doc, group, reason, _orient(refund) * doc[3], 0, "")
