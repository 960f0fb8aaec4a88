"""The ``retail-canon demo`` scenario: a marketplace order through the canonical model."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any, TextIO

from retail_canon._exceptions import InvalidTransition
from retail_canon.models import (
    Address,
    Customer,
    ExternalRef,
    FulfilledBy,
    Money,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    Quantity,
    SalesOrder,
    ShippingLine,
    TaxLiability,
    TaxLine,
)

__all__ = ["SAMPLE_ORDER", "order_from_sample", "run"]

SAMPLE_ORDER: dict[str, Any] = {
    "AmazonOrderId": "113-0000000-0000001",
    "MarketplaceId": "ATVPDKIKX0DER",
    "PurchaseDate": "2026-11-20T17:04:11Z",
    "OrderStatus": "Unshipped",
    "FulfillmentChannel": "MFN",
    "CurrencyCode": "USD",
    "BuyerName": "Avery Example",
    "BuyerEmail": "avery@example.invalid",
    "ShippingAddress": {
        "Name": "Avery Example",
        "AddressLine1": "12 Sample Street",
        "City": "Springfield",
        "StateOrRegion": "IL",
        "PostalCode": "62701",
        "CountryCode": "US",
    },
    "Items": [
        {
            "OrderItemId": "41000000000001",
            "SellerSKU": "MUG-BLUE-12OZ",
            "ASIN": "B0EXAMPLE1",
            "Title": "Blue mug, 12 oz",
            "QuantityOrdered": 3,
            # Amazon's ItemPrice is the extended price (unit price × quantity).
            "ItemPrice": "38.97",
            "ItemTax": "3.22",
            "ShippingPrice": "4.99",
        },
    ],
}


def _amazon_ref(scheme: str, value: str, raw: dict[str, Any]) -> ExternalRef:
    return ExternalRef(system="amazon", scheme=scheme, value=value, scope=raw["MarketplaceId"])


def order_from_sample(raw: dict[str, Any]) -> SalesOrder:
    """Map the sample marketplace payload onto a canonical `SalesOrder`."""
    currency = raw["CurrencyCode"]
    address = raw["ShippingAddress"]
    lines: list[OrderLine] = []
    shipping = Money.zero(currency)
    for item in raw["Items"]:
        quantity = Quantity(value=item["QuantityOrdered"], uom="EA")
        extended = Money(amount=item["ItemPrice"], currency=currency)
        tax = TaxLine(
            amount=Money(amount=item["ItemTax"], currency=currency),
            liability=TaxLiability.MARKETPLACE,
            responsible_party="Amazon Services, Inc.",
        )
        lines.append(
            OrderLine(
                line_id=str(len(lines) + 1),
                source_line_id=item["OrderItemId"],
                sku=item["SellerSKU"],
                item_refs=(
                    ExternalRef(
                        system="amazon",
                        scheme="asin",
                        value=item["ASIN"],
                        scope=raw["MarketplaceId"],
                    ),
                ),
                title=item["Title"],
                quantity=quantity,
                unit_price=Money(amount=extended.amount / quantity.value, currency=currency).round(
                    ROUND_HALF_UP
                ),
                tax_lines=(tax,),
            )
        )
        shipping = shipping + Money(amount=item["ShippingPrice"], currency=currency)
    return SalesOrder(
        order_id=f"amazon-{raw['AmazonOrderId']}",
        order_number=raw["AmazonOrderId"],
        channel="amazon",
        marketplace_id=raw["MarketplaceId"],
        placed_at=raw["PurchaseDate"],
        currency=currency,
        status=OrderStatus.OPEN,
        source_status=raw["OrderStatus"],
        payment_status=PaymentStatus.PAID,
        fulfilled_by=FulfilledBy.SELLER
        if raw["FulfillmentChannel"] == "MFN"
        else FulfilledBy.MARKETPLACE,
        customer=Customer(name=raw["BuyerName"], email=raw["BuyerEmail"]),
        ship_to=Address(
            name=address["Name"],
            lines=(address["AddressLine1"],),
            city=address["City"],
            region=address["StateOrRegion"],
            postal_code=address["PostalCode"],
            country=address["CountryCode"],
        ),
        lines=tuple(lines),
        shipping_lines=(ShippingLine(title="Standard", price=shipping),),
        external_refs=(_amazon_ref("AmazonOrderId", raw["AmazonOrderId"], raw),),
    )


def run(out: TextIO) -> int:
    """Run the demo, writing to ``out``; return the process exit code."""
    order = order_from_sample(SAMPLE_ORDER)
    line = order.lines[0]
    out.write(f"1. mapped marketplace order {order.order_number} → SalesOrder {order.order_id}\n")
    price = line.unit_price
    out.write(
        f"   {line.sku}: {line.quantity.value} × {price.amount} {price.currency}"
        f" = {line.subtotal().amount} (marketplace sent the extended price)\n"
    )
    document = order.model_dump_json()
    out.write(f"2. canonical JSON: {len(document)} bytes, amounts as strings, e.g. ")
    out.write(f"{line.unit_price.model_dump_json()}\n")
    again = SalesOrder.model_validate_json(document)
    lossless = again == order and again.model_dump_json() == document
    out.write(f"3. read back from JSON: {'identical' if lossless else 'DIFFERENT'}\n")
    shipped = order.transition_to(OrderStatus.FULFILLED, source_status="Shipped")
    out.write(
        f"4. status {order.status} → {shipped.status} (source said {shipped.source_status!r})\n"
    )
    try:
        shipped.transition_to(OrderStatus.PENDING)
    except InvalidTransition as exc:
        out.write(f"5. refused: {exc}\n")
    out.write(f"6. personal data stays out of logs: {order.customer!r}\n")
    return 0 if lossless else 1
