"""Canonical `SalesOrder` → Amazon wire shapes (Orders v0 and 2026-01-01), for the fake.

The inverse of ``retail_canon.connectors.amazon.mapping``: the fake stores canonical orders
and answers each API in its own shape, so the same order can be read through both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from retail_canon.models import (
    Address,
    Discount,
    FulfilledBy,
    Money,
    OrderLine,
    OrderStatus,
    SalesOrder,
    ShippingLine,
    TaxLiability,
    TaxLine,
)

__all__ = ["iso", "item_id", "order_v0", "order_v2026", "items_v0"]

_V0 = {
    OrderStatus.PENDING: "Pending",
    OrderStatus.OPEN: "Unshipped",
    OrderStatus.PARTIALLY_FULFILLED: "PartiallyShipped",
    OrderStatus.FULFILLED: "Shipped",
    OrderStatus.CLOSED: "Shipped",
    OrderStatus.CANCELLED: "Canceled",
    OrderStatus.OTHER: "Unfulfillable",
}
_V2026 = {
    "Pending": "PENDING",
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",  # no 2026-01-01 counterpart
    "Shipped": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}


def iso(moment: datetime | None) -> str | None:
    """Amazon's ISO 8601 UTC timestamps (``Z``)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def item_id(order: SalesOrder, line: OrderLine) -> str:
    """The Amazon ``OrderItemId`` of a line."""
    return line.source_line_id or line.line_id.removeprefix(f"{order.order_id}-")


def status_v0(order: SalesOrder) -> str:
    """The v0 ``OrderStatus`` of an order (its source status when it is a v0 value)."""
    if order.source_status in _V2026:
        return order.source_status
    back = {v: k for k, v in _V2026.items()}
    if order.source_status in back:
        return back[order.source_status]
    return _V0[order.status]


def _asin(line: OrderLine) -> str:
    return next((r.value for r in line.item_refs if r.scheme == "ASIN"), f"B0{line.sku[:8]}")


def _m0(money: Money | None) -> dict[str, str] | None:
    return None if money is None else {"CurrencyCode": money.currency, "Amount": str(money.amount)}


def _m26(money: Money | None) -> dict[str, str] | None:
    return None if money is None else {"currencyCode": money.currency, "amount": str(money.amount)}


def _sum(values: tuple[Discount, ...] | tuple[TaxLine, ...]) -> Money | None:
    if not values:
        return None
    total = values[0].amount
    for value in values[1:]:
        total = total + value.amount
    return total


def _collection(taxes: tuple[TaxLine, ...], *, v0: bool) -> dict[str, str] | None:
    for tax in taxes:
        if tax.liability == TaxLiability.MARKETPLACE:
            model = "MarketplaceFacilitator" if v0 else "MARKETPLACE_FACILITATOR"
            party = tax.responsible_party or "Amazon Services, Inc."
            key = ("Model", "ResponsibleParty") if v0 else ("model", "responsibleParty")
            return {key[0]: model, key[1]: party}
    return None


def _shipping(order: SalesOrder, line: OrderLine) -> ShippingLine | None:
    ident = item_id(order, line)
    return next((s for s in order.shipping_lines if s.title == ident), None)


def _address(address: Address | None, *, v0: bool) -> dict[str, Any] | None:
    if address is None:
        return None
    lines = [*address.lines, "", "", ""]
    fields = {
        "name": address.name,
        "address_line1": lines[0] or None,
        "address_line2": lines[1] or None,
        "address_line3": lines[2] or None,
        "city": address.city,
        "state_or_region": address.region,
        "postal_code": address.postal_code,
        "country_code": address.country,
        "phone": address.phone,
    }
    out = {}
    for key, value in fields.items():
        if value is not None:
            parts = key.split("_")
            name = "".join(p.capitalize() for p in parts)
            out[name if v0 else name[0].lower() + name[1:]] = value
    return out


