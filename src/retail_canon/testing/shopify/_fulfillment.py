"""Fulfillment orders of `ShopifyFake`: seeding, ``fulfillmentCreate``, reading back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from retail_canon.models import (
    FulfillmentLine,
    FulfillmentOrder,
    FulfillmentStatus,
    Quantity,
    Shipment,
    ShipmentLine,
)

__all__ = ["FulfillmentOrders"]

_FO = "gid://shopify/FulfillmentOrder/"
_LINE = "gid://shopify/FulfillmentOrderLineItem/"


def _number(canonical_id: str) -> str:
    return canonical_id.removeprefix("shopify-")


class FulfillmentOrders:
    """The shop's fulfillment orders by GID.

    Args:
        autocreate: ``fulfillmentCreate`` on an unknown fulfillment order creates it from
            the request's line items (so the conformance suite needs no seeding).
    """

    def __init__(self, *, autocreate: bool) -> None:
        self.autocreate = autocreate
        self.records: dict[str, dict[str, Any]] = {}
        self._serial = 0

    def seed(self, orders: Iterable[FulfillmentOrder]) -> None:
        """Seed canonical fulfillment orders (ids ``shopify-<n>``), nothing shipped yet."""
        for order in orders:
            gid = _FO + _number(order.fulfillment_order_id)
            self.records[gid] = {
                "order": order.sales_order_id,
                "location": order.origin_location_id,
                "status": "OPEN",
                "lines": {
                    _LINE + _number(line.line_id): {
                        "sku": line.sku,
                        "order_line": line.sales_order_line_id,
                        "quantity": int(line.quantity.value),
                        "fulfilled": 0,
                    }
                    for line in order.lines
                },
                "fulfillments": [],
            }

    def create(self, fulfillment: dict[str, Any]) -> dict[str, Any]:
        """``fulfillmentCreate``: the payload, with ``userErrors`` naming refused fields."""
        groups = fulfillment.get("lineItemsByFulfillmentOrder") or []
        if len(groups) != 1:
            return _error(["fulfillment", "lineItemsByFulfillmentOrder"], "Exactly one expected")
        group = groups[0]
        gid, items = group["fulfillmentOrderId"], group.get("fulfillmentOrderLineItems") or []
        record = self.records.get(gid)
        if record is None and self.autocreate and items:
            record = self.records[gid] = {
                "order": "shopify-0",
                "location": "1",
                "status": "OPEN",
                "lines": {
                    i["id"]: {
                        "sku": i["id"].rsplit("/", 1)[-1],
                        "order_line": i["id"].rsplit("/", 1)[-1],
                        "quantity": int(i["quantity"]),
                        "fulfilled": 0,
                    }
                    for i in items
                },
                "fulfillments": [],
            }
        if record is None:
            return _error(["fulfillment", "lineItemsByFulfillmentOrder", "0"], "Not found")
        if record["status"] == "CLOSED":
            return _error(["fulfillment"], "Fulfillment order is already closed")
        wanted = items or [
            {"id": lid, "quantity": line["quantity"] - line["fulfilled"]}
            for lid, line in record["lines"].items()
        ]
        for index, item in enumerate(wanted):
            line = record["lines"].get(item["id"])
            where = ["fulfillment", "lineItemsByFulfillmentOrder", "0", str(index)]
            if line is None:
                return _error([*where, "id"], "Unknown fulfillment order line item")
            if int(item["quantity"]) > line["quantity"] - line["fulfilled"]:
                return _error([*where, "quantity"], "Quantity exceeds the open quantity")
        for item in wanted:
            record["lines"][item["id"]]["fulfilled"] += int(item["quantity"])
        self._serial += 1
        fid = f"gid://shopify/Fulfillment/{self._serial}"
        record["fulfillments"].append(
            {"id": fid, "tracking": dict(fulfillment.get("trackingInfo") or {}), "items": wanted}
        )
        done = all(line["fulfilled"] == line["quantity"] for line in record["lines"].values())
        record["status"] = "CLOSED" if done else "IN_PROGRESS"
        return {"fulfillment": {"id": fid, "status": "SUCCESS"}, "userErrors": []}

    def canonical(self) -> list[FulfillmentOrder]:
        """Every fulfillment order with its shipments, as `FulfillmentOrder` objects."""
        out = []
        for gid, record in self.records.items():
            lines = [
                FulfillmentLine(
                    line_id=f"shopify-{lid.rsplit('/', 1)[-1]}",
                    sales_order_line_id=line["order_line"],
                    sku=line["sku"],
                    quantity=Quantity(value=line["quantity"]),
                    quantity_shipped=line["fulfilled"],
                )
                for lid, line in record["lines"].items()
            ]
            shipments = [
                Shipment(
                    shipment_id=f"shopify-{f['id'].rsplit('/', 1)[-1]}",
                    carrier=f["tracking"].get("company"),
                    tracking_number=f["tracking"].get("number"),
                    tracking_url=f["tracking"].get("url"),
                    lines=tuple(
                        ShipmentLine(
                            fulfillment_line_id=f"shopify-{i['id'].rsplit('/', 1)[-1]}",
                            sku=record["lines"][i["id"]]["sku"],
                            quantity=Quantity(value=i["quantity"]),
                        )
                        for i in f["items"]
                        if int(i["quantity"]) > 0
                    ),
                )
                for f in record["fulfillments"]
            ]
            out.append(
                FulfillmentOrder(
                    fulfillment_order_id=f"shopify-{gid.rsplit('/', 1)[-1]}",
                    sales_order_id=record["order"],
                    origin_location_id=record["location"],
                    status=FulfillmentStatus(record["status"]),
                    source_status=record["status"],
                    lines=tuple(lines),
                    shipments=tuple(shipments),
                )
            )
        return out


def _error(field: list[str], message: str) -> dict[str, Any]:
    return {"fulfillment": None, "userErrors": [{"field": field, "message": message}]}
