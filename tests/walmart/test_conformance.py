"""Walmart's conformance suite: against the fake always, against the sandbox on request."""

from __future__ import annotations

from retail_canon.connectors.walmart import WalmartConnector
from retail_canon.testing import connector_suite
from retail_canon.testing.walmart import CLIENT_ID, CLIENT_SECRET, WalmartFake
from walmart.samples import make_orders, make_positions, make_shipments


class TestWalmartConformance(
    connector_suite(
        WalmartConnector,
        fake=WalmartFake,
        config={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "page_size": 5},
        samples={
            "orders": make_orders,
            "inventory": make_positions,
            "shipments": make_shipments,
        },
        sandbox_env={
            "client_id": "RC_WALMART_CLIENT_ID",
            "client_secret": "RC_WALMART_CLIENT_SECRET",
        },
        sandbox_config={"base_url": "https://sandbox.walmartapis.com"},
    )
):
    pass
