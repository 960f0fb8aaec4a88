"""Odoo under every fault, over both protocols: a 200-order post batch lands exactly once
per order (sync and async); a 200-move receivables read returns every move once, in order.

Creates are not idempotent in Odoo: when a create's answer is lost the connector repeats
the whole post, which starts by searching ``client_order_ref``, so the order is found
instead of created twice."""

from __future__ import annotations

import asyncio

import pytest

from _connector_checks import ERP_FAULTS
from odoo.samples import PROTOCOLS, make_orders, make_receivables, seeded_fake
from retail_canon.connectors.odoo import OdooConnector
from retail_canon.testing import FakeClock, FaultKind

ORDERS = 200

FAULTS = ERP_FAULTS
"""Every fault that can happen to Odoo: API keys do not expire mid-read and offsets are no
page tokens."""


def test_the_matrix_covers_every_applicable_fault():
    assert set(FAULTS) == set(FaultKind) - {
        FaultKind.PAGE_TOKEN_EXPIRY,
        FaultKind.AUTH_TOKEN_EXPIRY,
    }


def _connector(fake, protocol, page_size=25):
    return OdooConnector(
        **PROTOCOLS[protocol],
        page_size=page_size,
        max_attempts=8,
        max_elapsed=900.0,  # 45-second answers: one post may take minutes of fake time
        transport=fake,
        clock=fake.clock,
    )


@pytest.mark.parametrize("kind", list(FAULTS), ids=str)
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_a_post_batch_lands_once_per_order(kind, mode, protocol):
    fake = seeded_fake(clock=FakeClock(), faults=[FAULTS[kind]], latency=0.05)
    orders = make_orders(ORDERS)
    if mode == "sync":
        report = _connector(fake, protocol).write_orders(orders)
    else:

        async def main():
            async with _connector(fake, protocol) as odoo:
                return await odoo.awrite_orders(orders)

        report = asyncio.run(main())
    assert report.skipped == []
    assert [w.key for w in report.written] == [o.order_id for o in orders]
    sales = fake.orm.records["sale.order"].values()
    refs = sorted(s["client_order_ref"] for s in sales)
    assert refs == sorted(o.order_id for o in orders)  # nothing lost, nothing duplicated
    assert all(s["state"] == "sale" for s in sales)
    assert {w.vendor_id for w in report.written} == {str(s["id"]) for s in sales}
    assert fake.faults.count(kind) >= 3, "the fault must actually have been injected"


@pytest.mark.parametrize("kind", list(FAULTS), ids=str)
@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_a_receivables_read_returns_every_move_once(kind, protocol):
    fake = seeded_fake(clock=FakeClock(), faults=[FAULTS[kind]], latency=0.05)
    lines = make_receivables(ORDERS)
    fake.put("receivables", lines)
    records = _connector(fake, protocol, page_size=10).read_receivables()
    assert [line.line_id for line in records] == [line.line_id for line in lines]
    assert records.skipped == []
    assert fake.faults.count(kind) >= 3
