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

import os

import pytest

from _connector_checks import (
    post_sandbox_order_twice,
    recent_receivables,
    sandbox_env,
    sandbox_sku,
    some_positions,
)
from netsuite.samples import SANDBOX_ENV as ENV
from retail_canon.connectors.netsuite import NetSuiteConnector

pytestmark = pytest.mark.sandbox


@pytest.fixture
def netsuite():
    env = sandbox_env(*ENV.values())
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
    read = recent_receivables(netsuite)
    assert len({line.line_id for line in read}) == len(read)


def test_inventory_reads_as_positions(netsuite):
    some_positions(netsuite)


def test_posting_an_order_twice_gives_one_sales_order(netsuite):
    post_sandbox_order_twice(netsuite, sandbox_sku("RC_NETSUITE"))
