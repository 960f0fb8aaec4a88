"""Walmart Marketplace API status tables (see shared reference marketplaces.md §3.2)."""

from __future__ import annotations

from retail_canon.models import OrderStatus
from retail_canon.normalize.status._core import StatusTable

__all__ = ["WALMART_ORDER_LINE_STATUS"]

WALMART_ORDER_LINE_STATUS = StatusTable(
    name="walmart.orders.orderLineStatus",
    enum=OrderStatus,
    source="Orders API, orderLine.orderLineStatuses.orderLineStatus[].status (per line)",
    values={
        "Created": OrderStatus.PENDING,
        "Acknowledged": OrderStatus.OPEN,
        "Shipped": OrderStatus.FULFILLED,
        "Delivered": OrderStatus.FULFILLED,
        "Cancelled": OrderStatus.CANCELLED,
        "Refund": OrderStatus.OTHER,
    },
    notes={
        "Created": "Released to the seller, awaiting acknowledgement.",
        "Delivered": "Delivery itself is a Shipment status (DELIVERED).",
        "Refund": "Refunds are Refund and ReturnAuthorization objects, not order states.",
    },
)
