"""A 2,000-order backfill under 429 storms, 5xx, timeouts, expired page tokens and malformed
pages finishes with exactly 2,000 unique orders, through both Orders APIs, sync and async."""

from __future__ import annotations

import asyncio

import pytest

from amazon.samples import connector, make_fake, make_order
from retail_canon.testing import FaultKind, FaultRule

ORDERS = 2000


def storm() -> list[FaultRule]:
    return [
        FaultRule(FaultKind.RATE_LIMIT, every=10, burst=3),  # 429 storms
        FaultRule(FaultKind.RATE_LIMIT, every=23, retry_after=3.0),
        FaultRule(FaultKind.SERVER_ERROR, every=7, status=503),
        FaultRule(FaultKind.SERVER_ERROR, every=19, status=500),
        FaultRule(FaultKind.TIMEOUT, every=11),
        FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=3),
        FaultRule(FaultKind.MALFORMED_BODY, every=13),
        FaultRule(FaultKind.TRUNCATED_BODY, every=29),
    ]


@pytest.fixture(scope="module")
def orders():
    return [make_order(i, lines=1) for i in range(ORDERS)]


@pytest.mark.parametrize("api", ["v0", "2026-01-01"])
def test_backfill_under_faults_yields_every_order_once(api, orders):
    fake = make_fake(faults=storm(), usage_plans=True, page_token_ttl=600.0)
    fake.add_orders(orders)
    amazon = connector(fake, orders_api=api, max_attempts=10, max_elapsed=3600.0)
    records = amazon.read_orders()
    ids = [order.order_id for order in records]
    assert len(ids) == ORDERS
    assert set(ids) == {order.order_id for order in orders}
    assert records.skipped == []
    assert fake.faults.count() >= 20  # the storm really happened
    statuses = fake.statuses()
    assert 429 in statuses
    assert 503 in statuses
    assert 400 in statuses


def test_async_backfill_under_faults(orders):
    fake = make_fake(faults=storm(), usage_plans=True)
    fake.add_orders(orders[:500])

    async def read() -> list[str]:
        amazon = connector(fake, orders_api="2026-01-01", max_attempts=10, max_elapsed=3600.0)
        return [order.order_id async for order in amazon.aread_orders()]

    ids = asyncio.run(read())
    assert sorted(ids) == sorted(order.order_id for order in orders[:500])


@pytest.mark.parametrize("api", ["v0", "2026-01-01"])
def test_a_malformed_order_is_skipped_and_reported(api, orders):
    fake = make_fake()
    fake.add_orders(orders[:40])
    bad = orders[17].order_id
    fake.malformed.add(bad)
    records = connector(fake, orders_api=api, page_size=10).read_orders()
    ids = [order.order_id for order in records]
    assert len(ids) == 39
    assert bad not in ids
    (skipped,) = records.skipped
    assert skipped.record_id == bad


def test_the_connector_paces_itself_to_the_usage_plan(orders):
    # Without faults, the connector's own limits keep the fake's usage plans from
    # ever answering 429.
    fake = make_fake(usage_plans=True)
    fake.add_orders(orders[:300])
    ids = [o.order_id for o in connector(fake, orders_api="v0").read_orders()]
    assert len(ids) == 300
    assert 429 not in fake.statuses()
