"""Odoo's conformance suite, once per protocol: against the fake always, against a
database on request."""

from __future__ import annotations

from odoo.samples import JSON2, JSONRPC, make_orders, make_positions, make_receivables, seeded_fake
from retail_canon.connectors.odoo import OdooConnector
from retail_canon.testing import connector_suite

SAMPLES = {"orders": make_orders, "inventory": make_positions, "receivables": make_receivables}
SANDBOX_ENV = {
    "base_url": "RC_ODOO_URL",
    "database": "RC_ODOO_DATABASE",
    "api_key": "RC_ODOO_API_KEY",
    "partner_id": "RC_ODOO_PARTNER_ID",
}


class TestOdooJson2Conformance(
    connector_suite(
        OdooConnector,
        fake=seeded_fake,
        config={**JSON2, "page_size": 3},
        samples=SAMPLES,
        sandbox_env=SANDBOX_ENV,
    )
):
    pass


class TestOdooJsonRpcConformance(
    connector_suite(
        OdooConnector,
        fake=seeded_fake,
        config={**JSONRPC, "page_size": 3},
        samples=SAMPLES,
        sandbox_env={**SANDBOX_ENV, "login": "RC_ODOO_LOGIN"},
        sandbox_config={"protocol": "jsonrpc"},
    )
):
    pass
