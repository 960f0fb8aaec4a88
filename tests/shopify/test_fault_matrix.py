"""Shopify under every fault: a 500-order read ends with exactly 500 orders, in order, sync
and async; stock writes repeated after a lost answer land once (idempotency key)."""

from __future__ import annotations

import asyncio

import pytest

from retail_canon.connectors.shopify import ShopifyConnector
from retail_canon.models import InventoryBuckets, InventoryPosition
from retail_canon.testing import FakeClock, FaultKind, FaultRule
from retail_canon.testing.shopify import ACCESS_TOKEN, SHOP, ShopifyFake
from shopify.samples import START, make_orders

ORDERS = 500

FAULTS = {
    FaultKind.RATE_LIMIT: [FaultRule(FaultKind.RATE_LIMIT, every=3)],
    FaultKind.SERVER_ERROR: [FaultRule(FaultKind.SERVER_ERROR, every=4, status=503)],
    FaultKind.TIMEOUT: [FaultRule(FaultKind.TIMEOUT, every=4)],
    FaultKind.CONNECTION_RESET: [FaultRule(FaultKind.CONNECTION_RESET, every=5)],
    FaultKind.TRUNCATED_BODY: [FaultRule(FaultKind.TRUNCATED_BODY, every=3)],
    FaultKind.MALFORMED_BODY: [FaultRule(FaultKind.MALFORMED_BODY, every=4)],
    FaultKind.PAGE_TOKEN_EXPIRY: [FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=3)],
    FaultKind.SLOW_RESPONSE: [FaultRule(FaultKind.SLOW_RESPONSE, every=3, delay=45.0)],
}
"""Every fault kind but access-token expiry: Shopify's token is static."""

ORDER_IDS = [f"shopify-{1000 + i}" for i in range(ORDERS)]


def _fake(rules: list[FaultRule]) -> ShopifyFake:
    fake = ShopifyFake(clock=FakeClock(), faults=rules, latency=0.05)
    fake.put("orders", make_orders(ORDERS))
    return fake


def _connector(fake: ShopifyFake) -> ShopifyConnector:
    return ShopifyConnector(
        shop=SHOP,
        access_token=ACCESS_TOKEN,
        page_size=25,
        max_attempts=8,
        transport=fake,
        clock=fake.clock,
    )


def test_the_matrix_covers_every_fault_a_static_token_can_meet():
    assert set(FAULTS) == set(FaultKind) - {FaultKind.AUTH_TOKEN_EXPIRY}


@pytest.mark.parametrize("kind", list(FAULTS), ids=str)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_paginated_read_survives(kind, mode):
    fake = _fake(FAULTS[kind])
    if mode == "sync":
        records = _connector(fake).read_orders()
        got = [o.order_id for o in records]
    else:

        async def main():
            async with _connector(fake) as conn:
                records = conn.aread_orders()
                return [o.order_id async for o in records], records

        got, records = asyncio.run(main())
    assert got == ORDER_IDS  # every order once, in order
    assert records.skipped == []
    assert fake.faults.count(kind) >= 3, "the fault must actually have been injected"


@pytest.mark.parametrize("kind", [FaultKind.TIMEOUT, FaultKind.CONNECTION_RESET])
def test_a_stock_write_repeated_after_a_lost_answer_lands_once(kind):
    fake = ShopifyFake(clock=FakeClock())
    position = InventoryPosition(
        sku="MUG-1", location_id="7", buckets=InventoryBuckets(on_hand=4), as_of=START
    )
    fake.put("inventory", [position])
    fake.faults.add(FaultRule(kind, every=1, limit=1, method="POST"))
    target = position.model_copy(update={"buckets": InventoryBuckets(on_hand=9)})
    fake.faults.add(FaultRule(kind, every=2, limit=1))  # hits the mutation
    report = _connector(fake).write_inventory([target])
    assert report.ok
    assert fake.get("inventory")[0].buckets.on_hand == 9
    assert len(fake.idempotency) == 1  # one logical set, however many sends
