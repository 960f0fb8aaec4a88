"""V2 settlement file rows → `SettlementLine` and `SettlementRecord`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retail_canon.connectors.amazon.mapping._orders import CHANNEL
from retail_canon.connectors.amazon.settlement import SettlementRow, SettlementSummary
from retail_canon.models import (
    AmountType,
    ExternalRef,
    Money,
    Payout,
    SettlementLine,
    SettlementRecord,
    SettlementStatus,
)
from retail_canon.normalize.dates import parse_timestamp

__all__ = ["settlement_line", "settlement_record"]

_AMOUNT_TYPES = {
    "Principal": AmountType.PRINCIPAL,
    "Shipping": AmountType.SHIPPING,
    "Tax": AmountType.TAX,
    "ShippingTax": AmountType.TAX,
    "GiftWrap": AmountType.GIFT_WRAP,
    "GiftWrapTax": AmountType.TAX,
    "Commission": AmountType.COMMISSION,
    "RefundCommission": AmountType.COMMISSION,
    "Previous Reserve Amount Balance": AmountType.RESERVE,
    "Current Reserve Amount": AmountType.RESERVE,
}
_AMOUNT_KINDS = {
    "ItemWithheldTax": AmountType.TAX_WITHHELD,
    "Promotion": AmountType.PROMOTION,
    "ItemFees": AmountType.FEE,
    "ShipmentFees": AmountType.FEE,
}


def _amount_type(row: SettlementRow) -> AmountType:
    description = row.amount_description
    if description.startswith("MarketplaceFacilitator") or row.amount_type == "ItemWithheldTax":
        return AmountType.TAX_WITHHELD
    if description.startswith("FBA") and "Fee" in description:
        return AmountType.FULFILLMENT_FEE
    if row.transaction_type.startswith("Chargeback"):
        return AmountType.CHARGEBACK
    if row.transaction_type == "Transfer":
        return AmountType.TRANSFER
    found = _AMOUNT_TYPES.get(description) or _AMOUNT_KINDS.get(row.amount_type)
    if found is not None:
        return found
    return AmountType.ADJUSTMENT if "Adjustment" in row.transaction_type else AmountType.OTHER


def settlement_line(row: SettlementRow, currency: str, *, dayfirst: bool = False) -> SettlementLine:
    """One amount row of a V2 settlement file as a `SettlementLine`."""
    stamp = row.posted_date_time or row.posted_date
    refs = [
        ExternalRef(system=CHANNEL, scheme=scheme, value=value)
        for scheme, value in (
            ("adjustment-id", row.adjustment_id),
            ("shipment-id", row.shipment_id),
            ("order-item-code", row.order_item_code),
            ("promotion-id", row.promotion_id),
        )
        if value
    ]
    return SettlementLine(
        line_id=f"{row.settlement_id}-{row.line_number}",
        amount_type=_amount_type(row),
        source_amount_type=f"{row.transaction_type}/{row.amount_type}/{row.amount_description}",
        amount=Money(amount=row.amount, currency=currency),
        posted_at=None if not stamp else parse_timestamp(stamp, dayfirst=dayfirst, tz="UTC"),
        order_id=row.order_id or None,
        sku=row.sku or None,
        refs=tuple(refs),
    )


def settlement_record(
    summary: SettlementSummary, lines: Sequence[SettlementLine] = (), *, dayfirst: bool = False
) -> SettlementRecord:
    """The summary row of a V2 settlement file (and its lines) as a `SettlementRecord`.

    The file exists once the period is closed: the record is ``CLOSED``, with the deposit
    date as the payout's date.
    """

    def when(text: str) -> Any:
        return parse_timestamp(text, dayfirst=dayfirst, tz="UTC") if text else None

    return SettlementRecord(
        settlement_id=summary.settlement_id,
        channel=CHANNEL,
        currency=summary.currency,
        status=SettlementStatus.CLOSED,
        period_start=when(summary.start),
        period_end=when(summary.end),
        payout=Payout(paid_at=when(summary.deposit_date)),
        total=Money(amount=summary.total, currency=summary.currency),
        lines=tuple(lines),
        external_refs=(
            ExternalRef(system=CHANNEL, scheme="settlement-id", value=summary.settlement_id),
        ),
    )
