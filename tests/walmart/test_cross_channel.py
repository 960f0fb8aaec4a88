"""The same logical order, sold on Amazon, Shopify and Walmart, maps to SalesOrders that
differ only in their source references (ids, numbers, channel, raw statuses, external refs),
ship-to address and customer included (issue #7)."""

from __future__ import annotations

import json
from decimal import Decimal

from retail_canon.connectors.amazon import mapping as amazon_mapping
from retail_canon.connectors.amazon._dto import V0, ItemV0, OrderV0
from retail_canon.connectors.shopify import _dto as shopify_dto
from retail_canon.connectors.shopify import mapping as shopify_mapping
from retail_canon.connectors.walmart import _dto as walmart_dto
from retail_canon.connectors.walmart import mapping as walmart_mapping
from retail_canon.models import SalesOrder
from walmart.samples import POSTAL

# Two mugs at 12.49 with 1.81 tax, and one cancelled teapot at 30.00, placed
# 2026-05-01T10:00:00.250Z, accepted by the seller, nothing shipped yet.


def _shopify_bag(amount: str) -> dict[str, object]:
    money = {"amount": amount, "currencyCode": "USD"}
    return {"shopMoney": money, "presentmentMoney": money}


SHOPIFY = {
    "id": "gid://shopify/Order/5001",
    "name": "#5001",
    "createdAt": "2026-05-01T10:00:00.250Z",
    "processedAt": "2026-05-01T10:00:00.250Z",
    "updatedAt": "2026-05-01T10:00:00.250Z",
    "currencyCode": "USD",
    "displayFinancialStatus": "PAID",
    "displayFulfillmentStatus": "UNFULFILLED",
    "lineItems": {
        "nodes": [
            {
                "id": "gid://shopify/LineItem/1",
                "sku": "MUG-1",
                "quantity": 2,
                "currentQuantity": 2,
                "originalUnitPriceSet": _shopify_bag("12.49"),
                "taxLines": [{"title": "Tax1", "priceSet": _shopify_bag("1.81")}],
            },
            {
                "id": "gid://shopify/LineItem/2",
                "sku": "TEAPOT-1",
                "quantity": 1,
                "currentQuantity": 0,
                "originalUnitPriceSet": _shopify_bag("30.00"),
            },
        ]
    },
}


def _charge(amount: float, tax: float | None) -> dict[str, object]:
    return {
        "chargeType": "PRODUCT",
        "chargeName": "ItemPrice",
        "chargeAmount": {"currency": "USD", "amount": amount},
        "tax": None
        if tax is None
        else {"taxName": "Tax1", "taxAmount": {"currency": "USD", "amount": tax}},
    }


def _status(status: str, amount: str) -> dict[str, object]:
    return {"status": status, "statusQuantity": {"unitOfMeasurement": "EACH", "amount": amount}}


WALMART = json.loads(
    json.dumps(
        {
            "purchaseOrderId": "1796277083022",
            "customerOrderId": "5281956426648",
            "orderDate": 1777629600250,
            "orderLines": {
                "orderLine": [
                    {
                        "lineNumber": "1",
                        "item": {"sku": "MUG-1"},
                        "charges": {"charge": [_charge(24.98, 1.81)]},
                        "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": "2"},
                        "orderLineStatuses": {"orderLineStatus": [_status("Acknowledged", "2")]},
                    },
                    {
                        "lineNumber": "2",
                        "item": {"sku": "TEAPOT-1"},
                        "charges": {"charge": [_charge(30.00, None)]},
                        "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": "1"},
                        "orderLineStatuses": {"orderLineStatus": [_status("Cancelled", "1")]},
                    },
                ]
            },
        }
    ),
    parse_float=Decimal,
)

SOURCE_REFERENCES = {
    "order_id",
    "order_number",
    "channel",
    "source_status",
    "external_refs",
    "payment_status",  # Shopify reports payment; Walmart collects it itself
}
LINE_REFERENCES = {"line_id", "source_line_id"}


def _without_references(order: SalesOrder) -> dict[str, object]:
    data = order.model_dump(exclude=SOURCE_REFERENCES)
    data["lines"] = [
        {k: v for k, v in line.items() if k not in LINE_REFERENCES} for line in data["lines"]
    ]
    return data


def test_the_same_order_maps_the_same_from_shopify_and_walmart():
    shopify = shopify_mapping.sales_order(
        shopify_dto.structure(SHOPIFY, shopify_dto.Order), shop="fjordline"
    )
    walmart = walmart_mapping.sales_order(walmart_dto.structure(WALMART, walmart_dto.Order))
    assert shopify.order_id != walmart.order_id
    assert _without_references(shopify) == _without_references(walmart)
    assert shopify.status == walmart.status
    assert shopify.lines[1].quantity_cancelled == walmart.lines[1].quantity_cancelled == 1


# -- Amazon, Shopify and Walmart, with the ship-to address and the customer ----------------
#
# Two mugs at 12.49 with 1.81 tax, placed 2026-05-01T10:00:00.250Z, accepted by the seller,
# nothing shipped yet, to Ada Lovelace in Seattle; the buyer known by an email address
# (Walmart sends no buyer name, so the logical order has none).

