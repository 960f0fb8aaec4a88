"""SettlementRecord: round trips, one currency, a period that does not end before it starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from retail_canon import InvalidTransition
from retail_canon.models import (
    AmountType,
    Money,
    Payout,
    SettlementLine,
    SettlementRecord,
    SettlementStatus,
)
from strategies import (
    ALL_CURRENCIES,
    assert_lossless_round_trip,
    has_integral_negative_zero,
    json_with_numbers,
    payouts,
    settlement_lines,
    settlement_records,
)

START = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)


def settlement(**changes: Any) -> SettlementRecord:
    data = {
        "settlement_id": "s-1",
        "channel": "amazon",
        "currency": "EUR",
        "period_start": START,
        "total": {"amount": "100.00", "currency": "EUR"},
        **changes,
    }
    return SettlementRecord.model_validate(data)


def line(amount: str, currency: str = "EUR", line_id: str = "x") -> dict[str, Any]:
    return {
        "line_id": line_id,
        "amount_type": "PRINCIPAL",
        "amount": {"amount": amount, "currency": currency},
    }


@given(settlement_records())
def test_round_trip_is_lossless(s: SettlementRecord) -> None:
    assert_lossless_round_trip(s)


@given(settlement_records())
def test_decimals_as_json_numbers_are_read_exactly(s: SettlementRecord) -> None:
    assume(not has_integral_negative_zero(s))
    back = SettlementRecord.model_validate_json(json_with_numbers(s))
    assert back == s
    assert back.model_dump_json() == s.model_dump_json()


@given(settlement_lines())
def test_line_round_trip(sl: SettlementLine) -> None:
    assert_lossless_round_trip(sl)


@given(payouts())
def test_payout_round_trip(p: Payout) -> None:
    assert_lossless_round_trip(p)


@given(settlement_records())
def test_lines_total_is_the_exact_sum(s: SettlementRecord) -> None:
    total = s.lines_total()
    assert total.currency == s.currency
    assert Fraction(total.amount) == sum((Fraction(x.amount.amount) for x in s.lines), Fraction(0))


def test_lines_total_examples() -> None:
    assert settlement().lines_total() == Money.zero("EUR")
    s = settlement(
        lines=[
            line("100.10", line_id="a"),
            line("-15.37", line_id="b"),
            line("0.0000001", line_id="c"),
        ]
    )
    assert str(s.lines_total().amount) == "84.7300001"
    assert s.lines[1].amount_type is AmountType.PRINCIPAL


def test_a_total_that_does_not_match_the_lines_is_kept_not_refused() -> None:
    s = settlement(lines=[line("1.00")])
    assert s.total != s.lines_total()


@given(st.sampled_from(ALL_CURRENCIES).filter(lambda c: c != "EUR"))
def test_total_in_another_currency_is_refused(other: str) -> None:
    with pytest.raises(ValidationError) as info:
        settlement(total={"amount": "1", "currency": other})
    (error,) = info.value.errors()
    assert error["loc"] == ("total", "currency")
    assert error["msg"] == f"currency {other} differs from the settlement's EUR"


def test_opening_balance_in_another_currency_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        settlement(opening_balance={"amount": "1", "currency": "GBP"})
    (error,) = info.value.errors()
    assert error["loc"] == ("opening_balance", "currency")


def test_line_in_another_currency_is_refused_with_its_path() -> None:
    with pytest.raises(ValidationError) as info:
        settlement(lines=[line("1", line_id="a"), line("1", "USD", line_id="b")])
    (error,) = info.value.errors()
    assert error["loc"] == ("lines", 1, "amount", "currency")


def test_period_may_not_end_before_it_starts() -> None:
    with pytest.raises(ValidationError) as info:
        settlement(period_end=START - timedelta(microseconds=1))
    (error,) = info.value.errors()
    assert error["loc"] == ("period_end",)
    assert "ends before it starts" in error["msg"]
    assert settlement(period_end=START).period_end == START


def test_period_end_is_compared_as_an_instant_not_a_wall_clock() -> None:
    # 21:00 on the previous day in New York is 01:00 UTC: after the start.
    new_york = timezone(timedelta(hours=-4))
    end = datetime(2026, 3, 31, 21, 0, tzinfo=new_york)
    assert settlement(period_end=end).period_end == end
    # 08:00 in Tokyo is 23:00 UTC the day before: before the start.
    with pytest.raises(ValidationError):
        settlement(period_end=datetime(2026, 4, 1, 8, 0, tzinfo=timezone(timedelta(hours=9))))


@pytest.mark.parametrize("tail", ["1", "12345", "12-4", "ab c"])
def test_payout_keeps_only_an_account_tail(tail: str) -> None:
    with pytest.raises(ValidationError) as info:
        settlement(payout={"account_tail": tail})
    (error,) = info.value.errors()
    assert error["loc"] == ("payout", "account_tail")


def test_lifecycle() -> None:
    open_ = settlement()
    assert open_.status is SettlementStatus.OPEN
    closed = open_.transition_to(SettlementStatus.CLOSED, source_status="Closed")
    paid = closed.transition_to(SettlementStatus.PAID)
    assert closed.transition_to(SettlementStatus.FAILED).status is SettlementStatus.FAILED
    with pytest.raises(InvalidTransition):
        open_.transition_to(SettlementStatus.PAID)
    with pytest.raises(InvalidTransition) as info:
        paid.transition_to(SettlementStatus.OPEN)
    assert info.value.kind == "SettlementRecord"
