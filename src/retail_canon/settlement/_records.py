"""The rows of a `MatchResult`: matches, variances, exceptions, open items, FX, journal."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from retail_canon.models import AmountType, Money
from retail_canon.normalize.money import ExchangeRate
from retail_canon.settlement._types import DocumentKind, MatchRule, ReasonCode

__all__ = [
    "FxDifference",
    "JournalLine",
    "Match",
    "OpenItem",
    "SettlementException",
    "SettlementSummary",
    "Variance",
    "money",
]


def money(units: int, digits: int, currency: str) -> Money:
    return Money.model_construct(amount=Decimal(units).scaleb(-digits), currency=currency)


@attrs.frozen
class Match:
    """Money matched to ERP documents or to the fee schedule, and the rule that did it."""

    settlement_id: str
    rule: MatchRule
    amount: Money
    """In the settlement's currency, signed as in the settlement."""
    kind: str
    """``order``, ``refund`` or ``unkeyed``."""
    key: str | None
    """The order id or refund id the lines were grouped by."""
    amount_type: AmountType | None = None
    """The fee type, for fee matches."""
    document_ids: tuple[str, ...] = ()


@attrs.frozen
class Variance:
    """Money explained by a reason code: part of the payout, no action needed."""

    settlement_id: str
    reason: ReasonCode
    amount: Money
    kind: str
    key: str | None
    amount_type: AmountType | None = None
    document_ids: tuple[str, ...] = ()
    line_ids: tuple[str, ...] = ()
    detail: str = ""


@attrs.frozen
class SettlementException:
    """Money in a payout that needs someone to act, with the reason."""

    settlement_id: str
    reason: ReasonCode
    amount: Money
    kind: str
    key: str | None
    amount_type: AmountType | None = None
    document_ids: tuple[str, ...] = ()
    line_ids: tuple[str, ...] = ()
    detail: str = ""


@attrs.frozen
class OpenItem:
    """An ERP document (or its remainder) no settlement paid, with the reason."""

    document_id: str
    document_kind: DocumentKind
    reason: ReasonCode
    open_amount: Money
    """What stays open, signed as in the ERP (positive for invoices and credit memos)."""
    settled_amount: Money
    """What the settlements did pay of it."""
    key: str | None
    detail: str = ""


@attrs.frozen
class FxDifference:
    """Realised exchange gain (positive) or loss on money applied to a document."""

    settlement_id: str
    document_id: str
    applied: Money
    """Applied to the document, in the settlement's (and document's) currency."""
    amount: Money
    """In the functional currency: the applied money at the payout's rate minus at the
    document's booking rate."""
    settlement_rate: ExchangeRate
    document_rate: ExchangeRate
    reason: ReasonCode = ReasonCode.FX_DIFFERENCE


@attrs.frozen
class JournalLine:
    """A suggested ERP journal line for one settlement: positive debits, negative credits."""

    settlement_id: str
    account: str
    amount: Money
    memo: str


@attrs.frozen
class SettlementSummary:
    """The figures of one settlement: where its deposit went."""

    settlement_id: str
    deposit: Money
    lines_total: Money
    matched: Money
    variances: Money
    exceptions: Money
    by_reason: Mapping[ReasonCode, Money]
    """Variances and exceptions by reason."""
    matched_value_pct: Decimal
    """Matched money as a share of all money moved (absolute values), in percent."""
    integrity_ok: bool
    notes: tuple[str, ...] = ()
