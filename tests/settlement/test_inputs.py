"""Bad input: typed errors before anything is matched, or integrity exceptions; nothing dropped."""

from __future__ import annotations

import pickle
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest
from pydantic import ValidationError

from retail_canon import CurrencyMismatch, RetailCanonError, UnknownCurrency
from retail_canon.models import AmountType, Money, SettlementLine, SettlementRecord
from retail_canon.normalize.money import ExchangeRate
from retail_canon.settlement import (
    DocumentTable,
    ErpDocument,
    FeeRule,
    MatchPolicy,
    MissingAmountType,
    NotMinorUnits,
    ReasonCode,
    SettlementInputError,
    SettlementTable,
    Tolerance,
    UnknownDocumentKind,
    match,
)
from settlement.builders import ENGINES, STYLES, Batch

START = datetime(2026, 3, 1, tzinfo=UTC)


def record(
    *lines: dict[str, object], currency: str = "USD", total: str | None = None
) -> SettlementRecord:
    amount = (
        total
        if total is not None
        else str(sum(Decimal(str(ln["amount"]["amount"])) for ln in lines))
    )  # type: ignore[index]
    return SettlementRecord(
        settlement_id="S1",
        channel="amazon",
        currency=currency,
        period_start=START,
        total=Money(amount=amount, currency=currency),
        lines=lines,
    )


def line(
    amount: str, amount_type: str = "PRINCIPAL", currency: str = "USD", order: str = "A"
) -> dict[str, object]:
    return {
        "line_id": "L1",
        "amount_type": amount_type,
        "order_id": order,
        "amount": {"amount": amount, "currency": currency},
    }


def small_table(**changes: object) -> SettlementTable:
    base = {
        "settlements": (record(line("1.00")),),
        "settlement": [0],
        "amount_type": [0],
        "amount": [100],
        "order_key": [0],
        "refund_key": [-1],
        "posted": [-1],
        "line_id": ["L1"],
        "keys": ["A"],
    }
    return SettlementTable(**{**base, **changes})  # type: ignore[arg-type]


def no_docs() -> DocumentTable:
    return DocumentTable.from_documents([])


# -- currencies ---------------------------------------------------------------------------


def test_unknown_currency_is_refused_at_the_boundary() -> None:
    with pytest.raises(ValidationError, match="ISO 4217"):
        record(line("1.00", currency="XYZ"), currency="XYZ")
    with pytest.raises(ValidationError):
        ErpDocument(
            document_id="D",
            kind="INVOICE",
            amount={"amount": "1", "currency": "ABC"},
            issued_on=date(2026, 3, 1),
        )  # type: ignore[arg-type]
    with pytest.raises(UnknownCurrency):
        attrs.evolve(no_docs(), currencies=["XYZ"])


def test_a_currency_without_minor_units_cannot_be_settled() -> None:
    with pytest.raises(NotMinorUnits, match="XAU has no minor units"):
        match([record(line("1", currency="XAU"), currency="XAU")], [])


def test_fractions_of_a_minor_unit_are_refused_not_rounded() -> None:
    with pytest.raises(NotMinorUnits, match=r"line L1: 1\.005 is not a whole number"):
        match([record(line("1.005"))], [])
    doc = ErpDocument(
        document_id="D1",
        kind="INVOICE",
        amount=Money(amount="2.001", currency="USD"),
        issued_on=date(2026, 3, 1),
    )
    with pytest.raises(NotMinorUnits, match="document D1"):
        match([record(line("1.00"))], [doc])
    assert issubclass(NotMinorUnits, SettlementInputError)
    assert issubclass(NotMinorUnits, ValueError)
    assert NotMinorUnits.code == "not_minor_units"


def test_document_currencies_must_agree() -> None:
    with pytest.raises(CurrencyMismatch, match="open amount in EUR"):
        ErpDocument(
            document_id="D",
            kind="INVOICE",
            amount=Money(amount="1", currency="USD"),
            open_amount=Money(amount="1", currency="EUR"),
            issued_on=date(2026, 3, 1),
        )
    with pytest.raises(CurrencyMismatch, match="exchange rate converts EUR"):
        ErpDocument(
            document_id="D",
            kind="INVOICE",
            amount=Money(amount="1", currency="USD"),
            issued_on=date(2026, 3, 1),
            exchange_rate=ExchangeRate("EUR", "USD", Decimal("1.1")),
        )


def test_a_document_in_another_currency_than_its_settlement_stays_open() -> None:
    batch = Batch(STYLES["amazon"])
    batch.settlement().raw("PRINCIPAL", "10.00", order="A")
    batch.invoice("A", "10.00", currency="EUR", doc_id="INV-EUR")
    result = batch.match()
    (item,) = result.open_items
    assert (item.document_id, item.reason, item.detail) == (
        "INV-EUR",
        ReasonCode.UNMATCHED,
        "document in EUR, its key settled in USD",
    )
    assert [e.reason for e in result.exceptions] == [ReasonCode.UNMATCHED]


# -- amount types and kinds ----------------------------------------------------------------


def test_a_line_without_amount_type_is_refused() -> None:
    with pytest.raises(ValidationError, match="amount_type"):
        SettlementLine.model_validate(
            {"line_id": "L1", "amount": {"amount": "1", "currency": "USD"}}
        )
    for code in (-1, 99):
        for engine in ENGINES:
            with pytest.raises(MissingAmountType, match=f"column amount_type holds {code}"):
                match(small_table(amount_type=[code]), no_docs(), engine=engine)


