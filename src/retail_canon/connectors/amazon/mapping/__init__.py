"""Amazon SP-API DTOs → canonical objects: the one place Amazon data becomes canonical.

Orders v0 (an order plus its ``getOrderItems`` items) and Orders 2026-01-01 (one order with
its items) map to the same `SalesOrder`: v0's extended ``ItemPrice`` becomes a unit price,
v0's ``PromotionDiscount`` and 2026's negative ``DISCOUNT`` breakdowns become positive
`Discount` amounts, and marketplace-facilitator tax is marked as the marketplace's
liability. Missing buyer and address data (no restricted data token) is absent, not an
error. Also: V2 settlement file rows, Finances v0 events and groups, Finances 2024-06-19
transactions, and FBA inventory summaries.
"""

from __future__ import annotations

from retail_canon.connectors.amazon.mapping._finances import (
    event_lines,
    financial_event_group,
    settlement_line_of,
    transaction_lines,
)
from retail_canon.connectors.amazon.mapping._inventory import fba_location, inventory_position
from retail_canon.connectors.amazon.mapping._orders import (
    CHANNEL,
    MARKETPLACE_CURRENCY,
    money,
    order_from_v0,
    order_from_v2026,
)
from retail_canon.connectors.amazon.mapping._returns import return_authorization
from retail_canon.connectors.amazon.mapping._settlement import settlement_line, settlement_record

__all__ = [
    "CHANNEL",
    "MARKETPLACE_CURRENCY",
    "event_lines",
    "fba_location",
    "financial_event_group",
    "inventory_position",
    "money",
    "order_from_v0",
    "order_from_v2026",
    "return_authorization",
    "settlement_line",
    "settlement_line_of",
    "settlement_record",
    "transaction_lines",
]
