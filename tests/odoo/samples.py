"""Sample canonical objects and a seeded fake for the Odoo tests."""

from __future__ import annotations

from typing import Any

import _samples
from _samples import SKUS, START, make_orders
from retail_canon.models import InventoryPosition, SettlementLine
from retail_canon.testing.odoo import API_KEY, DATABASE, LOGIN, PARTNER_ID, OdooFake

__all__ = [
    "JSON2",
    "JSONRPC",
    "PROTOCOLS",
    "SKUS",
    "START",
    "make_orders",
    "make_positions",
    "make_receivables",
    "seeded_fake",
]

JSON2: dict[str, Any] = {
    "base_url": OdooFake.base_url,
    "database": DATABASE,
    "api_key": API_KEY,
    "partner_id": PARTNER_ID,
}
JSONRPC: dict[str, Any] = {**JSON2, "protocol": "jsonrpc", "login": LOGIN}
PROTOCOLS = {"json2": JSON2, "jsonrpc": JSONRPC}


def seeded_fake(**options: Any) -> OdooFake:
    """A fake database whose products are SKU-0 .. SKU-9."""
    fake = OdooFake(**options)
    for i in range(SKUS):
        fake.add_product(f"SKU-{i}")
    return fake


def make_positions(n: int) -> list[InventoryPosition]:
    """Pairs share a product (SKU-<i // 2>), in two locations (WH1/Stock, WH2/Stock)."""
    return _samples.make_positions(
        n, sku=lambda i: f"SKU-{i // 2}", location=lambda i: f"WH{1 + i % 2}/Stock"
    )


def make_receivables(n: int) -> list[SettlementLine]:
    """Journal entries ``odoo-move-<5000 + i>``, every third a refund."""
    return _samples.make_receivables(n, line_id=lambda i, _refund: f"odoo-move-{5000 + i}")
