"""Walmart's conformance suite: against the fake always, against the sandbox on request."""

from __future__ import annotations

from retail_canon.connectors.walmart import WalmartConnector
from retail_canon.testing import connector_suite
from retail_canon.testing.walmart import CLIENT_ID, CLIENT_SECRET, WalmartFake
from walmart.samples import (
    make_feed_positions,
    make_orders,
    make_positions,
    make_products,
    make_returns,
    make_settlements,
    make_shipments,
    price_hook,
)


class TestWalmartConformance(
    connector_suite(
        WalmartConnector,
        fake=WalmartFake,
        config={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "page_size": 5,
            # the suite writes 7 objects: as a bulk feed; 1 at a time: item by item
            "inventory_feed_threshold": 5,
            "feed_max_items": 3,
            "enrich_listing": price_hook,
        },
        samples={
            "orders": make_orders,
            "inventory": make_positions,
            "InventorySink": make_feed_positions,
            "shipments": make_shipments,
            "listings": make_products,
            "returns": make_returns,
            "settlements": make_settlements,
        },
        sandbox_env={
            "client_id": "RC_WALMART_CLIENT_ID",
            "client_secret": "RC_WALMART_CLIENT_SECRET",
        },
        sandbox_config={"base_url": "https://sandbox.walmartapis.com"},
    )
):
    pass
