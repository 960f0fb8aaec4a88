"""Pagination: checkpoints, resuming after page-token expiry, skipped records."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.helpers import demo_connector, plain
from retail_canon.connectors import (
    Checkpoint,
    MalformedResponse,
    Page,
    PageTokenExpired,
    ReadStream,
    SkippableRecordError,
)
from retail_canon.testing import (
    DemoVendorFake,
    FakeClock,
    FakeVendor,
    FaultKind,
    FaultRule,
    route,
)


def ids(records):
    return [o.order_id for o in records]


def test_reads_every_page_in_order(demo, connector):
    seeded = demo.seed_orders(23)
    records = connector.read_orders()
    assert ids(records) == [r["id"] for r in seeded]
    assert records.pages == 1
    small = demo_connector(demo, page_size=5)
    paged = small.read_orders()
    assert ids(paged) == [r["id"] for r in seeded]
    assert paged.pages == 5


@pytest.mark.parametrize("stop", [0, 1, 2, 3, 4, 7, 11, 12])
def test_a_checkpoint_resumes_exactly_after_the_last_record(demo, stop):
    # Orders come in groups of three sharing updated_at; stop inside and between groups.
    demo.seed_orders(12, ties=3)
    conn = demo_connector(demo, page_size=4)
    everything = ids(conn.read_orders())
    with conn.read_orders() as records:
        head = ids(itertools.islice(records, stop))
        checkpoint = records.checkpoint
    assert (checkpoint is None) == (stop == 0)
    rest = ids(conn.read_orders(checkpoint=checkpoint))
    assert head + rest == everything


def test_a_checkpoint_survives_json(demo, connector):
    demo.seed_orders(9)
    records = connector.read_orders()
    head = ids(itertools.islice(records, 4))
    stored = Checkpoint.from_json(records.checkpoint.to_json())
    assert stored == records.checkpoint
    assert head + ids(connector.read_orders(checkpoint=stored)) == ids(connector.read_orders())


def test_checkpoint_json_for_each_value_type():
    for value in (datetime(2026, 1, 2, 3, tzinfo=UTC), 42, "cursor-9"):
        cp = Checkpoint(value, frozenset({"b", "a"}))
        assert cp.to_json()["seen"] == ["a", "b"]
        assert Checkpoint.from_json(cp.to_json()) == cp


def test_since_is_inclusive(demo, connector):
    demo.seed_orders(9, ties=3, start=datetime(2026, 1, 1, tzinfo=UTC))
    since = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert ids(connector.read_orders(since=since)) == [f"ord-{i:06d}" for i in range(3, 9)]


def test_expired_page_tokens_resume_from_the_checkpoint(demo):
    demo.seed_orders(100, ties=4)
    demo.faults.add(FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=2))
    conn = demo_connector(demo, page_size=7)
    records = conn.read_orders()
    got = ids(records)
    assert got == [f"ord-{i:06d}" for i in range(100)]
    assert records.resumes == demo.faults.count(FaultKind.PAGE_TOKEN_EXPIRY) > 5


def test_page_tokens_that_expire_with_time_resume_too(demo):
    demo.seed_orders(30)
    demo.page_token_ttl = 30.0
    conn = demo_connector(demo, page_size=4)
    records = conn.read_orders()
    got = []
    for order in records:
        got.append(order.order_id)
        demo.clock.advance(10.0)  # a slow consumer: tokens die between pages
    assert got == [f"ord-{i:06d}" for i in range(30)]
    assert records.resumes > 0


def test_resuming_without_progress_gives_up(demo, caplog):
    # Ten orders share one timestamp and pages hold three: a resume lands on the same page.
    demo.seed_orders(10, ties=10)
    demo.faults.add(FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=1))
    conn = demo_connector(demo, page_size=3)
    records = conn.read_orders()
    with pytest.raises(PageTokenExpired, match="without progress") as info:
        list(records)
    assert info.value.vendor_code == "ExpiredPageToken"
    assert records.resumes == 3
    assert "page token expired; resuming" in caplog.text


class Shuffled(FakeVendor):
    """A vendor whose offset-paged records are in no time order (stable across requests)."""

    def __init__(self, **options):
        super().__init__(**options)
        self.records = sorted(
            DemoVendorFake().seed_orders(50),
            key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest(),
        )

    @route("GET", "/v1/orders")
    def list_orders(self, request):
        offset = int(request.params.get("page_token") or 0)
        end = offset + 6
        next_token = str(end) if end < len(self.records) else None
        return httpx.Response(
            200, json={"orders": self.records[offset:end], "next_token": next_token}
        )


class UnorderedOrders(ReadStream):
    operation = "listOrders"
    path = "/v1/orders"
    ordered = False
    expired_token_codes = frozenset({"ExpiredPageToken"})

    def params(self, *, start, page_token):
        return {"page_size": 6, **({"page_token": page_token} if page_token else {})}

    def parse_page(self, body, response):
        return Page(body["orders"], body.get("next_token"))

    def to_canonical(self, record):
        return record["id"]

    def checkpoint_value(self, record):
        return datetime.fromisoformat(record["updated_at"])


def test_unordered_streams_resume_by_ids(clock):
    fake = Shuffled(clock=clock)
    # An unordered read restarts from its start: each expiry costs the pages read so far.
    fake.faults.add(FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=4, limit=2))
    conn = plain(transport=fake, clock=clock)
    assert [r["updated_at"] for r in fake.records] != sorted(r["updated_at"] for r in fake.records)
    records = conn.read(UnorderedOrders(conn))
    got = list(records)
    assert sorted(got) == [f"ord-{i:06d}" for i in range(50)]
    assert len(got) == 50
    assert records.resumes == 2


class NoCheckpoints(UnorderedOrders):
    ordered = True

    def checkpoint_value(self, record):
        return None


def test_an_ordered_stream_without_checkpoint_values_cannot_resume(demo):
    demo.seed_orders(20)
    demo.faults.add(FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=1))
    conn = demo_connector(demo)
    records = conn.read(NoCheckpoints(conn))
    with pytest.raises(PageTokenExpired, match="without checkpoint values"):
        list(records)
    assert records.checkpoint is None


def test_bad_records_are_skipped_reported_and_logged(demo, connector, caplog):
    caplog.set_level(logging.WARNING, logger="retail_canon")
    good = demo.seed_orders(6)
    bad_time = good[2]["updated_at"]
    demo.add_orders(
        [
            {**good[0], "id": "bad-lines", "updated_at": bad_time, "lines": []},
            {**good[0], "id": "bad-currency", "updated_at": bad_time, "currency": "XXY"},
            {**good[0], "id": "bad-shape", "updated_at": bad_time, "lines": None},
        ]
    )
    records = connector.read_orders()
    got = ids(records)
    assert got == [r["id"] for r in good]
    skipped = {e.record_id: e for e in records.skipped}
    assert set(skipped) == {"bad-lines", "bad-currency", "bad-shape"}
    error = skipped["bad-lines"]
    assert isinstance(error, SkippableRecordError)
    assert error.source == {"operation": "listOrders", "page": 1, "index": 1}
    assert error.record["id"] == "bad-lines"
    assert "lines" in error.message
    assert "buyer0@example.com" not in error.message
    assert error.__cause__ is not None  # the mapping's own error, for programmatic use
    assert records.checkpoint.covers("bad-shape", datetime.fromisoformat(bad_time))
    assert [r.event for r in caplog.records] == ["skip"] * 3


class Broken(UnorderedOrders):
    def parse_page(self, body, response):
        return Page(body["no_such_key"], None)


def test_an_unreadable_page_is_malformed_and_retried(demo):
    demo.seed_orders(3)
    conn = demo_connector(demo, max_attempts=3)
    with pytest.raises(MalformedResponse, match="unreadable page"):
        list(conn.read(Broken(conn)))
    pages = [e for e in demo.exchanges if e.path == "/v1/orders"]
    assert len(pages) == 3


def test_json_numbers_are_decoded_as_decimals(demo):
    conn = demo_connector(demo)
    stream = UnorderedOrders(conn)
    response = httpx.Response(200, content=b'{"amount": 12.30, "qty": 2}')
    decoded = stream.decode(response)
    assert str(decoded["amount"]) == "12.30"
    assert decoded["qty"] == 2


def test_closing_early_stops_fetching(demo):
    demo.seed_orders(40)
    conn = demo_connector(demo, page_size=5)
    with conn.read_orders() as records:
        assert len(list(itertools.islice(records, 7))) == 7
    assert records.pages == 2
    assert "emitted=7" in repr(records)


def test_async_reads_checkpoint_and_resume_the_same(demo):
    demo.seed_orders(30, ties=5)
    demo.faults.add(FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=2))
    conn = demo_connector(demo, page_size=4)

    async def main():
        records = conn.aread_orders()
        head = []
        async with records:
            async for order in records:
                head.append(order.order_id)
                if len(head) == 13:
                    break
        rest = [o.order_id async for o in conn.aread_orders(checkpoint=records.checkpoint)]
        return head, rest, records

    head, rest, records = asyncio.run(main())
    assert head + rest == [f"ord-{i:06d}" for i in range(30)]
    assert records.resumes >= 1
    assert records.pages >= 4
    assert records.skipped == []


def test_timestamps_advance_the_checkpoint_value(demo, connector):
    demo.seed_orders(6, ties=2, step=timedelta(minutes=1))
    records = connector.read_orders()
    list(records)
    assert records.checkpoint == Checkpoint(
        datetime(2026, 1, 1, 0, 2, tzinfo=UTC), frozenset({"ord-000004", "ord-000005"})
    )


@given(
    count=st.integers(min_value=0, max_value=40),
    ties=st.integers(min_value=1, max_value=6),
    page_size=st.integers(min_value=1, max_value=9),
    stop=st.integers(min_value=0, max_value=40),
    expiry=st.one_of(st.none(), st.integers(min_value=2, max_value=5)),
)
def test_checkpoints_neither_repeat_nor_lose_records(count, ties, page_size, stop, expiry):
    fake = DemoVendorFake(clock=FakeClock())
    fake.seed_orders(count, ties=ties)
    if expiry is not None:
        fake.faults.add(FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=expiry, limit=3))
    conn = demo_connector(fake, page_size=page_size)
    with conn.read_orders() as records:
        head = ids(itertools.islice(records, stop))
        checkpoint = records.checkpoint
    rest = ids(conn.read_orders(checkpoint=checkpoint))
    assert head + rest == [f"ord-{i:06d}" for i in range(count)]
