"""The reports, listings and feeds operations against the real SP-API static sandbox.

Opt-in: ``pytest tests/amazon -m sandbox`` with your credentials in ``RC_AMAZON_CLIENT_ID``,
``RC_AMAZON_CLIENT_SECRET``, ``RC_AMAZON_REFRESH_TOKEN`` and ``RC_AMAZON_SELLER_ID``;
skipped otherwise. The static sandbox answers only the exact requests its model lists,
so each test sends one of those: ``createReport`` + ``getReport``, ``patchListingsItem``
(through ``write_inventory``), ``putListingsItem`` (``write_listings``), ``getFeed`` and
``listFinancialEventsByGroupId``. ``listTransactions``, ``createFeedDocument`` of a JSON
feed and the returns report have no static case that these flows can send.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from amazon.test_conformance import SANDBOX_ENV
from retail_canon.connectors import RequestSpec
from retail_canon.connectors.amazon import AmazonConnector, ReportFailed, ReportNotReady
from retail_canon.connectors.amazon._reports import wait_flow
from retail_canon.models import InventoryBuckets, InventoryPosition, Product

pytestmark = pytest.mark.sandbox


@pytest.fixture
def amazon():
    absent = sorted(var for var in SANDBOX_ENV.values() if not os.environ.get(var))
    if absent:
        pytest.skip(f"sandbox credentials not set: {', '.join(absent)}")
    settings = {k: os.environ[v] for k, v in SANDBOX_ENV.items()}
    with AmazonConnector(
        sandbox=True,
        marketplace_ids=("A1PA6795UKMFR9", "ATVPDKIKX0DER"),
        report_poll_interval=1,
        report_max_wait=3,
        **settings,
    ) as connector:
        yield connector


def test_create_report_then_poll(amazon):
    # The sandbox's report ID323 stays IN_PROGRESS for ever.
    with pytest.raises(ReportNotReady) as info:
        amazon.request_report(
            "GET_MERCHANT_LISTINGS_ALL_DATA", start=datetime(2024, 3, 10, 20, 11, 24, tzinfo=UTC)
        )
    assert info.value.processing_status == "IN_PROGRESS"


def test_patch_listings_item_quantity(amazon):
    position = InventoryPosition(
        sku="RC-SANDBOX-1",
        location_id="amazon-mfn-A1PA6795UKMFR9",
        buckets=InventoryBuckets(on_hand=4),
        as_of=datetime(2026, 5, 1, tzinfo=UTC),
    )
    report = amazon.write_inventory([position])
    assert report.ok, [str(e) for e in report.skipped]
    assert report.written[0].vendor_id  # the submission id


def test_put_listings_item(amazon):
    product = Product(product_id="RC-SANDBOX-P1", sku="RC-SANDBOX-P1", title="Sandbox kettle")
    report = amazon.write_listings([product])
    assert report.ok, [str(e) for e in report.skipped]
    assert report.written[0].vendor_id


def test_cancelled_feed(amazon):
    get = RequestSpec("GET", "/feeds/2021-06-30/feeds/feedId1", "getFeed")
    with pytest.raises(ReportFailed) as info:
        amazon.run(wait_flow(amazon, get, id_name="feedId", poll_interval=1, max_wait=3))
    assert info.value.processing_status == "CANCELLED"


def test_financial_events_by_group(amazon):
    amazon = AmazonConnector(
        sandbox=True, finances_page_size=10, **{k: os.environ[v] for k, v in SANDBOX_ENV.items()}
    )
    with amazon, amazon.read_financial_events(group_id="485734534857") as records:
        first = next(records)  # the first page only: the sandbox knows no second one
    assert first.amount.currency == "USD"
    assert first.refs
