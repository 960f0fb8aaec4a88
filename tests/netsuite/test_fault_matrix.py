"""NetSuite under every fault: a 200-order post batch lands exactly once per order, sync and
async; a 200-row receivables read returns every row once, in order."""

from __future__ import annotations

import asyncio

import pytest

from _connector_checks import ERP_FAULTS
from netsuite.samples import CONFIG, make_orders, make_receivables, seeded_fake
from retail_canon.connectors.netsuite import NetSuiteConnector, mapping
from retail_canon.testing import FakeClock, FaultKind

ORDERS = 200

FAULTS = ERP_FAULTS
"""Every fault kind that can happen to NetSuite REST: TBA tokens do not expire and SuiteQL
offsets are not page tokens, so access- and page-token expiry cannot occur."""


def test_the_matrix_covers_every_applicable_fault():
    assert set(FAULTS) == set(FaultKind) - {
        FaultKind.PAGE_TOKEN_EXPIRY,
        FaultKind.AUTH_TOKEN_EXPIRY,
    }


def _connector(fake, page_size=25):
    return NetSuiteConnector(
        **CONFIG, page_size=page_size, max_attempts=8, transport=fake, clock=fake.clock
    )


@pytest.mark.parametrize("kind", list(FAULTS), ids=str)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_post_batch_lands_once_per_order(kind, mode):
    fake = seeded_fake(clock=FakeClock(), faults=[FAULTS[kind]], latency=0.05)
    orders = make_orders(ORDERS)
    if mode == "sync":
        report = _connector(fake).write_orders(orders)
    else:

        async def main():
            async with _connector(fake) as ns:
                return await ns.awrite_orders(orders)

        report = asyncio.run(main())
    assert report.skipped == []
    assert [w.key for w in report.written] == [o.order_id for o in orders]
    assert sorted(fake.external_ids) == sorted(mapping.external_id(o.order_id) for o in orders)
    assert len(fake.sales_orders) == ORDERS  # nothing lost, nothing duplicated
    ids = {w.vendor_id for w in report.written}
    assert ids == {str(i) for i in fake.sales_orders}
    assert fake.faults.count(kind) >= 3, "the fault must actually have been injected"


@pytest.mark.parametrize("kind", list(FAULTS), ids=str)
def test_a_receivables_read_returns_every_row_once(kind):
    fake = seeded_fake(clock=FakeClock(), faults=[FAULTS[kind]], latency=0.05)
    lines = make_receivables(ORDERS)
    fake.put("receivables", lines)
    records = _connector(fake, page_size=10).read_receivables()
    got = [line.line_id for line in records]
    assert got == [line.line_id for line in lines]
    assert records.skipped == []
    assert fake.faults.count(kind) >= 3
