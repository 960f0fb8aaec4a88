"""Shopify-shaped records built from canonical objects, for seeding `ShopifyFake`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from retail_canon.models import Address, Customer, Money, OrderLine, SalesOrder, TaxLiability

__all__ = ["address_node", "bag", "order_node", "stamp"]


_LIABLE = {TaxLiability.MARKETPLACE: True, TaxLiability.SELLER: False}


def stamp(value: datetime) -> str:
    """An ISO 8601 UTC timestamp as Shopify writes it."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def bag(amount: Decimal, currency: str) -> dict[str, Any]:
    """A ``MoneyBag`` with the same amount in shop and presentment money."""
    money = {"amount": str(amount), "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": dict(money)}


def address_node(address: Address | None) -> dict[str, Any] | None:
    """The ``MailingAddress`` of an `Address` (``region`` as ``provinceCode``)."""
    if address is None:
        return None
    lines = list(address.lines)
    return {
        "name": address.name,
        "company": address.company,
        "address1": lines[0] if lines else None,
        "address2": ", ".join(lines[1:]) or None,
        "city": address.city,
        "province": address.region,
        "provinceCode": address.region,
        "zip": address.postal_code,
        "countryCodeV2": address.country,
        "phone": address.phone,
    }


def _customer_node(customer: Customer | None, number: str) -> dict[str, Any] | None:
    if customer is None or (customer.customer_id is None and customer.name is None):
        return None
    gid = customer.customer_id or f"gid://shopify/Customer/{number}"
    return {"id": gid, "displayName": customer.name}


def _sum(amounts: list[Money]) -> Decimal:
    return sum((m.amount for m in amounts), Decimal("0.00")) if amounts else Decimal("0.00")


def _line_node(line: OrderLine, line_number: str, currency: str) -> dict[str, Any]:
    qty = int(line.quantity.value)
    discount = _sum([d.amount for d in line.discounts])
    return {
        "id": f"gid://shopify/LineItem/{line_number}",
        "sku": line.sku,
        "title": line.title,
        "quantity": qty,
        "currentQuantity": qty - int(line.quantity_cancelled),
        "originalUnitPriceSet": bag(line.unit_price.amount, currency),
        "totalDiscountSet": bag(discount, currency),
        "taxLines": [
            {
                "title": tax.title,
                "rate": None if tax.rate is None else str(tax.rate),
                "channelLiable": _LIABLE.get(tax.liability),
                "priceSet": bag(tax.amount.amount, currency),
            }
            for tax in line.tax_lines
        ],
    }


def order_node(order: SalesOrder, **fields: Any) -> dict[str, Any]:
    """The Shopify order node of a `SalesOrder`; ``fields`` override its fields.

    Carries what `retail_canon.connectors.shopify.mapping.sales_order` reads back: lines
    (unit price, one discount, tax lines, cancelled units as ``currentQuantity``), the
    ship-to and bill-to addresses, the customer (``email``, ``phone``, and a ``customer``
    when it has an id or a name) and the totals (computed from the lines when the order
    has none).
    """
    number = order.order_id.removeprefix("shopify-")
    currency = order.currency
    lines: list[dict[str, Any]] = []
    for n, line in enumerate(order.lines, start=1):
        line_number = line.line_id.removeprefix("shopify-")
        if not line_number.isdigit():
            line_number = f"{number}{n:03d}"
        lines.append(_line_node(line, line_number, currency))
    subtotal = sum((line.subtotal().amount for line in order.lines), Decimal("0.00"))
    tax = _sum([t.amount for line in order.lines for t in line.tax_lines])
    discount = _sum([d.amount for line in order.lines for d in line.discounts])
    shipping = _sum([s.price for s in order.shipping_lines])
    totals: dict[str, dict[str, Any] | None] = {
        "subtotalPriceSet": bag(subtotal - discount, currency),
        "totalDiscountsSet": bag(discount, currency),
        "totalShippingPriceSet": bag(shipping, currency),
        "totalTaxSet": bag(tax, currency),
        "totalPriceSet": bag(
            subtotal - discount + shipping + (Decimal(0) if order.prices_include_tax else tax),
            currency,
        ),
    }
    if order.totals is not None:
        given = {
            "subtotalPriceSet": order.totals.subtotal,
            "totalDiscountsSet": order.totals.discount,
            "totalShippingPriceSet": order.totals.shipping,
            "totalTaxSet": order.totals.tax,
            "totalPriceSet": order.totals.grand_total,
        }
        totals = {k: None if m is None else bag(m.amount, m.currency) for k, m in given.items()}
    customer = order.customer
    node: dict[str, Any] = {
        "id": f"gid://shopify/Order/{number}",
        "name": order.order_number or f"#{number}",
        "createdAt": stamp(order.placed_at),
        "processedAt": stamp(order.placed_at),
        "updatedAt": stamp(order.updated_at or order.placed_at),
        "cancelledAt": None,
        "closed": False,
        "currencyCode": currency,
        "presentmentCurrencyCode": currency,
        "taxesIncluded": order.prices_include_tax,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "email": None if customer is None else customer.email,
        "phone": None if customer is None else customer.phone,
        "customer": _customer_node(customer, number),
        "shippingAddress": address_node(order.ship_to),
        "billingAddress": address_node(order.bill_to),
        **totals,
        "lineItems": {"nodes": lines},
    }
    node.update(fields)
    return node
