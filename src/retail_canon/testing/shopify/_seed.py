"""Shopify-shaped records built from canonical objects, for seeding `ShopifyFake`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from retail_canon.models import SalesOrder

__all__ = ["bag", "order_node", "stamp"]


def stamp(value: datetime) -> str:
    """An ISO 8601 UTC timestamp as Shopify writes it."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def bag(amount: Decimal, currency: str) -> dict[str, Any]:
    """A ``MoneyBag`` with the same amount in shop and presentment money."""
    money = {"amount": str(amount), "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": dict(money)}


def order_node(order: SalesOrder, **fields: Any) -> dict[str, Any]:
    """The Shopify order node of a `SalesOrder`; ``fields`` override its fields."""
    number = order.order_id.removeprefix("shopify-")
    currency = order.currency
    lines: list[dict[str, Any]] = []
    total = Decimal(0)
    for n, line in enumerate(order.lines, start=1):
        line_number = line.line_id.removeprefix("shopify-")
        if not line_number.isdigit():
            line_number = f"{number}{n:03d}"
        qty = int(line.quantity.value)
        total += line.unit_price.amount * qty
        lines.append(
            {
                "id": f"gid://shopify/LineItem/{line_number}",
                "sku": line.sku,
                "title": line.title,
                "quantity": qty,
                "currentQuantity": qty,
                "originalUnitPriceSet": bag(line.unit_price.amount, currency),
                "totalDiscountSet": bag(Decimal("0.00"), currency),
                "taxLines": [],
            }
        )
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
        "totalPriceSet": bag(total, currency),
        "subtotalPriceSet": bag(total, currency),
        "totalTaxSet": bag(Decimal("0.00"), currency),
        "totalDiscountsSet": bag(Decimal("0.00"), currency),
        "totalShippingPriceSet": bag(Decimal("0.00"), currency),
        "lineItems": {"nodes": lines},
    }
    node.update(fields)
    return node
