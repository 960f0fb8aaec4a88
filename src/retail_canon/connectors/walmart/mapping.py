"""Walmart wire shapes (`_dto`) to canonical objects; the only place that maps them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from retail_canon.connectors.walmart import _dto
from retail_canon.models import (
    ExternalRef,
    FulfillmentOrder,
    InventoryBuckets,
    InventoryPosition,
    Money,
    OrderLine,
    OrderStatus,
    Quantity,
    SalesOrder,
    ShippingLine,
    TaxLine,
)
from retail_canon.normalize.dates import from_epoch_millis
from retail_canon.normalize.status import WALMART_ORDER_LINE_STATUS, map_status

__all__ = [
    "CHANNEL",
    "cancellation_request",
    "inventory_position",
    "order_id",
    "order_status",
    "sales_order",
    "sellable_quantity",
    "shipment_request",
]

CHANNEL = "walmart"

_DONE = frozenset({OrderStatus.FULFILLED})


def order_id(purchase_order_id: str) -> str:
    """The canonical order id of a Walmart purchase order (``walmart-<purchaseOrderId>``)."""
    return f"{CHANNEL}-{purchase_order_id}"


def order_status(line_statuses: list[OrderStatus]) -> OrderStatus:
    """The order's status from its lines' (Walmart keeps statuses per line).

    All cancelled → ``CANCELLED``; all others fulfilled → ``FULFILLED``; some fulfilled →
    ``PARTIALLY_FULFILLED``; any acknowledged → ``OPEN``; all created → ``PENDING``.
    """
    live = [s for s in line_statuses if s is not OrderStatus.CANCELLED]
    if not live:
        return OrderStatus.CANCELLED
    if all(s in _DONE for s in live):
        return OrderStatus.FULFILLED
    if any(s in _DONE for s in live):
        return OrderStatus.PARTIALLY_FULFILLED
    if all(s is OrderStatus.PENDING for s in live):
        return OrderStatus.PENDING
    if any(s is OrderStatus.OPEN for s in live):
        return OrderStatus.OPEN
    return OrderStatus.OTHER


def _money(value: _dto.Money) -> Money:
    return Money(amount=value.amount, currency=value.currency)


def _line(po: str, line: _dto.OrderLine) -> tuple[OrderLine, list[ShippingLine], list[str]]:
    quantity = line.order_line_quantity.amount
    products = [c for c in line.charges if c.charge_type == "PRODUCT"]
    if not products:
        msg = f"order line {line.line_number} has no PRODUCT charge"
        raise ValueError(msg)
    total = sum((c.charge_amount.amount for c in products), Decimal(0))
    unit = total / quantity
    if unit * quantity != total:
        msg = f"order line {line.line_number}: {total} does not divide into {quantity} units"
        raise ValueError(msg)
    currency = products[0].charge_amount.currency
    taxes = [
        TaxLine(title=c.tax.tax_name, amount=_money(c.tax.tax_amount))
        for c in products
        if c.tax is not None
    ]
    shipping = [
        ShippingLine(
            title=c.charge_name,
            price=_money(c.charge_amount),
            tax_lines=()
            if c.tax is None
            else (TaxLine(title=c.tax.tax_name, amount=_money(c.tax.tax_amount)),),
        )
        for c in line.charges
        if c.charge_type == "SHIPPING"
    ]
    fulfilled = cancelled = Decimal(0)
    raws = []
    for status in line.order_line_statuses:
        raws.append(status.status)
        amount = status.status_quantity.amount
        if status.status in ("Shipped", "Delivered"):
            fulfilled += amount
        elif status.status == "Cancelled":
            cancelled += amount
    canonical = OrderLine(
        line_id=f"{CHANNEL}-{po}-{line.line_number}",
        source_line_id=line.line_number,
        sku=line.item.sku,
        title=line.item.product_name,
        quantity=Quantity(value=quantity),
        unit_price=Money(amount=unit, currency=currency),
        tax_lines=tuple(taxes),
        quantity_fulfilled=fulfilled,
        quantity_cancelled=cancelled,
    )
    return canonical, shipping, raws


def sales_order(order: _dto.Order) -> SalesOrder:
    """A Walmart purchase order as a `SalesOrder`; line statuses decide the order's status.

    Raises:
        ValueError: a line without a product charge or with an amount that does not divide
            by its quantity, or an unreadable timestamp (the read skips and reports it).
    """
    po = order.purchase_order_id
    lines: list[OrderLine] = []
    shipping: list[ShippingLine] = []
    raws: list[str] = []
    for line in order.order_lines:
        canonical, ship, line_raws = _line(po, line)
        lines.append(canonical)
        shipping.extend(ship)
        raws.extend(line_raws)
    statuses = [map_status(WALMART_ORDER_LINE_STATUS, raw).status for raw in raws]
    stamps = [line.status_date for line in order.order_lines if line.status_date is not None]
    info = order.shipping_info or _dto.ShippingInfo()
    return SalesOrder(
        order_id=order_id(po),
        order_number=order.customer_order_id,
        channel=CHANNEL,
        placed_at=from_epoch_millis(order.order_date, field="orderDate"),
        updated_at=from_epoch_millis(max([order.order_date, *stamps]), field="statusDate"),
        currency=lines[0].unit_price.currency,
        status=order_status(statuses) if statuses else OrderStatus.OTHER,
        source_status=",".join(sorted(set(raws))) or None,
        service_level=info.method_code,
        ship_by=None
        if info.estimated_ship_date is None
        else from_epoch_millis(info.estimated_ship_date, field="estimatedShipDate"),
        deliver_by=None
        if info.estimated_delivery_date is None
        else from_epoch_millis(info.estimated_delivery_date, field="estimatedDeliveryDate"),
        lines=tuple(lines),
        shipping_lines=tuple(shipping),
        external_refs=(ExternalRef(system=CHANNEL, scheme="purchase_order_id", value=po),),
    )


def inventory_position(node: _dto.InventoryNode, *, as_of: datetime) -> InventoryPosition:
    """One SKU at one ship node: ``inputQty`` → on hand, ``reservedQty`` → committed."""
    reserved = node.reserved_qty.amount if node.reserved_qty is not None else Decimal(0)
    return InventoryPosition(
        sku=node.sku,
        location_id=node.ship_node,
        buckets=InventoryBuckets(on_hand=node.input_qty.amount, committed=reserved),
        as_of=as_of,
    )


def sellable_quantity(position: InventoryPosition) -> int:
    """What Walmart may sell: on hand less committed, reserved and unsellable, at least 0."""
    b = position.buckets
    held = b.committed + b.reserved + b.damaged + b.quality_control + b.safety_stock
    return max(int(b.on_hand - held), 0)


CARRIERS = frozenset({"UPS", "USPS", "FedEx", "OnTrac", "DHL", "LS", "UDS", "Airborne"})
"""Carriers sent as ``carrierName.carrier``; others go as ``otherCarrier`` with a URL."""


def shipment_request(order: FulfillmentOrder) -> tuple[str, dict[str, Any]]:
    """The purchase order id and ``orderShipment`` body for the latest shipment.

    A Walmart purchase order is its own fulfillment order: ``sales_order_id`` is
    ``walmart-<purchaseOrderId>``; each line's ``sales_order_line_id`` ends in
    ``-<lineNumber>``. The shipment's lines (or every line) are marked ``Shipped``.

    Raises:
        ValueError: no shipment, no ``shipped_at``, no tracking number, an unknown carrier
            without a tracking URL, or a shipment line that is not on the order.
    """
    if not order.shipments:
        msg = f"{order.fulfillment_order_id}: no shipment to confirm"
        raise ValueError(msg)
    shipment = order.shipments[-1]
    if shipment.shipped_at is None:
        msg = f"{order.fulfillment_order_id}: the shipment needs shipped_at (shipDateTime)"
        raise ValueError(msg)
    if not shipment.tracking_number or not shipment.carrier:
        msg = f"{order.fulfillment_order_id}: carrier and tracking number are required"
        raise ValueError(msg)
    if shipment.carrier in CARRIERS:
        carrier: dict[str, str] = {"carrier": shipment.carrier}
    elif shipment.tracking_url:
        carrier = {"otherCarrier": shipment.carrier}
    else:
        msg = f"{order.fulfillment_order_id}: carrier {shipment.carrier!r} needs a tracking URL"
        raise ValueError(msg)
    by_id = {line.line_id: line for line in order.lines}
    shipped = (
        [(by_id[s.fulfillment_line_id], s.quantity.value) for s in shipment.lines]
        if shipment.lines
        else [(line, line.quantity.value) for line in order.lines]
    )
    po = order.sales_order_id.removeprefix(f"{CHANNEL}-")
    tracking: dict[str, Any] = {
        "shipDateTime": int(shipment.shipped_at.timestamp() * 1000),
        "carrierName": carrier,
        "methodCode": shipment.service or order.service_level or "Standard",
        "trackingNumber": shipment.tracking_number,
    }
    if shipment.tracking_url:
        tracking["trackingURL"] = shipment.tracking_url
    lines = [
        {
            "lineNumber": line.sales_order_line_id.rsplit("-", 1)[-1],
            "orderLineStatuses": {
                "orderLineStatus": [
                    {
                        "status": "Shipped",
                        "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(quantity)},
                        "trackingInfo": tracking,
                    }
                ]
            },
        }
        for line, quantity in shipped
    ]
    return po, {"orderShipment": {"orderLines": {"orderLine": lines}}}


def cancellation_request(
    line_id: str, quantity: Decimal, reason: str
) -> tuple[str, dict[str, Any]]:
    """The purchase order id and ``orderCancellation`` body cancelling part of one line.

    ``line_id`` is the canonical line id, ``walmart-<purchaseOrderId>-<lineNumber>``.

    Raises:
        ValueError: not a Walmart line id, or a quantity that is not a positive whole number.
    """
    prefix, _, rest = line_id.partition("-")
    po, _, number = rest.rpartition("-")
    if prefix != CHANNEL or not po or not number:
        msg = f"not a Walmart order line id: {line_id!r}"
        raise ValueError(msg)
    if quantity <= 0 or quantity != quantity.to_integral_value():
        msg = f"{line_id}: cancel a positive whole quantity, not {quantity}"
        raise ValueError(msg)
    status = {
        "status": "Cancelled",
        "cancellationReason": reason,
        "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(int(quantity))},
    }
    line = {"lineNumber": number, "orderLineStatuses": {"orderLineStatus": [status]}}
    return po, {"orderCancellation": {"orderLines": {"orderLine": [line]}}}
