"""One named test per reason code, in each marketplace's style where the event exists there.

Every `Batch.match` also runs both engines (they must agree) and checks conservation from
the public rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from retail_canon.models import Money
from retail_canon.normalize.money import ExchangeRate
from retail_canon.settlement import MatchRule, ReasonCode, Tolerance
from settlement.builders import STYLES, Batch


def usd(amount: str) -> Money:
    return Money(amount=amount, currency="USD")


def of(items, reason):
    return [item for item in items if item.reason == reason]


def test_fee_drift(vendor: Batch) -> None:
    s = vendor.settlement()
    fine, drifting = vendor.style.order_id(1), vendor.style.order_id(2)
    vendor.invoice(fine, s.sale(fine, "40.00", tax="3.20"))
    vendor.invoice(drifting, s.sale(drifting, "40.00", tax="3.20", fee="-7.00"))
    result = vendor.match()
    expected_fee = Decimal("-1.55") if vendor.style.name == "shopify" else Decimal("-6.00")
    (drift,) = of(result.variances, ReasonCode.FEE_DRIFT)
    assert drift.key == drifting
    assert drift.amount == usd(str(Decimal("-7.00") - expected_fee))
    fees = [m for m in result.matches if m.rule == MatchRule.FEE_SCHEDULE and m.key == drifting]
    assert [m.amount for m in fees] == [usd(str(expected_fee))]
    assert not result.exceptions
    assert not result.open_items


def test_refund_missing_in_erp(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    vendor.invoice(order, s.sale(order, "40.00", tax="3.20"))
    s.refund(order, "R-1", "40.00", tax="3.20")
    result = vendor.match()
    (missing,) = of(result.exceptions, ReasonCode.REFUND_MISSING_IN_ERP)
    assert missing.amount == usd("-43.20")
    assert (missing.kind, missing.key) == ("refund", "R-1")
    assert len(missing.line_ids) == (1 if vendor.style.name == "shopify" else 2)


def test_refund_not_settled(vendor: Batch) -> None:
    vendor.settlement().sale(vendor.style.order_id(9), "10.00")
    vendor.credit_memo(vendor.style.order_id(1), "R-old", "25.00", issued=date(2026, 1, 10))
    vendor.credit_memo(vendor.style.order_id(2), "R-new", "15.00", issued=date(2026, 3, 12))
    result = vendor.match()
    reasons = {o.key: (o.reason, o.open_amount) for o in result.open_items}
    assert reasons["R-old"] == (ReasonCode.REFUND_NOT_SETTLED, usd("25.00"))
    assert reasons["R-new"] == (ReasonCode.TIMING, usd("15.00"))


def test_refund_amount_mismatch(vendor: Batch) -> None:
    s = vendor.settlement()
    short, over = vendor.style.order_id(1), vendor.style.order_id(2)
    s.refund(short, "R-short", "20.00")
    vendor.credit_memo(short, "R-short", "30.00")
    s.refund(over, "R-over", "30.00")
    vendor.credit_memo(over, "R-over", "20.00")
    result = vendor.match()
    (open_item,) = of(result.open_items, ReasonCode.REFUND_AMOUNT_MISMATCH)
    assert (open_item.key, open_item.open_amount, open_item.settled_amount) == (
        "R-short",
        usd("10.00"),
        usd("20.00"),
    )
    (excess,) = of(result.exceptions, ReasonCode.REFUND_AMOUNT_MISMATCH)
    assert (excess.key, excess.amount) == ("R-over", usd("-10.00"))


def test_reserve_hold(vendor: Batch) -> None:
    line = vendor.settlement().hold("100.00")
    result = vendor.match()
    (hold,) = of(result.variances, ReasonCode.RESERVE_HOLD)
    assert (hold.amount, hold.line_ids) == (usd("-100.00"), (line,))
    (journal,) = [j for j in result.journal_lines if "reserve" in j.account.lower()]
    assert journal.amount == usd("100.00")


def test_reserve_release(vendor: Batch) -> None:
    vendor.settlement("S1", period=0).hold("100.00")
    second = vendor.settlement("S2", period=1)
    released = second.release("100.00")
    second.hold("50.00")
    result = vendor.match()
    (release,) = of(result.variances, ReasonCode.RESERVE_RELEASE)
    assert (release.settlement_id, release.amount, release.line_ids) == (
        "S2",
        usd("100.00"),
        (released,),
    )
    assert [v.amount for v in of(result.variances, ReasonCode.RESERVE_HOLD)] == [
        usd("-100.00"),
        usd("-50.00"),
    ]
    assert all(s.integrity_ok for s in result.settlements)


def test_reserve_that_does_not_carry_over_is_a_payout_integrity_exception(vendor: Batch) -> None:
    vendor.settlement("S1", period=0).hold("100.00")
    vendor.settlement("S2", period=1).release("90.00")
    result = vendor.match()
    (broken,) = of(result.exceptions, ReasonCode.PAYOUT_INTEGRITY)
    assert (broken.settlement_id, broken.amount) == ("S2", usd("90.00"))
    assert "does not carry over the hold 100.00 of settlement S1" in broken.detail
    assert not of(result.variances, ReasonCode.RESERVE_RELEASE)
    assert [s.integrity_ok for s in result.settlements] == [True, False]


def test_chargeback(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    vendor.invoice(order, s.sale(order, "40.00", tax="3.20"))
    line = s.chargeback(order, "43.20", "CB-1")
    result = vendor.match()
    (chargeback,) = of(result.variances, ReasonCode.CHARGEBACK)
    assert chargeback.amount == usd("-43.20")
    assert chargeback.key == ("CB-1" if vendor.style.name == "amazon" else order)
    assert line
    assert not result.exceptions


def test_timing(vendor: Batch) -> None:
    vendor.settlement().sale(vendor.style.order_id(9), "10.00")
    recent = vendor.invoice(vendor.style.order_id(1), "19.99", issued=date(2026, 3, 12))
    stale = vendor.invoice(vendor.style.order_id(2), "29.99", issued=date(2026, 1, 5))
    result = vendor.match()
    reasons = {o.document_id: o.reason for o in result.open_items}
    assert reasons[recent.document_id] == ReasonCode.TIMING
    assert reasons[stale.document_id] == ReasonCode.UNMATCHED


def test_timing_follows_the_lag_of_the_policy(vendor: Batch) -> None:
    vendor.settlement().sale(vendor.style.order_id(9), "10.00")
    doc = vendor.invoice(vendor.style.order_id(1), "19.99", issued=date(2026, 3, 5))
    assert vendor.match().open_items[0].reason == ReasonCode.TIMING
    late = vendor.match(vendor.policy(settlement_lag_days=3))
    assert [(o.document_id, o.reason) for o in late.open_items] == [
        (doc.document_id, ReasonCode.UNMATCHED)
    ]


def test_partial_settlement(vendor: Batch) -> None:
    first, second = vendor.settlement("S1", period=0), vendor.settlement("S2", period=1)
    across, pending = vendor.style.order_id(1), vendor.style.order_id(2)
    first.raw("PRINCIPAL", "20.00", order=across)
    second.raw("PRINCIPAL", "23.20", order=across)
    vendor.invoice(across, "43.20", doc_id="INV-ACROSS")
    first.raw("PRINCIPAL", "15.00", order=pending)
    vendor.invoice(pending, "40.00", doc_id="INV-PENDING")
    result = vendor.match()
    split = [m for m in result.matches if m.key == across]
    assert [(m.settlement_id, m.rule, m.amount) for m in split] == [
        ("S1", MatchRule.KEY_SPLIT_SETTLEMENTS, usd("20.00")),
        ("S2", MatchRule.KEY_SPLIT_SETTLEMENTS, usd("23.20")),
    ]
    (partial,) = of(result.open_items, ReasonCode.PARTIAL_SETTLEMENT)
    assert (partial.document_id, partial.open_amount, partial.settled_amount) == (
        "INV-PENDING",
        usd("25.00"),
        usd("15.00"),
    )


@pytest.mark.parametrize("style", ["amazon", "walmart"])
def test_tax_withheld(style: str) -> None:
    batch = Batch(STYLES[style])
    s = batch.settlement()
    order = batch.style.order_id(1)
    batch.invoice(order, s.sale(order, "40.00", tax="3.20", withheld=True))
    result = batch.match()
    (withheld,) = of(result.variances, ReasonCode.TAX_WITHHELD)
    assert (withheld.key, withheld.amount) == (order, usd("-3.20"))
    (journal,) = [j for j in result.journal_lines if "facilitator" in j.account]
    assert journal.amount == usd("3.20")
    assert not result.exceptions


def test_fx_difference(vendor: Batch) -> None:
    s = vendor.settlement(currency="EUR")
    order = vendor.style.order_id(1)
    s.raw("PRINCIPAL", "100.00", order=order)
    s.raw("PRINCIPAL", "-50.00", order=order, refund="R-1")
    booked = ExchangeRate("EUR", "USD", Decimal("1.08"), as_of=date(2026, 3, 2))
    vendor.invoice(order, "100.00", currency="EUR", rate=booked, doc_id="INV-EUR")
    vendor.credit_memo(order, "R-1", "50.00", currency="EUR", rate=booked, doc_id="CM-EUR")
    paid = ExchangeRate("EUR", "USD", Decimal("1.10"), as_of=date(2026, 3, 14))
    result = vendor.match(vendor.policy(functional_currency="USD"), rates={"S1": paid})
    gains = {f.document_id: f.amount for f in result.fx_differences}
    assert gains == {"INV-EUR": usd("2.00"), "CM-EUR": usd("-1.00")}
    assert all(f.reason == ReasonCode.FX_DIFFERENCE for f in result.fx_differences)
    assert not result.variances
    assert not result.exceptions
    assert vendor.match().fx_differences == ()


def test_rounding(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    s.raw("PRINCIPAL", "43.20", order=order)
    vendor.invoice(order, "43.21")
    result = vendor.match()
    (rounding,) = of(result.variances, ReasonCode.ROUNDING)
    assert (rounding.key, rounding.amount) == (order, usd("-0.01"))
    assert [m.amount for m in result.matches] == [usd("43.21")]
    assert not result.open_items


def test_rounding_bound_is_half_a_minor_unit_per_line(vendor: Batch) -> None:
    s = vendor.settlement()
    one_line, three_lines = vendor.style.order_id(1), vendor.style.order_id(2)
    s.raw("PRINCIPAL", "10.00", order=one_line)
    vendor.invoice(one_line, "10.02", doc_id="INV-1")
    for amount in ("5.00", "3.00", "2.00"):
        s.raw("PRINCIPAL", amount, order=three_lines)
    vendor.invoice(three_lines, "10.02", doc_id="INV-3")
    result = vendor.match()
    assert [(v.key, v.amount) for v in of(result.variances, ReasonCode.ROUNDING)] == [
        (three_lines, usd("-0.02"))
    ]
    assert [(o.document_id, o.reason) for o in result.open_items] == [
        ("INV-1", ReasonCode.PARTIAL_SETTLEMENT)
    ]


def test_write_off_within_tolerance(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    s.raw("PRINCIPAL", "42.90", order=order)
    vendor.invoice(order, "43.20")
    loose = vendor.policy(tolerances={"PRINCIPAL": Tolerance(absolute=Decimal("0.50"))})
    result = vendor.match(loose)
    (write_off,) = of(result.variances, ReasonCode.WRITE_OFF)
    assert write_off.amount == usd("-0.30")
    assert not result.open_items
    strict = vendor.match()
    assert [o.reason for o in strict.open_items] == [ReasonCode.PARTIAL_SETTLEMENT]


def test_duplicate_line(vendor: Batch) -> None:
    s = vendor.settlement()
    order, twins = vendor.style.order_id(1), vendor.style.order_id(2)
    s.raw("PRINCIPAL", "43.20", order=order)
    repeat = s.repeat_last()
    vendor.invoice(order, "43.20")
    s.raw("PRINCIPAL", "10.00", order=twins)
    s.repeat_last()
    vendor.invoice(twins, "20.00")  # two identical lines the invoice expects: not duplicates
    result = vendor.match()
    (duplicate,) = of(result.exceptions, ReasonCode.DUPLICATE)
    assert (duplicate.line_ids, duplicate.amount, duplicate.key) == ((repeat,), usd("43.20"), order)
    assert not result.open_items


def test_duplicate_of_one_of_two_identical_lines(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    s.raw("PRINCIPAL", "19.99", order=order)
    repeat = s.repeat_last()
    s.raw("PRINCIPAL", "19.99", order=order)  # the second unit: legitimately the same
    s.raw(
        vendor.style.fee_rule.amount_type.value,
        "-6.00" if vendor.style.name != "shopify" else "-1.46",
        order=order,
    )
    vendor.invoice(order, "39.98")
    result = vendor.match()
    assert [e.line_ids for e in result.exceptions] == [(repeat,)]
    assert not of(result.variances, ReasonCode.FEE_DRIFT)
    assert not result.open_items


def test_duplicate_next_to_a_rounding_difference(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    s.raw("PRINCIPAL", "43.20", order=order)
    repeat = s.repeat_last()
    vendor.invoice(order, "43.21")
    result = vendor.match()
    assert [e.line_ids for e in of(result.exceptions, ReasonCode.DUPLICATE)] == [(repeat,)]
    assert [v.amount for v in of(result.variances, ReasonCode.ROUNDING)] == [usd("-0.01")]


def test_duplicate_fee_line(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    vendor.invoice(order, s.sale(order, "40.00"))
    fee_row = next(ln for ln in reversed(s.lines) if ln["amount_type"] in ("COMMISSION", "FEE"))
    s.lines.append({**fee_row, "line_id": "S1-repeat"})
    result = vendor.match()
    (duplicate,) = of(result.exceptions, ReasonCode.DUPLICATE)
    assert duplicate.line_ids == ("S1-repeat",)
    assert not of(result.variances, ReasonCode.FEE_DRIFT)


def test_duplicate_settlement(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    vendor.invoice(order, s.sale(order, "40.00"))
    record = s.record()
    from retail_canon.settlement import match

    result = match([record, record], vendor.documents, policy=vendor.policy())
    (duplicate,) = of(result.exceptions, ReasonCode.DUPLICATE)
    assert duplicate.amount == record.total
    assert len(duplicate.line_ids) == len(record.lines)
    assert [s.integrity_ok for s in result.settlements] == [True, False]
    assert not result.open_items


def test_account_fee(vendor: Batch) -> None:
    line = vendor.settlement().account_fee("39.99")
    result = vendor.match()
    (fee,) = of(result.variances, ReasonCode.ACCOUNT_FEE)
    assert (fee.amount, fee.line_ids, fee.key) == (usd("-39.99"), (line,), None)
    assert [j.amount for j in result.journal_lines] == [usd("39.99"), usd("-39.99")]


def test_reimbursement(vendor: Batch) -> None:
    line = vendor.settlement().reimbursement("12.50")
    (reimbursed,) = of(vendor.match().variances, ReasonCode.REIMBURSEMENT)
    assert (reimbursed.amount, reimbursed.line_ids) == (usd("12.50"), (line,))


def test_transfer(amazon: Batch) -> None:
    amazon.settlement().raw("TRANSFER", "-500.00", src="Transfer")
    (transfer,) = of(amazon.match().variances, ReasonCode.TRANSFER)
    assert transfer.amount == usd("-500.00")


def test_payout_integrity_failure_quarantines_the_settlement(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    doc = vendor.invoice(order, s.sale(order, "40.00", tax="3.20"))
    vendor.off_by["S1"] = "1.00"
    result = vendor.match()
    (failure,) = of(result.exceptions, ReasonCode.PAYOUT_INTEGRITY)
    record = s.record(off_by="1.00")
    assert failure.amount == record.total
    assert failure.line_ids == tuple(ln.line_id for ln in record.lines)  # nothing dropped
    assert "the deposit is" in failure.detail
    assert result.matches == ()
    assert [(o.document_id, o.reason) for o in result.open_items] == [
        (doc.document_id, ReasonCode.PAYOUT_INTEGRITY)
    ]
    assert not result.settlements[0].integrity_ok


def test_payout_integrity_failure_reported_with_the_lines_matched(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    vendor.invoice(order, s.sale(order, "40.00", tax="3.20"))
    vendor.off_by["S1"] = "-1.00"
    result = vendor.match(vendor.policy(integrity="report"))
    (gap,) = of(result.exceptions, ReasonCode.PAYOUT_INTEGRITY)
    assert gap.amount == usd("-1.00")
    assert any(m.key == order and m.rule == MatchRule.KEY for m in result.matches)


def test_unmatched(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    s.raw("PRINCIPAL", "43.20", order=order)
    stale = vendor.invoice(vendor.style.order_id(2), "12.00", issued=date(2025, 12, 1))
    result = vendor.match()
    (unmatched,) = of(result.exceptions, ReasonCode.UNMATCHED)
    assert (unmatched.key, unmatched.amount) == (order, usd("43.20"))
    assert [(o.document_id, o.reason) for o in result.open_items] == [
        (stale.document_id, ReasonCode.UNMATCHED)
    ]


def test_overpayment_is_unmatched(vendor: Batch) -> None:
    s = vendor.settlement()
    order = vendor.style.order_id(1)
    s.raw("PRINCIPAL", "50.00", order=order)
    vendor.invoice(order, "43.20")
    result = vendor.match()
    (excess,) = of(result.exceptions, ReasonCode.UNMATCHED)
    assert excess.amount == usd("6.80")
    assert [m.amount for m in result.matches] == [usd("43.20")]


def test_unclassified(amazon: Batch) -> None:
    line = amazon.settlement().raw("OTHER", "-2.00", src="Grade and Resell Charge")
    (other,) = of(amazon.match().exceptions, ReasonCode.UNCLASSIFIED)
    assert (other.amount, other.line_ids) == (usd("-2.00"), (line,))


def test_every_reason_code_has_a_test() -> None:
    names = {name for name in globals() if name.startswith("test_")}
    for reason in ReasonCode:
        assert any(reason.value.lower() in name for name in names), reason
