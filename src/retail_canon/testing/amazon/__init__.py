"""A stateful fake of the Amazon Selling Partner API for tests: `AmazonFake`.

Login with Amazon, Orders v0 (``getOrders``, ``getOrder``, ``getOrderItems``,
``confirmShipment``) and Orders 2026-01-01 (``searchOrders``, ``getOrder``) answered from
one store of canonical orders; FBA inventory summaries; reports with a lifecycle
(``createReport``, ``getReport``, ``cancelReport``, ``getReports``, ``getReportDocument``,
the download) including V2 settlement reports; listings (``patchListingsItem``,
``putListingsItem``, ``getListingsItem``) and ``JSON_LISTINGS_FEED`` feeds with a
lifecycle and processing reports; Finances v0 groups and events and 2024-06-19
transactions; FBA customer returns — with per-operation usage plans, expiring page
tokens and the framework's fault injection; and generated V2 settlement flat files
(`settlement_v2_lines`).
"""

from __future__ import annotations

from retail_canon.testing.amazon._fake import USAGE_PLANS, AmazonFake
from retail_canon.testing.amazon._render import items_v0, order_v0, order_v2026
from retail_canon.testing.amazon._settlement import settlement_v2_file, settlement_v2_lines

__all__ = [
    "USAGE_PLANS",
    "AmazonFake",
    "items_v0",
    "order_v0",
    "order_v2026",
    "settlement_v2_file",
    "settlement_v2_lines",
]
