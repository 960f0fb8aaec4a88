"""ReturnSource: the FBA customer returns report (generic reports path) + finance refunds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from amazon.samples import connector, make_fake, make_returns
from retail_canon.connectors import FatalConnectorError
from retail_canon.connectors.amazon import mapping
from retail_canon.connectors.amazon._returns import RETURNS_REPORT, parse_returns_report
from retail_canon.models import (
    Disposition,
    Money,
    Quantity,
    RefundStatus,
    ReturnReason,
    ReturnStatus,
)

ROWS = [
    {
        "return-date": "2026-05-06T09:12:44+00:00",
        "order-id": "113-4410325-0773100",
        "sku": "KETTLE-1",
        "asin": "B00551Q3CS",
        "fnsku": "X0012ABCDE",
        "product-name": "Stovetop kettle",
        "quantity": "1",
        "fulfillment-center-id": "PHX7",
        "detailed-disposition": "CUSTOMER_DAMAGED",
        "reason": "APPAREL_TOO_SMALL",
        "status": "Unit returned to inventory",
        "license-plate-number": "LPNRR123456789",
        "customer-comments": "dented lid",
    }
]


def usd(amount: str) -> dict[str, object]:
    return {"CurrencyCode": "USD", "CurrencyAmount": Decimal(amount)}


REFUND = {
    "AmazonOrderId": "113-4410325-0773100",
    "PostedDate": "2026-05-07T08:00:00Z",
    "ShipmentItemAdjustmentList": [
        {
            "SellerSKU": "KETTLE-1",
            "OrderItemId": "61129410723842",
            "OrderAdjustmentItemId": "77120038711",
            "QuantityShipped": 1,
            "ItemChargeAdjustmentList": [
                {"ChargeType": "Principal", "ChargeAmount": usd("-19.99")},
                {"ChargeType": "Tax", "ChargeAmount": usd("-1.65")},
                {"ChargeType": "RestockingFee", "ChargeAmount": usd("4.00")},
            ],
        }
    ],
}


def test_report_rows_and_refunds_make_one_return():
    ra = mapping.return_authorization("113-4410325-0773100", ROWS, [REFUND])
    assert ra.rma_id == "113-4410325-0773100-RETURN"
    assert ra.status is ReturnStatus.RECEIVED
    assert ra.source_status == "Unit returned to inventory"
    (line,) = ra.lines
    assert line.sales_order_line_id == "113-4410325-0773100-61129410723842"  # from the refund
    assert line.quantity_authorized == Quantity(value=1)
    assert line.quantity_received == 1
    assert line.disposition is Disposition.CUSTOMER_DAMAGED
    assert (line.reason, line.source_reason) == (ReturnReason.SIZE_OR_FIT, "APPAREL_TOO_SMALL")
    assert line.inspection_note == "dented lid"
    refund = ra.refund
    assert refund is not None
    assert refund.status is RefundStatus.ISSUED
    assert refund.item_amount == Money(amount=Decimal("19.99"), currency="USD")
    assert refund.tax_amount == Money(amount=Decimal("1.65"), currency="USD")
    assert refund.restocking_fee == Money(amount=Decimal("4.00"), currency="USD")
    assert refund.issued_at == datetime(2026, 5, 7, 8, tzinfo=UTC)
    assert ra.requested_at == datetime(2026, 5, 6, 9, 12, 44, tzinfo=UTC)
    assert ra.received_at == ra.requested_at
    assert {r.scheme: r.value for r in ra.external_refs}["license-plate-number"] == "LPNRR123456789"


def test_a_refund_without_a_returned_unit_is_a_closed_return():
    ra = mapping.return_authorization("113-4410325-0773100", [], [REFUND])
    assert ra.status is ReturnStatus.CLOSED
    assert ra.source_status == "Refunded"
    (line,) = ra.lines
    assert (line.sku, line.sales_order_line_id) == (
        "KETTLE-1",
        "113-4410325-0773100-61129410723842",
    )
    assert line.disposition is None


def test_unknown_codes_map_to_other():
    row = {**ROWS[0], "reason": "SOMETHING_NEW", "detailed-disposition": "MYSTERY"}
    (line,) = mapping.return_authorization("1", [row], []).lines
    assert (line.reason, line.disposition) == (ReturnReason.OTHER, Disposition.OTHER)
    assert line.sales_order_line_id == "1-KETTLE-1"  # no refund names the item


def test_the_returns_report_needs_its_columns():
    with pytest.raises(ValueError, match="order-id"):
        parse_returns_report("return-date\tsku\tquantity\n2026-05-06\tK\t1\n")
    assert parse_returns_report("") == []


def test_read_returns_through_the_report_and_finances():
    fake = make_fake()
    seeded = make_returns(6)
    fake.add_returns(seeded)
    got = list(connector(fake).read_returns(since=datetime(2026, 5, 1, tzinfo=UTC)))

    def changed(ra):  # returns come in the order of their last change
        return max(ra.received_at, ra.refund.issued_at if ra.refund else ra.received_at)

    expected = sorted(seeded, key=lambda ra: (changed(ra), ra.rma_id))
    assert [r.rma_id for r in got] == [r.rma_id for r in expected]
    for ra, original in zip(got, expected, strict=True):
        assert [(x.sku, x.quantity_authorized) for x in ra.lines] == [
            (x.sku, x.quantity_authorized) for x in original.lines
        ]
        assert ra.lines[0].sales_order_line_id == original.lines[0].sales_order_line_id or (
            original.refund is None
        )
        if original.refund is None:
            assert ra.refund is None
        else:
            assert ra.refund is not None
            assert ra.refund.item_amount == original.refund.item_amount
            assert ra.refund.tax_amount == original.refund.tax_amount
    created = [e for e in fake.exchanges if e.method == "POST" and e.path.endswith("/reports")]
    assert len(created) == 1
    assert fake.reports[0]["report"]["reportType"] == RETURNS_REPORT


def test_lookback_completes_returns_that_straddle_since():
    fake = make_fake()
    (ra,) = make_returns(1)  # returned on day 2, refunded on day 3
    fake.add_returns([ra])
    since = ra.refund.issued_at  # type: ignore[union-attr]
    (got,) = connector(fake).read_returns(since=since)
    assert got.refund is not None
    assert got.status is ReturnStatus.RECEIVED  # the report row from before `since`
    (partial,) = connector(fake, returns_lookback_days=0).read_returns(since=since)
    assert partial.status is ReturnStatus.CLOSED  # the refund alone: no report row in reach
    assert partial.lines[0].disposition is None


def test_refunds_only_when_the_report_is_off_or_cancelled():
    fake = make_fake()
    fake.add_returns(make_returns(4))
    got = list(connector(fake, returns_report=False).read_returns())
    assert [r.status for r in got] == [ReturnStatus.CLOSED, ReturnStatus.CLOSED]  # refunded ones
    assert not fake.reports
    fake.define_report(RETURNS_REPORT, b"", outcome="CANCELLED")
    assert len(list(connector(fake).read_returns())) == 2


def test_a_fatal_or_malformed_report_fails_the_read():
    fake = make_fake()
    fake.add_returns(make_returns(2))
    fake.define_report(RETURNS_REPORT, b"sku\tquantity\nK\t1\n")
    with pytest.raises(FatalConnectorError, match="columns missing"):
        list(connector(fake).read_returns())


def test_async_read_matches_sync():
    fake = make_fake()
    fake.add_returns(make_returns(5))

    async def collect():
        return [r async for r in connector(fake).aread_returns()]

    assert asyncio.run(collect()) == list(connector(fake).read_returns())
