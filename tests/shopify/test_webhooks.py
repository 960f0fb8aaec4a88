"""Shopify webhooks: verified in constant time before anything parses them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from retail_canon.connectors.shopify import (
    TOPICS,
    InventoryLevelUpdate,
    WebhookSignatureError,
    parse_webhook,
    verify_webhook,
)
from retail_canon.models import OrderStatus, ReturnAuthorization, ReturnStatus

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
    with pytest.raises(ValueError, match="inventory_levels/update, orders/create"):
        parse_webhook("products/update", body, signature=_sign(body), secret=SECRET, shop="s")


REFUND = {
    "id": 509562969,
    "admin_graphql_api_id": "gid://shopify/Refund/509562969",
    "order_id": 450789469,
    "created_at": "2026-05-03T12:00:00-04:00",
    "note": "it broke",
    "refund_line_items": [
        {
            "id": 104689539,
            "quantity": 1,
            "line_item_id": 703073504,
            "restock_type": "return",
            "subtotal": 195.66,
            "total_tax": 3.98,
            "subtotal_set": {
                "shop_money": {"amount": "195.66", "currency_code": "USD"},
                "presentment_money": {"amount": "180.02", "currency_code": "EUR"},
            },
            "line_item": {"id": 703073504, "sku": "IPOD2008BLACK"},
        }
    ],
    "transactions": [{"id": 1, "kind": "refund", "amount": "199.64", "currency": "USD"}],
}

LEVEL = {
    "inventory_item_id": 271878346596884015,
    "location_id": 24826418,
    "available": 6,
    "updated_at": "2026-05-03T12:00:00-04:00",
    "admin_graphql_api_id": "gid://shopify/InventoryLevel/24826418?inventory_item_id=1",
}


def test_a_signed_refund_delivery_becomes_a_return_authorization():
    body = json.dumps(REFUND).encode()
    ra = parse_webhook("refunds/create", body, signature=_sign(body), secret=SECRET, shop="s")
    assert isinstance(ra, ReturnAuthorization)
    assert ra.rma_id == "shopify-refund-509562969"
    assert ra.sales_order_id == "shopify-450789469"
    assert ra.status is ReturnStatus.CLOSED
    [line] = ra.lines
    assert (line.sales_order_line_id, line.sku) == ("shopify-703073504", "IPOD2008BLACK")
    assert line.quantity_received == Decimal(1)
    assert ra.refund is not None
    assert ra.refund.item_amount.amount == Decimal("195.66")  # exact, though sent as a number
    assert ra.refund.tax_amount is not None
    assert ra.refund.tax_amount.amount == Decimal("3.98")
    eur = parse_webhook(
        "refunds/create", body, signature=_sign(body), secret=SECRET, shop="s", presentment=True
    )
    assert eur.refund is not None
    assert eur.refund.item_amount.amount == Decimal("180.02")


def test_the_refund_of_a_return_names_the_return():
    payload = {**REFUND, "return": {"id": 31, "admin_graphql_api_id": "gid://shopify/Return/31"}}
    body = json.dumps(payload).encode()
    ra = parse_webhook("refunds/create", body, signature=_sign(body), secret=SECRET, shop="s")
    assert ra.rma_id == "shopify-return-31"  # the RMA read_returns gives
    assert ra.status is ReturnStatus.OTHER  # the delivery does not say where the return is
    assert ra.external_refs[0].value == "gid://shopify/Return/31"


def test_a_refund_without_items_or_currency_is_refused_as_unreadable():
    for payload, reason in (
        ({**REFUND, "refund_line_items": []}, "not a return"),
        ({**REFUND, "transactions": []}, "no currency"),
        ({"id": 1, "currency": "USD"}, "unreadable payload"),
    ):
        body = json.dumps(payload).encode()
        with pytest.raises(ValueError, match=reason):
            parse_webhook("refunds/create", body, signature=_sign(body), secret=SECRET, shop="s")


def test_a_signed_inventory_level_delivery_becomes_an_update():
    body = json.dumps(LEVEL).encode()
    update = parse_webhook(
        "inventory_levels/update", body, signature=_sign(body), secret=SECRET, shop="s"
    )
    assert isinstance(update, InventoryLevelUpdate)
    assert update.inventory_item_id == "gid://shopify/InventoryItem/271878346596884015"
    assert update.location_id == "24826418"
    assert update.available == Decimal(6)
    assert update.updated_at.isoformat() == "2026-05-03T16:00:00+00:00"
    body = json.dumps({**LEVEL, "available": None}).encode()
    untracked = parse_webhook(
        "inventory_levels/update", body, signature=_sign(body), secret=SECRET, shop="s"
    )
    assert untracked.available is None


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_topic_refuses_a_bad_signature_before_parsing(topic):
    body = b"\xff\xfe not even text"
    with pytest.raises(WebhookSignatureError):
        parse_webhook(topic, body, signature=_sign(b"other"), secret=SECRET, shop="s")


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=512), st.binary(min_size=1, max_size=64))
def test_only_the_exact_body_and_secret_verify(body, other):
    signature = _sign(body)
    verify_webhook(body, signature, SECRET)
    verify_webhook(body, signature, SecretStr(SECRET))
    with pytest.raises(WebhookSignatureError):
        verify_webhook(body + other, signature, SECRET)
