"""InventorySink: merchant-fulfilled quantities through patchListingsItem or a listings feed."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from amazon.samples import connector, make_fake, make_mfn_positions
from retail_canon.connectors import ConfigurationError, SkippableRecordError
from retail_canon.connectors.amazon import ListingRejected, ReportFailed, ReportNotReady
from retail_canon.connectors.amazon._inventory_sink import sellable
from retail_canon.models import InventoryBuckets, InventoryPosition
from retail_canon.testing import FaultKind, FaultRule

MFN = "amazon-mfn-ATVPDKIKX0DER"


def _quantities(fake) -> dict[str, int]:
    return {
        sku: entry["quantity"]
        for sku, listing in fake.listings.items()
        for entry in listing["attributes"].get("fulfillment_availability", [])
        if entry["fulfillment_channel_code"] == "DEFAULT"
    }


def _expected(positions) -> dict[str, int]:
    return {p.sku: int(sellable(p)) for p in positions}


def _position(
    sku: str, on_hand: object, location: str = MFN, **buckets: object
) -> InventoryPosition:
    return InventoryPosition(
        sku=sku,
        location_id=location,
        buckets=InventoryBuckets(on_hand=on_hand, **buckets),  # type: ignore[arg-type]
        as_of=datetime(2026, 5, 3, tzinfo=UTC),
    )


def _paths(fake, prefix: str) -> list[str]:
    return [e.path for e in fake.exchanges if e.path.startswith(prefix)]


def test_few_skus_are_patched_one_by_one():
    fake = make_fake()
    positions = make_mfn_positions(5)
    report = connector(fake).write_inventory(positions)
    assert report.ok
    assert [w.key for w in report.written] == [f"{p.sku}@{MFN}" for p in positions]
    assert all(w.vendor_id for w in report.written)  # the submission id
    assert _quantities(fake) == _expected(positions)
    assert len(_paths(fake, "/listings/")) == 5
    assert not _paths(fake, "/feeds/")
    assert fake.listings["MFN-0003"]["marketplaceId"] == "ATVPDKIKX0DER"


def test_the_quantity_sent_is_what_can_be_sold():
    fake = make_fake()
    position = _position(
        "K", 20, committed=3, reserved=2, damaged=1, quality_control=1, safety_stock=4
    )
    connector(fake).write_inventory([position, _position("Z", 1, safety_stock=5)])
    assert _quantities(fake) == {"K": 9, "Z": 0}


def test_skus_are_url_encoded():
    fake = make_fake()
    report = connector(fake).write_inventory([_position("KETTLE/1 #blue", 4)])
    assert report.ok
    assert _quantities(fake) == {"KETTLE/1 #blue": 4}


def test_many_skus_go_as_one_listings_feed():
    fake = make_fake()
    positions = make_mfn_positions(30)
    report = connector(fake, inventory_feed_threshold=20).write_inventory(positions)
    assert report.ok, [str(e) for e in report.skipped]
    assert len(report.written) == 30
    (feed_id,) = fake.feeds
    assert {w.vendor_id for w in report.written} == {feed_id}
    assert _quantities(fake) == _expected(positions)
    assert not _paths(fake, "/listings/")
    (upload,) = [d for d in fake.feed_documents.values() if not d.get("result")]
    feed = json.loads(upload["content"])
    assert feed["header"] == {"sellerId": fake.seller_id, "version": "2.0", "issueLocale": "en_US"}
    first = feed["messages"][0]
    assert first["messageId"] == 1
    assert first["operationType"] == "PATCH"
    assert first["patches"][0]["value"] == [
        {"fulfillment_channel_code": "DEFAULT", "quantity": int(sellable(positions[0]))}
    ]
    assert fake.processing_report(feed_id)["summary"]["messagesAccepted"] == 30


def test_the_threshold_counts_skus_not_positions_refused_beforehand():
    fake = make_fake()
    positions = [*make_mfn_positions(3), _position("ELSEWHERE", 1, location="DC-1")]
    report = connector(fake, inventory_feed_threshold=3).write_inventory(positions)
    assert not fake.feeds
    assert len(report.written) == 3
    (refused,) = report.skipped
    assert "DC-1" in str(refused)


def test_feed_failures_are_reported_per_sku():
    fake = make_fake()
    fake.refuse_listing("MFN-0004", "FAKE_SUPPRESSED", "The listing is suppressed", "item_name")
    fake.refuse_listing("MFN-0011", "FAKE_BLOCKED", "Brand approval needed", "brand")
    positions = make_mfn_positions(15)
    report = connector(fake, inventory_feed_threshold=5).write_inventory(positions)
    assert len(report.written) == 13
    assert [e.sku for e in report.skipped] == ["MFN-0004", "MFN-0011"]
    first = report.skipped[0]
    assert isinstance(first, ListingRejected)
    assert isinstance(first, SkippableRecordError)
    assert first.attribute_names == ("item_name",)
    assert first.issues[0].code == "FAKE_SUPPRESSED"
    assert first.record_id == f"MFN-0004@{MFN}"
    assert first.source["messageId"] == 5
    assert "MFN-0004" in str(first)
    assert "item_name" in str(first)
    assert "MFN-0004" not in _quantities(fake)
    assert len(_quantities(fake)) == 13


def test_patch_failures_are_reported_per_sku():
    fake = make_fake()
    fake.refuse_listing("MFN-0001", "FAKE_SUPPRESSED", "The listing is suppressed", "item_name")
    report = connector(fake).write_inventory(make_mfn_positions(3))
    assert [w.key.split("@")[0] for w in report.written] == ["MFN-0000", "MFN-0002"]
    (error,) = report.skipped
    assert isinstance(error, ListingRejected)
    assert (error.sku, error.attribute_names, error.operation) == (
        "MFN-0001",
        ("item_name",),
        "patchListingsItem",
    )


def test_positions_amazon_cannot_take_are_refused_before_any_request():
    fake = make_fake()
    report = connector(fake).write_inventory(
        [
            _position("A", 3, location="DC-1"),
            _position("B", Decimal("2.5")),
            _position("C", 1),
            _position("C", 2),
        ]
    )
    assert [w.key for w in report.written] == [f"C@{MFN}"]
    reasons = [str(e) for e in report.skipped]
    assert "merchant-fulfilled location" in reasons[0]
    assert "whole number" in reasons[1]
    assert "twice" in reasons[2]
    assert _quantities(fake) == {"C": 1}


def test_mfn_location_is_configurable():
    fake = make_fake()
    report = connector(fake, mfn_location_id="my-amazon-pool").write_inventory(
        [_position("A", 3, location="my-amazon-pool")]
    )
    assert report.ok


def test_seller_id_is_required():
    fake = make_fake()
    amazon = connector(fake, seller_id=None)
    with pytest.raises(ConfigurationError, match="seller_id"):
        amazon.write_inventory(make_mfn_positions(1))
    assert not fake.exchanges


@pytest.mark.parametrize("outcome", ["FATAL", "CANCELLED"])
def test_a_failed_feed_raises_and_writes_nothing(outcome):
    fake = make_fake()
    fake.feed_outcome = outcome
    with pytest.raises(ReportFailed) as info:
        connector(fake, inventory_feed_threshold=0).write_inventory(make_mfn_positions(4))
    assert info.value.processing_status == outcome
    assert info.value.operation == "getFeed"
    assert not fake.listings


def test_a_slow_feed_raises_not_ready():
    fake = make_fake()
    fake.feed_processing_seconds = 10_000
    amazon = connector(fake, inventory_feed_threshold=0, report_max_wait=600)
    with pytest.raises(ReportNotReady) as info:
        amazon.write_inventory(make_mfn_positions(2))
    assert info.value.report_id in fake.feeds
    assert info.value.processing_status == "IN_PROGRESS"


FAULTS = [
    FaultRule(FaultKind.RATE_LIMIT, every=5, retry_after=1.0),
    FaultRule(FaultKind.SERVER_ERROR, every=7),
    FaultRule(FaultKind.TIMEOUT, every=11),
    FaultRule(FaultKind.CONNECTION_RESET, every=13),
    FaultRule(FaultKind.TRUNCATED_BODY, every=17),
]


@pytest.mark.parametrize("threshold", [100, 0], ids=["patches", "feed"])
def test_writes_survive_faults(threshold):
    fake = make_fake(faults=FAULTS)
    positions = make_mfn_positions(40)
    report = connector(fake, inventory_feed_threshold=threshold).write_inventory(positions)
    assert report.ok, [str(e) for e in report.skipped]
    assert len(report.written) == 40
    assert _quantities(fake) == _expected(positions)
    assert any(e.fault is not None for e in fake.exchanges)


def test_a_lost_create_feed_answer_is_repeated_harmlessly():
    fake = make_fake(faults=[FaultRule(FaultKind.TIMEOUT, every=1, path="/feeds$", limit=1)])
    positions = make_mfn_positions(6)
    report = connector(fake, inventory_feed_threshold=0).write_inventory(positions)
    assert report.ok
    assert len(fake.feeds) == 2  # Amazon got it twice; both set the same quantities
    assert _quantities(fake) == _expected(positions)


def test_feeds_under_usage_plans():
    fake = make_fake(usage_plans=True)
    amazon = connector(fake, inventory_feed_threshold=10)
    for n in (3, 30, 30):
        assert amazon.write_inventory(make_mfn_positions(n)).ok
    assert 429 not in fake.statuses()
    assert len(fake.feeds) == 2


def test_async_write_matches_sync():
    positions = make_mfn_positions(12)
    for threshold in (100, 5):
        sync_fake, async_fake = make_fake(), make_fake()
        sync = connector(sync_fake, inventory_feed_threshold=threshold).write_inventory(positions)
        other = asyncio.run(
            connector(async_fake, inventory_feed_threshold=threshold).awrite_inventory(positions)
        )
        assert [w.key for w in other.written] == [w.key for w in sync.written]
        assert _quantities(async_fake) == _quantities(sync_fake)


def test_fake_refuses_what_amazon_refuses():
    fake = make_fake()
    amazon = connector(fake)
    from retail_canon.connectors import RequestSpec

    path = f"/listings/2021-08-01/items/{fake.seller_id}/X"
    bad = {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"quantity": 3}],  # no fulfillment_channel_code
            }
        ],
    }
    spec = RequestSpec("PATCH", path, "patchListingsItem", params={"marketplaceIds": "X"}, json=bad)
    answer = amazon.call(spec).json()
    assert answer["status"] == "INVALID"
    assert answer["issues"][0]["message"] == "Invalid parameters provided"
    assert answer["issues"][0]["attributeNames"] == ["fulfillment_availability"]
    preview = RequestSpec(
        "PATCH",
        path,
        "patchListingsItem",
        params={"marketplaceIds": "X", "mode": "VALIDATION_PREVIEW"},
        json={
            "productType": "PRODUCT",
            "patches": [
                {"op": "replace", "path": "/attributes/item_name", "value": [{"value": "K"}]}
            ],
        },
    )
    assert amazon.call(preview).json()["status"] == "VALID"
    assert "X" not in fake.listings


def test_long_writes_go_as_several_feeds():
    from retail_canon.connectors import WriteReport
    from retail_canon.connectors.amazon._feeds import listings_feed_flow
    from retail_canon.connectors.amazon._inventory_sink import _plan

    fake = make_fake()
    amazon = connector(fake)
    positions = make_mfn_positions(10)
    writes, refused = _plan(amazon, positions)
    assert not refused
    flow = listings_feed_flow(
        amazon, writes, WriteReport(), poll_interval=30, max_wait=3600, max_messages=4
    )
    report = amazon.run(flow)
    assert len(report.written) == 10
    assert len(fake.feeds) == 3  # 4 + 4 + 2 messages
    assert _quantities(fake) == _expected(positions)
    # messageIds restart in each feed; issues map back to the right SKU
    assert {w.vendor_id for w in report.written} == set(fake.feeds)


def test_a_feed_processed_short_reports_unknown_outcomes():
    fake = make_fake()
    original = fake._process

    def short(feed_id, content):
        report = original(feed_id, content)
        report["summary"]["messagesProcessed"] -= 2
        return report

    fake._process = short  # type: ignore[method-assign]
    report = connector(fake, inventory_feed_threshold=0).write_inventory(make_mfn_positions(5))
    assert not report.written
    assert len(report.skipped) == 5
    assert "processed 3 of 5" in str(report.skipped[0])
