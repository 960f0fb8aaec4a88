"""SettlementRecord: a marketplace payout batch and the money movements inside it."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from retail_canon.models._base import (
    CanonicalModel,
    Timestamp,
    record_error,
    schema_version_field,
)
from retail_canon.models._money import CurrencyCode, Money
from retail_canon.models._refs import ExternalRef
from retail_canon.models._states import StatefulModel, StateMachine

__all__ = [
    "AmountType",
    "Payout",
    "SettlementLine",
    "SettlementRecord",
    "SettlementStatus",
]


class SettlementStatus(StrEnum):
    """Lifecycle of a payout batch: ``OPEN → CLOSED → PAID | FAILED``."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"
    PAID = "PAID"
    FAILED = "FAILED"
    OTHER = "OTHER"


SETTLEMENT_STATES = StateMachine(
    "SettlementRecord",
    {
        SettlementStatus.OPEN: {SettlementStatus.CLOSED},
        SettlementStatus.CLOSED: {SettlementStatus.PAID, SettlementStatus.FAILED},
    },
    SettlementStatus.OTHER,
)


class AmountType(StrEnum):
    """What a settlement line's money is for."""

    PRINCIPAL = "PRINCIPAL"
    TAX = "TAX"
    TAX_WITHHELD = "TAX_WITHHELD"
    """Tax the marketplace keeps under marketplace-facilitator rules."""
    SHIPPING = "SHIPPING"
    GIFT_WRAP = "GIFT_WRAP"
    PROMOTION = "PROMOTION"
    FEE = "FEE"
    COMMISSION = "COMMISSION"
    FULFILLMENT_FEE = "FULFILLMENT_FEE"
    REFUND = "REFUND"
    CHARGEBACK = "CHARGEBACK"
    RESERVE = "RESERVE"
    ADJUSTMENT = "ADJUSTMENT"
    TRANSFER = "TRANSFER"
    OTHER = "OTHER"


class SettlementLine(CanonicalModel):
    """One money movement in a payout, signed from the seller's point of view."""

    line_id: str = Field(min_length=1)
    amount_type: AmountType
    source_amount_type: str | None = None
    """The marketplace's own type/description, verbatim (e.g. ``FBAPerUnitFulfillmentFee``)."""
    amount: Money
    """Positive when the seller receives money, negative when it pays."""
    posted_at: Timestamp | None = None
    order_id: str | None = None
    sku: str | None = None
    refs: tuple[ExternalRef, ...] = ()
    """Related documents: order, shipment, refund, invoice ids."""


class Payout(CanonicalModel):
    """The bank transfer that pays a settlement out."""

    payout_id: str | None = None
    paid_at: Timestamp | None = None
    trace_id: str | None = None
    """The bank's trace or reference number."""
    account_tail: str | None = Field(default=None, pattern=r"^[0-9A-Za-z]{2,4}$")
    """Last characters of the receiving account; never the full number."""


class SettlementRecord(StatefulModel):
    """A marketplace settlement (payout batch) with its lines.

    ``total`` is what the marketplace says it pays; whether the lines add up to it is for
    the settlement engine to judge and explain, not for the model to refuse.
    """

    SCHEMA_VERSION: ClassVar[str] = "1.0"
    state_machine: ClassVar[StateMachine[SettlementStatus]] = SETTLEMENT_STATES

    schema_version: str = schema_version_field(SCHEMA_VERSION)
    settlement_id: str = Field(min_length=1)
    channel: str = Field(min_length=1)
    marketplace_id: str | None = None
    currency: CurrencyCode
    status: SettlementStatus = SettlementStatus.OPEN
    source_status: str | None = None
    period_start: Timestamp
    period_end: Timestamp | None = None
    opening_balance: Money | None = None
    total: Money
    """The payout amount as the marketplace reports it."""
    payout: Payout | None = None
    lines: tuple[SettlementLine, ...] = ()
    external_refs: tuple[ExternalRef, ...] = ()

    def lines_total(self) -> Money:
        """The sum of the lines, exactly (a zero amount when there are none)."""
        total = Money.zero(self.currency)
        for line in self.lines:
            total = total + line.amount
        return total

    @model_validator(mode="after")
    def _one_currency(self) -> Self:
        amounts: list[tuple[Money, tuple[str | int, ...]]] = [(self.total, ("total",))]
        if self.opening_balance is not None:
            amounts.append((self.opening_balance, ("opening_balance",)))
        amounts += [(line.amount, ("lines", i, "amount")) for i, line in enumerate(self.lines)]
        for money, where in amounts:
            if money.currency != self.currency:
                raise record_error(
                    "SettlementRecord",
                    (*where, "currency"),
                    "currency_mismatch",
                    "currency {found} differs from the settlement's {currency}",
                    found=money.currency,
                    currency=self.currency,
                    input=money.currency,
                )
        if self.period_end is not None and self.period_end < self.period_start:
            raise record_error(
                "SettlementRecord",
                ("period_end",),
                "period_order",
                "the period ends before it starts ({start})",
                start=self.period_start.isoformat(),
            )
        return self
