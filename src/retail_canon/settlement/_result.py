"""`MatchResult`: what `match` returns, built lazily from the run's ledger and chunks."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any

from retail_canon.settlement._context import (
    CODES,
    CREDIT_MEMO,
    EXCEPTION,
    MATCH,
    VARIANCE,
    Context,
    Entry,
    EntryChunk,
)
from retail_canon.settlement._errors import ConservationError
from retail_canon.settlement._records import (
    FxDifference,
    JournalLine,
    Match,
    OpenItem,
    SettlementException,
    SettlementSummary,
    Variance,
    money,
)
from retail_canon.settlement._types import AMOUNT_TYPES, DOCUMENT_KINDS, MatchRule, ReasonCode

__all__ = ["MatchResult"]


_POSTINGS: dict[int, str] = {
    CODES.index(ReasonCode.FEE_DRIFT): "FEE_DRIFT",
    CODES.index(ReasonCode.TAX_WITHHELD): "TAX_WITHHELD",
    CODES.index(ReasonCode.ACCOUNT_FEE): "ACCOUNT_FEE",
    CODES.index(ReasonCode.CHARGEBACK): "CHARGEBACK",
    CODES.index(ReasonCode.REIMBURSEMENT): "REIMBURSEMENT",
    CODES.index(ReasonCode.RESERVE_HOLD): "RESERVE",
    CODES.index(ReasonCode.RESERVE_RELEASE): "RESERVE",
    CODES.index(ReasonCode.TRANSFER): "TRANSFER",
    CODES.index(ReasonCode.ROUNDING): "ROUNDING",
    CODES.index(ReasonCode.WRITE_OFF): "WRITE_OFF",
}
"""Journal posting kind of each variance reason (an account in ``policy.accounts``)."""
_MATCH_FIELDS = ("settlement_id", "code", "amount", "kind", "key", "amount_type", "document_ids")
"""`Match`'s fields, in its constructor's order."""
_ITEM_FIELDS = (*_MATCH_FIELDS, "line_ids", "detail")
"""`Variance`'s and `SettlementException`'s fields, in their constructors' order."""
_FEE_MATCHES = {CODES.index(MatchRule.FEE_SCHEDULE), CODES.index(MatchRule.FEE_AS_POSTED)}


def _list(column: Sequence[int]) -> list[int]:
    tolist = getattr(column, "tolist", None)
    return list(tolist()) if tolist is not None else list(column)


