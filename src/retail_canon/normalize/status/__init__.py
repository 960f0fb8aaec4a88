"""Vendor statuses mapped onto the canonical state machines.

Each vendor status field has a `StatusTable`: a read-only mapping from the vendor's exact
value to a member of one canonical status enum (`OrderStatus`, `PaymentStatus`,
`FulfillmentStatus`, `ShipmentStatus`, `ReturnStatus`, `TransferStatus`,
`SettlementStatus`). `map_status` looks a value up and returns a `StatusMapping` with the
canonical status *and* the raw value, for the object's ``source_status``.

A value the table does not list is not an error: vendors add values without notice. It
maps to ``OTHER`` with ``known=False``, keeps the raw value, and emits `UnknownStatusValue`
(a `UserWarning`) once per (table, value) in a process. Matching is exact and
case-sensitive, without trimming: ``"Canceled"`` (Orders v0) and ``"CANCELLED"`` (Orders
2026-01-01) are values of two different tables.

Tables are plain data: read them as `TABLES` (name → table) or as module constants, and
extend one with `StatusTable.extended`. Where one field is not enough to decide,
`shopify_order_status` and `tryton_sale_status` combine the fields that are.

>>> from retail_canon.normalize.status import AMAZON_FULFILLMENT_STATUS, map_status
>>> map_status("amazon.orders_v0.OrderStatus", "Canceled").status
<OrderStatus.CANCELLED: 'CANCELLED'>
>>> map_status(AMAZON_FULFILLMENT_STATUS, "CANCELLED").status
<OrderStatus.CANCELLED: 'CANCELLED'>
>>> AMAZON_FULFILLMENT_STATUS.values["PARTIALLY_SHIPPED"]
<OrderStatus.PARTIALLY_FULFILLED: 'PARTIALLY_FULFILLED'>
"""

from __future__ import annotations

from retail_canon.normalize.status._amazon import (
    AMAZON_FULFILLMENT_STATUS,
    AMAZON_MCF_ORDER_STATUS,
    AMAZON_ORDER_STATUS_V0,
    AMAZON_PACKAGE_STATUS,
    AMAZON_PROCESSING_STATUS,
)
from retail_canon.normalize.status._core import (
    TABLES,
    StatusMapping,
    StatusTable,
    map_status,
    register_tables,
)
from retail_canon.normalize.status._shopify import (
    SHOPIFY_FINANCIAL_STATUS,
    SHOPIFY_FULFILLMENT_ORDER_STATUS,
    SHOPIFY_FULFILLMENT_STATUS,
    SHOPIFY_PAYOUT_STATUS,
    SHOPIFY_RETURN_STATUS,
    SHOPIFY_TRANSFER_STATUS,
    shopify_order_status,
)
from retail_canon.normalize.status._tryton import (
    TRYTON_INVOICE_STATE,
    TRYTON_SALE_STATE,
    TRYTON_SHIPMENT_STATE,
    tryton_sale_status,
)
from retail_canon.normalize.status._walmart import WALMART_ORDER_LINE_STATUS

__all__ = [
    "AMAZON_FULFILLMENT_STATUS",
    "AMAZON_MCF_ORDER_STATUS",
    "AMAZON_ORDER_STATUS_V0",
    "AMAZON_PACKAGE_STATUS",
    "AMAZON_PROCESSING_STATUS",
    "map_status",
    "SHOPIFY_FINANCIAL_STATUS",
    "SHOPIFY_FULFILLMENT_ORDER_STATUS",
    "SHOPIFY_FULFILLMENT_STATUS",
    "shopify_order_status",
    "SHOPIFY_PAYOUT_STATUS",
    "SHOPIFY_RETURN_STATUS",
    "SHOPIFY_TRANSFER_STATUS",
    "StatusMapping",
    "StatusTable",
    "TABLES",
    "TRYTON_INVOICE_STATE",
    "TRYTON_SALE_STATE",
    "tryton_sale_status",
    "TRYTON_SHIPMENT_STATE",
    "WALMART_ORDER_LINE_STATUS",
]

register_tables(
    AMAZON_ORDER_STATUS_V0,
    AMAZON_FULFILLMENT_STATUS,
    AMAZON_PACKAGE_STATUS,
    AMAZON_MCF_ORDER_STATUS,
    AMAZON_PROCESSING_STATUS,
    SHOPIFY_FINANCIAL_STATUS,
    SHOPIFY_FULFILLMENT_STATUS,
    SHOPIFY_FULFILLMENT_ORDER_STATUS,
    SHOPIFY_RETURN_STATUS,
    SHOPIFY_TRANSFER_STATUS,
    SHOPIFY_PAYOUT_STATUS,
    WALMART_ORDER_LINE_STATUS,
    TRYTON_SALE_STATE,
    TRYTON_SHIPMENT_STATE,
    TRYTON_INVOICE_STATE,
)
del register_tables
