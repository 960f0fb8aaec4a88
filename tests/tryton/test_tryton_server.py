"""Contract tests of the Tryton connector against a real Tryton 8.2 server (conftest.py)."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from retail_canon.connectors import AuthError, BadRequest, Conflict, OrderSink, TransportFailure
from retail_canon.connectors.tryton import TrytonConnector
from tryton.conftest import (
    TrytonServer,
    _uid,
    make_order,
    make_product,
    sales_with_reference,
)


def test_the_server_is_a_real_trytond(tryton_server: TrytonServer) -> None:
    answer = httpx.post(
        f"{tryton_server.url}/rpc/",
        json={"id": 1, "method": "common.server.version", "params": []},
    )
    assert answer.json()["result"] == "8.2"
    os.kill(tryton_server.pid, 0)  # the process this session started is alive
    cmdline = Path(f"/proc/{tryton_server.pid}/cmdline")
    if cmdline.exists():  # Linux: it is trytond serving our throwaway database
        assert b"trytond" in cmdline.read_bytes()
        assert tryton_server.database.encode() in cmdline.read_bytes()


def test_post_confirm_process_shows_shipment_and_invoice(erp: TrytonConnector) -> None:
    sku = f"SKU-{_uid()}"
    make_product(erp, sku)
    order = make_order(f"SHOP-{_uid()}", [sku])
    report = erp.write_orders([order])
    assert report.ok, report.skipped
    (sale,) = sales_with_reference(erp, order.order_id)
    assert report.written[0].vendor_id == str(sale["id"])
    assert sale["state"] == "processing"
    assert sale["total_amount"] == Decimal("19.00")
    assert sale["shipments"]
    assert sale["invoices"]
    (party,) = erp.call_model("party.party", "read", [sale["party"]], ["code", "name"])
    assert party["code"] == f"shopify:{order.customer.customer_id}"  # type: ignore[union-attr]


def test_posting_the_same_order_twice_yields_one_sale(erp: TrytonConnector) -> None:
    sku = f"SKU-{_uid()}"
    make_product(erp, sku)
    order = make_order(f"SHOP-{_uid()}", [sku, sku])
    first = erp.write_orders([order])
    again = erp.write_orders([order, order])
    assert len(sales_with_reference(erp, order.order_id)) == 1
    ids = {w.vendor_id for w in [*first.written, *again.written]}
    assert len(ids) == 1
    assert len(first.written) + len(again.written) == 3


def test_returning_customer_reuses_the_party(erp: TrytonConnector) -> None:
    sku = f"SKU-{_uid()}"
    make_product(erp, sku)
    customer = f"C{_uid()}"
    orders = [make_order(f"SHOP-{_uid()}", [sku], customer) for _ in range(2)]
    assert erp.write_orders(orders).ok
    parties = {sales_with_reference(erp, o.order_id)[0]["party"] for o in orders}
    assert len(parties) == 1


def test_unknown_sku_is_reported_and_the_batch_goes_on(erp: TrytonConnector) -> None:
    sku = f"SKU-{_uid()}"
    make_product(erp, sku)
    bad, good = make_order(f"SHOP-{_uid()}", ["NO-SUCH-SKU"]), make_order(f"SHOP-{_uid()}", [sku])
    report = erp.write_orders([bad, good])
    assert [w.key for w in report.written] == [good.order_id]
    (skip,) = report.skipped
    assert skip.record_id == bad.order_id
    assert skip.vendor_code == "ProductNotFound"
    assert sales_with_reference(erp, bad.order_id) == []


def test_async_write(erp: TrytonConnector) -> None:
    sku = f"SKU-{_uid()}"
    make_product(erp, sku)
    order = make_order(f"SHOP-{_uid()}", [sku])
    report = asyncio.run(erp.awrite_orders([order]))
    assert report.ok
    assert len(sales_with_reference(erp, order.order_id)) == 1


def test_read_products_maps_the_item_master(erp: TrytonConnector) -> None:
    sku = f"SKU-{_uid()}"
    variant = make_product(erp, sku)
    products = {p.sku: p for p in erp.read_products()}
    product = products[sku]
    assert product.product_id == f"tryton-{variant}"
    assert product.title == f"Widget {sku}"
    assert product.base_uom == "EA"
    assert product.external_refs[0].value == str(variant)
    assert asyncio.run(erp.aread_products())


def test_user_error_is_bad_request(erp: TrytonConnector) -> None:
    with pytest.raises(BadRequest) as caught:
        erp.call_model("sale.sale", "create", [{"lines": [["create", [{"type": "line"}]]]}])
    assert caught.value.vendor_code == "UserError"


def test_stale_write_is_conflict(erp: TrytonConnector) -> None:
    (party,) = erp.call_model("party.party", "create", [{"name": "Stale", "code": _uid()}])
    (row,) = erp.call_model("party.party", "read", [party], ["_timestamp"])
    ctx = {**erp.run(erp.context_flow()), "_timestamp": {f"party.party,{party}": row["_timestamp"]}}
    erp.rpc("model.party.party.write", [party], {"name": "Fresh"}, ctx)
    with pytest.raises(Conflict) as caught:
        erp.rpc("model.party.party.write", [party], {"name": "Stale again"}, ctx)
    assert caught.value.vendor_code == "ConcurrencyException"


def test_lost_session_logs_in_again(erp: TrytonConnector) -> None:
    erp.call_model("res.user", "search", [], 0, 1, None)
    erp.auth_provider._header = "Session " + "x" * 20  # type: ignore[attr-defined]
    assert erp.call_model("res.user", "search", [["login", "=", "admin"]], 0, 1, None)


def test_wrong_password_is_auth_error(tryton_server: TrytonServer) -> None:
    with (
        TrytonConnector(
            base_url=tryton_server.url,
            database=tryton_server.database,
            login="admin",
            password="rc-test-secret-wrong",
            max_attempts=1,
        ) as erp,
        pytest.raises(AuthError) as caught,
    ):
        erp.call_model("res.user", "search", [], 0, 1, None)
    assert "rc-test-secret-wrong" not in repr(caught.value) + str(caught.value.body)


def test_declares_order_sink(erp: TrytonConnector) -> None:
    assert [c.name for c in erp.capabilities()] == [
        "OrderSink",
        "InventorySource",
        "ReceivableSource",
    ]
    assert isinstance(erp, OrderSink)


def test_posted_invoice_is_a_receivable_with_the_order_id(erp: TrytonConnector) -> None:
    sku = f"SKU-{_uid()}"
    make_product(erp, sku)
    order = make_order(f"SHOP-{_uid()}", [sku])
    assert erp.write_orders([order]).ok
    (sale,) = sales_with_reference(erp, order.order_id)
    erp.call_model("account.invoice", "post", sale["invoices"])
    (invoice,) = erp.call_model("account.invoice", "read", sale["invoices"], ["write_date"])
    since = invoice["write_date"].replace(tzinfo=UTC)
    with erp.read_receivables(since=since) as records:
        lines = [line for line in records if line.order_id == order.order_id]
    (line,) = lines
    assert line.amount.amount == Decimal("19.00")
    assert line.amount.currency == "USD"
    assert line.amount_type == "PRINCIPAL"
    assert line.refs[0].value == str(sale["invoices"][0])  # type: ignore[index]
    assert line.refs[-1].value == str(sale["id"])
    assert records.checkpoint is not None

    async def collect() -> list[str]:
        return [r.line_id async for r in erp.aread_receivables(since=since)]

    assert line.line_id in asyncio.run(collect())


def test_server_restart_mid_batch_yields_exactly_one_sale_per_order(
    tryton_server: TrytonServer,
) -> None:
    settings = {
        "base_url": tryton_server.url,
        "database": tryton_server.database,
        "login": tryton_server.login,
        "password": tryton_server.password,
        "max_attempts": 2,
        "backoff_base": 0.01,
    }
    sku, batch = f"SKU-{_uid()}", f"B{_uid()}"
    orders = [make_order(f"{batch}-{n:02d}", [sku], f"C{batch}") for n in range(50)]
    with TrytonConnector(**settings) as erp:
        make_product(erp, sku)
        assert erp.write_orders(orders[:20]).ok
    tryton_server.stop()  # the server goes away in the middle of the batch
    try:
        with (
            TrytonConnector(**settings) as erp,
            pytest.raises(TransportFailure),
        ):
            erp.write_orders(orders[20:])
    finally:
        tryton_server.start()
    with TrytonConnector(**settings) as erp:
        report = erp.write_orders(orders)  # the job resumes: the whole batch again
        assert report.ok
        found = erp.call_model("sale.sale", "search", [["reference", "like", f"{batch}-%"]])
    assert len(found) == 50
    assert len({w.vendor_id for w in report.written}) == 50


def test_large_answers_are_decoded(erp: TrytonConnector) -> None:
    # Tryton labels answers over 1400 bytes gzip even when gzip was not asked for.
    rows = erp.call_model("ir.ui.menu", "search_read", [], 0, 200, None, ["name"])
    assert len(str(rows)) > 1400
    assert all(isinstance(row["name"], str) for row in rows)