def order_v0(order: SalesOrder, *, pii: bool) -> dict[str, Any]:
    """An Orders v0 ``Order`` (without items; ``BuyerInfo``/``ShippingAddress`` if ``pii``)."""
    body: dict[str, Any] = {
        "AmazonOrderId": order.order_id,
        "PurchaseDate": iso(order.placed_at),
        "LastUpdateDate": iso(order.updated_at or order.placed_at),
        "OrderStatus": status_v0(order),
        "FulfillmentChannel": "AFN" if order.fulfilled_by == FulfilledBy.MARKETPLACE else "MFN",
        "MarketplaceId": order.marketplace_id or "ATVPDKIKX0DER",
        "SalesChannel": "Amazon.com",
        "IsPrime": False,
        "NumberOfItemsShipped": int(sum(line.quantity_fulfilled for line in order.lines)),
    }
    optional = {
        "SellerOrderId": order.order_number,
        "OrderTotal": _m0(order.totals.grand_total if order.totals else None),
        "ShipServiceLevel": order.service_level,
        "LatestShipDate": iso(order.ship_by),
        "LatestDeliveryDate": iso(order.deliver_by),
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    if pii and order.customer is not None:
        buyer = {"BuyerEmail": order.customer.email, "BuyerName": order.customer.name}
        body["BuyerInfo"] = {k: v for k, v in buyer.items() if v}
    if pii and order.ship_to is not None:
        body["ShippingAddress"] = _address(order.ship_to, v0=True)
    return body


def items_v0(order: SalesOrder) -> list[dict[str, Any]]:
    """The Orders v0 ``OrderItem`` list of an order (``ItemPrice`` is the extended price)."""
    items = []
    for line in order.lines:
        ship = _shipping(order, line)
        item: dict[str, Any] = {
            "ASIN": _asin(line),
            "OrderItemId": item_id(order, line),
            "SellerSKU": line.sku,
            "QuantityOrdered": int(line.quantity.value),
            "QuantityShipped": int(line.quantity_fulfilled),
            "IsGift": "false",
        }
        if order.status != OrderStatus.PENDING:
            money = {
                "ItemPrice": _m0(line.unit_price * line.quantity.value),
                "ItemTax": _m0(_sum(line.tax_lines)),
                "PromotionDiscount": _m0(_sum(line.discounts)),
                "ShippingPrice": _m0(ship.price if ship else None),
                "ShippingTax": _m0(_sum(ship.tax_lines) if ship else None),
                "ShippingDiscount": _m0(_sum(ship.discounts) if ship else None),
                "TaxCollection": _collection(line.tax_lines, v0=True),
            }
            item.update({k: v for k, v in money.items() if v is not None})
            codes = [c for d in line.discounts if d.code for c in d.code.split(",")]
            if codes:
                item["PromotionIds"] = codes
        if line.title:
            item["Title"] = line.title
        items.append(item)
    return items


def _negative(money: Money | None) -> Money | None:
    return None if money is None else Money(amount=-money.amount, currency=money.currency)


def _item_v2026(order: SalesOrder, line: OrderLine) -> dict[str, Any]:
    ship = _shipping(order, line)
    breakdowns: list[dict[str, Any]] = [
        {"type": "ITEM", "subtotal": _m26(line.unit_price * line.quantity.value)}
    ]
    if ship is not None:
        breakdowns.append({"type": "SHIPPING", "subtotal": _m26(ship.price)})
    for kind, item_part, ship_part, sign in (
        ("TAX", _sum(line.tax_lines), _sum(ship.tax_lines) if ship else None, False),
        ("DISCOUNT", _sum(line.discounts), _sum(ship.discounts) if ship else None, True),
    ):
        details = [
            {"subtype": subtype, "value": _m26(_negative(part) if sign else part)}
            for subtype, part in (("ITEM", item_part), ("SHIPPING", ship_part))
            if part is not None
        ]
        if details:
            breakdowns.append({"type": kind, "detailedBreakdowns": details})
    product: dict[str, Any] = {
        "asin": _asin(line),
        "sellerSku": line.sku,
        "price": {"unitPrice": _m26(line.unit_price)},
    }
    if line.title:
        product["title"] = line.title
    item: dict[str, Any] = {
        "orderItemId": item_id(order, line),
        "quantityOrdered": int(line.quantity.value),
        "product": product,
        "proceeds": {"breakdowns": breakdowns},
        "fulfillment": {
            "quantityFulfilled": int(line.quantity_fulfilled),
            "quantityUnfulfilled": int(line.quantity.value - line.quantity_fulfilled),
        },
    }
    codes = [c for d in line.discounts if d.code for c in d.code.split(",")]
    if codes:
        item["promotion"] = {"breakdowns": [{"promotionId": c} for c in codes]}
    collection = _collection(line.tax_lines, v0=False)
    if collection:
        item["tax"] = {"taxCollections": [collection]}
    return item


def order_v2026(order: SalesOrder) -> dict[str, Any]:
    """An Orders 2026-01-01 ``Order`` with its items (PII by role, always included)."""
    fulfillment: dict[str, Any] = {
        "fulfillmentStatus": _V2026[status_v0(order)],
        "fulfilledBy": "AMAZON" if order.fulfilled_by == FulfilledBy.MARKETPLACE else "MERCHANT",
    }
    if order.service_level:
        fulfillment["fulfillmentServiceLevel"] = order.service_level
    if order.ship_by:
        fulfillment["shipByWindow"] = {"latestDateTime": iso(order.ship_by)}
    if order.deliver_by:
        fulfillment["deliverByWindow"] = {"latestDateTime": iso(order.deliver_by)}
    body: dict[str, Any] = {
        "orderId": order.order_id,
        "createdTime": iso(order.placed_at),
        "lastUpdatedTime": iso(order.updated_at or order.placed_at),
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": order.marketplace_id or "ATVPDKIKX0DER",
        },
        "fulfillment": fulfillment,
        "orderItems": [_item_v2026(order, line) for line in order.lines],
    }
    if order.order_number:
        body["orderAliases"] = [{"aliasId": order.order_number, "aliasType": "SELLER_ORDER_ID"}]
    if order.totals is not None:
        body["proceeds"] = {"grandTotal": _m26(order.totals.grand_total)}
    if order.customer is not None:
        buyer = {"buyerEmail": order.customer.email, "buyerName": order.customer.name}
        body["buyer"] = {k: v for k, v in buyer.items() if v}
    if order.ship_to is not None:
        body["recipient"] = {"deliveryAddress": _address(order.ship_to, v0=False)}
    return body
