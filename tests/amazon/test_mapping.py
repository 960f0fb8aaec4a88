"""Mapping Amazon orders to `SalesOrder`: hand-written v0 and 2026-01-01 fixtures, every
status, both money shapes with string or number amounts, AFN/MFN, facilitator tax,
promotions, missing PII, and v0 vs 2026-01-01 equivalence."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from amazon.samples import make_order
from retail_canon import UnknownStatusValue
from retail_canon.connectors.amazon import mapping
from retail_canon.connectors.amazon._dto import V0, V2026, AmzMoney, ItemV0, OrderV0, OrderV2026
from retail_canon.models import FulfilledBy, Money, OrderStatus, SalesOrder, TaxLiability
from retail_canon.normalize.status import (
    AMAZON_FULFILLMENT_STATUS,
    AMAZON_ORDER_STATUS_V0,
)
from retail_canon.testing.amazon import items_v0, order_v0, order_v2026

ORDER_V0: dict[str, Any] = {
    "AmazonOrderId": "902-3159896-1390916",
    "PurchaseDate": "2026-03-01T22:02:51Z",
    "LastUpdateDate": "2026-03-02T08:00:00Z",
    "OrderStatus": "Unshipped",
    "FulfillmentChannel": "MFN",
    "SalesChannel": "Amazon.com",
    "ShipServiceLevel": "Std US D2D Dom",
    "OrderTotal": {"CurrencyCode": "USD", "Amount": "53.20"},
    "NumberOfItemsShipped": 0,
    "MarketplaceId": "ATVPDKIKX0DER",
    "LatestShipDate": "2026-03-04T06:59:59Z",
    "IsPrime": False,
    "SomeFutureField": {"ignored": True},
}
ITEMS_V0: list[dict[str, Any]] = [
    {
        "ASIN": "B00551Q3CS",
        "OrderItemId": "05015851154158",
        "SellerSKU": "NABetaASINB00551Q3CS",
        "Title": "Kettle",
        "QuantityOrdered": 2,
        "QuantityShipped": 0,
        "ItemPrice": {"CurrencyCode": "USD", "Amount": "40.00"},
        "ItemTax": {"CurrencyCode": "USD", "Amount": 3.3},
        "PromotionDiscount": {"CurrencyCode": "USD", "Amount": "4.00"},
        "PromotionIds": ["SPRING-10"],
        "ShippingPrice": {"CurrencyCode": "USD", "Amount": "4.99"},
        "ShippingTax": {"CurrencyCode": "USD", "Amount": "0.41"},
        "TaxCollection": {
            "Model": "MarketplaceFacilitator",
            "ResponsibleParty": "Amazon Services, Inc.",
        },
        "IsGift": "false",
    }
]
ORDER_2026: dict[str, Any] = {
    "orderId": "902-3159896-1390916",
    "createdTime": "2026-03-01T22:02:51Z",
    "lastUpdatedTime": "2026-03-02T08:00:00Z",
    "salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER"},
    "proceeds": {"grandTotal": {"amount": "53.20", "currencyCode": "USD"}},
    "fulfillment": {
        "fulfillmentStatus": "UNSHIPPED",
        "fulfilledBy": "MERCHANT",
        "fulfillmentServiceLevel": "Std US D2D Dom",
        "shipByWindow": {"latestDateTime": "2026-03-04T06:59:59Z"},
    },
    "orderItems": [
        {
            "orderItemId": "05015851154158",
            "quantityOrdered": 2,
            "product": {
                "asin": "B00551Q3CS",
                "sellerSku": "NABetaASINB00551Q3CS",
                "title": "Kettle",
                "price": {"unitPrice": {"amount": 20, "currencyCode": "USD"}},
            },
            "proceeds": {
                "breakdowns": [
                    {"type": "ITEM", "subtotal": {"amount": "40.00", "currencyCode": "USD"}},
                    {"type": "SHIPPING", "subtotal": {"amount": "4.99", "currencyCode": "USD"}},
                    {
                        "type": "TAX",
                        "detailedBreakdowns": [
                            {"subtype": "ITEM", "value": {"amount": "3.3", "currencyCode": "USD"}},
                            {
                                "subtype": "SHIPPING",
                                "value": {"amount": "0.41", "currencyCode": "USD"},
                            },
                        ],
                    },
                    {
                        "type": "DISCOUNT",
                        "detailedBreakdowns": [
                            {"subtype": "ITEM", "value": {"amount": "-4.00", "currencyCode": "USD"}}
                        ],
                    },
                ]
            },
            "promotion": {"breakdowns": [{"promotionId": "SPRING-10"}]},
            "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": 2},
            "tax": {
                "taxCollections": [
                    {
                        "model": "MARKETPLACE_FACILITATOR",
                        "responsibleParty": "Amazon Services, Inc.",
                    }
                ]
            },
        }
    ],
}


def from_v0(order: dict[str, Any], items: list[dict[str, Any]]) -> SalesOrder:
    return mapping.order_from_v0(
        V0.structure(order, OrderV0), [V0.structure(i, ItemV0) for i in items]
    )


def from_v2026(order: dict[str, Any]) -> SalesOrder:
    return mapping.order_from_v2026(V2026.structure(order, OrderV2026))


def without_source_status(order: SalesOrder) -> SalesOrder:
    return order.model_copy(update={"source_status": None})


def test_v0_order_maps_prices_taxes_promotions_and_shipping():
    order = from_v0(ORDER_V0, ITEMS_V0)
    (line,) = order.lines
    assert order.status is OrderStatus.OPEN
    assert order.source_status == "Unshipped"
    assert order.fulfilled_by is FulfilledBy.SELLER
    assert line.unit_price == Money(amount="20.00", currency="USD")  # ItemPrice is extended
    assert str(line.unit_price.amount) == "20.00"
    assert line.sku == "NABetaASINB00551Q3CS"
    assert line.source_line_id == "05015851154158"
    assert [r.value for r in line.item_refs] == ["B00551Q3CS"]
    assert line.discounts[0].amount == Money(amount="4.00", currency="USD")
    assert line.discounts[0].code == "SPRING-10"
    (tax,) = line.tax_lines
    assert tax.amount.amount == Decimal("3.3")  # a JSON number amount
    assert tax.liability is TaxLiability.MARKETPLACE
    assert tax.responsible_party == "Amazon Services, Inc."
    (ship,) = order.shipping_lines
    assert ship.price.amount == Decimal("4.99")
    assert ship.tax_lines[0].liability is TaxLiability.MARKETPLACE
    assert order.totals is not None
    assert order.totals.grand_total.amount == Decimal("53.20")
    assert order.ship_by is not None
    assert order.ship_by.isoformat() == "2026-03-04T06:59:59+00:00"


def test_missing_pii_is_absent_not_an_error():
    order = from_v0(ORDER_V0, ITEMS_V0)
    assert order.customer is None
    assert order.ship_to is None
    with_pii = {
        **ORDER_V0,
        "BuyerInfo": {"BuyerEmail": "x@marketplace.amazon.com"},
        "ShippingAddress": {"City": "Seattle", "CountryCode": "US", "AddressLine1": "1 Main"},
    }
    order = from_v0(with_pii, ITEMS_V0)
    assert order.customer is not None
    assert order.customer.email == "x@marketplace.amazon.com"
    assert order.ship_to is not None
    assert order.ship_to.lines == ("1 Main",)


def test_v0_and_2026_fixtures_give_the_same_sales_order():
    old, new = from_v0(ORDER_V0, ITEMS_V0), from_v2026(ORDER_2026)
    assert old.source_status == "Unshipped"
    assert new.source_status == "UNSHIPPED"
    assert without_source_status(old) == without_source_status(new)


@pytest.mark.parametrize("i", range(24))
def test_the_fake_renders_both_apis_to_the_same_order(i):
    # Every status, AFN/MFN, seller and facilitator tax, promotions, shipping, multi-line.
    seeded = make_order(i)
    old = from_v0(order_v0(seeded, pii=True), items_v0(seeded))
    new = from_v2026(order_v2026(seeded))
    assert old == seeded
    if seeded.source_status == "InvoiceUnconfirmed":  # 2026-01-01 has no such status
        assert new.status is OrderStatus.FULFILLED
        return
    assert without_source_status(new) == without_source_status(seeded)


def test_seller_collected_tax_is_the_sellers_liability():
    items = [{**ITEMS_V0[0], "TaxCollection": None}]
    assert from_v0(ORDER_V0, items).lines[0].tax_lines[0].liability is TaxLiability.SELLER


def test_afn_orders_are_fulfilled_by_the_marketplace():
    assert (
        from_v0({**ORDER_V0, "FulfillmentChannel": "AFN"}, ITEMS_V0).fulfilled_by
        is FulfilledBy.MARKETPLACE
    )
    afn = {**ORDER_2026, "fulfillment": {**ORDER_2026["fulfillment"], "fulfilledBy": "AMAZON"}}
    assert from_v2026(afn).fulfilled_by is FulfilledBy.MARKETPLACE


@pytest.mark.parametrize("raw", sorted(AMAZON_ORDER_STATUS_V0.values))
def test_every_v0_status(raw):
    order = from_v0({**ORDER_V0, "OrderStatus": raw}, ITEMS_V0)
    assert order.status is AMAZON_ORDER_STATUS_V0.values[raw]
    assert order.source_status == raw


@pytest.mark.parametrize("raw", sorted(AMAZON_FULFILLMENT_STATUS.values))
def test_every_2026_status(raw):
    body = {**ORDER_2026, "fulfillment": {**ORDER_2026["fulfillment"], "fulfillmentStatus": raw}}
    assert from_v2026(body).status is AMAZON_FULFILLMENT_STATUS.values[raw]


def test_the_two_spellings_of_cancelled():
    assert (
        from_v0({**ORDER_V0, "OrderStatus": "Canceled"}, ITEMS_V0).status is OrderStatus.CANCELLED
    )
    body = {
        **ORDER_2026,
        "fulfillment": {**ORDER_2026["fulfillment"], "fulfillmentStatus": "CANCELLED"},
    }
    assert from_v2026(body).status is OrderStatus.CANCELLED


def test_an_unknown_status_is_other_with_a_warning():
    with pytest.warns(UnknownStatusValue, match="OnTheMoon"):
        order = from_v0({**ORDER_V0, "OrderStatus": "OnTheMoon"}, ITEMS_V0)
    assert order.status is OrderStatus.OTHER
    assert order.source_status == "OnTheMoon"


def test_pending_orders_without_prices_take_the_marketplace_currency():
    pending = {k: v for k, v in ORDER_V0.items() if k != "OrderTotal"}
    pending["OrderStatus"] = "Pending"
    pending["MarketplaceId"] = "A1PA6795UKMFR9"
    items = [{"ASIN": "B00551Q3CS", "OrderItemId": "1", "QuantityOrdered": 1}]
    order = from_v0(pending, items)
    assert order.currency == "EUR"
    assert order.lines[0].unit_price == Money.zero("EUR")
    assert order.lines[0].sku == "B00551Q3CS"  # no SellerSKU: the ASIN


@pytest.mark.parametrize(
    ("converter", "body"),
    [
        (V0, {"CurrencyCode": "JPY", "Amount": "1200"}),
        (V0, {"CurrencyCode": "JPY", "Amount": 1200}),
        (V2026, {"currencyCode": "JPY", "amount": "1200"}),
        (V2026, {"amount": 1200, "currencyCode": "JPY"}),
    ],
)
def test_order_money_shapes_string_or_number(converter, body):
    value = converter.structure(body, AmzMoney)
    assert mapping.money(value) == Money(amount="1200", currency="JPY")


def test_non_divisible_extended_price_keeps_an_exact_unit_price():
    items = [
        {
            **ITEMS_V0[0],
            "QuantityOrdered": 3,
            "ItemPrice": {"CurrencyCode": "USD", "Amount": "10.00"},
        }
    ]
    line = from_v0(ORDER_V0, items).lines[0]
    assert line.unit_price.amount * 3 == pytest.approx(Decimal("10.00"))


def test_a_bad_record_raises_for_the_stream_to_skip():
    with pytest.raises(ValueError, match="PurchaseDate"):
        from_v0({**ORDER_V0, "PurchaseDate": "not a date"}, ITEMS_V0)
