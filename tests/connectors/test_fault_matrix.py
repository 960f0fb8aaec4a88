"""The fault matrix: a 2,000-record read under every fault ends with exactly 2,000 records;
writes repeated after a lost answer land once; sync and async agree."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from connectors.helpers import demo_connector
from retail_canon.connectors import TransportFailure
from retail_canon.models import Money, OrderLine, Quantity, SalesOrder
from retail_canon.testing import DemoConnector, DemoVendorFake, FakeClock, FaultKind, FaultRule

RECORDS = 2000

FAULTS = {
    FaultKind.RATE_LIMIT: [
        FaultRule(FaultKind.RATE_LIMIT, every=9, burst=3),
        FaultRule(FaultKind.RATE_LIMIT, every=13, retry_after=2.0),
    ],
    FaultKind.SERVER_ERROR: [
        FaultRule(FaultKind.SERVER_ERROR, every=5, status=503),
        FaultRule(FaultKind.SERVER_ERROR, probability=0.1, status=500),
    ],
    FaultKind.TIMEOUT: [
        FaultRule(FaultKind.TIMEOUT, every=4),
        FaultRule(FaultKind.TIMEOUT, every=7, processed=False),
    ],
    FaultKind.CONNECTION_RESET: [
        FaultRule(FaultKind.CONNECTION_RESET, every=4),
        FaultRule(FaultKind.CONNECTION_RESET, every=9, processed=False),
    ],
    FaultKind.TRUNCATED_BODY: [FaultRule(FaultKind.TRUNCATED_BODY, every=3)],
    FaultKind.MALFORMED_BODY: [FaultRule(FaultKind.MALFORMED_BODY, probability=0.3)],
    FaultKind.PAGE_TOKEN_EXPIRY: [FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=3)],
    FaultKind.AUTH_TOKEN_EXPIRY: [FaultRule(FaultKind.AUTH_TOKEN_EXPIRY, every=4)],
    FaultKind.SLOW_RESPONSE: [
        FaultRule(FaultKind.SLOW_RESPONSE, every=3, delay=45.0),  # past the 30 s timeout
        FaultRule(FaultKind.SLOW_RESPONSE, every=5, delay=5.0),
    ],
}


def test_the_matrix_covers_every_fault_kind():
    assert set(FAULTS) == set(FaultKind)


def _fake(rules, seed=0) -> DemoVendorFake:
    fake = DemoVendorFake(clock=FakeClock(), faults=rules, seed=seed, latency=0.05)
    fake.token_ttl = 600.0  # access tokens also expire on their own during the read
    fake.seed_orders(RECORDS, ties=4)
    return fake


def _connector(fake: DemoVendorFake) -> DemoConnector:
    return demo_connector(fake, page_size=50, max_attempts=6)


def _read_sync(fake):
    records = _connector(fake).read_orders()
    return [o.order_id for o in records], records


def _read_async(fake):
    async def main():
        async with _connector(fake) as conn:
            records = conn.aread_orders()
            return [o.order_id async for o in records], records

    return asyncio.run(main())


@pytest.mark.parametrize("kind", list(FAULTS), ids=str)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_paginated_read_survives(kind, mode):
    fake = _fake(FAULTS[kind])
    got, records = _read_sync(fake) if mode == "sync" else _read_async(fake)
    assert len(got) == RECORDS
    assert got == sorted(fake.orders)  # every record once, in order
    assert records.skipped == []
    assert fake.faults.count(kind) >= 5, "the fault must actually have been injected"


def test_a_paginated_read_survives_every_fault_at_once():
    rules = [FaultRule(kind, probability=0.04, delay=45.0) for kind in FaultKind]
    fake = _fake(rules, seed=11)
    sync, _ = _read_sync(fake)
    asynchronous, _ = _read_async(fake)
    assert sync == asynchronous == sorted(fake.orders)
    assert {e.kind for e in fake.faults.events} == set(FaultKind)


@pytest.mark.parametrize("kind", list(FAULTS), ids=str)
def test_sync_and_async_give_identical_canonical_objects(kind):
    fake = _fake(FAULTS[kind], seed=3)
    fake.orders = dict(list(fake.orders.items())[:300])
    sync = list(_connector(fake).read_orders())

    async def main():
        async with _connector(fake) as conn:
            return [o async for o in conn.aread_orders()]

    assert asyncio.run(main()) == sync
    assert all(isinstance(o, SalesOrder) for o in sync)


def _order(order_id: str) -> SalesOrder:
    return SalesOrder(
        order_id=order_id,
        channel="demo",
        placed_at="2026-02-01T10:00:00Z",
        currency="USD",
        lines=[
            OrderLine(
                line_id=f"{order_id}-1",
                sku="SKU-1",
                quantity=Quantity(value=Decimal(1)),
                unit_price=Money(amount=Decimal("5.00"), currency="USD"),
            )
        ],
    )


@pytest.mark.parametrize("kind", [FaultKind.TIMEOUT, FaultKind.CONNECTION_RESET])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_write_with_an_idempotency_key_repeated_after_a_lost_answer_lands_once(kind, mode):
    fake = DemoVendorFake(clock=FakeClock())
    conn = _connector(fake)
    conn.read_orders()  # nothing read yet: the token is fetched by the write itself
    fake.faults.add(FaultRule(kind, every=1, method="POST", path="/v1/orders$", limit=1))
    order = _order("w-1")
    if mode == "sync":
        report = conn.write_orders([order])
    else:
        report = asyncio.run(conn.awrite_orders([order]))
    assert report.ok
    assert fake.created == 1
    posts = [e for e in fake.exchanges if e.method == "POST" and e.path == "/v1/orders"]
    assert [(p.status, p.fault) for p in posts] == [(None, kind), (200, None)]
    assert report.written[0].vendor_id == "w-1"
    assert [o.order_id for o in fake.get("orders")] == ["w-1"]


def test_writing_the_same_object_again_is_harmless():
    fake = DemoVendorFake(clock=FakeClock())
    conn = _connector(fake)
    conn.write_orders([_order("w-2")])
    conn.write_orders([_order("w-2")])
    assert fake.created == 1


def test_without_idempotency_keys_a_lost_write_is_not_repeated():
    class NoKeys(DemoConnector):
        idempotency_header = None

    fake = DemoVendorFake(clock=FakeClock())
    conn = NoKeys(
        transport=fake,
        clock=fake.clock,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        refresh_token=fake.refresh_token,
    )
    fake.faults.add(
        FaultRule(FaultKind.TIMEOUT, every=1, method="POST", path="/v1/orders$", limit=1)
    )
    with pytest.raises(TransportFailure) as info:
        conn.write_orders([_order("w-3")])
    assert info.value.maybe_applied
    assert fake.created == 1  # it did land; the caller must check before writing again


def test_refused_items_are_reported_and_the_rest_written():
    fake = DemoVendorFake(clock=FakeClock())
    conn = _connector(fake)
    conn.write_orders([_order("dup")])
    report = conn.write_orders(
        [_order("a"), _order("dup").model_copy(update={"order_number": "x"}), _order("b")]
    )
    assert [w.key for w in report.written] == ["a", "b"]
    assert [(e.record_id, e.status, e.vendor_code) for e in report.skipped] == [
        ("dup", 409, "DuplicateOrder")
    ]
    assert not report.ok
