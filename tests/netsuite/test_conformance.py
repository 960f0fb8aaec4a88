"""NetSuite's conformance suite: against the fake always, against an account on request."""

from __future__ import annotations

from netsuite.samples import (
    CONFIG,
    SANDBOX_ENV,
    make_orders,
    make_positions,
    make_receivables,
    seeded_fake,
)
from retail_canon.connectors.netsuite import NetSuiteConnector
from retail_canon.testing import connector_suite


class TestNetSuiteConformance(
    connector_suite(
        NetSuiteConnector,
        fake=seeded_fake,
        config={**CONFIG, "page_size": 3},
        samples={
            "orders": make_orders,
            "inventory": make_positions,
            "receivables": make_receivables,
        },
        sandbox_env=SANDBOX_ENV,
    )
):
    pass
