"""NetSuite's conformance suite: against the fake always, against an account on request."""

from __future__ import annotations

from netsuite.samples import CONFIG, make_orders, make_positions, make_receivables, seeded_fake
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
        sandbox_env={
            "account_id": "RC_NETSUITE_ACCOUNT_ID",
            "customer_id": "RC_NETSUITE_CUSTOMER_ID",
            "consumer_key": "RC_NETSUITE_CONSUMER_KEY",
            "consumer_secret": "RC_NETSUITE_CONSUMER_SECRET",
            "token_id": "RC_NETSUITE_TOKEN_ID",
            "token_secret": "RC_NETSUITE_TOKEN_SECRET",
        },
    )
):
    pass
