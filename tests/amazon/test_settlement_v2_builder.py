"""`settlement_v2_file`, the fake's V2 settlement file builder: what it writes reads back,
and a ``source_amount_type`` it cannot split into the three V2 columns is refused by name."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from retail_canon.connectors.amazon.settlement import SettlementFile
from retail_canon.models import AmountType, Money, SettlementLine, SettlementRecord
from retail_canon.testing.amazon import settlement_v2_file

AT = datetime(2026, 5, 2, 10, 0, tzinfo=UTC)


def _line(n: int, source: str | None, amount: str, kind: AmountType) -> SettlementLine:
    return SettlementLine(
        line_id=f"L{n}",
        amount_type=kind,
        source_amount_type=source,
        amount=Money(amount=Decimal(amount), currency="USD"),
        posted_at=AT,
        order_id="111-1",
    )


def _record(*lines: SettlementLine) -> SettlementRecord:
    total = sum((line.amount.amount for line in lines), Decimal("0.00"))
    return SettlementRecord(
        settlement_id="77001",
        channel="amazon",
        currency="USD",
        period_start=AT,
        period_end=AT,
        total=Money(amount=total, currency="USD"),
        lines=lines,
    )


def test_the_three_columns_read_back():
    record = _record(
        _line(1, "Order/ItemPrice/Principal", "20.00", AmountType.PRINCIPAL),
        _line(2, None, "5.00", AmountType.PRINCIPAL),
        _line(
            3,
            "Order/ItemWithheldTax/MarketplaceFacilitatorTax-Principal",
            "-1.45",
            AmountType.TAX_WITHHELD,
        ),
    )
    report = SettlementFile(io.BytesIO(settlement_v2_file(record)))
    rows = [(r.transaction_type, r.amount_type, r.amount_description, r.amount) for r in report]
    assert rows == [
        ("Order", "ItemPrice", "Principal", Decimal("20.00")),
        ("Order", "ItemPrice", "Principal", Decimal("5.00")),
        ("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", Decimal("-1.45")),
    ]
    assert report.balanced


@pytest.mark.parametrize(
    "source",
    [
        "Commission",
        "ItemFees/Commission",
        "/ItemFees/Commission",
        "Order//Commission",
        "Order/ItemFees\tx/Commission",
        "Order/ItemFees/Com\nmission",
    ],
)
def test_a_source_amount_type_not_in_the_v2_form_is_named(source):
    record = _record(
        _line(1, "Order/ItemPrice/Principal", "20.00", AmountType.PRINCIPAL),
        _line(2, source, "-3.00", AmountType.COMMISSION),
    )
    with pytest.raises(ValueError, match="transaction-type/amount-type/amount-description") as err:
        settlement_v2_file(record)
    message = str(err.value)
    assert repr(source) in message
    assert "line L2" in message
    assert "77001" in message
