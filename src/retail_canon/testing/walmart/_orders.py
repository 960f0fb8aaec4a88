"""Walmart purchase orders built from canonical `SalesOrder`s, for seeding `WalmartFake`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from retail_canon.models import Address, Money, OrderLine, SalesOrder, TaxLine

__all__ = ["order_record", "postal_address"]

_ALPHA3 = {"US": "USA", "PR": "PRI", "GU": "GUM", "VI": "VIR", "AS": "ASM", "MP": "MNP"}


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _number(value: Decimal) -> float | int:
    """A JSON number whose text is the decimal's (Walmart sends amounts as numbers)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _money(value: Money) -> dict[str, Any]:
    return {"currency": value.currency, "amount": _number(value.amount)}


def _tax(tax: TaxLine | None) -> dict[str, Any] | None:
    if tax is None:
        return None
    return {"taxName": tax.title, "taxAmount": _money(tax.amount)}


def postal_address(address: Address) -> dict[str, Any]:
    """The ``postalAddress`` of an `Address` (country as alpha-3, e.g. ``USA``)."""
    lines = list(address.lines)
    return {
        "name": address.name,
        "address1": lines[0] if lines else None,
        "address2": ", ".join(lines[1:]) or None,
        "city": address.city,
        "state": address.region,
        "postalCode": address.postal_code,
        "country": _ALPHA3.get(address.country, address.country),
        "addressType": "RESIDENTIAL",
    }


def _charges(line: OrderLine) -> list[dict[str, Any]]:
    """The line's ``PRODUCT`` charges (a Walmart charge carries one tax).

    The line total with its first tax, then a zero charge per further tax line.
    """
    currency = line.unit_price.currency
    total = Money(amount=line.unit_price.amount * line.quantity.value, currency=currency)
    taxes: list[TaxLine | None] = list(line.tax_lines) or [None]
    return [
        {
            "chargeType": "PRODUCT",
            "chargeName": "ItemPrice",
            "chargeAmount": _money(total if n == 0 else Money.zero(currency)),
            "tax": _tax(tax),
        }
        for n, tax in enumerate(taxes)
    ]


def _statuses(line: OrderLine, status: str) -> list[dict[str, Any]]:
    """The line's units by status: cancelled, shipped (fulfilled), the rest in ``status``."""
    open_ = line.quantity.value - line.quantity_cancelled - line.quantity_fulfilled
    parts = [
        (status, open_),
        ("Shipped", line.quantity_fulfilled),
        ("Cancelled", line.quantity_cancelled),
    ]
    return [
        {"status": name, "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(qty)}}
        for name, qty in parts
        if qty > 0
    ]


def order_record(order: SalesOrder, status: str = "Created") -> dict[str, Any]:
    """The Walmart purchase order of a `SalesOrder`.

    Carries what `retail_canon.connectors.walmart.mapping.sales_order` reads back: per line
    the product charge and tax lines, the units cancelled, shipped and open (in
    ``status``); the order's shipping lines as ``SHIPPING`` charges of the first line (one
    tax each); the service level, ship-by and deliver-by dates; the ship-to address with
    its phone; the customer's email as ``customerEmailId``. The purchase order id is the
    order id without ``walmart-``, a line number the end of a line id
    ``walmart-<po>-<n>`` (else the line's position).
    """
    po = order.order_id.removeprefix("walmart-")
    stamp = _ms(order.updated_at or order.placed_at)
    lines = []
    for n, line in enumerate(order.lines, start=1):
        number = line.line_id.removeprefix(f"walmart-{po}-")
        if number == line.line_id or not number:
            number = str(n)
        charges = _charges(line)
        if n == 1:
            charges += [
                {
                    "chargeType": "SHIPPING",
                    "chargeName": shipping.title,
                    "chargeAmount": _money(shipping.price),
                    "tax": _tax(shipping.tax_lines[0] if shipping.tax_lines else None),
                }
                for shipping in order.shipping_lines
            ]
        lines.append(
            {
                "lineNumber": number,
                "item": {"productName": line.title, "sku": line.sku},
                "charges": {"charge": charges},
                "orderLineQuantity": {
                    "unitOfMeasurement": "EACH",
                    "amount": str(line.quantity.value),
                },
                "statusDate": stamp,
                "orderLineStatuses": {"orderLineStatus": _statuses(line, status)},
            }
        )
    info: dict[str, Any] = {
        "methodCode": order.service_level or "Standard",
        "estimatedShipDate": None if order.ship_by is None else _ms(order.ship_by),
        "estimatedDeliveryDate": None if order.deliver_by is None else _ms(order.deliver_by),
    }
    if order.ship_to is not None:
        info["phone"] = order.ship_to.phone
        info["postalAddress"] = postal_address(order.ship_to)
    record: dict[str, Any] = {
        "purchaseOrderId": po,
        "customerOrderId": order.order_number or f"C{po}",
        "orderDate": _ms(order.placed_at),
        "shippingInfo": info,
        "orderLines": {"orderLine": lines},
    }
    if order.customer is not None and order.customer.email:
        record["customerEmailId"] = order.customer.email
    return record
