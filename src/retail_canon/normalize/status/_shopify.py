"""Shopify Admin GraphQL API status tables (see shared reference marketplaces.md §2)."""

from __future__ import annotations

from retail_canon.models import (
    FulfillmentStatus,
    OrderStatus,
    PaymentStatus,
    ReturnStatus,
    SettlementStatus,
    TransferStatus,
)
from retail_canon.normalize.status._core import StatusMapping, StatusTable, lookup

__all__ = [
    "SHOPIFY_FINANCIAL_STATUS",
    "SHOPIFY_FULFILLMENT_ORDER_STATUS",
    "SHOPIFY_FULFILLMENT_STATUS",
    "SHOPIFY_PAYOUT_STATUS",
    "SHOPIFY_RETURN_STATUS",
    "SHOPIFY_TRANSFER_STATUS",
    "shopify_order_status",
]

SHOPIFY_FINANCIAL_STATUS = StatusTable(
    name="shopify.Order.displayFinancialStatus",
    enum=PaymentStatus,
    source="Order.displayFinancialStatus (OrderDisplayFinancialStatus)",
    values={
        "PENDING": PaymentStatus.PENDING,
        "AUTHORIZED": PaymentStatus.AUTHORIZED,
        "PARTIALLY_PAID": PaymentStatus.PARTIALLY_PAID,
        "PAID": PaymentStatus.PAID,
        "PARTIALLY_REFUNDED": PaymentStatus.PARTIALLY_REFUNDED,
        "REFUNDED": PaymentStatus.REFUNDED,
        "VOIDED": PaymentStatus.VOIDED,
        "EXPIRED": PaymentStatus.VOIDED,
    },
    notes={"EXPIRED": "The authorization lapsed uncaptured: no money moves, as with a void."},
)

SHOPIFY_FULFILLMENT_STATUS = StatusTable(
    name="shopify.Order.displayFulfillmentStatus",
    enum=OrderStatus,
    source="Order.displayFulfillmentStatus (OrderDisplayFulfillmentStatus)",
    values={
        "UNFULFILLED": OrderStatus.OPEN,
        "PARTIALLY_FULFILLED": OrderStatus.PARTIALLY_FULFILLED,
        "FULFILLED": OrderStatus.FULFILLED,
        "RESTOCKED": OrderStatus.OTHER,
        "PENDING_FULFILLMENT": OrderStatus.OPEN,
        "OPEN": OrderStatus.OPEN,
        "IN_PROGRESS": OrderStatus.OPEN,
        "ON_HOLD": OrderStatus.OPEN,
        "SCHEDULED": OrderStatus.PENDING,
        "REQUEST_DECLINED": OrderStatus.OPEN,
        "FULFILLMENT_NOT_REQUIRED": OrderStatus.FULFILLED,
    },
    notes={
        "UNFULFILLED": "PENDING instead while the payment is PENDING or AUTHORIZED "
        "(shopify_order_status).",
        "RESTOCKED": "Items went back to stock; a cancellation shows in cancelledAt.",
        "ON_HOLD": "A hold is not a status: also set the order's hold.",
        "SCHEDULED": "Fulfilment starts at a later date (prepaid subscriptions).",
        "REQUEST_DECLINED": "The fulfilment service declined; still to be fulfilled.",
        "FULFILLMENT_NOT_REQUIRED": "Nothing to ship (digital goods, gift cards).",
    },
)

SHOPIFY_FULFILLMENT_ORDER_STATUS = StatusTable(
    name="shopify.FulfillmentOrder.status",
    enum=FulfillmentStatus,
    source="FulfillmentOrder.status (FulfillmentOrderStatus)",
    values={
        "OPEN": FulfillmentStatus.OPEN,
        "IN_PROGRESS": FulfillmentStatus.IN_PROGRESS,
        "SCHEDULED": FulfillmentStatus.SCHEDULED,
        "ON_HOLD": FulfillmentStatus.ON_HOLD,
        "INCOMPLETE": FulfillmentStatus.INCOMPLETE,
        "CLOSED": FulfillmentStatus.CLOSED,
        "CANCELLED": FulfillmentStatus.CANCELLED,
    },
)

