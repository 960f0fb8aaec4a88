"""Ship-to, bill-to and customer of Shopify orders: mapped from the GraphQL node, the bulk
result and the REST webhook; personal data masked in reprs; absent parts are `None`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal

import pytest

from _samples import ada_ship_to
from retail_canon.connectors.shopify import ShopifyConnector, _dto, mapping, parse_webhook
from retail_canon.models import Customer, TaxLiability
from retail_canon.testing import FakeClock
from retail_canon.testing.shopify import ACCESS_TOKEN, SHOP, ShopifyFake
from shopify.samples import make_orders

SHIP = {
    "name": "Ada Lovelace",
    "company": None,
    "address1": "12 Harbour Street",
    "address2": "Apt 4",
    "city": "Seattle",
    "province": "Washington",
    "provinceCode": "WA",
    "zip": "98101",
    "country": "United States",
    "countryCodeV2": "US",
    "phone": "+1 206 555 0100",
}
BILL = {**SHIP, "name": "Lovelace Ltd accounts", "company": "Lovelace Ltd", "address2": None}


def _bag(amount: str) -> dict[str, object]:
    money = {"amount": amount, "currencyCode": "USD"}
    return {"shopMoney": money, "presentmentMoney": money}


def _node(**fields: object) -> dict[str, object]:
    node: dict[str, object] = {
        "id": "gid://shopify/Order/7001",
        "createdAt": "2026-05-01T10:00:00Z",
        "updatedAt": "2026-05-01T10:00:00Z",
        "currencyCode": "USD",
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "email": "ada@example.invalid",
        "phone": None,
        "customer": {"id": "gid://shopify/Customer/42", "displayName": "Ada Lovelace"},
        "shippingAddress": SHIP,
        "billingAddress": BILL,
        "lineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/1",
                    "sku": "MUG-1",
                    "quantity": 1,
                    "originalUnitPriceSet": _bag("12.49"),
                    "taxLines": [
                        {"title": "WA", "channelLiable": False, "priceSet": _bag("0.91")},
                        {"title": "Seattle", "priceSet": _bag("0.50")},
                    ],
                }
            ]
        },
    }
    node.update(fields)
    return node


def _map(node: dict[str, object]):
    return mapping.sales_order(_dto.structure(node, _dto.Order), shop="fjordline")


def test_ship_to_bill_to_and_customer_are_mapped():
    order = _map(_node())
    assert order.ship_to == ada_ship_to("+1 206 555 0100")
    assert order.bill_to is not None
    assert order.bill_to.company == "Lovelace Ltd"
    assert order.bill_to.lines == ("12 Harbour Street",)
    assert order.customer is not None
    assert order.customer.customer_id == "gid://shopify/Customer/42"
    assert order.customer.name == "Ada Lovelace"
    assert order.customer.email == "ada@example.invalid"
    assert order.customer.phone is None
    assert [r.scheme for r in order.customer.external_refs] == ["customer_gid"]


def test_personal_data_is_masked_in_reprs():
    dto = _dto.structure(_node(phone="+1 206 555 0199"), _dto.Order)
    order = mapping.sales_order(dto, shop="fjordline")
    for text in (repr(order), repr(order.ship_to), repr(order.customer), repr(dto)):
        for secret in ("Ada", "Harbour", "555", "ada@example"):
            assert secret not in text, (secret, text)
    assert "Seattle" in repr(order.ship_to)  # the city is not personal data


def test_absent_parties_are_none_not_errors():
    order = _map(_node(email=None, customer=None, shippingAddress=None, billingAddress=None))
    assert (order.customer, order.ship_to, order.bill_to) == (None, None, None)
    bare = _node()
    for key in ("email", "phone", "customer", "shippingAddress", "billingAddress"):
        del bare[key]
    assert _map(bare).ship_to is None


def test_an_address_without_a_country_is_none_and_a_province_name_stands_in():
    order = _map(
        _node(
            shippingAddress={**SHIP, "countryCodeV2": None},
            billingAddress={**BILL, "provinceCode": None},
        )
    )
    assert order.ship_to is None
    assert order.bill_to is not None
    assert order.bill_to.region == "Washington"


def test_a_guest_checkout_is_a_customer_with_an_email_only():
    order = _map(_node(customer=None, phone="+1 206 555 0199"))
    assert order.customer == Customer(email="ada@example.invalid", phone="+1 206 555 0199")


def test_channel_liable_says_who_remits_the_tax():
    taxes = _map(_node()).lines[0].tax_lines
    assert [t.liability for t in taxes] == [TaxLiability.SELLER, TaxLiability.UNKNOWN]
    node = _node()
    node["lineItems"]["nodes"][0]["taxLines"][0]["channelLiable"] = True  # type: ignore[index]
    assert _map(node).lines[0].tax_lines[0].liability is TaxLiability.MARKETPLACE


@pytest.mark.parametrize("bulk", [False, True])
def test_reads_and_bulk_reads_carry_the_parties(bulk):
    fake = ShopifyFake(clock=FakeClock())
    (order,) = make_orders(1)
    fake.put_order(
        order,
        shippingAddress=SHIP,
        billingAddress=BILL,
        customer={"id": "gid://shopify/Customer/42", "displayName": "Ada Lovelace"},
        email="ada@example.invalid",
    )
    shop = ShopifyConnector(shop=SHOP, access_token=ACCESS_TOKEN, transport=fake, clock=fake.clock)
    read = shop.bulk_orders(poll_interval=10.0).orders if bulk else list(shop.read_orders())
    assert read[0].ship_to is not None
    assert read[0].ship_to.postal_code == "98101"
    assert read[0].bill_to is not None
    assert read[0].bill_to.company == "Lovelace Ltd"
    assert read[0].customer is not None
    assert read[0].customer.name == "Ada Lovelace"


def test_the_queries_ask_for_the_parties():
    from retail_canon.connectors.shopify._bulk import bulk_query
    from retail_canon.connectors.shopify._graphql import ORDERS_QUERY

    for query in (ORDERS_QUERY, bulk_query(None)):
        for field in ("shippingAddress {", "billingAddress {", "customer {", "countryCodeV2"):
            assert field in query
        assert "channelLiable" in query


def test_a_webhook_order_carries_the_rest_addresses_and_customer():
    secret = "rc-test-secret-shopify-webhook"
    rest_address = {
        "name": "Ada Lovelace",
        "address1": "12 Harbour Street",
        "address2": "",
        "city": "Seattle",
        "province": "Washington",
        "province_code": "WA",
        "zip": "98101",
        "country_code": "US",
        "phone": None,
    }
    payload = {
        "id": 7001,
        "created_at": "2026-05-01T10:00:00Z",
        "currency": "USD",
        "financial_status": "paid",
        "fulfillment_status": None,
        "email": "ada@example.invalid",
        "customer": {"id": 42, "first_name": "Ada", "last_name": "Lovelace"},
        "shipping_address": rest_address,
        "line_items": [
            {
                "id": 1,
                "sku": "MUG-1",
                "quantity": 1,
                "price": "12.49",
                "tax_lines": [{"title": "WA", "price": "0.91", "channel_liable": False}],
            }
        ],
    }
    body = json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    order = parse_webhook(
        "orders/create", body, signature=signature.decode(), secret=secret, shop="fjordline"
    )
    assert order.ship_to is not None
    assert order.ship_to.lines == ("12 Harbour Street",)
    assert order.ship_to.region == "WA"
    assert order.bill_to is None
    assert order.customer is not None
    assert order.customer.customer_id == "gid://shopify/Customer/42"
    assert order.customer.name == "Ada Lovelace"
    assert order.lines[0].tax_lines[0].liability is TaxLiability.SELLER
    assert order.lines[0].tax_lines[0].amount.amount == Decimal("0.91")
