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

import os

import pytest

from _connector_checks import (
    post_sandbox_order_twice,
    recent_receivables,
    sandbox_env,
    sandbox_sku,
    some_positions,
)
from retail_canon.connectors.odoo import OdooConnector

pytestmark = pytest.mark.sandbox


@pytest.fixture
def odoo():
    env = sandbox_env("RC_ODOO_URL", "RC_ODOO_DATABASE", "RC_ODOO_API_KEY", "RC_ODOO_PARTNER_ID")
    protocol = os.environ.get("RC_ODOO_PROTOCOL", "json2")
    settings = {
        "base_url": env["RC_ODOO_URL"],
        "database": env["RC_ODOO_DATABASE"],
        "api_key": env["RC_ODOO_API_KEY"],
        "partner_id": int(env["RC_ODOO_PARTNER_ID"]),
        "protocol": protocol,
    }
    if protocol == "jsonrpc":
        settings["login"] = sandbox_env("RC_ODOO_LOGIN")["RC_ODOO_LOGIN"]
    connector = OdooConnector(**settings)
    yield connector
    connector.close()


def test_the_partner_is_readable(odoo):
    rows = odoo.execute(
        "res.partner", "read", ids=[odoo.config.partner_id], kwargs={"fields": ["name"]}
    )
    assert rows[0]["id"] == odoo.config.partner_id


def test_receivables_read_as_settlement_lines(odoo):
    recent_receivables(odoo)


def test_inventory_reads_as_positions(odoo):
    some_positions(odoo)


def test_posting_an_order_twice_gives_one_sale_order(odoo):
    post_sandbox_order_twice(odoo, sandbox_sku("RC_ODOO"))
