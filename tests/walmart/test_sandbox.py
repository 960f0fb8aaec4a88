"""The new Walmart operations against the real sandbox (``pytest -m sandbox``).

Reads need ``RC_WALMART_CLIENT_ID`` and ``RC_WALMART_CLIENT_SECRET``; the feed writes
also ``RC_WALMART_SANDBOX_WRITES=1`` and ``RC_WALMART_SANDBOX_SKU`` (a SKU of the sandbox
account). Everything is skipped without them. The conformance suite's sandbox run covers
the reads of every source as well (``test_conformance.py``).
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime, timedelta

import pytest

from _connector_checks import sandbox_env, sandbox_sku
from retail_canon.connectors.walmart import FeedItemError, WalmartConnector
from retail_canon.models import (
    ExternalRef,
    InventoryBuckets,
    InventoryPosition,
    Money,
    Product,
    ReturnAuthorization,
    SettlementRecord,
)

pytestmark = pytest.mark.sandbox

SANDBOX = "https://sandbox.walmartapis.com"


@pytest.fixture
def walmart():
    env = sandbox_env("RC_WALMART_CLIENT_ID", "RC_WALMART_CLIENT_SECRET")
    connector = WalmartConnector(
        base_url=SANDBOX,
        client_id=env["RC_WALMART_CLIENT_ID"],
        client_secret=env["RC_WALMART_CLIENT_SECRET"],
        feed_poll_interval=20.0,
        feed_max_wait=900.0,
    )
    yield connector
    connector.close()


def _writes() -> str:
    return sandbox_sku("RC_WALMART")


def test_recon_reports_read_as_settlement_records(walmart):
    records = walmart.read_settlements()
    with records:
        read = list(itertools.islice(records, 2))
    assert all(isinstance(r, SettlementRecord) for r in read)
    for record in read:
        assert record.lines_total() == record.total
    assert all(e.record_id for e in records.skipped)


def test_returns_read_as_return_authorizations(walmart):
    since = datetime.now(UTC) - timedelta(days=60)
    records = walmart.read_returns(since=since)
    with records:
        read = list(itertools.islice(records, 10))
    assert all(isinstance(r, ReturnAuthorization) for r in read)
    assert len({r.rma_id for r in read}) == len(read)


def test_a_bulk_inventory_feed_reports_every_item(walmart):
    sku = _writes()
    position = InventoryPosition(
        sku=sku,
        location_id=os.environ.get("RC_WALMART_SANDBOX_SHIP_NODE", "default"),
        buckets=InventoryBuckets(on_hand=7),
        as_of=datetime.now(UTC),
    )
    report = walmart.write_inventory_feed([position])
    assert len(report.written) + len(report.skipped) == 1
    assert all(isinstance(e, FeedItemError) and e.sku == sku for e in report.skipped)


def test_an_item_feed_reports_every_item(walmart):
    sku = _writes()
    gtin = os.environ.get("RC_WALMART_SANDBOX_GTIN", "00012345678905")
    product = Product(
        product_id=sku,
        sku=sku,
        title="retail_canon sandbox item",
        brand="retail_canon",
        identifiers=[ExternalRef(system="gs1", scheme="gtin", value=gtin)],
    )

    def hook(product, item):
        item["Orderable"]["price"] = Money(amount="9.99", currency="USD")

    report = walmart.write_listings([product], enrich=hook)
    assert len(report.written) + len(report.skipped) == 1
    assert all(isinstance(e, FeedItemError) and e.sku == sku for e in report.skipped)
