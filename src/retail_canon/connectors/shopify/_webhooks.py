"""Shopify webhooks: signature verification (constant time) and order payloads.

A delivery is verified before anything reads it: ``X-Shopify-Hmac-Sha256`` must be the
base64 HMAC-SHA256 of the raw body under the app's client secret. A bad or missing
signature raises `WebhookSignatureError` and the body is never parsed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

from pydantic import SecretStr

from retail_canon.connectors import ConnectorError
from retail_canon.connectors.shopify import _dto, mapping
from retail_canon.models import SalesOrder

__all__ = ["ORDER_TOPICS", "WebhookSignatureError", "parse_webhook", "verify_webhook"]

ORDER_TOPICS = frozenset({"orders/create", "orders/updated"})
"""Topics `parse_webhook` turns into a `SalesOrder`."""

_FULFILLMENT = {
    None: "UNFULFILLED",
    "partial": "PARTIALLY_FULFILLED",
    "fulfilled": "FULFILLED",
    "restocked": "RESTOCKED",
}


class WebhookSignatureError(ConnectorError):
    """The webhook's ``X-Shopify-Hmac-Sha256`` is missing or does not match its body."""

    code = "webhook_signature"


def verify_webhook(body: bytes, signature: str | None, secret: SecretStr | str) -> None:
    """Check a delivery's signature in constant time.

    Raises:
        WebhookSignatureError: no signature, or one that does not match.
    """
    key = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    expected = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest())
    given = (signature or "").strip().encode()
    if not given or not hmac.compare_digest(expected, given):
        msg = "webhook refused: X-Shopify-Hmac-Sha256 is missing or does not match the body"
        raise WebhookSignatureError(msg)


def _bag(amount: Any, currency: str, set_: Any) -> dict[str, Any]:
    if isinstance(set_, dict) and "shop_money" in set_:
        shop, presentment = set_["shop_money"], set_.get("presentment_money") or set_["shop_money"]
        return {
            "shopMoney": {"amount": shop["amount"], "currencyCode": shop["currency_code"]},
            "presentmentMoney": {
                "amount": presentment["amount"],
                "currencyCode": presentment["currency_code"],
            },
        }
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


def _order_node(payload: dict[str, Any]) -> dict[str, Any]:
    """A REST order payload in the Admin GraphQL shape the DTOs read."""
    currency = payload["currency"]

    def money(name: str) -> dict[str, Any] | None:
        if payload.get(name) is None and payload.get(f"{name}_set") is None:
            return None
        return _bag(payload.get(name), currency, payload.get(f"{name}_set"))

    return {
        "id": payload.get("admin_graphql_api_id") or f"gid://shopify/Order/{payload['id']}",
        "name": payload.get("name"),
        "createdAt": payload["created_at"],
        "processedAt": payload.get("processed_at"),
        "updatedAt": payload.get("updated_at") or payload["created_at"],
        "cancelledAt": payload.get("cancelled_at"),
        "closed": payload.get("closed_at") is not None,
        "currencyCode": currency,
        "presentmentCurrencyCode": payload.get("presentment_currency"),
        "taxesIncluded": bool(payload.get("taxes_included")),
        "displayFinancialStatus": (payload.get("financial_status") or "").upper() or None,
        "displayFulfillmentStatus": _FULFILLMENT.get(
            payload.get("fulfillment_status"), str(payload.get("fulfillment_status")).upper()
        ),
        "totalPriceSet": money("total_price"),
        "subtotalPriceSet": money("subtotal_price"),
        "totalTaxSet": money("total_tax"),
        "totalDiscountsSet": money("total_discounts"),
        "lineItems": [
            {
                "id": item.get("admin_graphql_api_id") or f"gid://shopify/LineItem/{item['id']}",
                "sku": item.get("sku"),
                "title": item.get("title"),
                "quantity": item["quantity"],
                "currentQuantity": item.get("current_quantity"),
                "originalUnitPriceSet": _bag(item["price"], currency, item.get("price_set")),
                "totalDiscountSet": _bag(
                    item.get("total_discount", "0"), currency, item.get("total_discount_set")
                ),
                "taxLines": [
                    {
                        "title": tax.get("title"),
                        "rate": tax.get("rate"),
                        "priceSet": _bag(tax["price"], currency, tax.get("price_set")),
                    }
                    for tax in item.get("tax_lines") or []
                ],
            }
            for item in payload["line_items"]
        ],
    }


def parse_webhook(
    topic: str,
    body: bytes,
    *,
    signature: str | None,
    secret: SecretStr | str,
    shop: str,
    presentment: bool = False,
) -> SalesOrder:
    """A verified ``orders/create`` or ``orders/updated`` delivery as a `SalesOrder`.

    Args:
        topic: the ``X-Shopify-Topic`` header.
        body: the raw request body, exactly as received.
        signature: the ``X-Shopify-Hmac-Sha256`` header.
        secret: the app's client secret.
        shop: the shop, for the order's external reference.
        presentment: amounts in presentment currency instead of shop currency.

    Raises:
        WebhookSignatureError: the signature is missing or wrong (checked first).
        ValueError: a topic this function does not parse, or an unreadable payload.
    """
    verify_webhook(body, signature, secret)
    if topic not in ORDER_TOPICS:
        msg = f"webhook topic {topic!r} is not parsed (parsed: {', '.join(sorted(ORDER_TOPICS))})"
        raise ValueError(msg)
    payload = json.loads(body, parse_float=Decimal)
    order = _dto.structure(_order_node(payload), _dto.Order)
    return mapping.sales_order(order, shop=shop, presentment=presentment)
