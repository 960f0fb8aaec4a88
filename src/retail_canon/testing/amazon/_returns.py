"""FBA customer returns and refunds for `AmazonFake`, seeded from canonical returns.

`ReturnsRoutes.add_returns` renders each `ReturnAuthorization` as rows of the FBA
customer returns report (one per line; the report type is defined on the fake, its rows
filtered by the request's ``dataStartTime``) and, if it has a refund, a Finances v0
``RefundEvent``. Only what Amazon can carry round-trips: ``rma_id`` must be
``<sales_order_id>-RETURN``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from retail_canon.connectors.amazon._returns import RETURNS_REPORT
from retail_canon.models import Disposition, ReturnAuthorization
from retail_canon.testing.amazon._render import iso

if TYPE_CHECKING:
    from retail_canon.testing.amazon._fake import AmazonFake

__all__ = ["RETURNS_HEADER", "ReturnsRoutes"]

RETURNS_HEADER = (
    "return-date",
    "order-id",
    "sku",
    "asin",
    "fnsku",
    "product-name",
    "quantity",
    "fulfillment-center-id",
    "detailed-disposition",
    "reason",
    "status",
    "license-plate-number",
    "customer-comments",
)
_DISPOSITIONS = {
    Disposition.SELLABLE: "SELLABLE",
    Disposition.DEFECTIVE: "DEFECTIVE",
    Disposition.CUSTOMER_DAMAGED: "CUSTOMER_DAMAGED",
    Disposition.CARRIER_DAMAGED: "CARRIER_DAMAGED",
    Disposition.FULFILLER_DAMAGED: "WAREHOUSE_DAMAGED",
}


def _m0(amount: Any, currency: str) -> dict[str, Any]:
    return {"CurrencyCode": currency, "CurrencyAmount": amount}


def refund_event(ra: ReturnAuthorization) -> dict[str, Any] | None:
    """The ``RefundEvent`` of a canonical return's refund (amounts negative, as Amazon)."""
    refund = ra.refund
    if refund is None:
        return None
    currency = refund.item_amount.currency
    charges = [
        {"ChargeType": "Principal", "ChargeAmount": _m0(-refund.item_amount.amount, currency)}
    ]
    for kind, money in (("Tax", refund.tax_amount), ("ShippingCharge", refund.shipping_amount)):
        if money is not None:
            charges.append({"ChargeType": kind, "ChargeAmount": _m0(-money.amount, currency)})
    if refund.restocking_fee is not None:
        charges.append(
            {
                "ChargeType": "RestockingFee",
                "ChargeAmount": _m0(refund.restocking_fee.amount, currency),
            }
        )
    first = ra.lines[0]
    item_id = first.sales_order_line_id.removeprefix(f"{ra.sales_order_id}-")
    return {
        "AmazonOrderId": ra.sales_order_id,
        "PostedDate": iso(refund.issued_at or ra.requested_at),
        "ShipmentItemAdjustmentList": [
            {
                "SellerSKU": first.sku,
                "OrderItemId": item_id,
                "OrderAdjustmentItemId": f"ADJ-{ra.rma_id}",
                "QuantityShipped": int(first.quantity_authorized.value),
                "ItemChargeAdjustmentList": charges,
            }
        ],
    }


class ReturnsRoutes:
    """The returns of `AmazonFake` (a mixin): report rows plus refund events."""

    return_rows: list[dict[str, str]]

    def returns_report(self, request: Mapping[str, Any]) -> bytes:
        """The FBA customer returns report for a ``createReport`` body."""
        since = str(request.get("dataStartTime") or "")
        rows = [r for r in self.return_rows if not since or r["return-date"] >= since[:19]]
        lines = ["\t".join(RETURNS_HEADER)]
        lines += ["\t".join(row.get(c, "") for c in RETURNS_HEADER) for row in rows]
        return ("\n".join(lines) + "\n").encode()

    def add_returns(self, returns: Iterable[ReturnAuthorization]) -> None:
        """Store canonical returns as report rows and refund events."""
        fake = cast("AmazonFake", self)
        if RETURNS_REPORT not in fake.report_types:
            fake.define_report(RETURNS_REPORT, self.returns_report)
        for ra in returns:
            for line in ra.lines:
                self.return_rows.append(
                    {
                        "return-date": (iso(ra.received_at or ra.requested_at) or "")[:19]
                        + "+00:00",
                        "order-id": ra.sales_order_id,
                        "sku": line.sku,
                        "quantity": str(int(line.quantity_authorized.value)),
                        "detailed-disposition": _DISPOSITIONS.get(line.disposition, "")
                        if line.disposition
                        else "",
                        "reason": line.source_reason or "",
                        "status": ra.source_status or "Unit returned to inventory",
                    }
                )
            event = refund_event(ra)
            if event is not None:
                fake.financial_events.append(("", "RefundEventList", event))
