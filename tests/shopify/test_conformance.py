"""Shopify's conformance suite: against the fake always, against a dev store on request."""

from __future__ import annotations

from retail_canon.connectors.shopify import ShopifyConnector
from retail_canon.testing import connector_suite
from retail_canon.testing.shopify import ACCESS_TOKEN, SHOP, ShopifyFake
from shopify.samples import (
    make_fulfillment_orders,
    make_orders,
    make_positions,
    make_products,
    make_returns,
    make_settlements,
)


class TestShopifyConformance(
    connector_suite(
        ShopifyConnector,
        fake=ShopifyFake,
        config={"shop": SHOP, "access_token": ACCESS_TOKEN, "page_size": 5},
        samples={
            "orders": make_orders,
            "inventory": make_positions,
            "shipments": make_fulfillment_orders,
            "settlements": make_settlements,
            "returns": make_returns,
            "listings": make_products,
        },
        sandbox_env={"shop": "RC_SHOPIFY_SHOP", "access_token": "RC_SHOPIFY_ACCESS_TOKEN"},
    )
):
    pass
