"""Amazon Selling Partner API status tables (see shared reference marketplaces.md §1.3)."""

from __future__ import annotations

from retail_canon.models import FulfillmentStatus, OrderStatus, SettlementStatus, ShipmentStatus
from retail_canon.normalize.status._core import StatusTable

__all__ = [
    "AMAZON_FULFILLMENT_STATUS",
    "AMAZON_MCF_ORDER_STATUS",
    "AMAZON_ORDER_STATUS_V0",
    "AMAZON_PACKAGE_STATUS",
    "AMAZON_PROCESSING_STATUS",
]

AMAZON_ORDER_STATUS_V0 = StatusTable(
    name="amazon.orders_v0.OrderStatus",
    enum=OrderStatus,
    source="Orders API v0, Order.OrderStatus",
    values={
        "Pending": OrderStatus.PENDING,
        "PendingAvailability": OrderStatus.PENDING,
        "Unshipped": OrderStatus.OPEN,
        "PartiallyShipped": OrderStatus.PARTIALLY_FULFILLED,
        "Shipped": OrderStatus.FULFILLED,
        "Canceled": OrderStatus.CANCELLED,
        "Unfulfillable": OrderStatus.OTHER,
        "InvoiceUnconfirmed": OrderStatus.OTHER,
    },
    notes={
        "Pending": "Placed; payment not yet authorized.",
        "PendingAvailability": "Preorder placed; the item is not available yet.",
        "Canceled": "One L in v0; the 2026-01-01 API writes CANCELLED.",
        "Unfulfillable": "Multi-Channel Fulfillment only; also set a hold.",
        "InvoiceUnconfirmed": "Shipped, invoice not yet confirmed to Amazon; also set a hold.",
    },
)

AMAZON_FULFILLMENT_STATUS = StatusTable(
    name="amazon.orders_2026_01_01.fulfillmentStatus",
    enum=OrderStatus,
    source="Orders API 2026-01-01, Order.fulfillment.fulfillmentStatus",
    values={
        "PENDING_AVAILABILITY": OrderStatus.PENDING,
        "PENDING": OrderStatus.PENDING,
        "UNSHIPPED": OrderStatus.OPEN,
        "PARTIALLY_SHIPPED": OrderStatus.PARTIALLY_FULFILLED,
        "SHIPPED": OrderStatus.FULFILLED,
        "CANCELLED": OrderStatus.CANCELLED,
        "UNFULFILLABLE": OrderStatus.OTHER,
    },
    notes={
        "CANCELLED": "Two Ls here; Orders v0 writes Canceled.",
        "UNFULFILLABLE": "Multi-Channel Fulfillment only; also set a hold.",
    },
)

AMAZON_PACKAGE_STATUS = StatusTable(
    name="amazon.orders_2026_01_01.packageStatus",
    enum=ShipmentStatus,
    source="Orders API 2026-01-01, package status (merchant-fulfilled packages)",
    values={
        "PENDING": ShipmentStatus.PENDING,
        "IN_TRANSIT": ShipmentStatus.IN_TRANSIT,
        "SHIPPED": ShipmentStatus.IN_TRANSIT,
        "DELIVERED": ShipmentStatus.DELIVERED,
        "CANCELLED": ShipmentStatus.CANCELLED,
        "UNDELIVERABLE": ShipmentStatus.UNDELIVERABLE,
    },
    notes={"SHIPPED": "Handed to the carrier: on its way."},
)

AMAZON_MCF_ORDER_STATUS = StatusTable(
    name="amazon.fulfillment_outbound.FulfillmentOrderStatus",
    enum=FulfillmentStatus,
    source="Multi-Channel Fulfillment (Fulfillment Outbound API), FulfillmentOrderStatus",
    values={
        "New": FulfillmentStatus.OPEN,
        "Received": FulfillmentStatus.OPEN,
        "Planning": FulfillmentStatus.OPEN,
        "Processing": FulfillmentStatus.IN_PROGRESS,
        "Complete": FulfillmentStatus.CLOSED,
        "CompletePartialled": FulfillmentStatus.INCOMPLETE,
        "Unfulfillable": FulfillmentStatus.INCOMPLETE,
        "Cancelled": FulfillmentStatus.CANCELLED,
        "Invalid": FulfillmentStatus.CANCELLED,
    },
    notes={"Invalid": "Amazon refused the request; record why."},
)

AMAZON_PROCESSING_STATUS = StatusTable(
    name="amazon.finances.ProcessingStatus",
    enum=SettlementStatus,
    source="Finances API, FinancialEventGroup.ProcessingStatus",
    values={
        "Open": SettlementStatus.OPEN,
        "Closed": SettlementStatus.CLOSED,
    },
    notes={"Closed": "Whether it was paid comes from FundTransferStatus."},
)
