"""FBA customer returns report rows and Finances v0 refund events → `ReturnAuthorization`.

One return authorization per Amazon order with returns or refunds in the window
(``rma_id`` ``<order id>-RETURN``): its lines are the returned units of the FBA customer
returns report (``GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA``; one line per row) or,
for an order refunded without a report row (merchant-fulfilled, or refunded before the
return arrived), the refunded items of its ``RefundEvent``s; its `Refund` sums the refund
events' charges, as positive amounts.

The report names no order item: a line's ``sales_order_line_id`` is
``<order id>-<OrderItemId>`` when a refund of the same SKU names the item, else
``<order id>-<sku>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from retail_canon.connectors.amazon.mapping._orders import CHANNEL
from retail_canon.models import (
    Disposition,
    ExternalRef,
    Money,
    Quantity,
    Refund,
    RefundStatus,
    ReturnAuthorization,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
)
from retail_canon.normalize.dates import parse_timestamp

__all__ = ["DISPOSITIONS", "REASONS", "return_authorization"]

DISPOSITIONS = {
    "SELLABLE": Disposition.SELLABLE,
    "DEFECTIVE": Disposition.DEFECTIVE,
    "CUSTOMER_DAMAGED": Disposition.CUSTOMER_DAMAGED,
    "CARRIER_DAMAGED": Disposition.CARRIER_DAMAGED,
    "WAREHOUSE_DAMAGED": Disposition.FULFILLER_DAMAGED,
    "DISTRIBUTOR_DAMAGED": Disposition.FULFILLER_DAMAGED,
    "EXPIRED": Disposition.OTHER,
}
"""``detailed-disposition`` of the FBA returns report → `Disposition`."""

REASONS = {
    "DEFECTIVE": ReturnReason.DEFECTIVE,
    "QUALITY_UNACCEPTABLE": ReturnReason.DEFECTIVE,
    "MISSING_PARTS": ReturnReason.DEFECTIVE,
    "DAMAGED_BY_CARRIER": ReturnReason.DAMAGED,
    "DAMAGED_BY_FC": ReturnReason.DAMAGED,
    "ORDERED_WRONG_ITEM": ReturnReason.UNWANTED,
    "UNWANTED_ITEM": ReturnReason.UNWANTED,
    "FOUND_BETTER_PRICE": ReturnReason.UNWANTED,
    "NO_REASON_GIVEN": ReturnReason.UNWANTED,
    "UNAUTHORIZED_PURCHASE": ReturnReason.UNWANTED,
    "SWITCHEROO": ReturnReason.WRONG_ITEM,
    "EXTRA_ITEM": ReturnReason.WRONG_ITEM,
    "NOT_AS_DESCRIBED": ReturnReason.NOT_AS_DESCRIBED,
    "NOT_COMPATIBLE": ReturnReason.NOT_AS_DESCRIBED,
    "APPAREL_TOO_SMALL": ReturnReason.SIZE_OR_FIT,
    "APPAREL_TOO_LARGE": ReturnReason.SIZE_OR_FIT,
    "APPAREL_STYLE": ReturnReason.SIZE_OR_FIT,
    "MISSED_ESTIMATED_DELIVERY": ReturnReason.LATE_DELIVERY,
}
"""``reason`` codes of the FBA returns report → `ReturnReason` (others: ``OTHER``)."""

_REFUND_PARTS = {
    "Principal": "item",
    "Tax": "tax",
    "ShippingCharge": "shipping",
    "ShippingTax": "tax",
    "RestockingFee": "restocking",
}


def _charges(event: Mapping[str, Any]) -> list[tuple[str, Money]]:
    out = []
    for item in event.get("ShipmentItemAdjustmentList") or ():
        for charge in item.get("ItemChargeAdjustmentList") or ():
            money = charge["ChargeAmount"]
            amount = money["CurrencyAmount"]
            value = Decimal(str(amount)) if isinstance(amount, int) else amount
            out.append(
                (
                    str(charge.get("ChargeType") or ""),
                    Money(amount=value, currency=money["CurrencyCode"]),
                )
            )
    return out


def _refund(events: Sequence[Mapping[str, Any]]) -> Refund | None:
    parts: dict[str, Money] = {}
    for event in events:
        for kind, money in _charges(event):
            part = _REFUND_PARTS.get(kind)
            if part is None:
                continue
            # Refunded charges are negative in the events; a restocking fee kept back is
            # a positive charge there. Both become positive amounts here.
            value = Money(amount=abs(money.amount), currency=money.currency)
            parts[part] = parts[part] + value if part in parts else value
    if not parts:
        return None
    currency = next(iter(parts.values())).currency
    posted = [parse_timestamp(e["PostedDate"], tz="UTC") for e in events if e.get("PostedDate")]
    return Refund(
        refund_id=",".join(sorted({str(e.get("AmazonOrderId")) for e in events})) + "-REFUND",
        status=RefundStatus.ISSUED,
        source_status="RefundEvent",
        item_amount=parts.get("item", Money.zero(currency)),
        tax_amount=parts.get("tax"),
        shipping_amount=parts.get("shipping"),
        restocking_fee=parts.get("restocking"),
        issued_at=max(posted) if posted else None,
    )


def return_authorization(
    order_id: str, rows: Sequence[Mapping[str, str]], refunds: Sequence[Mapping[str, Any]]
) -> ReturnAuthorization:
    """One order's returns: report rows (physical returns) and refund events (money).

    Raises:
        ValueError: neither rows nor refunded items, or a row without a positive quantity.
    """
    item_ids: dict[str, str] = {}
    for event in refunds:
        for item in event.get("ShipmentItemAdjustmentList") or ():
            if item.get("SellerSKU") and item.get("OrderItemId"):
                item_ids.setdefault(str(item["SellerSKU"]), str(item["OrderItemId"]))
    lines: list[ReturnLine] = []
    refs: list[ExternalRef] = [ExternalRef(system=CHANNEL, scheme="AmazonOrderId", value=order_id)]
    dates = []
    for index, row in enumerate(rows):
        sku = row["sku"]
        quantity = Decimal(row["quantity"])
        source_reason = row.get("reason") or None
        disposition = row.get("detailed-disposition") or ""
        lines.append(
            ReturnLine(
                line_id=f"{order_id}-RETURN-{index + 1}",
                sales_order_line_id=f"{order_id}-{item_ids.get(sku, sku)}",
                sku=sku,
                quantity_authorized=Quantity(value=quantity),
                quantity_received=quantity,
                reason=REASONS.get(source_reason or "", ReturnReason.OTHER),
                source_reason=source_reason,
                disposition=DISPOSITIONS.get(disposition, Disposition.OTHER)
                if disposition
                else None,
                inspection_note=row.get("customer-comments") or None,
            )
        )
        dates.append(parse_timestamp(row["return-date"], field="return-date", tz="UTC"))
        if row.get("license-plate-number"):
            refs.append(
                ExternalRef(
                    system=CHANNEL, scheme="license-plate-number", value=row["license-plate-number"]
                )
            )
    if not lines:
        for event in refunds:
            for item in event.get("ShipmentItemAdjustmentList") or ():
                quantity = Decimal(str(item.get("QuantityShipped") or 1))
                sku = str(item["SellerSKU"])
                item_id = str(item.get("OrderItemId") or sku)
                lines.append(
                    ReturnLine(
                        line_id=f"{order_id}-RETURN-{len(lines) + 1}",
                        sales_order_line_id=f"{order_id}-{item_id}",
                        sku=sku,
                        quantity_authorized=Quantity(value=max(quantity, Decimal(1))),
                    )
                )
    if not lines:
        msg = f"order {order_id}: no returned or refunded items"
        raise ValueError(msg)
    refund = _refund(refunds)
    for event in refunds:
        if event.get("PostedDate"):
            dates.append(parse_timestamp(event["PostedDate"], tz="UTC"))
    received = [parse_timestamp(r["return-date"], field="return-date", tz="UTC") for r in rows]
    statuses = sorted({r.get("status", "") for r in rows if r.get("status")})
    return ReturnAuthorization(
        rma_id=f"{order_id}-RETURN",
        sales_order_id=order_id,
        channel=CHANNEL,
        status=ReturnStatus.RECEIVED if rows else ReturnStatus.CLOSED,
        source_status="; ".join(statuses) or ("Refunded" if refund else None),
        lines=tuple(lines),
        refund=refund,
        requested_at=min(dates),
        received_at=max(received) if received else None,
        external_refs=tuple(refs),
    )
