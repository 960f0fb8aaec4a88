"""Bench ``erp``: posting orders to a real Tryton 8.2 server, ours against bare httpx.

The server: the sandbox tool (``retail_canon.connectors.tryton._sandbox``) starts a seeded
Tryton on SQLite on a free loopback port, from the cached template shared with
``tests/tryton`` (the first run ever builds it: about a minute more), and stops it at the
end.

Setup (not measured): 3 products and up to 8 customers (their parties and addresses created
by one posted order each). Then N new orders (one line, a known customer) are posted as
draft sales (``confirm=False``), half through each client:

* ours: `TrytonConnector.write_orders` — per order, ``sale.sale.search`` by reference,
  ``product.product.search_read`` by code, ``party.party.search`` by code,
  ``party.address.search_read`` of the party, ``sale.sale.create``;
* baseline ``httpx``: an ``httpx.Client`` and a hand-written JSON-RPC loop making the same
  five calls with the same arguments (session header, context last, Decimals tagged).

Cases: ``sequential`` (one client) and ``concurrent_4`` (four clients in threads, each
posting a quarter). Both clients post alternate blocks of orders, so the database's growth
weighs on both alike. Metrics: ``seconds`` (the time to post the orders; target: ours ≤
1.2 × httpx) and ``orders_per_s``.
"""

from __future__ import annotations

import base64
import itertools
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from _harness import Record, register, tier_value

# orders per client and case (each case posts this many with ours and as many with httpx)
ORDERS = {"XS": 4, "S": 100, "M": 500, "L": 500}
BLOCK = {"XS": 4, "S": 20, "M": 50, "L": 50}
THREADS = 4
SKUS = 3
CUSTOMERS = 8
TARGET = 1.2


def _orders(prefix: str, count: int) -> list[Any]:
    from retail_canon.models import Address, Customer, Money, OrderLine, Quantity, SalesOrder

    orders = []
    for n in range(count):
        order_id = f"{prefix}-{n:05d}"
        orders.append(
            SalesOrder(
                order_id=order_id,
                channel="bench",
                placed_at=datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
                currency="USD",
                customer=Customer(
                    customer_id=f"C{n % CUSTOMERS}", name=f"Customer {n % CUSTOMERS}"
                ),
                ship_to=Address(
                    name=f"Customer {n % CUSTOMERS}",
                    lines=(f"{n % CUSTOMERS} Main St",),
                    city="Springfield",
                    country="US",
                ),
                lines=(
                    OrderLine(
                        line_id=f"{order_id}-1",
                        sku=f"BENCH-{n % SKUS}",
                        quantity=Quantity(value="2"),
                        unit_price=Money(amount="9.50", currency="USD"),
                    ),
                ),
            )
        )
    return orders


class _Bare:
    """A hand-written JSON-RPC client on httpx: what an integrator writes without us."""

    _ids = itertools.count(1)

    def __init__(self, url: str, database: str, login: str, password: str) -> None:
        import httpx

        self.client = httpx.Client(base_url=url, timeout=120)
        self.path = f"/{database}/rpc/"
        uid, session, _ = self.call("common.db.login", [login, {"password": password}, "en"])
        token = base64.b64encode(f"{login}:{uid}:{session}".encode()).decode()
        self.client.headers["Authorization"] = f"Session {token}"
        prefs = self.call("model.res.user.get_preferences", [True, {}])
        self.ctx = {k: v for k, v in prefs.items() if k in ("company", "companies", "language")}

    def call(self, method: str, params: list[Any]) -> Any:
        body = {"id": next(self._ids), "method": method, "params": params}
        answer = self.client.post(self.path, json=body)
        answer.raise_for_status()
        data = answer.json()
        if "error" in data:
            raise RuntimeError(f"{method}: {data['error']}")
        return data["result"]

    def post(self, order: Any) -> None:
        ctx = self.ctx
        if self.call(
            "model.sale.sale.search", [[["reference", "=", order.order_id]], 0, 1, None, ctx]
        ):
            return
        skus = sorted({line.sku for line in order.lines})
        rows = self.call(
            "model.product.product.search_read",
            [[["code", "in", skus]], 0, None, None, ["code", "sale_uom", "default_uom"], ctx],
        )
        products = {r["code"]: (r["id"], r["sale_uom"] or r["default_uom"]) for r in rows}
        code = f"{order.channel}:{order.customer.customer_id}"
        (party,) = self.call("model.party.party.search", [[["code", "=", code]], 0, 1, None, ctx])
        addresses = self.call(
            "model.party.address.search_read",
            [
                [["party", "=", party]],
                0,
                None,
                [["id", "ASC"]],
                ["street", "city", "postal_code", "party_name"],
                ctx,
            ],
        )
        street = "\n".join(order.ship_to.lines)
        address = next(a["id"] for a in addresses if a["street"] == street)
        lines = [
            {
                "type": "line",
                "product": products[line.sku][0],
                "unit": products[line.sku][1],
                "quantity": float(line.quantity.value),
                "unit_price": {"__class__": "Decimal", "decimal": str(line.unit_price.amount)},
            }
            for line in order.lines
        ]
        day = order.placed_at.date()
        values = {
            "party": party,
            "invoice_address": address,
            "shipment_address": address,
            "reference": order.order_id,
            "description": f"{order.channel} {order.order_id}",
            "sale_date": {
                "__class__": "date",
                "year": day.year,
                "month": day.month,
                "day": day.day,
            },
            "lines": [["create", lines]],
        }
        self.call("model.sale.sale.create", [[values], ctx])

    def close(self) -> None:
        self.client.close()


