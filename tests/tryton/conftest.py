"""A real Tryton 8.2 server for the contract tests, started once per test session.

The server comes from the sandbox tool (`retail_canon.connectors.tryton._sandbox`, the
code behind ``retail-canon sandbox tryton``): the seeded template database is built once
and cached (keyed on the Tryton versions), copied into this session's temporary directory,
and served by ``trytond -d`` on a free loopback port, stopped by PID at the end.

The runtime is this interpreter's ``trytond`` (the ``tryton`` extra), else an isolated
environment the sandbox built before. Without either the tests skip — or, when
``RETAIL_CANON_REQUIRE_TRYTON=1`` (CI), the sandbox builds its environment and any
failure fails the tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from retail_canon.connectors.tryton import TrytonConnector
from retail_canon.connectors.tryton._sandbox import TEST_PASSWORD, SandboxError, TrytonSandbox
from retail_canon.models import Address, Customer, Money, OrderLine, Quantity, SalesOrder

DB = "rc_sandbox"
PASSWORD = TEST_PASSWORD

TrytonServer = TrytonSandbox
"""The running server the tests get (``url``, ``database``, ``login``, ``password``,
``pid``, ``stop()``, ``start()``)."""


def start_sandbox(directory: Path) -> TrytonSandbox:
    """A started sandbox; skip without a Tryton runtime, fail instead when required (CI)."""
    required = os.environ.get("RETAIL_CANON_REQUIRE_TRYTON") == "1"
    sandbox = TrytonSandbox(directory, database=DB, password=PASSWORD, build=required)
    try:
        sandbox.prepare()
    except SandboxError as exc:
        if required:
            pytest.fail(f"RETAIL_CANON_REQUIRE_TRYTON=1 and no Tryton sandbox: {exc}")
        pytest.skip(f"no Tryton sandbox (pip install -e '.[tryton]'): {exc}")
    try:
        sandbox.start()
    except SandboxError as exc:
        pytest.fail(str(exc))
    return sandbox


@pytest.fixture(scope="session")
def tryton_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrytonSandbox]:
    """Start a seeded Tryton server on 127.0.0.1; stop it at the end of the session."""
    sandbox = start_sandbox(tmp_path_factory.mktemp("tryton"))
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _uid() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def erp(tryton_server: TrytonServer) -> Iterator[TrytonConnector]:
    connector = TrytonConnector(
        base_url=tryton_server.url,
        database=tryton_server.database,
        login=tryton_server.login,
        password=tryton_server.password,
        confirm=True,
        max_attempts=2,
        timeout=60,
    )
    with connector:
        yield connector


def make_product(erp: TrytonConnector, sku: str, price: str = "10") -> int:
    """A salable goods product coded ``sku`` (the id of its variant)."""
    (unit,) = erp.call_model("product.uom", "search", [["name", "=", "Unit"]], 0, 1, None)
    (category,) = erp.call_model(
        "product.category", "search", [["accounting", "=", True]], 0, 1, None
    )
    (template,) = erp.call_model(
        "product.template",
        "create",
        [
            {
                "name": f"Widget {sku}",
                "code": sku,
                "type": "goods",
                "default_uom": unit,
                "salable": True,
                "sale_uom": unit,
                "list_price": Decimal(price),
                "account_category": category,
                "products": [["create", [{}]]],
            }
        ],
    )
    (row,) = erp.call_model("product.template", "read", [template], ["products"])
    return int(row["products"][0])


def make_order(order_id: str, skus: list[str], customer: str | None = None) -> SalesOrder:
    return SalesOrder(
        order_id=order_id,
        channel="shopify",
        placed_at=datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
        currency="USD",
        customer=Customer(customer_id=customer or f"C{_uid()}", name="Ada Lovelace"),
        ship_to=Address(
            name="Ada Lovelace", lines=("1 Main St",), city="Springfield", country="US"
        ),
        lines=tuple(
            OrderLine(
                line_id=f"{order_id}-{n}",
                sku=sku,
                title=f"Widget {sku}",
                quantity=Quantity(value="2"),
                unit_price=Money(amount="9.50", currency="USD"),
            )
            for n, sku in enumerate(skus, start=1)
        ),
    )


def sales_with_reference(erp: TrytonConnector, reference: str) -> list[dict[str, object]]:
    fields = ["reference", "state", "shipments", "invoices", "total_amount", "lines", "party"]
    rows: list[dict[str, object]] = erp.call_model(
        "sale.sale", "search_read", [["reference", "=", reference]], 0, None, None, fields
    )
    return rows


def add_stock(erp: TrytonConnector, product: int, quantity: float) -> None:
    """Put ``quantity`` of ``product`` in the warehouse's storage zone (an inventory)."""
    (storage,) = erp.call_model("stock.location", "search", [["code", "=", "STO"]], 0, 1, None)
    (inventory,) = erp.call_model(
        "stock.inventory",
        "create",
        [
            {
                "location": storage,
                "lines": [["create", [{"product": product, "quantity": quantity}]]],
            }
        ],
    )
    erp.call_model("stock.inventory", "confirm", [inventory])


def ship(erp: TrytonConnector, shipments: list[int]) -> None:
    """Take customer shipments through assign, pick, pack, ship and done."""
    for step in ("assign_try", "pick", "pack", "ship", "do"):
        erp.call_model("stock.shipment.out", step, shipments)
