"""Shopify wire shapes (`_dto`) to canonical objects; the only place that maps them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from retail_canon.connectors.shopify import _dto
from retail_canon.models import (
    Discount,
    ExternalRef,
    FulfillmentOrder,
    InventoryBuckets,
    InventoryPosition,
    Money,
    OrderLine,
    OrderTotals,
    Quantity,
    SalesOrder,
    TaxLine,
)
from retail_canon.normalize.dates import parse_timestamp
from retail_canon.normalize.status import (
    SHOPIFY_FINANCIAL_STATUS,
    map_status,
    shopify_order_status,
)

__all__ = [
    "CHANNEL",
    "BUCKET_NAMES",
    "fulfillment_input",
    "gid_number",
    "inventory_position",
    "order_id",
    "sales_order",
]

CHANNEL = "shopify"

BUCKET_NAMES: dict[str, str] = {
    "on_hand": "on_hand",
    "committed": "committed",
    "reserved": "reserved",
    "incoming": "incoming",
    "damaged": "damaged",
    "safety_stock": "safety_stock",
    "quality_control": "quality_control",
}
"""Shopify quantity name → `InventoryBuckets` field (``available`` is derived, not stored)."""


def gid_number(gid: str) -> str:
    """The numeric tail of a global id: ``gid://shopify/Order/1001`` → ``1001``."""
    tail = gid.rsplit("/", 1)[-1]
    if not tail:
        msg = f"not a Shopify global id: {gid!r}"
        raise ValueError(msg)
    return tail


def order_id(gid: str) -> str:
    """The canonical order id of a Shopify order GID (``shopify-1001``)."""
    return f"{CHANNEL}-{gid_number(gid)}"


def _money(bag: _dto.MoneyBag | None, presentment: bool) -> Money | None:
    if bag is None:
        return None
    picked = bag.pick(presentment)
    return Money(amount=picked.amount, currency=picked.currency_code)


def _need(bag: _dto.MoneyBag, presentment: bool) -> Money:
    picked = bag.pick(presentment)
    return Money(amount=picked.amount, currency=picked.currency_code)


def _line(item: _dto.LineItem, presentment: bool) -> OrderLine:
    if not item.sku:
        msg = f"line item {item.id} has no SKU"
        raise ValueError(msg)
    discounts: tuple[Discount, ...] = ()
    discount = _money(item.total_discount_set, presentment)
    if discount is not None and discount.amount != 0:
        discounts = (Discount(amount=discount),)
    cancelled = Decimal(0)
    if item.current_quantity is not None and item.current_quantity < item.quantity:
        cancelled = Decimal(item.quantity - item.current_quantity)
    return OrderLine(
        line_id=f"{CHANNEL}-{gid_number(item.id)}",
        source_line_id=item.id,
        sku=item.sku,
        title=item.title,
        quantity=Quantity(value=Decimal(item.quantity)),
        unit_price=_need(item.original_unit_price_set, presentment),
        discounts=discounts,
        tax_lines=tuple(
            TaxLine(title=tax.title, rate=tax.rate, amount=_need(tax.price_set, presentment))
            for tax in item.tax_lines
        ),
        quantity_cancelled=cancelled,
    )