def test_unknown_document_kind_is_refused() -> None:
    with pytest.raises(SettlementInputError, match="'BILL' is not one of INVOICE"):
        ErpDocument(
            document_id="D",
            kind="BILL",
            amount=Money(amount="1", currency="USD"),
            issued_on=date(2026, 3, 1),
        )
    docs = DocumentTable(
        document_id=["D"],
        kind=[7],
        currency=[0],
        currencies=["USD"],
        amount=[1],
        open_amount=[1],
        order_key=[-1],
        refund_key=[-1],
        issued=[739_676],
        keys=[],
    )
    for engine in ENGINES:
        with pytest.raises(UnknownDocumentKind):
            match(small_table(), docs, engine=engine)


@pytest.mark.parametrize(
    ("column", "value"),
    [("settlement", [3]), ("order_key", [5]), ("refund_key", [-2])],
)
@pytest.mark.parametrize("engine", ENGINES)
def test_table_codes_out_of_range_are_refused(column: str, value: list[int], engine: str) -> None:
    with pytest.raises(SettlementInputError, match=f"column {column} holds"):
        match(small_table(**{column: value}), no_docs(), engine=engine)


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(SettlementInputError, match="column amount has 2 rows, expected 1"):
        small_table(amount=[1, 2])


# -- integrity: reported, not silently matched, nothing dropped ---------------------------------


def test_a_file_that_does_not_add_up_is_an_exception_with_all_its_lines() -> None:
    lines = [
        line("10.00"),
        {**line("-1.50", "COMMISSION"), "line_id": "L2"},
        {**line("2.00", "OTHER", order=""), "line_id": "L3"},
    ]
    bad = record(*lines, total="99.99")
    doc = ErpDocument(
        document_id="D1",
        kind="INVOICE",
        order_ref="A",
        amount=Money(amount="10.00", currency="USD"),
        issued_on=date(2026, 3, 1),
    )
    result = match([bad], [doc])
    (failure,) = result.exceptions
    assert (failure.reason, failure.amount, failure.line_ids) == (
        ReasonCode.PAYOUT_INTEGRITY,
        Money(amount="99.99", currency="USD"),
        ("L1", "L2", "L3"),
    )
    assert result.settlements[0].notes == ("lines add up to 10.50, the deposit is 99.99",)
    assert [o.reason for o in result.open_items] == [ReasonCode.PAYOUT_INTEGRITY]


# -- policy -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: Tolerance(absolute=0.05),  # type: ignore[arg-type]
        lambda: Tolerance(percent=Decimal(-1)),
        lambda: Tolerance(absolute=Decimal("NaN")),
        lambda: FeeRule(amount_type="PRINCIPAL", rate=Decimal("0.1")),
        lambda: FeeRule(amount_type="COMMISSION", rate=0.15),  # type: ignore[arg-type]
        lambda: MatchPolicy(fee_rules=[FeeRule(amount_type="FEE", rate=Decimal(0))] * 2),
        lambda: MatchPolicy(fuzzy_max_documents=4),
        lambda: MatchPolicy(settlement_lag_days=-1),
        lambda: MatchPolicy(fuzzy_max_candidates=0),
        lambda: MatchPolicy(rounding_per_line=-1),
        lambda: MatchPolicy(rounding_per_line=0.5),  # type: ignore[arg-type]
    ],
)
def test_bad_policy_values_are_refused(build) -> None:
    with pytest.raises(SettlementInputError):
        build()


def test_bad_integrity_mode_and_engine_are_refused() -> None:
    with pytest.raises(ValueError, match="integrity"):
        MatchPolicy(integrity="ignore")  # type: ignore[arg-type]
    with pytest.raises(SettlementInputError, match="engine 'fast'"):
        match([], [], engine="fast")  # type: ignore[arg-type]


def test_a_fixed_fee_the_currency_cannot_hold_is_refused() -> None:
    policy = MatchPolicy(
        fee_rules=[FeeRule(amount_type="FEE", rate=Decimal("0.03"), fixed=Decimal("0.30"))]
    )
    with pytest.raises(NotMinorUnits, match="fixed part"):
        match([record(line("100", currency="JPY"), currency="JPY")], [], policy=policy)


def test_errors_share_the_root_and_carry_stable_codes() -> None:
    from retail_canon import settlement

    errors = [
        getattr(settlement, n)
        for n in settlement.__all__
        if isinstance(getattr(settlement, n), type)
        and issubclass(getattr(settlement, n), Exception)
    ]
    assert len(errors) == 7
    assert all(issubclass(e, RetailCanonError) for e in errors)
    assert len({e.code for e in errors}) == len(errors)


def test_numpy_engine_without_numpy_is_a_typed_error() -> None:
    code = """
import sys
sys.modules["numpy"] = None
from retail_canon.settlement import EngineUnavailable, match
try:
    match([], [], engine="numpy")
except EngineUnavailable as error:
    print(error.code, isinstance(error, ImportError))
print(len(match([], [], engine="auto").matches))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.split() == ["engine_unavailable", "True", "0"]


def test_policy_documents_and_tables_survive_pickling() -> None:
    policy = MatchPolicy(
        tolerances={"PRINCIPAL": Tolerance(absolute=Decimal("0.05"))},
        fee_rules=[FeeRule(amount_type="COMMISSION", rate=Decimal("0.15"))],
    )
    assert pickle.loads(pickle.dumps(policy)) == policy
    assert hash(pickle.loads(pickle.dumps(policy))) == hash(policy)
    doc = ErpDocument(
        document_id="D",
        kind="INVOICE",
        amount=Money(amount="1.00", currency="USD"),
        issued_on=date(2026, 3, 1),
    )
    assert pickle.loads(pickle.dumps(doc)) == doc
    table = pickle.loads(pickle.dumps(small_table()))
    assert list(table.amount) == [100]
    assert AmountType.PRINCIPAL in policy.tolerances
