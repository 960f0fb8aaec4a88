"""Reconciliation reports → SettlementRecord: exact money, amount types, integrity, paging
by report date, checkpoints, faults, and settlement matching downstream."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retail_canon.connectors import Checkpoint
from retail_canon.connectors.walmart import ReconIntegrityError, WalmartConnector, mapping
from retail_canon.models import AmountType, SettlementStatus
from retail_canon.settlement import DocumentTable, ErpDocument, match
from retail_canon.testing import FakeClock, FaultRule
from retail_canon.testing.walmart import CLIENT_ID, CLIENT_SECRET, WalmartFake
from walmart.samples import READ_FAULTS, make_settlements

SUMMARY = {
    "Period Start Date": "12/11/2025",
    "Period End Date": "12/19/2025",
    "Currency": "USD",
    "Transaction Type": "PaymentSummary",
    "Total Payable": "10.74",
    "Transaction Description": "Deposited in account",
    "Transaction Posted Timestamp": "12/22/2025",
}


def _row(kind: str, amount: str, transaction: str = "Sale", **more: str) -> dict[str, str]:
    return {
        "Period Start Date": '""',
        "Transaction Key": "2025_12_19_317",
        "Transaction Posted Timestamp": "12/18/2025",
        "Transaction Type": transaction,
        "Transaction Description": "Purchase",
        "Customer Order #": "200011223344556",
        "Customer Order line #": "1",
        "Purchase Order #": "108828484812345",
        "Purchase Order line #": "1",
        "Amount": amount,
        "Amount Type": kind,
        "Ship Qty": "1",
        "Partner Item Id": "MUG-1",
        "Partner GTIN": "00012345678905",
        **more,
    }


ROWS = [
    SUMMARY,
    _row("Product Price", "14.98"),
    _row("Product tax", "1.24"),
    _row("Product tax withheld", "-1.24"),
    _row("Commission on Product", "-2.25"),
    _row("Fee/Reimbursement", "-1.99", "Adjustment", **{"Transaction Description": "Fee"}),
]


def _connector(fake: WalmartFake, **settings: object) -> WalmartConnector:
    options = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "max_attempts": 8}
    return WalmartConnector(transport=fake, clock=fake.clock, **{**options, **settings})


def test_a_report_maps_to_an_exact_settlement_record():
    record = mapping.settlement_record("12222025", ROWS)
    assert record.settlement_id == "walmart-recon-20251222"
    assert record.channel == "walmart"
    assert record.status is SettlementStatus.PAID
    assert record.period_start == datetime(2025, 12, 11, tzinfo=UTC)
    assert record.period_end == datetime(2025, 12, 19, tzinfo=UTC)
    assert record.payout is not None
    assert record.payout.paid_at == datetime(2025, 12, 22, tzinfo=UTC)
    assert record.total.amount == Decimal("10.74")
    assert [line.amount.amount for line in record.lines] == [
        Decimal("14.98"),
        Decimal("1.24"),
        Decimal("-1.24"),
        Decimal("-2.25"),
        Decimal("-1.99"),
    ]
    assert [line.amount_type for line in record.lines] == [
        AmountType.PRINCIPAL,
        AmountType.TAX,
        AmountType.TAX_WITHHELD,
        AmountType.COMMISSION,
        AmountType.FEE,
    ]
    first = record.lines[0]
    assert first.line_id == "walmart-recon-20251222-1"
    assert first.order_id == "108828484812345"
    assert first.sku == "MUG-1"
    assert first.posted_at == datetime(2025, 12, 18, tzinfo=UTC)
    assert first.source_amount_type == "Sale/Product Price/Purchase"
    refs = {r.scheme: r.value for r in first.refs}
    assert refs["customer_order_id"] == "200011223344556"
    assert refs["transaction_key"] == "2025_12_19_317"
    assert record.lines_total() == record.total


@pytest.mark.parametrize(
    ("kind", "transaction", "expected"),
    [
        ("Product Price", "Refund", AmountType.PRINCIPAL),
        ("Shipping Price", "Sale", AmountType.SHIPPING),
        ("Shipping tax", "Sale", AmountType.TAX),
        ("Commission on Shipping", "Sale", AmountType.COMMISSION),
        ("WFS Fulfillment fee", "Sale", AmountType.FULFILLMENT_FEE),
        ("Product Price", "Dispute Settlement", AmountType.CHARGEBACK),
        ("Something new", "Adjustment", AmountType.ADJUSTMENT),
        ("Something new", "Sale", AmountType.OTHER),
    ],
)
def test_amount_types(kind, transaction, expected):
    rows = [{**SUMMARY, "Total Payable": "1.00"}, _row(kind, "1.00", transaction)]
    assert mapping.settlement_record("12222025", rows).lines[0].amount_type is expected


def test_lines_that_do_not_add_up_are_an_integrity_error():
    rows = [{**SUMMARY, "Total Payable": "10.75"}, *ROWS[1:]]
    with pytest.raises(ReconIntegrityError, match=r"add up to 10\.74, its Total Payable is 10\.75"):
        mapping.settlement_record("12222025", rows)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (ROWS[1:], "0 PaymentSummary rows"),
        ([SUMMARY, SUMMARY, *ROWS[1:]], "2 PaymentSummary rows"),
        ([SUMMARY, _row("Product Price", "ten")], "Amount 'ten' is not a number"),
        (
            [SUMMARY, _row("Product Price", "10.74", **{"Purchase Order #": "1.08828E+14"})],
            "mangled",
        ),
    ],
)
def test_unreadable_reports_are_refused_with_the_reason(rows, message):
    with pytest.raises(ValueError, match=message):
        mapping.settlement_record("12222025", rows)


def test_a_report_date_is_mmddyyyy():
    assert mapping.recon_date("07012026") == date(2026, 7, 1)
    with pytest.raises(ValueError, match="MMDDYYYY"):
        mapping.recon_date("2026-07-01")


cents = st.integers(min_value=-(10**9), max_value=10**9).map(lambda c: Decimal(c).scaleb(-2))


@given(st.lists(cents, min_size=1, max_size=30), st.integers(min_value=-3, max_value=3))
def test_any_report_maps_exactly_or_is_an_integrity_error(amounts, off):
    total = sum(amounts, Decimal(0)) + Decimal(off).scaleb(-2)
    rows = [{**SUMMARY, "Total Payable": str(total)}]
    rows += [_row("Product Price", str(a)) for a in amounts]
    if off:
        with pytest.raises(ReconIntegrityError):
            mapping.settlement_record("12222025", rows)
        return
    record = mapping.settlement_record("12222025", rows)
    assert [line.amount.amount for line in record.lines] == amounts
    assert record.lines_total().amount == record.total.amount == total


def test_reports_are_read_oldest_first_from_a_date_and_resume_from_checkpoints():
    fake = WalmartFake(clock=FakeClock())
    seeded = make_settlements(6)
    fake.put("settlements", seeded)
    walmart = _connector(fake)
    ids = [s.settlement_id for s in seeded]
    assert [s.settlement_id for s in walmart.read_settlements()] == ids  # listed newest first
    since = seeded[2].payout.paid_at
    assert [s.settlement_id for s in walmart.read_settlements(since=since)] == ids[2:]
    records = walmart.read_settlements()
    first = [s.settlement_id for _, s in zip(range(4), records, strict=False)]
    checkpoint = Checkpoint.from_json(records.checkpoint.to_json())
    rest = [s.settlement_id for s in walmart.read_settlements(checkpoint=checkpoint)]
    assert first + rest == ids
    assert walmart.read_settlements(since=datetime(2030, 1, 1, tzinfo=UTC)).skipped == []


def test_a_report_that_does_not_add_up_is_skipped_and_reported_and_the_rest_read():
    fake = WalmartFake(clock=FakeClock())
    seeded = make_settlements(3)
    fake.put("settlements", seeded)
    bad = mapping.settlement_id("05152026")
    fake.recon["05152026"][0]["Total Payable"] = "999.99"
    records = _connector(fake).read_settlements()
    got = [s.settlement_id for s in records]
    assert bad not in got
    assert len(got) == 2
    [skipped] = records.skipped
    assert skipped.record_id == bad
    assert "Total Payable is 999.99" in skipped.message


@pytest.mark.parametrize("kind", READ_FAULTS, ids=str)
def test_reading_reports_survives_every_fault(kind):
    rule = FaultRule(kind, every=2, retry_after=1.0, delay=45.0, path="/v3/report")
    fake = WalmartFake(clock=FakeClock(), faults=[rule])
    seeded = make_settlements(5)
    fake.put("settlements", seeded)
    records = _connector(fake).read_settlements()
    assert list(records) == [mapping.settlement_record(
        s.settlement_id[-4:-2] + s.settlement_id[-2:] + s.settlement_id[-8:-4],
        fake.recon[s.settlement_id[-4:-2] + s.settlement_id[-2:] + s.settlement_id[-8:-4]],
    ) for s in seeded]  # fmt: skip
    assert records.skipped == []
    assert fake.faults.count(kind) >= 2


def test_settlement_matching_consumes_the_records():
    fake = WalmartFake(clock=FakeClock())
    [seeded] = make_settlements(1)
    fake.put("settlements", [seeded])
    [record] = list(_connector(fake).read_settlements())
    invoice = ErpDocument(
        document_id="INV-1",
        kind="INVOICE",
        order_ref="108000000",
        amount={"amount": "21.64", "currency": "USD"},
        issued_on=date(2026, 5, 2),
    )
    credit = ErpDocument(
        document_id="CM-1",
        kind="CREDIT_MEMO",
        order_ref="109000000",
        amount={"amount": "5.00", "currency": "USD"},
        issued_on=date(2026, 5, 3),
    )
    result = match([record], DocumentTable.from_documents([invoice, credit]))
    [summary] = result.settlements
    assert summary.integrity_ok
    matched = {d for m in result.matches for d in m.document_ids}
    assert "INV-1" in matched  # the sale, its tax and commission, keyed by purchase order
