"""The framework's conformance suite for the Amazon connector, through both Orders APIs."""

from __future__ import annotations

from amazon.samples import (
    make_mfn_positions,
    make_orders,
    make_positions,
    make_products,
    make_returns,
    make_settlements,
    make_shipments,
    settings,
)
from retail_canon.connectors.amazon import AmazonConnector
from retail_canon.testing import connector_suite
from retail_canon.testing.amazon import AmazonFake

SAMPLES = {
    "orders": make_orders,
    "settlements": make_settlements,
    "inventory": make_positions,
    "shipments": make_shipments,
    "InventorySink": make_mfn_positions,  # writes are merchant-fulfilled, reads FBA
    "listings": make_products,
    "returns": make_returns,
}
SANDBOX_SKIP = {
    # The static sandbox answers only the exact requests listed in Amazon's models; a
    # returns read (createReport of the returns report, listFinancialEvents since a
    # date) is none of them. test_sandbox_operations.py sends the ones it knows.
    "ReturnSource": "the static sandbox has no case for these requests",
}
SANDBOX_ENV = {
    "client_id": "RC_AMAZON_CLIENT_ID",
    "client_secret": "RC_AMAZON_CLIENT_SECRET",
    "refresh_token": "RC_AMAZON_REFRESH_TOKEN",
    "seller_id": "RC_AMAZON_SELLER_ID",
}


def _pii_fake(**options: object) -> AmazonFake:
    # v0 answers carry buyer data here as if with a restricted data token, so the
    # canonical orders read back equal the seeded ones.
    return AmazonFake(pii=True, **options)  # type: ignore[arg-type]


def _v0(fake: AmazonFake) -> dict[str, object]:
    return {**settings(fake), "orders_api": "v0", "page_size": 7}


def _v2026(fake: AmazonFake) -> dict[str, object]:
    return {**settings(fake), "orders_api": "2026-01-01", "page_size": 7}


class TestOrdersV0(
    connector_suite(
        AmazonConnector,
        fake=_pii_fake,
        config=_v0,
        samples=SAMPLES,
        sandbox_env=SANDBOX_ENV,
        sandbox_skip=SANDBOX_SKIP,
        sandbox_config={"sandbox": True, "orders_api": "v0"},
    )
):
    pass


class TestOrders2026(
    connector_suite(
        AmazonConnector,
        fake=_pii_fake,
        config=_v2026,
        samples=SAMPLES,
        sandbox_env=SANDBOX_ENV,
        sandbox_skip=SANDBOX_SKIP,
        sandbox_config={"sandbox": True, "orders_api": "2026-01-01"},
    )
):
    pass
