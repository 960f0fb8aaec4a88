"""Tryton ERP ``sale.sale`` status tables (see shared reference erp.md)."""

from __future__ import annotations

from retail_canon.models import OrderStatus, PaymentStatus
from retail_canon.normalize.status._core import StatusMapping, StatusTable, lookup

__all__ = [
    "TRYTON_INVOICE_STATE",
    "TRYTON_SALE_STATE",
    "TRYTON_SHIPMENT_STATE",
    "tryton_sale_status",
]

TRYTON_SALE_STATE = StatusTable(
    name="tryton.sale.sale.state",
    enum=OrderStatus,
    source="sale.sale.state (trytond-sale)",
    values={
        "draft": OrderStatus.PENDING,
        "quotation": OrderStatus.PENDING,
        "confirmed": OrderStatus.OPEN,
        "processing": OrderStatus.OPEN,
        "done": OrderStatus.CLOSED,
        "cancelled": OrderStatus.CANCELLED,
        "cancel": OrderStatus.CANCELLED,
    },
    notes={
        "processing": "Shipments exist; shipment_state tells how far (tryton_sale_status).",
        "done": "Shipped and invoices paid. Tryton may reopen it to processing.",
        "cancel": "Spelling before Tryton 5.6.",
    },
)

TRYTON_SHIPMENT_STATE = StatusTable(
    name="tryton.sale.sale.shipment_state",
    enum=OrderStatus,
    source="sale.sale.shipment_state (trytond-sale), for a sale in processing",
    values={
        "none": OrderStatus.OPEN,
        "waiting": OrderStatus.OPEN,
        "partially shipped": OrderStatus.PARTIALLY_FULFILLED,
        "sent": OrderStatus.FULFILLED,
        "exception": OrderStatus.OTHER,
    },
    notes={"exception": "A shipment was cancelled; someone must decide. Also set a hold."},
)

TRYTON_INVOICE_STATE = StatusTable(
    name="tryton.sale.sale.invoice_state",
    enum=PaymentStatus,
    source="sale.sale.invoice_state (trytond-sale)",
    values={
        "none": PaymentStatus.PENDING,
        "pending": PaymentStatus.PENDING,
        "waiting": PaymentStatus.PENDING,
        "awaiting payment": PaymentStatus.PENDING,
        "partially paid": PaymentStatus.PARTIALLY_PAID,
        "paid": PaymentStatus.PAID,
        "exception": PaymentStatus.OTHER,
    },
    notes={
        "waiting": "Spelling before Tryton 6.8 (now pending).",
        "awaiting payment": "Invoice posted, not yet paid.",
        "exception": "An invoice was cancelled; someone must decide.",
    },
)


def tryton_sale_status(state: str, shipment_state: str | None = None) -> StatusMapping[OrderStatus]:
    """The canonical `OrderStatus` of a Tryton sale, from ``state`` and ``shipment_state``.

    A sale in ``processing`` takes its status from ``shipment_state``
    (`TRYTON_SHIPMENT_STATE`) when it is given; every other sale from ``state``
    (`TRYTON_SALE_STATE`). The raw value is the field that decided.

    >>> tryton_sale_status("processing", "partially shipped").status
    <OrderStatus.PARTIALLY_FULFILLED: 'PARTIALLY_FULFILLED'>
    >>> tryton_sale_status("done", "sent").status
    <OrderStatus.CLOSED: 'CLOSED'>
    """
    if state == "processing" and shipment_state is not None:
        return lookup(TRYTON_SHIPMENT_STATE, shipment_state, stacklevel=3)
    return lookup(TRYTON_SALE_STATE, state, stacklevel=3)
