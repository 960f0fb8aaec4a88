"""The item feed (MP_ITEM): products with a price from the enrichment hook, per-item
errors naming SKU and field, and faults."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from decimal import Decimal

import pytest

from retail_canon.connectors import RetriableConnectorError
from retail_canon.connectors.walmart import FeedItemError, WalmartConnector, mapping
from retail_canon.models import Money, Product
from retail_canon.testing import FakeClock, FaultKind, FaultRule
from retail_canon.testing.walmart import CLIENT_ID, CLIENT_SECRET, WalmartFake
from walmart.samples import make_products, price_hook


def _connector(fake: WalmartFake, **settings: object) -> WalmartConnector:
    options = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "max_attempts": 8}
    return WalmartConnector(transport=fake, clock=fake.clock, **{**options, **settings})


def _sent(fake: WalmartFake) -> list[dict]:
    return [item for feed in fake.feeds.values() for item in feed.records]


def test_products_are_sent_as_an_item_feed_with_the_price_exact():
    fake = WalmartFake(clock=FakeClock())
    products = make_products(3)
    report = _connector(fake, enrich_listing=price_hook).write_listings(products)
    assert report.ok, [str(e) for e in report.skipped]
    assert [w.key for w in report.written] == ["LIST-0", "LIST-1", "LIST-2"]
    assert all(w.vendor_id and w.vendor_id.startswith("WP") for w in report.written)
    [feed] = fake.feeds.values()
    assert feed.feed_type == "MP_ITEM"
    assert feed.header == {
        "sellingChannel": "marketplace",
        "processMode": "REPLACE",
        "subset": "EXTERNAL",
        "locale": "en",
        "version": "1.5",
    }
    orderable = feed.records[0]["Orderable"]
    assert orderable == {
        "sku": "LIST-0",
        "productName": "Enamel mug 0",
        "productIdentifiers": {"productIdType": "GTIN", "productId": "00012345670000"},
        "brand": "Acme",
        "ShippingWeight": 1.102,
        "price": 12.99,
    }
    assert feed.records[0]["Visible"] == {"Kitchen": {"shortDescription": "Enamel mug 0"}}
    assert sorted(fake.items) == ["LIST-0", "LIST-1", "LIST-2"]


def test_the_price_travels_as_the_exact_json_number():
    fake = WalmartFake(clock=FakeClock())
    seen: list[bytes] = []
    original = fake.submit_feed

    def spy(request):
        seen.append(request.raw.content)
        return original(request)

    fake.submit_feed = spy  # type: ignore[method-assign]

    def hook(product, item):
        item["Orderable"]["price"] = Decimal("1234567.89")

    assert _connector(fake).write_listings(make_products(1), enrich=hook).ok
    assert b'"price":1234567.89' in seen[0]
    assert json.loads(seen[0], parse_float=Decimal)["MPItem"][0]["Orderable"]["price"] == (
        Decimal("1234567.89")
    )


def test_the_hook_may_return_a_new_item():
    fake = WalmartFake(clock=FakeClock())

    def hook(product, item):
        return {**item, "Orderable": {**item["Orderable"], "price": "5.00"}}

    assert _connector(fake).write_listings(make_products(2), enrich=hook).ok
    assert [i["Orderable"]["price"] for i in _sent(fake)] == [5, 5]


@pytest.mark.parametrize(
    ("price", "field", "message"),
    [
        (None, "price", "supply it from the enrichment hook"),
        (Money(amount="12.99", currency="CAD"), "price", "USD"),
        (Decimal("12.999"), "price", "positive amount in cents"),
        (Decimal("-1.00"), "price", "positive amount in cents"),
        (12.99, "price", "not 12.99"),
        ("twelve", "price", "not a number"),
    ],
)
def test_a_bad_price_is_refused_before_sending_naming_sku_and_field(price, field, message):
    fake = WalmartFake(clock=FakeClock())

    def hook(product, item):
        if price is not None:
            item["Orderable"]["price"] = price

    report = _connector(fake).write_listings(make_products(1), enrich=hook)
    [error] = report.skipped
    assert isinstance(error, FeedItemError)
    assert (error.sku, error.field, error.feed_id) == ("LIST-0", field, None)
    assert message in error.message
    assert fake.feeds == {}  # nothing to send


def test_a_product_missing_a_required_field_is_refused_and_the_rest_sent():
    fake = WalmartFake(clock=FakeClock())
    products = make_products(3)
    products[1] = products[1].model_copy(update={"brand": None})
    products[2] = products[2].model_copy(update={"identifiers": ()})
    report = _connector(fake, enrich_listing=price_hook).write_listings(products)
    assert [w.key for w in report.written] == ["LIST-0"]
    assert [(e.sku, e.field) for e in report.skipped] == [
        ("LIST-1", "brand"),
        ("LIST-2", "productIdentifiers"),
    ]
    assert len(_sent(fake)) == 1


def test_an_item_walmart_refuses_is_a_feed_item_error_naming_sku_and_field():
    fake = WalmartFake(clock=FakeClock())
    fake.item_errors["LIST-1"] = ("ERR_EXT_DATA_0101", "mainImageUrl", "The image is missing")
    report = _connector(fake, enrich_listing=price_hook).write_listings(make_products(3))
    [error] = report.skipped
    assert (error.sku, error.field, error.vendor_code) == (
        "LIST-1",
        "mainImageUrl",
        "ERR_EXT_DATA_0101",
    )
    assert error.feed_id in fake.feeds
    assert error.record_id == "LIST-1"
    assert "The image is missing" in error.message
    assert sorted(fake.items) == ["LIST-0", "LIST-2"]


def test_the_feed_header_is_configurable():
    fake = WalmartFake(clock=FakeClock())
    header = {"version": "5.0.20240517", "locale": "en", "processMode": "REPLACE"}
    walmart = _connector(fake, enrich_listing=price_hook, item_feed_header=header)
    assert walmart.write_listings(make_products(1)).ok
    [feed] = fake.feeds.values()
    assert feed.header == header


def test_listing_item_maps_identifiers_and_weight():
    product = Product(product_id="P", sku="S", title="T", brand="B")
    assert mapping.listing_item(product) == {
        "Orderable": {"sku": "S", "productName": "T", "brand": "B"},
        "Visible": {},
    }


def test_the_async_twin_agrees():
    fake = WalmartFake(clock=FakeClock())

    async def main():
        async with _connector(fake, enrich_listing=price_hook) as walmart:
            return await walmart.awrite_listings(make_products(4))

    report = asyncio.run(main())
    assert report.ok
    assert sorted(fake.items) == [f"LIST-{i}" for i in range(4)]


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule(FaultKind.RATE_LIMIT, every=2, retry_after=2.0, path="/v3/feeds"),
        FaultRule(FaultKind.SERVER_ERROR, every=2, method="GET", path="/v3/feeds"),
        FaultRule(FaultKind.TIMEOUT, every=2, method="GET", path="/v3/feeds"),
        FaultRule(FaultKind.TRUNCATED_BODY, every=2, method="GET", path="/v3/feeds"),
        FaultRule(FaultKind.AUTH_TOKEN_EXPIRY, every=2, path="/v3/feeds"),
    ],
    ids=lambda r: str(r.kind),
)
def test_an_item_feed_survives_faults_and_lands_once(rule):
    fake = WalmartFake(clock=FakeClock(), faults=[dataclasses.replace(rule)])  # fresh counters
    report = _connector(fake, enrich_listing=price_hook).write_listings(make_products(5))
    assert report.ok
    assert len(fake.feeds) == 1
    assert sorted(fake.items) == [f"LIST-{i}" for i in range(5)]
    assert fake.faults.count(rule.kind) >= 1


def test_an_item_feed_whose_answer_is_lost_is_not_resent():
    fake = WalmartFake(clock=FakeClock())
    fake.faults.add(FaultRule(FaultKind.TIMEOUT, every=1, limit=1, method="POST", path="/v3/feeds"))
    with pytest.raises(RetriableConnectorError) as info:
        _connector(fake, enrich_listing=price_hook).write_listings(make_products(2))
    assert info.value.maybe_applied
    assert len(fake.feeds) == 1


def test_an_item_the_hook_makes_unwritable_is_refused_naming_it():
    fake = WalmartFake(clock=FakeClock())

    def hook(product, item):
        item["Orderable"]["price"] = "3.00"
        item["Visible"] = {"Kitchen": {"capacity": Decimal("0.1000000000000000055511")}}

    report = _connector(fake).write_listings(make_products(1), enrich=hook)
    [error] = report.skipped
    assert (error.sku, error.field) == ("LIST-0", "MPItem")
    assert "exact JSON number" in error.message
    assert fake.feeds == {}