def sales_order(order: _dto.Order, *, shop: str, presentment: bool = False) -> SalesOrder:
    """A Shopify order as a `SalesOrder`, amounts in shop currency (or presentment currency).

    Raises:
        ValueError: a line without a SKU, or an unreadable timestamp (the read skips and
            reports the order).
    """
    if presentment and order.presentment_currency_code:
        currency = order.presentment_currency_code
    else:
        currency = order.currency_code
    status = shopify_order_status(
        order.display_fulfillment_status,
        display_financial_status=order.display_financial_status,
        closed=order.closed,
        cancelled=order.cancelled_at is not None,
    )
    payment = (
        map_status(SHOPIFY_FINANCIAL_STATUS, order.display_financial_status).status
        if order.display_financial_status
        else None
    )
    totals = None
    grand_total = _money(order.total_price_set, presentment)
    if grand_total is not None:
        totals = OrderTotals(
            subtotal=_money(order.subtotal_price_set, presentment),
            discount=_money(order.total_discounts_set, presentment),
            shipping=_money(order.total_shipping_price_set, presentment),
            tax=_money(order.total_tax_set, presentment),
            grand_total=grand_total,
        )
    extra = {} if payment is None else {"payment_status": payment}
    return SalesOrder(
        order_id=order_id(order.id),
        order_number=order.name,
        channel=CHANNEL,
        placed_at=parse_timestamp(order.processed_at or order.created_at, field="processedAt"),
        updated_at=parse_timestamp(order.updated_at, field="updatedAt"),
        currency=currency,
        prices_include_tax=order.taxes_included,
        status=status.status,
        source_status=status.raw,
        lines=tuple(_line(item, presentment) for item in order.line_items),
        totals=totals,
        external_refs=(
            ExternalRef(system=CHANNEL, scheme="order_gid", value=order.id, scope=shop),
        ),
        **extra,
    )


def inventory_position(level: _dto.InventoryLevel) -> InventoryPosition:
    """One inventory level as an `InventoryPosition` (location id = the location's number).

    Raises:
        ValueError: the inventory item has no SKU.
    """
    if not level.sku:
        msg = f"inventory item {level.item_id} has no SKU"
        raise ValueError(msg)
    values = {q.name: q.quantity for q in level.quantities}
    buckets = {
        field: max(values[name], 0) for name, field in BUCKET_NAMES.items() if name in values
    }
    return InventoryPosition(
        sku=level.sku,
        location_id=gid_number(level.location_id),
        buckets=InventoryBuckets(**buckets),
        as_of=parse_timestamp(level.updated_at, field="updatedAt"),
        external_refs=(
            ExternalRef(system=CHANNEL, scheme="inventory_item_gid", value=level.item_id),
        ),
    )


def _gid(kind: str, canonical_id: str) -> str:
    return f"gid://shopify/{kind}/{canonical_id.removeprefix(f'{CHANNEL}-')}"


def fulfillment_input(order: FulfillmentOrder) -> dict[str, Any]:
    """``FulfillmentInput`` for the latest shipment of a fulfillment order.

    Ids: ``fulfillment_order_id`` ``shopify-<n>`` is ``FulfillmentOrder/<n>``, a line's
    ``line_id`` ``shopify-<m>`` is ``FulfillmentOrderLineItem/<m>``. The shipment's lines
    (or, without a shipment, every line) give the quantities; its carrier, tracking number
    and URL the tracking info. Customers are not notified.

    Raises:
        ValueError: the shipment names a line the fulfillment order does not have.
    """
    shipment = order.shipments[-1] if order.shipments else None
    by_id = {line.line_id: line for line in order.lines}
    if shipment is not None and shipment.lines:
        items = []
        for shipped in shipment.lines:
            if shipped.fulfillment_line_id not in by_id:
                where = order.fulfillment_order_id
                msg = f"shipment line {shipped.fulfillment_line_id!r} is not on {where}"
                raise ValueError(msg)
            items.append((shipped.fulfillment_line_id, shipped.quantity.value))
    else:
        items = [(line.line_id, line.quantity.value) for line in order.lines]
    tracking: dict[str, Any] = {}
    if shipment is not None:
        tracking = {
            "company": shipment.carrier,
            "number": shipment.tracking_number,
            "url": shipment.tracking_url,
        }
    return {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": _gid("FulfillmentOrder", order.fulfillment_order_id),
                "fulfillmentOrderLineItems": [
                    {"id": _gid("FulfillmentOrderLineItem", line_id), "quantity": int(quantity)}
                    for line_id, quantity in items
                ],
            }
        ],
        "trackingInfo": {k: v for k, v in tracking.items() if v is not None},
        "notifyCustomer": False,
    }
