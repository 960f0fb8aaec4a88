"""Shopify webhooks: signature verification (constant time) and canonical events.

A delivery is verified before anything reads it: ``X-Shopify-Hmac-Sha256`` must be the
base64 HMAC-SHA256 of the raw body under the app's client secret. A bad or missing
signature raises `WebhookSignatureError` and the body is never parsed.

Topics: ``orders/create`` and ``orders/updated`` → `SalesOrder`; ``refunds/create`` →
`ReturnAuthorization` (the mapping of `ShopifyConnector.read_returns`);
``inventory_levels/update`` → `InventoryLevelUpdate`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, overload

import attrs
from pydantic import SecretStr

from retail_canon.connectors import ConnectorError
from retail_canon.connectors.shopify import _dto, mapping
from retail_canon.models import ExternalRef, ReturnAuthorization, ReturnStatus, SalesOrder
from retail_canon.normalize.dates import parse_timestamp

__all__ = [
    "ORDER_TOPICS",
    "TOPICS",
    "InventoryLevelUpdate",
    "WebhookSignatureError",
    "parse_webhook",
    "verify_webhook",
]

ORDER_TOPICS = frozenset({"orders/create", "orders/updated"})
"""Topics `parse_webhook` turns into a `SalesOrder`."""

TOPICS = ORDER_TOPICS | {"refunds/create", "inventory_levels/update"}
"""Every topic `parse_webhook` reads."""


@attrs.frozen(slots=True)
class InventoryLevelUpdate:
    """An ``inventory_levels/update`` delivery: the new ``available`` of one level.

    Shopify sends the inventory item and location, not the SKU, and only the
    ``available`` quantity (not ``on_hand``): resolve the item to a SKU
    (`ShopifyConnector.read_inventory` has it in ``external_refs``) before building an
    `InventoryPosition`.

    Attributes:
        inventory_item_id: the inventory item's GID.
        location_id: the location's number (as `InventoryPosition.location_id`).
        available: the new ``available`` quantity; `None` when the item is not tracked.
        updated_at: when it changed (timezone-aware UTC).
    """

    inventory_item_id: str
    location_id: str
    available: Decimal | None
    updated_at: datetime


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


def _address_node(address: Any) -> dict[str, Any] | None:
    """A REST ``shipping_address`` / ``billing_address`` as a GraphQL ``MailingAddress``."""
    if not isinstance(address, dict):
        return None
    return {
        "name": address.get("name"),
        "company": address.get("company"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "province": address.get("province"),
        "provinceCode": address.get("province_code"),
        "zip": address.get("zip"),
        "countryCodeV2": address.get("country_code"),
        "phone": address.get("phone"),
    }


def _customer_node(customer: Any) -> dict[str, Any] | None:
    """A REST ``customer`` as the GraphQL ``Customer`` fields the DTO reads."""
    if not isinstance(customer, dict) or customer.get("id") is None:
        return None
    names = (customer.get("first_name"), customer.get("last_name"))
    return {
        "id": _gid("Customer", customer["id"], customer.get("admin_graphql_api_id")),
        "displayName": " ".join(n for n in names if n) or None,
    }


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
        "email": payload.get("email") or payload.get("contact_email"),
        "phone": payload.get("phone"),
        "customer": _customer_node(payload.get("customer")),
        "shippingAddress": _address_node(payload.get("shipping_address")),
        "billingAddress": _address_node(payload.get("billing_address")),
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
                        "channelLiable": tax.get("channel_liable"),
                        "priceSet": _bag(tax["price"], currency, tax.get("price_set")),
                    }
                    for tax in item.get("tax_lines") or []
                ],
            }
            for item in payload["line_items"]
        ],
    }


def _gid(kind: str, value: Any, gid: Any = None) -> str:
    return str(gid) if gid else f"gid://shopify/{kind}/{value}"


def _refund_node(payload: dict[str, Any], currency: str) -> dict[str, Any]:
    """A REST refund payload in the Admin GraphQL shape the DTOs read."""
    linked = payload.get("return") or None
    return {
        "id": _gid("Refund", payload["id"], payload.get("admin_graphql_api_id")),
        "createdAt": payload["created_at"],
        "note": payload.get("note"),
        "return": None
        if not linked
        else {"id": _gid("Return", linked.get("id"), linked.get("admin_graphql_api_id"))},
        "refundLineItems": [
            {
                "quantity": item["quantity"],
                "restockType": str(item.get("restock_type") or "").upper() or None,
                "lineItem": {
                    "id": _gid(
                        "LineItem",
                        item.get("line_item_id") or (item.get("line_item") or {}).get("id"),
                    ),
                    "sku": (item.get("line_item") or {}).get("sku"),
                },
                "subtotalSet": _bag(item.get("subtotal", "0"), currency, item.get("subtotal_set")),
                "totalTaxSet": _bag(
                    item.get("total_tax", "0"), currency, item.get("total_tax_set")
                ),
            }
            for item in payload.get("refund_line_items") or []
        ],
    }


def _refund(payload: dict[str, Any], shop: str, presentment: bool) -> ReturnAuthorization:
    currency = payload.get("currency") or next(
        (t.get("currency") for t in payload.get("transactions") or [] if t.get("currency")),
        None,
    )
    if not currency:
        msg = "refunds/create: no currency in the payload (transactions[].currency)"
        raise ValueError(msg)
    refund = _dto.structure(_refund_node(payload, currency), _dto.Refund)
    order_gid = _gid("Order", payload["order_id"])
    ra = mapping.refund_authorization(
        refund, order_gid=order_gid, shop=shop, presentment=presentment
    )
    if refund.return_ is None:
        return ra
    # Refund of a Shopify return: the same RMA as `read_returns`, its state unknown here.
    ref = ExternalRef(system=mapping.CHANNEL, scheme="return_gid", value=refund.return_.id)
    return ReturnAuthorization.model_validate(
        {
            **ra.model_dump(),
            "rma_id": mapping.return_id(refund.return_.id),
            "status": ReturnStatus.OTHER,
            "closed_at": None,
            "external_refs": [ref.model_dump(), *(r.model_dump() for r in ra.external_refs)],
        }
    )


def _level(payload: dict[str, Any]) -> InventoryLevelUpdate:
    available = payload.get("available")
    return InventoryLevelUpdate(
        inventory_item_id=_gid("InventoryItem", payload["inventory_item_id"]),
        location_id=str(payload["location_id"]),
        available=None if available is None else Decimal(str(available)),
        updated_at=parse_timestamp(payload["updated_at"], field="updated_at"),
    )


@overload
def parse_webhook(
    topic: Literal["orders/create", "orders/updated"],
    body: bytes,
    *,
    signature: str | None,
    secret: SecretStr | str,
    shop: str,
    presentment: bool = False,
) -> SalesOrder: ...
@overload
def parse_webhook(
    topic: Literal["refunds/create"],
    body: bytes,
    *,
    signature: str | None,
    secret: SecretStr | str,
    shop: str,
    presentment: bool = False,
) -> ReturnAuthorization: ...
@overload
def parse_webhook(
    topic: Literal["inventory_levels/update"],
    body: bytes,
    *,
    signature: str | None,
    secret: SecretStr | str,
    shop: str,
    presentment: bool = False,
) -> InventoryLevelUpdate: ...
@overload
def parse_webhook(
    topic: str,
    body: bytes,
    *,
    signature: str | None,
    secret: SecretStr | str,
    shop: str,
    presentment: bool = False,
) -> SalesOrder | ReturnAuthorization | InventoryLevelUpdate: ...
def parse_webhook(
    topic: str,
    body: bytes,
    *,
    signature: str | None,
    secret: SecretStr | str,
    shop: str,
    presentment: bool = False,
) -> SalesOrder | ReturnAuthorization | InventoryLevelUpdate:
    """A verified delivery as a canonical event.

    ``orders/create`` and ``orders/updated`` → `SalesOrder`; ``refunds/create`` →
    `ReturnAuthorization` (``shopify-refund-<n>``, closed, for a refund without a
    Shopify return; ``shopify-return-<n>`` with status ``OTHER`` for the refund of a
    return, whose state the delivery does not tell); ``inventory_levels/update`` →
    `InventoryLevelUpdate`.

    Args:
        topic: the ``X-Shopify-Topic`` header.
        body: the raw request body, exactly as received.
        signature: the ``X-Shopify-Hmac-Sha256`` header.
        secret: the app's client secret.
        shop: the shop, for external references.
        presentment: amounts in presentment currency instead of shop currency.

    Raises:
        WebhookSignatureError: the signature is missing or wrong (checked first; the body
            is then never parsed).
        ValueError: a topic this function does not parse, or an unreadable payload.
    """
    verify_webhook(body, signature, secret)
    if topic not in TOPICS:
        msg = f"webhook topic {topic!r} is not parsed (parsed: {', '.join(sorted(TOPICS))})"
        raise ValueError(msg)
    payload = json.loads(body, parse_float=Decimal)
    if not isinstance(payload, dict):
        msg = f"{topic}: the payload is not a JSON object"
        raise ValueError(msg)
    try:
        if topic == "refunds/create":
            return _refund(payload, shop, presentment)
        if topic == "inventory_levels/update":
            return _level(payload)
        order = _dto.structure(_order_node(payload), _dto.Order)
    except (KeyError, TypeError) as exc:
        msg = f"{topic}: unreadable payload ({type(exc).__name__}: {exc})"
        raise ValueError(msg) from exc
    return mapping.sales_order(order, shop=shop, presentment=presentment)
