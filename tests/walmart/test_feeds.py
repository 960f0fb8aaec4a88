"""The bulk inventory feed: single item vs feed by count, the feed lifecycle, per-SKU
statuses, feed errors, waiting limits, status paging and faults."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from retail_canon.connectors import RetriableConnectorError
from retail_canon.connectors.walmart import (
    FeedItemError,
    FeedStillProcessing,
    WalmartConnector,
    mapping,
)
from retail_canon.testing import FakeClock, FaultKind, FaultRule
from retail_canon.testing.walmart import CLIENT_ID, CLIENT_SECRET, WalmartFake
from walmart.samples import make_feed_positions, make_positions


def _connector(fake: WalmartFake, **settings: object) -> WalmartConnector:
    options = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "inventory_feed_threshold": 10,
        "max_attempts": 8,
        **settings,
    }
    return WalmartConnector(transport=fake, clock=fake.clock, **options)


def _expected(positions):
    return {(p.sku, p.location_id): mapping.sellable_quantity(p) for p in positions}


def _calls(fake: WalmartFake, method: str, prefix: str) -> int:
    return sum(1 for e in fake.exchanges if e.method == method and e.path.startswith(prefix))


def test_fewer_positions_than_the_threshold_go_item_by_item():
    fake = WalmartFake(clock=FakeClock())
    positions = make_feed_positions(9)
    report = _connector(fake).write_inventory(positions)
    assert report.ok
    assert _calls(fake, "PUT", "/v3/inventory") == 9
    assert _calls(fake, "POST", "/v3/feeds") == 0
    assert fake.inventory == _expected(positions)


def test_from_the_threshold_on_one_feed_per_ship_node_is_sent_and_reported_per_item():
    fake = WalmartFake(clock=FakeClock())
    positions = make_feed_positions(12)  # three ship nodes
    report = _connector(fake).write_inventory(positions)
    assert report.ok, [str(e) for e in report.skipped]
    assert _calls(fake, "PUT", "/v3/inventory") == 0
    assert len(fake.feeds) == 3
    assert {f.params["shipNode"] for f in fake.feeds.values()} == {"node-1", "node-2", "node-3"}
    assert {f.feed_type for f in fake.feeds.values()} == {"inventory"}
    assert [w.key for w in report.written] == sorted(
        (f"{p.sku}@{p.location_id}" for p in positions),
        key=lambda k: (k.split("@")[1], int(k.split("@")[0].split("-")[1])),
    )
    assert {w.request_id for w in report.written} == set(fake.feeds)
    assert fake.inventory == _expected(positions)  # the sellable quantity, not on hand


def test_the_feed_is_polled_through_its_lifecycle():
    fake = WalmartFake(clock=FakeClock(), feed_timing=(5.0, 20.0))
    seen = []
    original = fake.feed_item_status

    def spy(request):
        response = original(request)
        seen.append(response.json()["feedStatus"])
        return response

    fake.feed_item_status = spy  # type: ignore[method-assign]
    fake.put("inventory", [])
    positions = [p.model_copy(update={"location_id": "node-1"}) for p in make_feed_positions(10)]
    report = _connector(fake, feed_poll_interval=10.0).write_inventory(positions)
    assert report.ok
    assert seen == ["RECEIVED", "INPROGRESS", "INPROGRESS", "PROCESSED"]


def test_a_sku_walmart_refuses_is_a_feed_item_error_naming_sku_and_field():
    fake = WalmartFake(clock=FakeClock())
    fake.item_errors["FEED-4"] = ("ERR_EXT_DATA_0801", "quantity.amount", "SKU is retired")
    positions = make_feed_positions(12)
    report = _connector(fake).write_inventory(positions)
    [error] = report.skipped
    assert isinstance(error, FeedItemError)
    assert (error.sku, error.field, error.vendor_code) == (
        "FEED-4",
        "quantity.amount",
        "ERR_EXT_DATA_0801",
    )
    assert error.ingestion_status == "DATA_ERROR"
    assert error.feed_id in fake.feeds
    assert error.record_id == "FEED-4@node-2"
    assert "SKU is retired" in error.message
    assert len(report.written) == 11
    assert ("FEED-4", "node-2") not in fake.inventory


def test_a_feed_that_ends_in_error_refuses_every_item_and_applies_none():
    fake = WalmartFake(clock=FakeClock())
    fake.feed_errors["inventory"] = ("ERR_INT_SYS_0001", "feed processing failed")
    positions = [p.model_copy(update={"location_id": "node-1"}) for p in make_feed_positions(10)]
    report = _connector(fake).write_inventory(positions)
    assert report.written == []
    assert len(report.skipped) == 10
    assert {e.ingestion_status for e in report.skipped} == {"ERROR"}
    assert all("feed processing failed" in e.message for e in report.skipped)
    assert fake.inventory == {}


def test_a_feed_still_processing_past_the_wait_is_a_typed_retriable_error():
    fake = WalmartFake(clock=FakeClock(), feed_timing=(5.0, 600.0))
    positions = make_feed_positions(10)
    with pytest.raises(FeedStillProcessing) as info:
        _connector(fake, feed_max_wait=60.0, feed_poll_interval=15.0).write_inventory(positions)
    assert info.value.maybe_applied
    assert info.value.feed_id in fake.feeds
    assert _calls(fake, "GET", "/v3/feeds/") == 4
    fake.settle_feeds()  # Walmart finishes it later: it was not resent
    assert len(fake.feeds) == 1
    assert fake.inventory == _expected([p for p in positions if p.location_id == "node-1"])


def test_an_earlier_position_of_the_same_sku_and_node_is_reported_not_sent():
    fake = WalmartFake(clock=FakeClock())
    positions = make_feed_positions(12)
    newer = positions[0].model_copy(update={"buckets": positions[0].buckets.model_copy(
        update={"on_hand": 99, "committed": 0})})  # fmt: skip
    report = _connector(fake).write_inventory([*positions, newer])
    [error] = report.skipped
    assert error.record_id == "FEED-0@node-1"
    assert "later position" in error.message
    assert fake.inventory[("FEED-0", "node-1")] == 99


def test_large_writes_are_split_into_feeds_of_at_most_feed_max_items():
    fake = WalmartFake(clock=FakeClock())
    positions = [p.model_copy(update={"location_id": "node-1"}) for p in make_feed_positions(10)]
    report = _connector(fake, feed_max_items=4).write_inventory(positions)
    assert report.ok
    assert [len(f.records) for f in fake.feeds.values()] == [4, 4, 2]


def test_item_statuses_are_read_page_by_page():
    fake = WalmartFake(clock=FakeClock())
    positions = [p.model_copy(update={"location_id": "node-1"}) for p in make_feed_positions(2300)]
    report = _connector(fake).write_inventory(positions)
    assert report.ok
    assert len(report.written) == 2300
    # three polls (RECEIVED at 0 s, INPROGRESS at 15 s, PROCESSED at 30 s), then the
    # statuses from offsets 1000 and 2000
    assert _calls(fake, "GET", "/v3/feeds/") == 5
    assert len(fake.inventory) == 2300


def test_the_async_twin_agrees():
    fake = WalmartFake(clock=FakeClock())
    positions = make_feed_positions(12)

    async def main():
        async with _connector(fake) as walmart:
            return await walmart.awrite_inventory(positions)

    report = asyncio.run(main())
    assert report.ok
    assert len(report.written) == 12
    assert fake.inventory == _expected(positions)


def test_write_inventory_feed_forces_a_feed():
    fake = WalmartFake(clock=FakeClock())
    report = _connector(fake).write_inventory_feed(make_positions(2))
    assert report.ok
    assert len(fake.feeds) == 2
    assert _calls(fake, "PUT", "/v3/inventory") == 0


FAULTS = [
    FaultRule(FaultKind.RATE_LIMIT, every=2, retry_after=2.0, path="/v3/feeds"),
    FaultRule(FaultKind.SERVER_ERROR, every=2, method="GET", path="/v3/feeds"),
    FaultRule(FaultKind.TIMEOUT, every=2, method="GET", path="/v3/feeds"),
    FaultRule(FaultKind.CONNECTION_RESET, every=2, method="GET", path="/v3/feeds"),
    FaultRule(
        FaultKind.CONNECTION_RESET,
        every=1,
        limit=2,
        method="POST",
        path="/v3/feeds",
        processed=False,
    ),
    FaultRule(FaultKind.TRUNCATED_BODY, every=2, method="GET", path="/v3/feeds"),
    FaultRule(FaultKind.MALFORMED_BODY, every=2, method="GET", path="/v3/feeds"),
    FaultRule(FaultKind.AUTH_TOKEN_EXPIRY, every=2, path="/v3/feeds"),
    FaultRule(FaultKind.SLOW_RESPONSE, every=2, delay=45.0, method="GET", path="/v3/feeds"),
]


@pytest.mark.parametrize("rule", FAULTS, ids=lambda r: f"{r.kind}-{r.method or 'any'}")
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_feed_write_survives_faults_and_lands_once(rule, mode):
    fake = WalmartFake(clock=FakeClock(), faults=[dataclasses.replace(rule)])  # fresh counters
    positions = make_feed_positions(30)
    if mode == "sync":
        report = _connector(fake).write_inventory(positions)
    else:

        async def main():
            async with _connector(fake) as walmart:
                return await walmart.awrite_inventory(positions)

        report = asyncio.run(main())
    assert report.ok, [str(e) for e in report.skipped]
    assert len(report.written) == 30
    assert len(fake.feeds) == 3  # one per node, none sent twice
    assert fake.inventory == _expected(positions)
    assert fake.faults.count(rule.kind) >= 1


@pytest.mark.parametrize(
    "kind", [FaultKind.TIMEOUT, FaultKind.CONNECTION_RESET, FaultKind.TRUNCATED_BODY]
)
def test_a_submission_whose_answer_is_lost_is_not_resent(kind):
    fake = WalmartFake(clock=FakeClock())
    fake.faults.add(FaultRule(kind, every=1, limit=1, method="POST", path="/v3/feeds"))
    positions = [p.model_copy(update={"location_id": "node-1"}) for p in make_feed_positions(10)]
    with pytest.raises(RetriableConnectorError) as info:
        _connector(fake).write_inventory(positions)
    assert info.value.maybe_applied  # the POST has no idempotency key: never repeated blindly
    assert len(fake.feeds) == 1  # Walmart got it once; the connector did not send it again
    fake.settle_feeds()
    assert fake.inventory == _expected(positions)


def test_throttled_feed_calls_wait_for_the_next_token():
    fake = WalmartFake(clock=FakeClock())
    fake.rate_limit(rate=0.2, burst=2, key="feeds")
    positions = make_feed_positions(30)
    report = _connector(fake).write_inventory(positions)
    assert report.ok
    assert fake.statuses().count(429) <= 2


def test_a_submission_refused_with_a_5xx_is_not_repeated_blindly():
    fake = WalmartFake(clock=FakeClock())
    fake.faults.add(
        FaultRule(FaultKind.SERVER_ERROR, every=1, limit=1, method="POST", path="/v3/feeds")
    )
    positions = [p.model_copy(update={"location_id": "node-1"}) for p in make_feed_positions(10)]
    with pytest.raises(RetriableConnectorError) as info:
        _connector(fake).write_inventory(positions)
    assert info.value.status == 503
    assert info.value.maybe_applied
    assert _calls(fake, "POST", "/v3/feeds") == 1
