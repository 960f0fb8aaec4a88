"""The V2 settlement flat file parser: header, summary, encodings, EU numbers and dates,
the deposit check, canonical lines, and constant memory."""

from __future__ import annotations

import io
import tracemalloc
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from retail_canon.connectors.amazon import mapping
from retail_canon.connectors.amazon.settlement import (
    HEADER,
    SettlementFile,
    SettlementFormatError,
)
from retail_canon.models import AmountType, SettlementStatus
from retail_canon.testing.amazon import settlement_v2_lines


def _file(rows: list[list[str]], total: str, *, currency: str = "USD", columns: int = 24) -> str:
    text = "\t".join(HEADER[:columns]) + "\n"
    summary = ["77001", "2026-05-01 00:00:00 UTC", "2026-05-15 00:00:00 UTC"]
    summary += ["2026-05-17 00:00:00 UTC", total, currency]
    text += "\t".join(summary + [""] * (columns - 6)) + "\n"
    for row in rows:
        text += "\t".join(row[:columns]) + "\n"
    return text


def _row(kind: str, amount_type: str, description: str, amount: str, **extra: str) -> list[str]:
    row = ["77001", "", "", "", "", "", kind, extra.get("order", "111-1"), "", "", "", ""]
    row += [amount_type, description, amount, "MFN", "2026-05-02", "2026-05-02 10:00:00 UTC"]
    row += ["", "", "", extra.get("sku", "SKU-1"), "1", extra.get("promo", "")]
    return row


ROWS = [
    _row("Order", "ItemPrice", "Principal", "20.00", promo="SPRING"),
    _row("Order", "ItemPrice", "Tax", "1.45"),
    _row("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", "-1.45"),
    _row("Order", "ItemFees", "Commission", "-3.00"),
    _row("Order", "ItemFees", "FBAPerUnitFulfillmentFee", "-3.22"),
    _row("Refund", "ItemPrice", "Principal", "-5.00"),
]


def test_rows_add_up_to_the_deposit():
    report = SettlementFile(io.BytesIO(_file(ROWS, "8.78").encode()))
    rows = list(report)
    assert [r.amount for r in rows][:2] == [Decimal("20.00"), Decimal("1.45")]
    assert rows[0].promotion_id == "SPRING"
    assert report.rows == 6
    assert report.balanced
    assert report.summary.total == Decimal("8.78")
    assert report.summary.currency == "USD"


def test_a_file_that_does_not_add_up_raises_at_the_end():
    report = SettlementFile(io.BytesIO(_file(ROWS, "9.78").encode()))
    with pytest.raises(SettlementFormatError, match=r"add up to 8\.78.*9\.78"):
        list(report)


def test_non_strict_reports_the_imbalance():
    report = SettlementFile(io.BytesIO(_file(ROWS, "9.78").encode()), strict=False)
    assert len(list(report)) == 6
    assert not report.balanced


def test_23_column_files_without_promotion_id():
    report = SettlementFile(io.BytesIO(_file(ROWS, "8.78", columns=23).encode()))
    rows = list(report)
    assert rows[0].promotion_id == ""
    assert report.balanced


@pytest.mark.parametrize(
    "header",
    ["settlement-id\tfoo\n", "\t".join(HEADER[:22]) + "\n", ""],
)
def test_other_files_are_refused(header):
    with pytest.raises(SettlementFormatError, match="header"):
        SettlementFile(io.BytesIO(header.encode()))


def test_a_bad_amount_names_its_line():
    rows = [*ROWS[:2], _row("Order", "ItemPrice", "Principal", "abc")]
    with pytest.raises(SettlementFormatError, match="line 5"):
        list(SettlementFile(io.BytesIO(_file(rows, "1").encode())))


def test_cp1252_files_are_detected():
    rows = [_row("Order", "ItemPrice", "Principal", "8.78", sku="CAFÉ-Größe-€")]
    data = _file(rows, "8.78", currency="EUR").encode("cp1252")
    report = SettlementFile(io.BytesIO(data))
    assert next(iter(report)).sku == "CAFÉ-Größe-€"
    assert report.encoding == "cp1252"


def test_shift_jis_files_are_detected():
    rows = [_row("Order", "ItemPrice", "Principal", "1200", sku="商品-黒")]
    data = _file(rows, "1200", currency="JPY").encode("shift_jis")
    report = SettlementFile(io.BytesIO(data))
    assert next(iter(report)).sku == "商品-黒"
    assert report.encoding == "shift_jis"


def test_eu_files_with_decimal_commas_and_day_first_dates():
    text = "".join(settlement_v2_lines(200, eu=True, currency="EUR", marketplace="amazon.de"))
    assert "," in text.splitlines()[2].split("\t")[14]
    report = SettlementFile(io.BytesIO(text.encode("cp1252")))
    rows = list(report)
    assert report.locale == "de_DE"
    assert report.balanced
    record = mapping.settlement_record(report.summary, dayfirst=True)
    assert record.period_start == datetime(2026, 5, 1, tzinfo=UTC)
    assert record.period_end == datetime(2026, 5, 15, tzinfo=UTC)
    line = mapping.settlement_line(rows[0], "EUR", dayfirst=True)
    assert line.amount.currency == "EUR"


def test_big_eu_amounts_with_thousands_separators():
    rows = [_row("Order", "ItemPrice", "Principal", "1.234,56")]
    report = SettlementFile(io.BytesIO(_file(rows, "1.234,56", currency="EUR").encode()))
    assert [r.amount for r in report] == [Decimal("1234.56")]


def test_rows_map_to_settlement_lines():
    report = SettlementFile(io.BytesIO(_file(ROWS, "8.78").encode()))
    lines = [mapping.settlement_line(row, "USD") for row in report]
    assert [line.amount_type for line in lines] == [
        AmountType.PRINCIPAL,
        AmountType.TAX,
        AmountType.TAX_WITHHELD,
        AmountType.COMMISSION,
        AmountType.FULFILLMENT_FEE,
        AmountType.PRINCIPAL,
    ]
    assert lines[0].order_id == "111-1"
    assert lines[0].posted_at == datetime(2026, 5, 2, 10, tzinfo=UTC)
    assert [r.value for r in lines[0].refs if r.scheme == "promotion-id"] == ["SPRING"]
    record = mapping.settlement_record(report.summary, lines)
    assert record.status is SettlementStatus.CLOSED
    assert record.lines_total() == record.total
    assert record.payout is not None
    assert record.payout.paid_at == datetime(2026, 5, 17, tzinfo=UTC)


def _peak(rows: int) -> int:
    data = "".join(settlement_v2_lines(rows)).encode()
    tracemalloc.start()
    try:
        report = SettlementFile(io.BytesIO(data))
        for _ in report:
            pass
        assert report.balanced
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_files_grow():
    small, large = _peak(2_000), _peak(40_000)
    assert large < small * 1.5 + 64_000