EMAIL = "3a31739d8b0a45a1@relay.example.invalid"
PHONE = "+1 206 555 0100"

AMAZON_ORDER = {
    "AmazonOrderId": "113-4925231-5081101",
    "SellerOrderId": "113-4925231-5081101",
    "PurchaseDate": "2026-05-01T10:00:00.250Z",
    "LastUpdateDate": "2026-05-01T10:00:00.250Z",
    "OrderStatus": "Unshipped",
    "FulfillmentChannel": "MFN",
    "MarketplaceId": "ATVPDKIKX0DER",
    "BuyerInfo": {"BuyerEmail": EMAIL},
    "ShippingAddress": {
        "Name": "Ada Lovelace",
        "AddressLine1": "12 Harbour Street",
        "AddressLine2": "Apt 4",
        "City": "Seattle",
        "StateOrRegion": "WA",
        "PostalCode": "98101",
        "CountryCode": "US",
        "Phone": PHONE,
    },
}
AMAZON_ITEMS = [
    {
        "ASIN": "B0EXAMPLE1",
        "OrderItemId": "41000000000011",
        "SellerSKU": "MUG-1",
        "QuantityOrdered": 2,
        "QuantityShipped": 0,
        "ItemPrice": {"CurrencyCode": "USD", "Amount": "24.98"},
        "ItemTax": {"CurrencyCode": "USD", "Amount": "1.81"},
    }
]

SHOPIFY_WITH_PARTIES = {
    **SHOPIFY,
    "email": EMAIL,
    "customer": {"id": "gid://shopify/Customer/42"},
    "shippingAddress": {
        "name": "Ada Lovelace",
        "address1": "12 Harbour Street",
        "address2": "Apt 4",
        "city": "Seattle",
        "province": "Washington",
        "provinceCode": "WA",
        "zip": "98101",
        "country": "United States",
        "countryCodeV2": "US",
        "phone": PHONE,
    },
    "lineItems": {
        "nodes": [
            {
                **SHOPIFY["lineItems"]["nodes"][0],  # type: ignore[index]
                "taxLines": [
                    {
                        "title": "WA State Tax",
                        "channelLiable": False,
                        "priceSet": _shopify_bag("1.81"),
                    }
                ],
            }
        ]
    },
}

WALMART_WITH_PARTIES = {
    **WALMART,
    "customerEmailId": EMAIL,
    "shippingInfo": {
        "phone": PHONE,
        "postalAddress": POSTAL,
    },
    "orderLines": {"orderLine": [WALMART["orderLines"]["orderLine"][0]]},
}

MORE_REFERENCES = {"marketplace_id"}  # Amazon's marketplace
MORE_LINE_REFERENCES = {"item_refs"}  # the ASIN
CUSTOMER_REFERENCES = {"customer_id", "external_refs"}  # Shopify's customer GID
TAX_LABELS = {"title", "liability", "responsible_party"}
"""Each channel's own words for a tax: its label, and who remits it where the channel says
(Amazon and Shopify here: the seller; Walmart's order API does not say: unknown)."""


def _comparable(order: SalesOrder) -> dict[str, object]:
    data = _without_references(order)
    for key in MORE_REFERENCES:
        data.pop(key)
    for line in data["lines"]:  # type: ignore[attr-defined]
        for key in MORE_LINE_REFERENCES:
            line.pop(key)
        line["tax_lines"] = [
            {k: v for k, v in tax.items() if k not in TAX_LABELS} for tax in line["tax_lines"]
        ]
    customer = data["customer"]
    assert isinstance(customer, dict)
    for key in CUSTOMER_REFERENCES:
        customer.pop(key)
    return data


def test_the_same_order_maps_the_same_from_amazon_shopify_and_walmart():
    amazon = amazon_mapping.order_from_v0(
        V0.structure(AMAZON_ORDER, OrderV0), [V0.structure(i, ItemV0) for i in AMAZON_ITEMS]
    )
    shopify = shopify_mapping.sales_order(
        shopify_dto.structure(SHOPIFY_WITH_PARTIES, shopify_dto.Order), shop="fjordline"
    )
    walmart = walmart_mapping.sales_order(
        walmart_dto.structure(WALMART_WITH_PARTIES, walmart_dto.Order)
    )
    assert len({amazon.order_id, shopify.order_id, walmart.order_id}) == 3
    assert amazon.ship_to is not None
    assert amazon.customer is not None
    assert _comparable(amazon) == _comparable(shopify) == _comparable(walmart)
    assert amazon.ship_to == shopify.ship_to == walmart.ship_to
    assert amazon.customer.email == EMAIL
    assert amazon.status == shopify.status == walmart.status
    taxes = [o.lines[0].tax_lines[0].liability for o in (amazon, shopify, walmart)]
    assert [t.value for t in taxes] == ["SELLER", "SELLER", "UNKNOWN"]
