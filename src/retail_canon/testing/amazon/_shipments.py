"""Orders v0 ``confirmShipment`` for `AmazonFake`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import httpx

from retail_canon.models import (
    FulfillmentLine,
    FulfillmentOrder,
    Quantity,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from retail_canon.normalize.dates import parse_timestamp
from retail_canon.testing._fake import FakeRequest, route

if TYPE_CHECKING:
    from retail_canon.testing.amazon._fake import AmazonFake

__all__ = ["ShipmentRoutes"]

_ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")


class ShipmentRoutes:
    """The package confirmations of `AmazonFake` (a mixin).

    ``confirmations`` maps ``(orderId, packageReferenceId)`` to the last body confirmed:
    confirming a package again replaces it, as on Amazon.
    """

    confirmations: dict[tuple[str, str], dict[str, Any]]

    @route("POST", "/orders/v0/orders/(?P<order_id>[^/]+)/shipmentConfirmation")
    def confirm_shipment(self, request: FakeRequest) -> httpx.Response:
        """``confirmShipment``: 204 No Content, or 400 ``InvalidInput``."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        order_id = request.path_params["order_id"]
        if not _ORDER_ID.match(order_id) or (fake.orders and order_id not in fake.orders):
            return fake.error_response(404, "NotFound", f"Order {order_id} not found.")
        body = request.json()
        package = body.get("packageDetail") if isinstance(body, dict) else None
        problems = []
        if not isinstance(package, dict):
            problems.append("packageDetail is required")
        else:
            for name in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate"):
                if not package.get(name):
                    problems.append(f"{name} is required")
            if package.get("carrierCode") == "Other" and not package.get("carrierName"):
                problems.append("carrierName is required when carrierCode is Other")
            if not package.get("orderItems"):
                problems.append("orderItems is required")
        if not body.get("marketplaceId"):
            problems.append("marketplaceId is required")
        if problems:
            return fake.error_response(400, "InvalidInput", "; ".join(problems))
        with fake._lock:
            self.confirmations[(order_id, str(package["packageReferenceId"]))] = body  # type: ignore[index]
        return httpx.Response(204)

    def shipments(self) -> list[FulfillmentOrder]:
        """The confirmed packages as fulfillment orders (id: the ``packageReferenceId``)."""
        out = []
        for (order_id, reference), body in self.confirmations.items():
            package = body["packageDetail"]
            items = package["orderItems"]
            carrier = package.get("carrierName") or package["carrierCode"]
            out.append(
                FulfillmentOrder(
                    fulfillment_order_id=reference,
                    sales_order_id=order_id,
                    origin_location_id="seller",
                    lines=tuple(
                        FulfillmentLine(
                            line_id=f"{reference}-{item['orderItemId']}",
                            sales_order_line_id=f"{order_id}-{item['orderItemId']}",
                            sku=str(item["orderItemId"]),
                            quantity=Quantity(value=item["quantity"]),
                            quantity_shipped=item["quantity"],
                        )
                        for item in items
                    ),
                    shipments=(
                        Shipment(
                            shipment_id=reference,
                            status=ShipmentStatus.IN_TRANSIT,
                            carrier=carrier,
                            service=package.get("shippingMethod"),
                            tracking_number=package["trackingNumber"],
                            shipped_at=parse_timestamp(package["shipDate"]),
                            lines=tuple(
                                ShipmentLine(
                                    fulfillment_line_id=f"{reference}-{item['orderItemId']}",
                                    sku=str(item["orderItemId"]),
                                    quantity=Quantity(value=item["quantity"]),
                                )
                                for item in items
                            ),
                        ),
                    ),
                )
            )
        return out
