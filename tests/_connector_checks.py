"""Checks shared by the connector test packages: registry, fault table, sandbox runs."""

from __future__ import annotations

import doctest
import importlib
import itertools
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from retail_canon import connectors
from retail_canon.models import (
    InventoryPosition,
    Money,
    OrderLine,
    Quantity,
    SalesOrder,
    SettlementLine,
)
from retail_canon.testing import FaultKind, FaultRule

ERP_FAULTS = {
    FaultKind.RATE_LIMIT: FaultRule(FaultKind.RATE_LIMIT, every=3, retry_after=1.0),
    FaultKind.SERVER_ERROR: FaultRule(FaultKind.SERVER_ERROR, every=4, status=503),
    FaultKind.TIMEOUT: FaultRule(FaultKind.TIMEOUT, every=4),
    FaultKind.CONNECTION_RESET: FaultRule(FaultKind.CONNECTION_RESET, every=5),
    FaultKind.TRUNCATED_BODY: FaultRule(FaultKind.TRUNCATED_BODY, every=3),
    FaultKind.MALFORMED_BODY: FaultRule(FaultKind.MALFORMED_BODY, every=4),
    FaultKind.SLOW_RESPONSE: FaultRule(FaultKind.SLOW_RESPONSE, every=3, delay=45.0),
}
"""Every fault that can happen to an ERP whose credentials do not expire mid-run and whose
pages are offsets (no page tokens): all but access- and page-token expiry."""


DOCS = Path(__file__).parents[1] / "docs"


def run_page_examples(page: str) -> doctest.TestResults:
    """Run the examples of ``docs/<page>`` as doctests; how many ran and failed."""
    return doctest.testfile(
        str(DOCS / page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )


# -- registry ------------------------------------------------------------------------------


def check_entry_point_target(target: str, name: str) -> None:
    """``module:Class`` imports a `Connector` registered as ``name``."""
    module, _, attribute = target.partition(":")
    cls = getattr(importlib.import_module(module), attribute)
    assert issubclass(cls, connectors.Connector)
    assert cls.name == name


def check_get_by_name(name: str, target: str, settings: dict[str, Any]) -> None:
    """``connectors.get(name, **settings)`` builds ``target``'s class (skipped if not installed)."""
    info = connectors.available(refresh=True).get(name)
    if info is None:
        pytest.skip(f"the {name} entry point is not installed (pyproject.toml, then reinstall)")
    assert info.target == target
    assert type(connectors.get(name, **settings)).__name__ == target.partition(":")[2]


# -- sandbox runs ----------------------------------------------------------------------------


def sandbox_env(*names: str) -> dict[str, str]:
    """The environment variables ``names``; the test is skipped unless all are set."""
    absent = [n for n in names if not os.environ.get(n)]
    if absent:
        pytest.skip(f"sandbox settings not set: {', '.join(absent)}")
    return {n: os.environ[n] for n in names}


def sandbox_sku(prefix: str) -> str:
    """``<prefix>_SANDBOX_SKU``; skipped unless ``<prefix>_SANDBOX_WRITES=1`` too."""
    if os.environ.get(f"{prefix}_SANDBOX_WRITES") != "1":
        pytest.skip(f"sandbox writes are off: set {prefix}_SANDBOX_WRITES=1")
    return sandbox_env(f"{prefix}_SANDBOX_SKU")[f"{prefix}_SANDBOX_SKU"]


def recent_receivables(connector: Any) -> list[SettlementLine]:
    """Up to 50 receivables of the last 30 days, checked to be settlement lines in order."""
    records = connector.read_receivables(since=datetime.now(UTC) - timedelta(days=30))
    with records:
        read = list(itertools.islice(records, 50))
    assert all(isinstance(line, SettlementLine) for line in read)
    stamps = [line.posted_at for line in read]
    assert stamps == sorted(stamps)
    return read


def some_positions(connector: Any) -> list[InventoryPosition]:
    """Up to 50 inventory positions, checked to be one per SKU and location."""
    records = connector.read_inventory()
    with records:
        read = list(itertools.islice(records, 50))
    assert all(isinstance(p, InventoryPosition) for p in read)
    assert len({(p.sku, p.location_id) for p in read}) == len(read)
    return read


def post_sandbox_order_twice(connector: Any, sku: str) -> None:
    """Write today's ``rc-sandbox-<day>`` order (one ``sku`` at 1.00 USD) twice.

    Both writes must succeed with the same vendor id: the second finds the first.
    """
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
    first = connector.write_orders([order])
    again = connector.write_orders([order])
    assert first.ok, [str(e) for e in first.skipped]
    assert again.ok, [str(e) for e in again.skipped]
    assert again.written[0].vendor_id == first.written[0].vendor_id
