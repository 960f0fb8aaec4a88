"""Shopify webhooks: verified in constant time before anything parses them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal

import pytest

from retail_canon.connectors.shopify import (
    WebhookSignatureError,
    parse_webhook,
    verify_webhook,
)
from retail_canon.models import OrderStatus

SECRET = "rc-test-secret-shopify-webhook"

PAYLOAD = {
    "id": 820982911946154508,
    "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    "name": "#9999",
    "created_at": "2026-05-01T10:00:00-04:00",
    "updated_at": "2026-05-01T11:00:00-04:00",
    "processed_at": "2026-05-01T10:00:00-04:00",
    "cancelled_at": None,
    "closed_at": None,
    "currency": "USD",
    "presentment_currency": "USD",
    "financial_status": "paid",
    "fulfillment_status": "partial",
    "taxes_included": False,
    "total_price": "26.79",
    "subtotal_price": "24.98",
    "total_tax": "1.81",
    "total_discounts": "0.00",
    "line_items": [
        {
            "id": 866550311766439020,
            "sku": "MUG-1",
            "title": "Mug",
            "quantity": 2,
            "current_quantity": 2,
            "price": "12.49",
            "total_discount": "0.00",
            "tax_lines": [{"title": "State tax", "rate": 0.0725, "price": "1.81"}],
        }
    ],
}


def _sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_a_signed_order_delivery_becomes_a_sales_order():
    body = json.dumps(PAYLOAD).encode()
    order = parse_webhook(
        "orders/updated", body, signature=_sign(body), secret=SECRET, shop="fjordline"
    )
    assert order.order_id == "shopify-820982911946154508"
    assert order.status is OrderStatus.PARTIALLY_FULFILLED
    assert order.placed_at.isoformat() == "2026-05-01T14:00:00+00:00"
    assert order.lines[0].unit_price.amount == Decimal("12.49")
    assert order.lines[0].tax_lines[0].rate == Decimal("0.0725")
    assert order.totals is not None
    assert order.totals.grand_total.amount == Decimal("26.79")


@pytest.mark.parametrize(
    "signature",
    [None, "", _sign(b"another body"), _sign(json.dumps(PAYLOAD).encode(), "wrong-secret")],
)
def test_a_bad_signature_is_refused_and_the_body_never_parsed(signature):
    body = b"{not json at all"  # parsing would fail with ValueError, not the signature error
    with pytest.raises(WebhookSignatureError) as info:
        parse_webhook("orders/create", body, signature=signature, secret=SECRET, shop="s")
    assert SECRET not in str(info.value)


def test_verification_uses_a_constant_time_comparison(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    body = b"{}"
    verify_webhook(body, _sign(body), SECRET)
    assert len(calls) == 1


def test_topics_not_parsed_are_named():
    body = b"{}"
    with pytest.raises(ValueError, match="inventory_levels/update"):
        parse_webhook(
            "inventory_levels/update", body, signature=_sign(body), secret=SECRET, shop="s"
        )
