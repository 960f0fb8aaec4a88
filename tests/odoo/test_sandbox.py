"""The Odoo connector against a real database (``pytest -m sandbox``).

Needs ``RC_ODOO_URL``, ``RC_ODOO_DATABASE``, ``RC_ODOO_API_KEY`` and ``RC_ODOO_PARTNER_ID``
(and ``RC_ODOO_LOGIN`` for the JSON-RPC runs; ``RC_ODOO_PROTOCOL=jsonrpc`` runs these tests
over JSON-RPC, default JSON-2 which needs Odoo 19+). The write test also needs
``RC_ODOO_SANDBOX_WRITES=1`` and ``RC_ODOO_SANDBOX_SKU`` (a product's Internal Reference);
it creates one sale order with client reference ``rc-sandbox-<day>``. Everything is
skipped without them. The conformance suites' sandbox runs cover the reads as well
(``test_conformance.py``).
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime, timedelta

import pytest

from retail_canon.connectors.odoo import OdooConnector
from retail_canon.models import (
    InventoryPosition,
    Money,
    OrderLine,
    Quantity,
    SalesOrder,
    SettlementLine,
)

pytestmark = pytest.mark.sandbox


def _env(*names: str) -> dict[str, str]:
    absent = [n for n in names if not os.environ.get(n)]
    if absent:
        pytest.skip(f"sandbox settings not set: {', '.join(absent)}")
    return {n: os.environ[n] for n in names}


@pytest.fixture
def odoo():
    env = _env("RC_ODOO_URL", "RC_ODOO_DATABASE", "RC_ODOO_API_KEY", "RC_ODOO_PARTNER_ID")
    protocol = os.environ.get("RC_ODOO_PROTOCOL", "json2")
    settings = {
        "base_url": env["RC_ODOO_URL"],
        "database": env["RC_ODOO_DATABASE"],
        "api_key": env["RC_ODOO_API_KEY"],
        "partner_id": int(env["RC_ODOO_PARTNER_ID"]),
        "protocol": protocol,
    }
    if protocol == "jsonrpc":
        settings["login"] = _env("RC_ODOO_LOGIN")["RC_ODOO_LOGIN"]
    connector = OdooConnector(**settings)
    yield connector
    connector.close()


def test_the_partner_is_readable(odoo):
    rows = odoo.execute(
        "res.partner", "read", ids=[odoo.config.partner_id], kwargs={"fields": ["name"]}
    )
    assert rows[0]["id"] == odoo.config.partner_id


def test_receivables_read_as_settlement_lines(odoo):
    records = odoo.read_receivables(since=datetime.now(UTC) - timedelta(days=30))
    with records:
        read = list(itertools.islice(records, 50))
    assert all(isinstance(line, SettlementLine) for line in read)
    stamps = [line.posted_at for line in read]
    assert stamps == sorted(stamps)


def test_inventory_reads_as_positions(odoo):
    records = odoo.read_inventory()
    with records:
        read = list(itertools.islice(records, 50))
    assert all(isinstance(p, InventoryPosition) for p in read)
    assert len({(p.sku, p.location_id) for p in read}) == len(read)


def test_posting_an_order_twice_gives_one_sale_order(odoo):
    if os.environ.get("RC_ODOO_SANDBOX_WRITES") != "1":
        pytest.skip("sandbox writes are off: set RC_ODOO_SANDBOX_WRITES=1")
    sku = _env("RC_ODOO_SANDBOX_SKU")["RC_ODOO_SANDBOX_SKU"]
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
    first = odoo.write_orders([order])
    again = odoo.write_orders([order])
    assert first.ok, [str(e) for e in first.skipped]
    assert again.written[0].vendor_id == first.written[0].vendor_id
