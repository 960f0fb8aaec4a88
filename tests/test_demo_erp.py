"""`ErpFake`, the demo's in-process ERP: item master, idempotent sales, receivables."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from retail_canon.connectors import OrderSink, ReceivableSource, SkippableRecordError
from retail_canon.models import (
    Money,
    OrderLine,
    Product,
    Quantity,
    Refund,
    ReturnAuthorization,
    ReturnLine,
    SalesOrder,
    ShippingLine,
    TaxLine,
)
from retail_canon.testing import FakeClock
from retail_canon.testing._erp import ErpFake, order_total


def usd(amount: str) -> Money:
    return Money(amount=amount, currency="USD")


def make_order(order_id: str = "shopify-1") -> SalesOrder:
    return SalesOrder(
        order_id=order_id,
        channel="shopify",
        placed_at="2026-11-23T14:00:00Z",
        currency="USD",
        lines=[
            OrderLine(
                line_id="1",
                sku="MUG",
                quantity=Quantity(value=2),
                unit_price=usd("12.50"),
                tax_lines=[TaxLine(amount=usd("1.81"))],
            )
        ],
        shipping_lines=[ShippingLine(title="Ground", price=usd("4.99"))],
    )


@pytest.fixture
def erp() -> ErpFake:
    products = [Product(product_id="MUG", sku="MUG", title="Mug")]
    return ErpFake(products, clock=FakeClock(wall=datetime(2026, 11, 23, tzinfo=UTC).timestamp()))


def test_it_has_the_capabilities_the_demo_uses(erp):
    assert isinstance(erp, OrderSink)
    assert isinstance(erp, ReceivableSource)
    assert [p.sku for p in erp.read_products()] == ["MUG"]


def test_the_order_total_adds_tax_and_shipping():
    assert order_total(make_order()) == usd("31.80")


def test_writing_an_order_twice_keeps_one_sale(erp):
    first = erp.write_orders([make_order()])
    again = erp.write_orders([make_order()])
    assert [(w.key, w.status, w.vendor_id) for w in first.written] == [
        ("shopify-1", 201, "SO00001")
    ]
    assert [(w.key, w.status, w.vendor_id) for w in again.written] == [
        ("shopify-1", 200, "SO00001")
    ]
    assert list(erp.sales) == ["shopify-1"]
    assert erp.repeats == 1
    [invoice] = list(erp.read_receivables())
    assert (invoice.order_id, invoice.amount) == ("shopify-1", usd("31.80"))
    assert invoice.posted_at == datetime(2026, 11, 23, tzinfo=UTC)


def test_a_refused_order_is_reported_not_raised_and_not_booked(erp):
    erp = ErpFake(refuse=lambda order: "credit hold" if order.order_id == "shopify-2" else None)
    report = erp.write_orders([make_order("shopify-1"), make_order("shopify-2")])
    assert [w.key for w in report.written] == ["shopify-1"]
    [refused] = report.skipped
    assert isinstance(refused, SkippableRecordError)
    assert "credit hold" in str(refused)
    assert refused.record_id == "shopify-2"
    assert list(erp.sales) == ["shopify-1"]
    assert erp.refused == 1


def test_a_refunded_return_becomes_a_credit_memo_once(erp):
    erp.write_orders([make_order()])
    rma = ReturnAuthorization(
        rma_id="RMA-1",
        sales_order_id="shopify-1",
        channel="shopify",
        lines=[
            ReturnLine(
                line_id="1",
                sales_order_line_id="1",
                sku="MUG",
                quantity_authorized=Quantity(value=1),
            )
        ],
        refund=Refund(refund_id="RF-1", item_amount=usd("12.50"), tax_amount=usd("0.90")),
        requested_at="2026-11-24T10:00:00Z",
    )
    memo = erp.credit(rma)
    assert erp.credit(rma) == memo
    assert memo.amount == usd("-13.40")
    assert {(r.scheme, r.value) for r in memo.refs} >= {("adjustment-id", "RF-1")}
    amounts = [line.amount.amount for line in erp.read_receivables()]
    assert amounts == [Decimal("31.80"), Decimal("-13.40")]
    unknown = rma.model_copy(update={"rma_id": "RMA-2", "sales_order_id": "nope"})
    with pytest.raises(SkippableRecordError, match="no sale nope"):
        erp.credit(unknown)


def test_receivables_resume_from_a_checkpoint(erp):
    erp.write_orders([make_order("shopify-1")])
    records = erp.read_receivables()
    assert len(list(records)) == 1
    checkpoint = records.checkpoint
    assert list(erp.read_receivables(checkpoint=checkpoint)) == []
    erp._clock.advance(60)
    erp.write_orders([make_order("shopify-2")])
    assert [line.order_id for line in erp.read_receivables(checkpoint=checkpoint)] == ["shopify-2"]


def test_the_async_twins_answer_the_same(erp):
    async def go():
        report = await erp.awrite_orders([make_order()])
        lines = [line async for line in erp.aread_receivables()]
        return report, lines

    report, lines = asyncio.run(go())
    assert report.ok
    assert [line.order_id for line in lines] == ["shopify-1"]
