"""The NetSuite connector against a real account (``pytest -m sandbox``).

Reads need ``RC_NETSUITE_ACCOUNT_ID``, ``RC_NETSUITE_CUSTOMER_ID`` and the four TBA values
``RC_NETSUITE_CONSUMER_KEY``, ``RC_NETSUITE_CONSUMER_SECRET``, ``RC_NETSUITE_TOKEN_ID``,
``RC_NETSUITE_TOKEN_SECRET`` (use a sandbox account: ``1234567_SB1``). The write test also
needs ``RC_NETSUITE_SANDBOX_WRITES=1`` and ``RC_NETSUITE_SANDBOX_SKU`` (an item's
Name/Number); it creates one sales order with external id ``rc-sandbox-<day>``. Optional:
``RC_NETSUITE_TIME_ZONE`` (the integration user's time zone), ``RC_NETSUITE_MAX_CONCURRENCY``.
Everything is skipped without them. The conformance suite's sandbox run covers the reads
of every source as well (``test_conformance.py``).
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime, timedelta

import pytest

from retail_canon.connectors.netsuite import NetSuiteConnector
from retail_canon.models import (
    InventoryPosition,
    Money,
    OrderLine,
    Quantity,
    SalesOrder,
    SettlementLine,
)

pytestmark = pytest.mark.sandbox

ENV = {
    "account_id": "RC_NETSUITE_ACCOUNT_ID",
    "customer_id": "RC_NETSUITE_CUSTOMER_ID",
    "consumer_key": "RC_NETSUITE_CONSUMER_KEY",
    "consumer_secret": "RC_NETSUITE_CONSUMER_SECRET",
    "token_id": "RC_NETSUITE_TOKEN_ID",
    "token_secret": "RC_NETSUITE_TOKEN_SECRET",
}


def _env(*names: str) -> dict[str, str]:
    absent = [n for n in names if not os.environ.get(n)]
    if absent:
        pytest.skip(f"sandbox settings not set: {', '.join(absent)}")
    return {n: os.environ[n] for n in names}


@pytest.fixture
def netsuite():
    env = _env(*ENV.values())
    settings = {key: env[var] for key, var in ENV.items()}
    if os.environ.get("RC_NETSUITE_TIME_ZONE"):
        settings["time_zone"] = os.environ["RC_NETSUITE_TIME_ZONE"]
    if os.environ.get("RC_NETSUITE_MAX_CONCURRENCY"):
        settings["max_concurrency"] = int(os.environ["RC_NETSUITE_MAX_CONCURRENCY"])
    connector = NetSuiteConnector(**settings)
    yield connector
    connector.close()


def test_suiteql_answers(netsuite):
    rows = netsuite.suiteql("SELECT id, symbol FROM currency ORDER BY id")
    assert rows
    assert all("symbol" in row for row in rows)


def test_receivables_read_as_settlement_lines(netsuite):
    records = netsuite.read_receivables(since=datetime.now(UTC) - timedelta(days=30))
    with records:
        read = list(itertools.islice(records, 50))
    assert all(isinstance(line, SettlementLine) for line in read)
    assert len({line.line_id for line in read}) == len(read)
    stamps = [line.posted_at for line in read]
    assert stamps == sorted(stamps)


def test_inventory_reads_as_positions(netsuite):
    records = netsuite.read_inventory()
    with records:
        read = list(itertools.islice(records, 50))
    assert all(isinstance(p, InventoryPosition) for p in read)
    assert len({(p.sku, p.location_id) for p in read}) == len(read)


def test_posting_an_order_twice_gives_one_sales_order(netsuite):
    if os.environ.get("RC_NETSUITE_SANDBOX_WRITES") != "1":
        pytest.skip("sandbox writes are off: set RC_NETSUITE_SANDBOX_WRITES=1")
    sku = _env("RC_NETSUITE_SANDBOX_SKU")["RC_NETSUITE_SANDBOX_SKU"]
    now = datetime.now(UTC)
    order = SalesOrder(
        order_id=f"rc-sandbox-{now:%Y%m%d}",
        channel="retail_canon",
        placed_at=now,
        currency="USD",
        lines=[
            OrderLine(
                line_id="1",
                sku=sku,
                quantity=Quantity(value=1),
                unit_price=Money(amount="1.00", currency="USD"),
            )
        ],
    )
    first = netsuite.write_orders([order])
    again = netsuite.write_orders([order])
    assert first.ok, [str(e) for e in first.skipped]
    assert again.ok
    assert first.written[0].vendor_id == again.written[0].vendor_id