class MatchResult:
    """The outcome of `match`: every cent of every payout, matched or explained.

    Entries are built on first access, so a large batch costs little until it is read.
    Conservation holds per settlement: deposit = Σ matched + Σ variances + Σ exceptions.
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        # Sums by (settlement, kind, code, sign): within a sign, |sum| = sum of |units|.
        totals: dict[tuple[int, int, int, int], int] = {}
        ledger = ctx.ledger
        for s, kind, _, code, _, units, _, _, _ in ledger.entries:
            key = (s, kind, code, int(units > 0))
            totals[key] = totals.get(key, 0) + units
        for chunk in self._chunks:
            for s, kind, code, sign, units in chunk.totals():
                key = (s, kind, code, sign)
                totals[key] = totals.get(key, 0) + units
        self._totals = totals

    @property
    def _chunks(self) -> list[EntryChunk]:
        return self._ctx.chunks

    # -- entries -----------------------------------------------------------------------

    @cached_property
    def _entries(self) -> list[Entry]:
        out: list[Entry] = list(self._ctx.ledger.entries)
        for chunk in self._chunks:
            out.extend(chunk.entries())
        ctx = self._ctx
        rank = ctx.s_rank
        out.sort(
            key=lambda e: (rank[e[0]], e[1], ctx.key_of(e[2]), e[3], e[4], e[5], e[6], e[7], e[8])
        )
        return out

    def _fields(self, entry: Entry) -> dict[str, Any]:
        ctx = self._ctx
        s, _, group, code, atype, units, docs, lines, detail = entry
        kind, key = ctx.key_of(group)
        line_ids = ctx.table.line_id
        doc_ids = ctx.docs.document_id
        return {
            "settlement_id": ctx.s_id[s],
            "amount": money(units, ctx.s_digits[s], ctx.s_currency[s]),
            "kind": kind,
            "key": key,
            "amount_type": None if atype < 0 else AMOUNT_TYPES[atype],
            "document_ids": tuple(str(doc_ids[d]) for d in docs),
            "line_ids": tuple(str(line_ids[r]) for r in lines),
            "detail": detail,
            "code": CODES[code],
        }

    def _built(self, bucket: int, cls: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
        """The entries of one bucket as ``cls`` objects, ``names`` taken from `_fields`."""
        out = []
        for entry in self._entries:
            if entry[1] == bucket:
                f = self._fields(entry)
                out.append(cls(*(f[name] for name in names)))
        return tuple(out)

    @cached_property
    def matches(self) -> tuple[Match, ...]:
        """Money matched, with the rule that matched it, in settlement order."""
        return self._built(MATCH, Match, _MATCH_FIELDS)

    @cached_property
    def variances(self) -> tuple[Variance, ...]:
        """Money explained by a reason code."""
        return self._built(VARIANCE, Variance, _ITEM_FIELDS)

    @cached_property
    def exceptions(self) -> tuple[SettlementException, ...]:
        """Money that needs someone to act, with the reason."""
        return self._built(EXCEPTION, SettlementException, _ITEM_FIELDS)

    @cached_property
    def open_items(self) -> tuple[OpenItem, ...]:
        """ERP documents (or remainders) still open, with the reason, by document."""
        ctx = self._ctx
        docs = ctx.docs
        kinds = docs.kind
        currencies = docs.currency
        items = list(ctx.open_items)
        for doc_col, group_col, code, rest_col in ctx.open_columns:
            items += (
                (d, g, code, r, 0, "")
                for d, g, r in zip(_list(doc_col), _list(group_col), _list(rest_col), strict=True)
            )
        out = []
        for doc, group, code, rest, done, detail in sorted(items, key=lambda o: (o[0], o[2])):
            kind = DOCUMENT_KINDS[int(kinds[doc])]
            orient = -1 if kind == DOCUMENT_KINDS[CREDIT_MEMO] else 1
            currency = ctx.doc_currency[int(currencies[doc])]
            digits = ctx.doc_digits[int(currencies[doc])]
            out.append(
                OpenItem(
                    document_id=str(docs.document_id[doc]),
                    document_kind=kind,
                    reason=ReasonCode(CODES[code]),
                    open_amount=money(orient * rest, digits, currency),
                    settled_amount=money(orient * done, digits, currency),
                    key=ctx.key_of(group)[1],
                    detail=detail,
                )
            )
        return tuple(out)

    @cached_property
    def fx_differences(self) -> tuple[FxDifference, ...]:
        """Realised FX per settlement and document (needs ``functional_currency`` and rates)."""
        ctx = self._ctx
        functional = ctx.policy.functional_currency
        if functional is None or ctx.functional_digits is None:
            return ()
        docs = ctx.docs
        rows = list(ctx.fx)
        for columns in ctx.fx_columns:
            rows += zip(
                *(list(getattr(c, "tolist", lambda c=c: c)()) for c in columns), strict=True
            )
        out = []
        for s, doc, applied, fx in sorted(rows, key=lambda r: (ctx.s_rank[r[0]], r[1])):
            rate = ctx.s_rate[s]
            assert rate is not None
            out.append(
                FxDifference(
                    settlement_id=ctx.s_id[s],
                    document_id=str(docs.document_id[doc]),
                    applied=money(applied, ctx.s_digits[s], ctx.s_currency[s]),
                    amount=money(fx, ctx.functional_digits, functional),
                    settlement_rate=rate,
                    document_rate=docs.rates[int(docs.rate[doc])],
                )
            )
        return tuple(out)

    # -- figures -----------------------------------------------------------------------

    def _sum(self, s: int, kind: int) -> int:
        return sum(u for (t, k, _, _), u in self._totals.items() if t == s and k == kind)

    @cached_property
    def settlements(self) -> tuple[SettlementSummary, ...]:
        """One summary per settlement, in input order."""
        ctx = self._ctx
        out = []
        for s in range(ctx.n_settlements):
            digits, currency = ctx.s_digits[s], ctx.s_currency[s]
            by_reason: dict[ReasonCode, int] = {}
            moved = matched_moved = 0
            for (t, kind, code, _), units in self._totals.items():
                if t != s:
                    continue
                moved += abs(units)
                if kind == MATCH:
                    matched_moved += abs(units)
                else:
                    reason = ReasonCode(CODES[code])
                    by_reason[reason] = by_reason.get(reason, 0) + units
            matched = self._sum(s, MATCH)
            pct = Decimal(100) if moved == 0 else Decimal(100 * matched_moved) / moved
            pct = pct.quantize(Decimal("0.01"))
            out.append(
                SettlementSummary(
                    settlement_id=ctx.s_id[s],
                    deposit=money(ctx.s_total[s], digits, currency),
                    lines_total=money(ctx.lines_total[s], digits, currency),
                    matched=money(matched, digits, currency),
                    variances=money(self._sum(s, VARIANCE), digits, currency),
                    exceptions=money(self._sum(s, EXCEPTION), digits, currency),
                    by_reason={r: money(u, digits, currency) for r, u in sorted(by_reason.items())},
                    matched_value_pct=pct,
                    integrity_ok=not ctx.notes[s],
                    notes=tuple(ctx.notes[s]),
                )
            )
        return tuple(out)

    def check_conservation(self) -> None:
        """Raise `ConservationError` unless every deposit is fully accounted for.

        With ``integrity="off"`` the lines' total stands in for the deposit.
        """
        ctx = self._ctx
        booked_by = [0] * ctx.n_settlements
        for (t, _, _, _), units in self._totals.items():
            booked_by[t] += units
        for s in range(ctx.n_settlements):
            expected = ctx.lines_total[s] if ctx.policy.integrity == "off" else ctx.s_total[s]
            booked = booked_by[s]
            if booked != expected:
                msg = f"settlement {ctx.s_id[s]}: {booked} minor units booked, {expected} deposited"
                raise ConservationError(msg)

    @cached_property
    def journal_lines(self) -> tuple[JournalLine, ...]:
        """Suggested journal per settlement: fees, withheld tax, reserve, ... and clearing."""
        ctx = self._ctx
        accounts = ctx.policy.accounts
        out = []
        fee_totals: dict[tuple[int, int], int] = {}
        for entry in self._entries:
            s, kind, _, code, atype, units = entry[:6]
            if kind == MATCH and code in _FEE_MATCHES:
                fee_totals[(s, atype)] = fee_totals.get((s, atype), 0) + units
        for s in range(ctx.n_settlements):
            digits, currency = ctx.s_digits[s], ctx.s_currency[s]
            postings: dict[str, int] = {}
            for (t, atype), units in fee_totals.items():
                if t == s:
                    name = AMOUNT_TYPES[atype].value
                    postings[name] = postings.get(name, 0) + units
            for (t, kind, code, _), units in self._totals.items():
                if t == s and kind == VARIANCE and code in _POSTINGS:
                    postings[_POSTINGS[code]] = postings.get(_POSTINGS[code], 0) + units
            lines = [(name, -units) for name, units in sorted(postings.items()) if units]
            if not lines:
                continue
            lines.append(("CLEARING", -sum(u for _, u in lines)))
            for name, units in lines:
                memo = f"settlement {ctx.s_id[s]}: {name.lower().replace('_', ' ')}"
                out.append(
                    JournalLine(ctx.s_id[s], accounts[name], money(units, digits, currency), memo)
                )
        return tuple(out)

    # -- export ------------------------------------------------------------------------

    def to_rows(self) -> list[dict[str, Any]]:
        """One flat dict per match, variance, exception, open item and FX difference.

        The same keys in every row, so ``pandas.DataFrame(result.to_rows())`` or
        ``polars.DataFrame(...)`` builds a table; amounts stay exact `Decimal`.
        """
        rows: list[dict[str, Any]] = []
        for record, items in (
            ("match", self.matches),
            ("variance", self.variances),
            ("exception", self.exceptions),
        ):
            for item in items:
                rows.append(
                    {
                        "record": record,
                        "settlement_id": item.settlement_id,
                        "document_id": ",".join(item.document_ids),
                        "code": str(item.rule if isinstance(item, Match) else item.reason),
                        "kind": item.kind,
                        "key": item.key,
                        "amount_type": None if item.amount_type is None else str(item.amount_type),
                        "amount": item.amount.amount,
                        "currency": item.amount.currency,
                        "line_ids": "" if isinstance(item, Match) else ",".join(item.line_ids),
                        "detail": "" if isinstance(item, Match) else item.detail,
                    }
                )
        for open_item in self.open_items:
            rows.append(
                {
                    "record": "open_item",
                    "settlement_id": None,
                    "document_id": open_item.document_id,
                    "code": str(open_item.reason),
                    "kind": str(open_item.document_kind),
                    "key": open_item.key,
                    "amount_type": None,
                    "amount": open_item.open_amount.amount,
                    "currency": open_item.open_amount.currency,
                    "line_ids": "",
                    "detail": open_item.detail,
                }
            )
        for fx in self.fx_differences:
            rows.append(
                {
                    "record": "fx",
                    "settlement_id": fx.settlement_id,
                    "document_id": fx.document_id,
                    "code": str(fx.reason),
                    "kind": "order",
                    "key": None,
                    "amount_type": None,
                    "amount": fx.amount.amount,
                    "currency": fx.amount.currency,
                    "line_ids": "",
                    "detail": (
                        f"{fx.applied.amount} {fx.applied.currency}: "
                        f"{fx.settlement_rate} vs {fx.document_rate}"
                    ),
                }
            )
        return rows

    def _repr_html_(self) -> str:
        from retail_canon.settlement._html import render

        return render(self)

    def __repr__(self) -> str:
        ctx = self._ctx
        return (
            f"<MatchResult: {ctx.n_settlements} settlements, {len(ctx.table)} lines, "
            f"{len(ctx.docs)} documents>"
        )
