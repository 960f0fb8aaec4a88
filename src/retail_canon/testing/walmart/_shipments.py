"""Shipping updates of `WalmartFake`: orders created from them, and reading them back."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from retail_canon.models import FulfillmentLine, FulfillmentOrder, Quantity, Shipment

__all__ = ["move_quantity", "order_from_updates", "shipped", "shipped_lines"]


def move_quantity(line: dict[str, Any], status: Mapping[str, Any], to: str) -> str | None:
    """Move ``statusQuantity`` open units of ``line`` to status ``to``; an error, or `None`."""
    amount = Decimal(status["statusQuantity"]["amount"])
    statuses = line["orderLineStatuses"]["orderLineStatus"]
    open_ = [s for s in statuses if s["status"] in ("Created", "Acknowledged")]
    if not open_ or Decimal(open_[0]["statusQuantity"]["amount"]) < amount:
        return "statusQuantity exceeds the open quantity"
    left = Decimal(open_[0]["statusQuantity"]["amount"]) - amount
    statuses.remove(open_[0])
    if left:
        quantity = {"unitOfMeasurement": "EACH", "amount": str(left)}
        statuses.append({**open_[0], "statusQuantity": quantity})
    moved = {k: v for k, v in status.items() if k != "status"}
    statuses.append({**moved, "status": to})
    return None


def order_from_updates(po: str, updates: list[dict[str, Any]], now: float) -> dict[str, Any]:
    """A purchase order holding the updated lines, acknowledged."""
    lines = []
    for update in updates:
        quantity = dict(update["orderLineStatuses"]["orderLineStatus"][0]["statusQuantity"])
        lines.append(
            {
                "lineNumber": update["lineNumber"],
                "item": {"productName": "?", "sku": f"SKU-{po}-{update['lineNumber']}"},
                "charges": {"charge": []},
                "orderLineQuantity": quantity,
                "statusDate": int(now * 1000),
                "orderLineStatuses": {
                    "orderLineStatus": [{"status": "Acknowledged", "statusQuantity": quantity}]
                },
            }
        )
    return {"purchaseOrderId": po, "orderDate": int(now * 1000), "orderLines": {"orderLine": lines}}


def shipped_lines(order: Mapping[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each ``(line, status)`` with status ``Shipped``."""
    return [
        (line, status)
        for line in order["orderLines"]["orderLine"]
        for status in line["orderLineStatuses"]["orderLineStatus"]
        if status["status"] == "Shipped"
    ]


def shipped(order: Mapping[str, Any]) -> FulfillmentOrder:
    """An order with shipped lines as a `FulfillmentOrder` with its latest tracking."""
    po = order["purchaseOrderId"]
    shipped = shipped_lines(order)
    tracking = shipped[-1][1].get("trackingInfo") or {}
    carrier = tracking.get("carrierName") or {}
    lines = {line["lineNumber"]: line for line, _ in shipped}
    return FulfillmentOrder(
        fulfillment_order_id=f"walmart-{po}",
        sales_order_id=f"walmart-{po}",
        origin_location_id="seller",
        lines=tuple(
            FulfillmentLine(
                line_id=f"walmart-{po}-{number}",
                sales_order_line_id=f"walmart-{po}-{number}",
                sku=line["item"]["sku"],
                quantity=Quantity(value=line["orderLineQuantity"]["amount"]),
                quantity_shipped=sum(
                    Decimal(s["statusQuantity"]["amount"]) for l2, s in shipped if l2 is line
                ),
            )
            for number, line in lines.items()
        ),
        shipments=(
            Shipment(
                shipment_id=f"walmart-{po}-{tracking.get('trackingNumber')}",
                carrier=carrier.get("carrier") or carrier.get("otherCarrier"),
                tracking_number=tracking.get("trackingNumber"),
                tracking_url=tracking.get("trackingURL"),
            ),
        ),
    )
