"""Opt-in runs against a real development store (``pytest -m sandbox``).

The conformance suite already reads orders, inventory, settlements and returns from the
store. These tests cover what it leaves out: whole payouts (integrity checked on real
data) and a listing write, which changes the store and so needs a second opt-in,
``RC_SHOPIFY_SANDBOX_WRITES=1``.
"""

from __future__ import annotations

import os
import uuid

import pytest

from retail_canon.connectors.shopify import ShopifyConnector
from retail_canon.models import Product, ProductStatus

pytestmark = pytest.mark.sandbox

ENV = {"shop": "RC_SHOPIFY_SHOP", "access_token": "RC_SHOPIFY_ACCESS_TOKEN"}


@pytest.fixture
def store() -> ShopifyConnector:
    absent = sorted(var for var in ENV.values() if not os.environ.get(var))
    if absent:
        pytest.skip(f"sandbox credentials not set: {', '.join(absent)}")
    return ShopifyConnector(**{k: os.environ[v] for k, v in ENV.items()})


def test_real_payouts_add_up(store: ShopifyConnector) -> None:
    records = store.read_settlements()
    with records:
        for record, _ in zip(records, range(5), strict=False):
            assert record.lines_total() == record.total
    integrity = [s for s in records.skipped if "PayoutIntegrityError" in s.message]
    assert integrity == [], [s.message for s in integrity]


def test_returns_read(store: ShopifyConnector) -> None:
    records = store.read_returns()
    with records:
        for ra, _ in zip(records, range(5), strict=False):
            assert ra.rma_id.startswith(("shopify-return-", "shopify-refund-"))


def test_a_draft_listing_is_written(store: ShopifyConnector) -> None:
    if os.environ.get("RC_SHOPIFY_SANDBOX_WRITES") != "1":
        pytest.skip("writes to the store are off (set RC_SHOPIFY_SANDBOX_WRITES=1)")
    tag = uuid.uuid4().hex[:8]
    product = Product(
        product_id=f"rc-sandbox-{tag}",
        sku=f"RC-SANDBOX-{tag}",
        title=f"retail_canon sandbox {tag}",
        status=ProductStatus.DRAFT,
    )

    def price(_: Product, payload: dict) -> dict:
        for variant in payload["variants"]:
            variant["price"] = "1.00"
        return payload

    report = store.write_listings([product], enrich=price)
    assert report.ok, [str(s) for s in report.skipped]
    assert report.written[0].vendor_id
