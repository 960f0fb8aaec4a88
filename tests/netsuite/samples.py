"""Sample canonical objects and a seeded fake for the NetSuite tests."""

from __future__ import annotations

from typing import Any

import _samples
from _samples import SKUS, START, make_orders
from retail_canon.models import InventoryPosition, SettlementLine
from retail_canon.testing.netsuite import (
    ACCOUNT_ID,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    CUSTOMER_ID,
    TOKEN_ID,
    TOKEN_SECRET,
    NetSuiteFake,
)

__all__ = [
    "CONFIG",
    "SANDBOX_ENV",
    "SKUS",
    "START",
    "make_orders",
    "make_positions",
    "make_receivables",
    "seeded_fake",
]

CONFIG: dict[str, Any] = {
    "account_id": ACCOUNT_ID,
    "customer_id": CUSTOMER_ID,
    "consumer_key": CONSUMER_KEY,
    "consumer_secret": CONSUMER_SECRET,
    "token_id": TOKEN_ID,
    "token_secret": TOKEN_SECRET,
}
SANDBOX_ENV = {
    "account_id": "RC_NETSUITE_ACCOUNT_ID",
    "customer_id": "RC_NETSUITE_CUSTOMER_ID",
    "consumer_key": "RC_NETSUITE_CONSUMER_KEY",
    "consumer_secret": "RC_NETSUITE_CONSUMER_SECRET",
    "token_id": "RC_NETSUITE_TOKEN_ID",
    "token_secret": "RC_NETSUITE_TOKEN_SECRET",
}
"""The environment variable holding each setting of a real (sandbox) account."""


def seeded_fake(**options: Any) -> NetSuiteFake:
    """A fake account whose item master has SKU-0 .. SKU-9."""
    fake = NetSuiteFake(**options)
    for i in range(SKUS):
        fake.add_item(f"SKU-{i}")
    return fake


def make_positions(n: int) -> list[InventoryPosition]:
    """SKU-<i> at DC-1 / DC-2 in turn."""
    return _samples.make_positions(n, location=lambda i: f"DC-{1 + i % 2}")


def make_receivables(n: int) -> list[SettlementLine]:
    """Invoices ``netsuite-invoice-<5000 + i>``, every third a credit memo."""
    return _samples.make_receivables(
        n, line_id=lambda i, credit: f"netsuite-{'creditmemo' if credit else 'invoice'}-{5000 + i}"
    )
