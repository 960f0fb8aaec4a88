"""Returns API → ReturnAuthorization: status mapping, reasons, refunds, paging, order, faults."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from retail_canon import UnknownStatusValue
from retail_canon.connectors import Checkpoint
from retail_canon.connectors.walmart import WalmartConnector, _dto, mapping
from retail_canon.models import RefundStatus, ReturnReason, ReturnStatus
from retail_canon.testing import FakeClock, FaultRule
from retail_canon.testing.walmart import CLIENT_ID, CLIENT_SECRET, WalmartFake
from walmart.samples import READ_FAULTS, make_returns


def _line(n: int, status: str, *tags: str, reason: str = "DAMAGED") -> dict[str, object]:
    return {
        "returnOrderLineNumber": n,
        "salesOrderLineNumber": n,
        "purchaseOrderId": "108828484812345",
        "purchaseOrderLineNumber": n,
        "returnReason": reason,
        "item": {"sku": f"MUG-{n}", "productName": "Mug"},
        "quantity": {"unitOfMeasure": "EACH", "measurementValue": 2},
        "chargeTotals": [
            {"name": "lineSubTotal", "value": {"currencyAmount": 29.98, "currencyUnit": "USD"}},
            {"name": "lineTotalTaxes", "value": {"currencyAmount": 2.48, "currencyUnit": "USD"}},
            {"name": "lineRestockingFee", "value": {"currencyAmount": 0, "currencyUnit": "USD"}},
        ],
        "status": status,
        "statusTime": "2026-05-04T10:00:00.000Z",
        "currentRefundStatus": None,
        "returnTrackingDetail": [
            {"sequenceNo": i, "eventTag": tag, "eventTime": f"2026-05-0{i + 1}T09:00:00.000Z"}
            for i, tag in enumerate(tags, start=1)
        ],
    }


def _record(*lines: dict[str, object]) -> object:
    text = json.dumps(
        {
            "returnOrderId": "77881234",
            "customerOrderId": "200011223344556",
            "returnOrderDate": "2026-05-02T08:30:00.000Z",
            "totalRefundAmount": {"currencyAmount": 64.92, "currencyUnit": "USD"},
            "returnOrderLines": list(lines),
        }
    )
    return json.loads(text, parse_float=Decimal)  # as the connector decodes bodies


def _map(record: object):
    return mapping.return_authorization(_dto.structure(record, _dto.ReturnOrder))


def _connector(fake: WalmartFake, **settings: object) -> WalmartConnector:
    options = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "max_attempts": 8}
    return WalmartConnector(transport=fake, clock=fake.clock, **{**options, **settings})


def test_a_return_maps_with_its_lines_refund_and_references():
    rma = _map(_record(_line(1, "INITIATED", "RETURN_INITIATED", "RETURN_IN_TRANSIT")))
    assert rma.rma_id == "walmart-77881234"
    assert rma.sales_order_id == "walmart-108828484812345"
    assert rma.channel == "walmart"
    assert rma.status is ReturnStatus.IN_TRANSIT
    assert rma.source_status == "RETURN_IN_TRANSIT"
    assert rma.requested_at == datetime(2026, 5, 2, 8, 30, tzinfo=UTC)
    [line] = rma.lines
    assert line.line_id == "walmart-77881234-1"
    assert line.sales_order_line_id == "walmart-108828484812345-1"
    assert (line.sku, line.quantity_authorized.value, line.quantity_received) == ("MUG-1", 2, 0)
    assert (line.reason, line.source_reason) == (ReturnReason.DAMAGED, "DAMAGED")
    assert rma.refund is not None
    assert rma.refund.item_amount.amount == Decimal("29.98")
    assert str(rma.refund.item_amount.amount) == "29.98"
    assert rma.refund.tax_amount is not None
    assert rma.refund.tax_amount.amount == Decimal("2.48")
    assert rma.refund.restocking_fee is None  # zero
    assert rma.refund.status is RefundStatus.PENDING
    refs = {(r.scheme, r.value) for r in rma.external_refs}
    assert ("customer_order_id", "200011223344556") in refs
    assert ("purchase_order_id", "108828484812345") in refs


@pytest.mark.parametrize(
    ("status", "tags", "expected"),
    [
        ("INITIATED", ["RETURN_INITIATED"], ReturnStatus.AUTHORIZED),
        ("INITIATED", ["RETURN_INITIATED", "RETURN_IN_TRANSIT"], ReturnStatus.IN_TRANSIT),
        ("DELIVERED", ["RETURN_IN_TRANSIT", "DELIVERED_AT_RETURN_CENTER"], ReturnStatus.RECEIVED),
        ("COMPLETED", ["REFUND_INITIATED"], ReturnStatus.CLOSED),
        ("COMPLETED", ["REFUND_ISSUED"], ReturnStatus.CLOSED),
        ("COMPLETED", ["INTRANSIT_AFTER_INVOICE"], ReturnStatus.CLOSED),
        ("COMPLETED", ["DELIVERED_AFTER_INVOICE"], ReturnStatus.CLOSED),
        ("COMPLETED", ["RETURN_CANCELLED"], ReturnStatus.CANCELLED),
        ("INITIATED", [], ReturnStatus.AUTHORIZED),
        ("DELIVERED", [], ReturnStatus.RECEIVED),
        ("COMPLETED", [], ReturnStatus.CLOSED),
        ("CANCELLED", [], ReturnStatus.CANCELLED),
    ],
)
def test_each_walmart_status_maps(status, tags, expected):
    assert _map(_record(_line(1, status, *tags))).status is expected


def test_an_unknown_status_maps_to_other_with_a_warning_and_keeps_the_raw_value():
    with pytest.warns(UnknownStatusValue, match="RETURN_LOST"):
        rma = _map(_record(_line(1, "INITIATED", "RETURN_LOST")))
    assert rma.status is ReturnStatus.OTHER
    assert rma.source_status == "RETURN_LOST"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ((("COMPLETED", "REFUND_ISSUED"), ("INITIATED", "RETURN_IN_TRANSIT")), "IN_TRANSIT"),
        ((("COMPLETED", "RETURN_CANCELLED"), ("COMPLETED", "REFUND_ISSUED")), "CLOSED"),
        ((("COMPLETED", "RETURN_CANCELLED"), ("CANCELLED", None)), "CANCELLED"),
    ],
)
def test_the_return_is_as_far_as_its_least_advanced_live_line(lines, expected):
    built = [_line(n, s, *([t] if t else [])) for n, (s, t) in enumerate(lines, start=1)]
    rma = _map(_record(*built))
    assert rma.status is ReturnStatus(expected)
    if expected == "CANCELLED":
        assert rma.refund is None


def test_a_received_and_refunded_return_has_its_dates_and_an_issued_refund():
    rma = _map(_record(_line(1, "COMPLETED", "DELIVERED_AT_RETURN_CENTER", "REFUND_ISSUED")))
    assert rma.status is ReturnStatus.CLOSED
    assert rma.lines[0].quantity_received == 2
    assert rma.received_at == datetime(2026, 5, 2, 9, tzinfo=UTC)
    assert rma.refund is not None
    assert rma.refund.status is RefundStatus.ISSUED
    assert rma.refund.issued_at == datetime(2026, 5, 3, 9, tzinfo=UTC)
    assert rma.closed_at == datetime(2026, 5, 4, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("WRONG_SIZE/POOR_FIT", ReturnReason.SIZE_OR_FIT),
        ("INCORRECT_ITEM", ReturnReason.WRONG_ITEM),
        ("ARRIVED_LATE", ReturnReason.LATE_DELIVERY),
        ("NO_LONGER_WANTED", ReturnReason.UNWANTED),
        ("MISSING_PARTS", ReturnReason.DEFECTIVE),
        ("LOST_IN_TRANSIT", ReturnReason.OTHER),
    ],
)
def test_return_reasons(code, reason):
    [line] = _map(_record(_line(1, "INITIATED", reason=code))).lines
    assert (line.reason, line.source_reason) == (reason, code)


def test_without_charge_totals_the_refund_is_the_total_refund_amount():
    record = _record(_line(1, "INITIATED"))
    record["returnOrderLines"][0]["chargeTotals"] = []
    rma = _map(record)
    assert rma.refund is not None
    assert rma.refund.item_amount.amount == Decimal("64.92")
    assert rma.refund.tax_amount is None


def test_a_return_missing_its_lines_fields_is_refused_naming_them():
    record = _record(_line(1, "INITIATED"))
    del record["returnOrderLines"][0]["item"]
    with pytest.raises(ValueError, match="item"):
        _map(record)


def test_returns_are_read_page_by_page_oldest_change_first_and_resume():
    fake = WalmartFake(clock=FakeClock())
    seeded = make_returns(9)  # ids descend while their dates ascend
    fake.put("returns", seeded)
    walmart = _connector(fake, page_size=2)
    got = [r.rma_id for r in walmart.read_returns()]
    assert got == [r.rma_id for r in sorted(seeded, key=lambda r: (r.requested_at, r.rma_id))]
    assert sum(1 for e in fake.exchanges if e.path == "/v3/returns") == 5
    records = walmart.read_returns()
    first = [r.rma_id for _, r in zip(range(5), records, strict=False)]
    checkpoint = Checkpoint.from_json(records.checkpoint.to_json())
    rest = [r.rma_id for r in walmart.read_returns(checkpoint=checkpoint)]
    assert first + rest == got
    since = seeded[6].requested_at
    assert [r.rma_id for r in walmart.read_returns(since=since)] == got[6:]


def test_a_return_that_cannot_be_mapped_is_skipped_and_reported():
    fake = WalmartFake(clock=FakeClock())
    fake.put("returns", make_returns(3))
    broken = next(iter(fake.returns))
    del fake.returns[broken]["returnOrderLines"][0]["quantity"]
    records = _connector(fake).read_returns()
    assert len(list(records)) == 2
    [skipped] = records.skipped
    assert skipped.record_id == broken
    assert "quantity" in skipped.message


@pytest.mark.parametrize("kind", READ_FAULTS, ids=str)
def test_reading_returns_survives_every_fault(kind):
    rule = FaultRule(kind, every=2, retry_after=1.0, delay=45.0, path="/v3/returns")
    fake = WalmartFake(clock=FakeClock(), faults=[rule])
    seeded = make_returns(12)
    fake.put("returns", seeded)
    records = _connector(fake, page_size=3).read_returns()
    expected = sorted(seeded, key=lambda r: (r.requested_at, r.rma_id))
    assert [r.rma_id for r in records] == [r.rma_id for r in expected]
    assert records.skipped == []
    assert fake.faults.count(kind) >= 2