SHOPIFY_RETURN_STATUS = StatusTable(
    name="shopify.Return.status",
    enum=ReturnStatus,
    source="Return.status (ReturnStatus)",
    values={
        "REQUESTED": ReturnStatus.REQUESTED,
        "OPEN": ReturnStatus.AUTHORIZED,
        "CLOSED": ReturnStatus.CLOSED,
        "DECLINED": ReturnStatus.DECLINED,
        "CANCELED": ReturnStatus.CANCELLED,
    },
    notes={"OPEN": "The merchant accepted the return."},
)

SHOPIFY_TRANSFER_STATUS = StatusTable(
    name="shopify.InventoryTransfer.status",
    enum=TransferStatus,
    source="InventoryTransfer.status (InventoryTransferStatus)",
    values={
        "DRAFT": TransferStatus.DRAFT,
        "READY_TO_SHIP": TransferStatus.READY_TO_SHIP,
        "IN_PROGRESS": TransferStatus.IN_TRANSIT,
        "TRANSFERRED": TransferStatus.RECEIVED,
        "CANCELED": TransferStatus.CANCELLED,
        "OTHER": TransferStatus.OTHER,
    },
    notes={"IN_PROGRESS": "Shipped, not all received; shipments tell partial receipt."},
)

SHOPIFY_PAYOUT_STATUS = StatusTable(
    name="shopify.ShopifyPaymentsPayout.status",
    enum=SettlementStatus,
    source="ShopifyPaymentsPayout.status (ShopifyPaymentsPayoutStatus)",
    values={
        "SCHEDULED": SettlementStatus.CLOSED,
        "IN_TRANSIT": SettlementStatus.CLOSED,
        "PAID": SettlementStatus.PAID,
        "FAILED": SettlementStatus.FAILED,
        "CANCELED": SettlementStatus.FAILED,
    },
    notes={
        "SCHEDULED": "The batch is final and the transfer is booked.",
        "IN_TRANSIT": "Deprecated by Shopify.",
        "CANCELED": "No money reached the bank account.",
    },
)

_WAITING_FOR_PAYMENT = frozenset({"PENDING", "AUTHORIZED"})


def shopify_order_status(
    display_fulfillment_status: str,
    *,
    display_financial_status: str | None = None,
    closed: bool = False,
    cancelled: bool = False,
) -> StatusMapping[OrderStatus]:
    """The canonical `OrderStatus` of a Shopify order, from the fields that decide it.

    Rules, first match wins: ``cancelled`` (``cancelledAt`` is set) → ``CANCELLED``;
    ``closed`` (``Order.closed``) → ``CLOSED``; ``UNFULFILLED`` while the financial status
    is ``PENDING`` or ``AUTHORIZED`` → ``PENDING``; otherwise `SHOPIFY_FULFILLMENT_STATUS`.
    The raw value is always ``displayFulfillmentStatus``.

    Args:
        display_fulfillment_status: ``Order.displayFulfillmentStatus``.
        display_financial_status: ``Order.displayFinancialStatus``, if known.
        closed: ``Order.closed``.
        cancelled: whether ``Order.cancelledAt`` is set.

    >>> shopify_order_status("UNFULFILLED", display_financial_status="PAID").status
    <OrderStatus.OPEN: 'OPEN'>
    >>> shopify_order_status("UNFULFILLED", display_financial_status="AUTHORIZED").status
    <OrderStatus.PENDING: 'PENDING'>
    >>> shopify_order_status("UNFULFILLED", cancelled=True).status
    <OrderStatus.CANCELLED: 'CANCELLED'>
    """
    raw, name = display_fulfillment_status, SHOPIFY_FULFILLMENT_STATUS.name
    if cancelled:
        return StatusMapping(status=OrderStatus.CANCELLED, raw=raw, table=name, known=True)
    if closed:
        return StatusMapping(status=OrderStatus.CLOSED, raw=raw, table=name, known=True)
    if raw == "UNFULFILLED" and display_financial_status in _WAITING_FOR_PAYMENT:
        return StatusMapping(status=OrderStatus.PENDING, raw=raw, table=name, known=True)
    return lookup(SHOPIFY_FULFILLMENT_STATUS, raw, stacklevel=3)
