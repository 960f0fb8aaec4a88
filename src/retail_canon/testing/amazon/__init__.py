"""A stateful fake of the Amazon Selling Partner API for tests: `AmazonFake`.

Login with Amazon, Orders v0 (``getOrders``, ``getOrder``, ``getOrderItems``) and Orders
2026-01-01 (``searchOrders``, ``getOrder``) and V2 settlement reports (``getReports``,
``getReportDocument``, the download) answered from one store of canonical orders,
with per-operation usage plans, expiring page tokens and the framework's fault injection;
and generated V2 settlement flat files (`settlement_v2_lines`).
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
