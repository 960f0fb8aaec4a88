"""``confirmShipment`` (Orders v0): a canonical shipment as an Amazon package confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from retail_canon.connectors import RequestSpec, WriteOperation
from retail_canon.normalize.dates import parse_timestamp

if TYPE_CHECKING:
    from retail_canon.models import FulfillmentOrder, Shipment

__all__ = ["CARRIER_CODES", "ConfirmShipment", "confirmation_body"]

CARRIER_CODES = frozenset(
    {"UPS", "USPS", "FedEx", "DHL", "Amazon Shipping", "OnTrac", "Royal Mail", "Canada Post",
     "Australia Post", "Japan Post", "Yamato Transport", "Sagawa Express", "Hermes",
     "Deutsche Post", "DPD", "GLS", "TNT", "Colissimo", "Chronopost", "Correos", "PostNL"}
)  # fmt: skip
"""Carrier codes Amazon recognises (a common subset); others go as ``Other`` + name."""


def _item_id(fulfillment: FulfillmentOrder, line_id: str) -> str:
    for line in fulfillment.lines:
        if line.line_id == line_id:
            return line.sales_order_line_id.removeprefix(f"{fulfillment.sales_order_id}-")
    return line_id.removeprefix(f"{fulfillment.sales_order_id}-")


def confirmation_body(
    fulfillment: FulfillmentOrder, shipment: Shipment, marketplace_id: str
) -> dict[str, Any]:
    """The ``ConfirmShipmentRequest`` of one shipment (one Amazon package)."""
    if not shipment.carrier or not shipment.tracking_number:
        msg = f"shipment {shipment.shipment_id}: Amazon needs a carrier and a tracking number"
        raise ValueError(msg)
    shipped = shipment.shipped_at or fulfillment.fulfill_at
    if shipped is None:
        msg = f"shipment {shipment.shipment_id}: no shipped_at"
        raise ValueError(msg)
    package: dict[str, Any] = {
        "packageReferenceId": shipment.shipment_id,
        "carrierCode": shipment.carrier if shipment.carrier in CARRIER_CODES else "Other",
        "trackingNumber": shipment.tracking_number,
        "shipDate": parse_timestamp(shipped).isoformat().replace("+00:00", "Z"),
        "orderItems": [
            {
                "orderItemId": _item_id(fulfillment, line.fulfillment_line_id),
                "quantity": int(line.quantity.value),
            }
            for line in shipment.lines
        ],
    }
    if package["carrierCode"] == "Other":
        package["carrierName"] = shipment.carrier
    if shipment.service:
        package["shippingMethod"] = shipment.service
    return {"marketplaceId": marketplace_id, "packageDetail": package}


class ConfirmShipment(WriteOperation["FulfillmentOrder"]):
    """One ``confirmShipment`` per fulfillment order holding exactly one shipment.

    Confirming the same package again updates it (Amazon's documented behaviour), so the
    request is safe to repeat after a timeout.
    """

    operation = "confirmShipment"

    def request(self, item: FulfillmentOrder) -> RequestSpec:
        (shipment,) = item.shipments
        marketplace = self.connector.config.marketplace_ids[0]
        body = confirmation_body(item, shipment, marketplace)
        path = f"/orders/v0/orders/{item.sales_order_id}/shipmentConfirmation"
        return RequestSpec("POST", path, self.operation, json=body, idempotent=True)

    def key(self, item: FulfillmentOrder) -> str:
        return item.fulfillment_order_id
