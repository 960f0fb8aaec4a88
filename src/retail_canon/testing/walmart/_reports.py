"""Canonical objects as `WalmartFake` stores them: recon report rows and return orders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from retail_canon.models import (
    AmountType,
    ReturnAuthorization,
    ReturnStatus,
    SettlementRecord,
)

__all__ = ["recon_rows", "report_date_of", "return_order"]

_AMOUNT_NAMES = {
    AmountType.PRINCIPAL: ("Sale", "Product Price"),
    AmountType.TAX: ("Sale", "Product tax"),
    AmountType.TAX_WITHHELD: ("Sale", "Product tax withheld"),
    AmountType.SHIPPING: ("Sale", "Shipping Price"),
    AmountType.GIFT_WRAP: ("Sale", "Gift Wrap Price"),
    AmountType.COMMISSION: ("Sale", "Commission on Product"),
    AmountType.FEE: ("Sale", "Fee/Reimbursement"),
    AmountType.FULFILLMENT_FEE: ("Sale", "WFS Fulfillment fee"),
    AmountType.REFUND: ("Refund", "Product Price"),
    AmountType.CHARGEBACK: ("Dispute Settlement", "Product Price"),
    AmountType.ADJUSTMENT: ("Adjustment", "Adjustment"),
    AmountType.RESERVE: ("Adjustment", "Reserve"),
}


def _mdy(value: datetime | date | None) -> str:
    if value is None:
        return ""
    return f"{value.month}/{value.day}/{value.year}"


def report_date_of(record: SettlementRecord) -> str:
    """The ``MMDDYYYY`` report date of a settlement.

    From a ``walmart-recon-YYYYMMDD`` id, else the payout date, else the period's end.
    """
    tail = record.settlement_id.rsplit("-", 1)[-1]
    if record.settlement_id.startswith("walmart-recon-") and len(tail) == 8 and tail.isdigit():
        return f"{tail[4:6]}{tail[6:8]}{tail[:4]}"
    when = (record.payout.paid_at if record.payout else None) or record.period_end
    when = when or record.period_start
    return f"{when.month:02d}{when.day:02d}{when.year:04d}"


def recon_rows(record: SettlementRecord) -> list[dict[str, str]]:
    """A settlement as ``reconFileJson`` rows: the ``PaymentSummary`` row, then one per line."""
    paid = record.payout.paid_at if record.payout else None
    rows = [
        {
            "Period Start Date": _mdy(record.period_start),
            "Period End Date": _mdy(record.period_end),
            "Currency": record.currency,
            "Transaction Type": "PaymentSummary",
            "Total Payable": str(record.total.amount),
            "Transaction Description": "Deposited in account",
            "Transaction Posted Timestamp": _mdy(paid or record.period_end),
        }
    ]
    for n, line in enumerate(record.lines, start=1):
        transaction, kind = _AMOUNT_NAMES.get(line.amount_type, ("Adjustment", "Other"))
        refs = {ref.scheme: ref.value for ref in line.refs}
        rows.append(
            {
                "Period Start Date": '""',
                "Transaction Key": refs.get("transaction_key", f"{record.settlement_id}_{n}"),
                "Transaction Posted Timestamp": _mdy(line.posted_at or record.period_start),
                "Transaction Type": transaction,
                "Transaction Description": "Purchase" if transaction == "Sale" else transaction,
                "Customer Order #": refs.get("customer_order_id", ""),
                "Customer Order line #": refs.get("customer_order_line", ""),
                "Purchase Order #": line.order_id or "",
                "Purchase Order line #": refs.get("purchase_order_line", ""),
                "Amount": str(line.amount.amount),
                "Amount Type": kind,
                "Ship Qty": "1",
                "Partner Item Id": line.sku or "",
                "Currency": line.amount.currency,
            }
        )
    return rows


_EVENT = {
    ReturnStatus.REQUESTED: ("INITIATED", "RETURN_INITIATED"),
    ReturnStatus.AUTHORIZED: ("INITIATED", "RETURN_INITIATED"),
    ReturnStatus.IN_TRANSIT: ("INITIATED", "RETURN_IN_TRANSIT"),
    ReturnStatus.RECEIVED: ("DELIVERED", "DELIVERED_AT_RETURN_CENTER"),
    ReturnStatus.CLOSED: ("COMPLETED", "REFUND_ISSUED"),
    ReturnStatus.CANCELLED: ("COMPLETED", "RETURN_CANCELLED"),
}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _number(value: Decimal) -> float | int:
    """A JSON number whose text is the decimal's (Walmart sends amounts as numbers)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"currencyAmount": _number(amount), "currencyUnit": currency}


def return_order(rma: ReturnAuthorization) -> dict[str, Any]:
    """A `ReturnAuthorization` as a ``GET /v3/returns`` return order."""
    return_order_id = rma.rma_id.removeprefix("walmart-")
    status, tag = _EVENT.get(rma.status, ("INITIATED", "RETURN_INITIATED"))
    changed = rma.closed_at or rma.received_at or rma.authorized_at or rma.requested_at
    po = rma.sales_order_id.removeprefix("walmart-")
    currency = rma.refund.item_amount.currency if rma.refund else "USD"
    per_line = (
        rma.refund.item_amount.amount / len(rma.lines) if rma.refund else Decimal(0)
    ).quantize(Decimal("0.01"))
    lines = []
    for n, line in enumerate(rma.lines, start=1):
        number = line.sales_order_line_id.rsplit("-", 1)[-1]
        lines.append(
            {
                "returnOrderLineNumber": n,
                "salesOrderLineNumber": int(number) if number.isdigit() else n,
                "purchaseOrderId": po,
                "purchaseOrderLineNumber": number,
                "returnReason": line.source_reason or "NO_LONGER_WANTED",
                "item": {"sku": line.sku, "productName": line.sku},
                "quantity": {
                    "unitOfMeasure": "EACH",
                    "measurementValue": _number(line.quantity_authorized.value),
                },
                "chargeTotals": [
                    {"name": "lineSubTotal", "value": _money(per_line, currency)},
                    {"name": "lineTotalTaxes", "value": _money(Decimal(0), currency)},
                ],
                "status": status,
                "statusTime": _iso(changed),
                "currentRefundStatus": "REFUND_COMPLETED" if tag == "REFUND_ISSUED" else None,
                "returnTrackingDetail": [
                    {
                        "sequenceNo": 1,
                        "eventTag": "RETURN_INITIATED",
                        "eventTime": _iso(rma.requested_at),
                    },
                    *(
                        []
                        if tag == "RETURN_INITIATED"
                        else [{"sequenceNo": 2, "eventTag": tag, "eventTime": _iso(changed)}]
                    ),
                ],
            }
        )
    return {
        "returnOrderId": return_order_id,
        "customerEmailId": "relay@relay.walmart.com",
        "customerOrderId": f"C{po}",
        "returnOrderDate": _iso(rma.requested_at),
        "returnByDate": _iso(rma.requested_at),
        "refundMode": "DELAYED",
        "totalRefundAmount": _money(per_line * len(rma.lines), currency),
        "returnOrderLines": lines,
    }
