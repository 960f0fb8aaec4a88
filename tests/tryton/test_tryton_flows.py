"""Contract tests: xref-backed order posting, inventory, shipments and returns (real server)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from retail_canon.connectors import InventorySource
from retail_canon.connectors.tryton import TrytonConnector
from retail_canon.connectors.tryton._connector import XREF_ACTOR
from retail_canon.models import (
    Address,
    ExternalRef,
    Quantity,
    ReturnAuthorization,
    ReturnLine,
)
from retail_canon.xref import DEFAULT_SCHEMES, Scheme, SQLiteStore, XrefResolver
from tryton.conftest import (
    TrytonServer,
    _uid,
    add_stock,
    make_order,
    make_product,
    sales_with_reference,
    ship,
)

SCHEMES = (*DEFAULT_SCHEMES, Scheme.text("address_id", scope="optional"))


@pytest.fixture
def xref() -> Iterator[XrefResolver]:
    with SQLiteStore(":memory:") as store:
        yield XrefResolver(store, schemes=SCHEMES)


@pytest.fixture
def erp_xref(tryton_server: TrytonServer, xref: XrefResolver) -> Iterator[TrytonConnector]:
    connector = TrytonConnector(
        base_url=tryton_server.url,
        database=tryton_server.database,
        login=tryton_server.login,
        password=tryton_server.password,
        max_attempts=2,  # drafts: the xref paths do not need Tryton to process the sales
        timeout=60,
        xref=xref,
    )
    with connector:
        yield connector


def _tryton(scheme: str, value: int, db: str) -> ExternalRef:
    return ExternalRef(system="tryton", scheme=scheme, value=str(value), scope=db)


# -- 1. OrderSink through the xref resolver ----------------------------------------------


def test_xref_maps_canonical_skus_to_erp_products(
    erp_xref: TrytonConnector, xref: XrefResolver
) -> None:
    db = erp_xref.config.database
    erp_code, canonical = f"ERP-{_uid()}", f"CANON-{_uid()}"
    product = make_product(erp_xref, erp_code)  # the ERP knows it by another code
    xref.link("product", canonical, _tryton("product_id", product, db), actor="t", reason="t")
    order = make_order(f"SHOP-{_uid()}", [canonical])
    report = erp_xref.write_orders([order])
    assert report.ok, report.skipped
    (sale,) = sales_with_reference(erp_xref, order.order_id)
    (line,) = erp_xref.call_model("sale.line", "read", sale["lines"], ["product"])
    assert line["product"] == product


def test_xref_links_products_found_by_code(erp_xref: TrytonConnector, xref: XrefResolver) -> None:
    sku = f"SKU-{_uid()}"
    product = make_product(erp_xref, sku)
    assert erp_xref.write_orders([make_order(f"SHOP-{_uid()}", [sku])]).ok
    (link,) = xref.refs_of("product", sku)
    assert link.ref.value == str(product)
    assert (link.ref.system, link.ref.scheme) == ("tryton", "product_id")
    assert xref.audit()[-1].actor == XREF_ACTOR


def test_xref_stale_product_link_refuses_the_order(
    erp_xref: TrytonConnector, xref: XrefResolver
) -> None:
    canonical, db = f"CANON-{_uid()}", erp_xref.config.database
    xref.link("product", canonical, _tryton("product_id", 999_999, db), actor="t", reason="t")
    order = make_order(f"SHOP-{_uid()}", [canonical])
    report = erp_xref.write_orders([order])
    (skip,) = report.skipped
    assert skip.vendor_code == "ProductNotFound"
    assert sales_with_reference(erp_xref, order.order_id) == []


def test_xref_upserts_party_and_addresses(erp_xref: TrytonConnector, xref: XrefResolver) -> None:
    sku, customer = f"SKU-{_uid()}", f"C{_uid()}"
    make_product(erp_xref, sku)
    first = make_order(f"SHOP-{_uid()}", [sku], customer)
    moved = make_order(f"SHOP-{_uid()}", [sku], customer).model_copy(
        update={
            "ship_to": Address(name="Ada", lines=("2 Elm St",), city="Shelbyville", country="US")
        }
    )
    again = make_order(f"SHOP-{_uid()}", [sku], customer)
    assert erp_xref.write_orders([first, moved, again]).ok
    sales = [sales_with_reference(erp_xref, o.order_id)[0] for o in (first, moved, again)]
    assert len({s["party"] for s in sales}) == 1
    rows = erp_xref.call_model("sale.sale", "read", [s["id"] for s in sales], ["shipment_address"])
    addresses = [r["shipment_address"] for r in rows]
    assert addresses[0] == addresses[2] != addresses[1]
    channel = ExternalRef(system="shopify", scheme="customer_id", value=customer)
    resolved = xref.resolve(channel, to_system="tryton", to_scheme="customer_id")
    assert resolved.target is not None
    assert resolved.target.value == str(sales[0]["party"])
    kinds = {entry.after.entity for entry in xref.audit() if entry.after is not None}
    assert {"customer", "address", "product"} <= kinds


def test_xref_uses_the_party_linked_to_the_customer(
    erp_xref: TrytonConnector, xref: XrefResolver
) -> None:
    sku, customer, db = f"SKU-{_uid()}", f"C{_uid()}", erp_xref.config.database
    make_product(erp_xref, sku)
    (party,) = erp_xref.call_model(
        "party.party",
        "create",
        [{"name": "Existing ERP customer", "code": f"ERP-{_uid()}", "addresses": []}],
    )
    channel = ExternalRef(system="shopify", scheme="customer_id", value=customer)
    xref.link("customer", "CUST-1" + customer, channel, actor="t", reason="t")
    xref.link(
        "customer", "CUST-1" + customer, _tryton("customer_id", party, db), actor="t", reason="t"
    )
    order = make_order(f"SHOP-{_uid()}", [sku], customer)
    assert erp_xref.write_orders([order]).ok
    (sale,) = sales_with_reference(erp_xref, order.order_id)
    assert sale["party"] == party
    (row,) = erp_xref.call_model("party.party", "read", [party], ["addresses"])
    assert len(row["addresses"]) == 1  # the ship-to was added to the linked party


def test_without_xref_nothing_is_linked(erp: TrytonConnector) -> None:
    assert erp.xref is None
    sku = f"SKU-{_uid()}"
    make_product(erp, sku)
    assert erp.write_orders([make_order(f"SHOP-{_uid()}", [sku])]).ok


# -- 2. InventorySource ------------------------------------------------------------------


def test_inventory_positions_per_warehouse(erp: TrytonConnector) -> None:
    assert isinstance(erp, InventorySource)
    sku = f"SKU-{_uid()}"
    product = make_product(erp, sku)
    add_stock(erp, product, 100)
    with erp.read_inventory() as records:
        positions = {(p.sku, p.location_id): p for p in records}
    position = positions[(sku, "WH")]
    assert position.buckets.on_hand == Decimal(100)
    assert position.buckets.committed == 0
    assert position.uom == "EA"
    assert position.external_refs[0].value == str(product)
    order = make_order(f"SHOP-{_uid()}", [sku])  # 2 units, confirmed: a waiting shipment
    assert erp.write_orders([order]).ok

    async def collect() -> dict[str, Decimal]:
        return {p.sku: p.buckets.committed async for p in erp.aread_inventory() if p.sku == sku}

    assert asyncio.run(collect()) == {sku: Decimal(2)}


def test_inventory_pages_through_every_product(tryton_server: TrytonServer) -> None:
    settings = {
        "base_url": tryton_server.url,
        "database": tryton_server.database,
        "login": tryton_server.login,
        "password": tryton_server.password,
    }
    with TrytonConnector(**settings, page_size=3) as small, TrytonConnector(**settings) as big:
        for _ in range(4):
            make_product(small, f"SKU-{_uid()}")
        paged = sorted(p.sku for p in small.read_inventory())
        whole = sorted(p.sku for p in big.read_inventory())
    assert paged == whole
    assert len(paged) >= 4


# -- 3. shipments ------------------------------------------------------------------------


def test_done_shipment_is_a_closed_fulfillment_with_the_order_id(erp: TrytonConnector) -> None:
    sku = f"SKU-{_uid()}"
    product = make_product(erp, sku)
    add_stock(erp, product, 10)
    order = make_order(f"SHOP-{_uid()}", [sku])
    assert erp.write_orders([order]).ok
    (sale,) = sales_with_reference(erp, order.order_id)
    before = datetime.now(UTC).replace(microsecond=0)
    ship(erp, sale["shipments"])  # type: ignore[arg-type]
    with erp.read_shipments(since=before) as records:
        found = [f for f in records if f.sales_order_id == order.order_id]
    (fulfillment,) = found
    assert fulfillment.status == "CLOSED"
    assert fulfillment.origin_location_id == "WH"
    (line,) = fulfillment.lines
    assert (line.sku, line.quantity.value, line.quantity_shipped) == (sku, 2, 2)
    (shipment,) = fulfillment.shipments
    assert shipment.status == "DELIVERED"
    assert shipment.lines[0].quantity.value == 2
    assert shipment.delivered_at is not None
    assert records.checkpoint is not None


def test_undone_shipments_are_not_read(erp: TrytonConnector) -> None:
    sku = f"SKU-{_uid()}"
    make_product(erp, sku)
    order = make_order(f"SHOP-{_uid()}", [sku])
    assert erp.write_orders([order]).ok
    ids = [f.sales_order_id for f in erp.read_shipments()]
    assert order.order_id not in ids


# -- 4. returns as credit notes ----------------------------------------------------------


def _rma(order_id: str, sku: str, quantity: str = "1") -> ReturnAuthorization:
    return ReturnAuthorization(
        rma_id=f"RMA-{_uid()}",
        sales_order_id=order_id,
        channel="shopify",
        requested_at=datetime(2026, 11, 28, tzinfo=UTC),
        lines=(
            ReturnLine(
                line_id="r1",
                sales_order_line_id=f"{order_id}-1",
                sku=sku,
                quantity_authorized=Quantity(value=quantity),
            ),
        ),
    )


def test_return_becomes_a_posted_credit_note_once(erp: TrytonConnector) -> None:
    sku = f"SKU-{_uid()}"
    make_product(erp, sku)
    order = make_order(f"SHOP-{_uid()}", [sku])
    assert erp.write_orders([order]).ok
    (sale,) = sales_with_reference(erp, order.order_id)
    erp.call_model("account.invoice", "post", sale["invoices"])
    rma = _rma(order.order_id, sku)
    first = erp.write_returns([rma])
    again = erp.write_returns([rma])
    assert first.ok, first.skipped
    assert first.written[0].vendor_id == again.written[0].vendor_id
    credit = int(first.written[0].vendor_id or 0)
    found = erp.call_model(
        "account.invoice", "search", [["description", "=", f"RMA {rma.rma_id}"]], 0, None, None
    )
    assert found == [credit]
    (row,) = erp.call_model("account.invoice", "read", [credit], ["state", "write_date"])
    assert row["state"] == "posted"
    with erp.read_receivables(since=row["write_date"].replace(tzinfo=UTC)) as records:
        (line,) = [r for r in records if r.line_id == f"tryton-invoice-{credit}"]
    assert line.amount.amount == Decimal("-9.50")
    assert line.amount_type == "REFUND"
    assert line.order_id == order.order_id
    assert line.refs[-1].value == rma.rma_id


def test_unposted_or_unknown_returns_are_refused(erp: TrytonConnector) -> None:
    sku = f"SKU-{_uid()}"
    make_product(erp, sku)
    order = make_order(f"SHOP-{_uid()}", [sku])
    assert erp.write_orders([order]).ok
    unposted = _rma(order.order_id, sku)
    no_sale = _rma(f"NOPE-{_uid()}", sku)
    report = erp.write_returns([unposted, no_sale])
    assert report.written == []
    assert [s.vendor_code for s in report.skipped] == ["InvoiceNotPosted", "SaleNotFound"]
    (sale,) = sales_with_reference(erp, order.order_id)
    erp.call_model("account.invoice", "post", sale["invoices"])
    too_many, other_sku = _rma(order.order_id, sku, "3"), _rma(order.order_id, "OTHER")
    report = asyncio.run(erp.awrite_returns([too_many, other_sku]))
    assert [s.vendor_code for s in report.skipped] == ["ReturnNotInvoiced"] * 2
