"""The same logical order, sold on Shopify and on Walmart, maps to SalesOrders that differ
only in their source references (ids, numbers, channel, raw statuses, external refs)."""

from __future__ import annotations

import json
from decimal import Decimal

from retail_canon.connectors.shopify import _dto as shopify_dto
from retail_canon.connectors.shopify import mapping as shopify_mapping
from retail_canon.connectors.walmart import _dto as walmart_dto
from retail_canon.connectors.walmart import mapping as walmart_mapping
from retail_canon.models import SalesOrder

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