def _timed_parallel(jobs: Sequence[Callable[[], object]]) -> float:
    """Seconds to run ``jobs`` (one thread each), start to last finish."""
    errors: list[BaseException] = []

    def wrap(job: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            try:
                job()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=wrap(job)) for job in jobs]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return elapsed


def _case(server: Any, case: str, count: int, block: int, clients: int) -> tuple[float, float]:
    """(ours, httpx) seconds to post ``count`` orders each, in alternating blocks."""
    from retail_canon.connectors.tryton import TrytonConnector

    settings = {
        "base_url": server.url,
        "database": server.database,
        "login": server.login,
        "password": server.password,
        "timeout": 120,
        "max_attempts": 1,
    }
    run = uuid.uuid4().hex[:8]
    ours_orders = _orders(f"{case}-{run}-ours", count)
    bare_orders = _orders(f"{case}-{run}-bare", count)
    ours_clients = [TrytonConnector(**settings) for _ in range(clients)]
    bare_clients = [
        _Bare(server.url, server.database, server.login, server.password) for _ in range(clients)
    ]
    for erp in ours_clients:  # log in and load the context, as the bare clients did
        erp.call_model("res.user", "search", [], 0, 1, None)
    ours = bare = 0.0
    try:
        for start in range(0, count, block):
            chunk_ours = ours_orders[start : start + block]
            chunk_bare = bare_orders[start : start + block]

            def post_ours(erp: Any, part: list[Any]) -> Callable[[], object]:
                def job() -> None:
                    report = erp.write_orders(part)
                    assert report.ok, report.skipped
                    assert len(report.written) == len(part)

                return job

            def post_bare(client: _Bare, part: list[Any]) -> Callable[[], object]:
                def job() -> None:
                    for order in part:
                        client.post(order)

                return job

            ours += _timed_parallel(
                [post_ours(c, chunk_ours[i::clients]) for i, c in enumerate(ours_clients)]
            )
            bare += _timed_parallel(
                [post_bare(c, chunk_bare[i::clients]) for i, c in enumerate(bare_clients)]
            )
    finally:
        for erp in ours_clients:
            erp.close()
        for client in bare_clients:
            client.close()
    check = TrytonConnector(**settings)
    with check:
        made = check.call_model(
            "sale.sale", "search_count", [["reference", "like", f"{case}-{run}-%"]]
        )
    assert made == 2 * count, (made, 2 * count)
    return ours, bare


def _setup(server: Any, count: int) -> None:
    from retail_canon.connectors.tryton import TrytonConnector

    with TrytonConnector(
        base_url=server.url,
        database=server.database,
        login=server.login,
        password=server.password,
        timeout=120,
    ) as erp:
        (unit,) = erp.call_model("product.uom", "search", [["name", "=", "Unit"]], 0, 1, None)
        (category,) = erp.call_model(
            "product.category", "search", [["accounting", "=", True]], 0, 1, None
        )
        for n in range(SKUS):
            erp.call_model(
                "product.template",
                "create",
                [
                    {
                        "name": f"Bench {n}",
                        "code": f"BENCH-{n}",
                        "type": "goods",
                        "default_uom": unit,
                        "salable": True,
                        "sale_uom": unit,
                        "list_price": Decimal(10),
                        "account_category": category,
                        "products": [["create", [{}]]],
                    }
                ],
            )
        # the parties and addresses of the customers the measured orders use
        report = erp.write_orders(_orders("setup", min(CUSTOMERS, count)))
        assert report.ok, report.skipped


def _records(case: str, count: int, ours: float, bare: float) -> Iterator[Record]:
    what = (
        f"{count} orders (1 line, known customer) as draft sales, "
        f"{'1 client' if case == 'sequential' else f'{THREADS} clients in threads'}, "
        "same 5 JSON-RPC calls per order from a hand-written httpx.Client loop, "
        "alternating blocks, Tryton 8.2 on SQLite (loopback)"
    )
    yield Record(
        bench="erp",
        case=case,
        metric="seconds",
        value=ours,
        unit="s",
        baseline=f"httpx: {what}",
        baseline_value=bare,
        better="lower",
        target=TARGET,
    )
    yield Record(
        bench="erp",
        case=case,
        metric="orders_per_s",
        value=count / ours,
        unit="orders/s",
        baseline=f"httpx: {what}",
        baseline_value=count / bare,
        better="higher",
        target=1 / TARGET,
    )


@register("erp", "post orders to a real Tryton server: TrytonConnector vs bare httpx JSON-RPC")
def run(tier: str) -> Iterator[Record]:
    from retail_canon.connectors.tryton._sandbox import TEST_PASSWORD, TrytonSandbox

    count, block = tier_value(tier, ORDERS), tier_value(tier, BLOCK)
    with tempfile.TemporaryDirectory(prefix="rc-bench-erp-") as scratch:
        # the tests' password: CI builds one template for the tests and this bench
        server = TrytonSandbox(Path(scratch), database="bench", password=TEST_PASSWORD)
        server.prepare()
        server.start()
        try:
            _setup(server, count)
            seq = _case(server, "sequential", count, block, 1)
            par = _case(server, "concurrent_4", count, block, THREADS)
        finally:
            server.stop()
    yield from _records("sequential", count, *seq)
    yield from _records("concurrent_4", count, *par)
