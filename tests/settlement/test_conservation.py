"""Conservation on random data: deposit = Σ matched + Σ variances + Σ exceptions, exactly.

Two generators: realistic batches in a marketplace's style with any mix of injected
variances, and raw columnar tables with arbitrary codes, signs and currencies. On both,
the pure-Python and the numpy engine must give the same result.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from retail_canon.models import Money, SettlementRecord
from retail_canon.normalize.money import ExchangeRate
from retail_canon.settlement import (
    AMOUNT_TYPES,
    DOCUMENT_KINDS,
    DocumentTable,
    FeeRule,
    MatchPolicy,
    SettlementTable,
    Tolerance,
    match,
)
from settlement.builders import ENGINES, STYLES, Batch, assert_same

AMOUNTS = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c).scaleb(-2))
INJECTIONS = st.sampled_from(
    [
        "none",
        "drift",
        "refund",
        "refund_missing",
        "partial",
        "duplicate",
        "chargeback",
        "unmatched",
        "timing",
        "short",
        "over",
    ]
)


@st.composite
def batches(draw: st.DrawFn) -> tuple[Batch, dict[str, Any]]:
    batch = Batch(STYLES[draw(st.sampled_from(sorted(STYLES)))])
    currency = draw(st.sampled_from(["USD", "EUR"]))
    settlements = [
        batch.settlement(f"S{i}", period=i, currency=currency)
        for i in range(draw(st.integers(1, 3)))
    ]
    for n in range(draw(st.integers(0, 8))):
        order = batch.style.order_id(n)
        s = draw(st.sampled_from(settlements))
        injection = draw(INJECTIONS)
        principal = draw(AMOUNTS)
        tax = draw(
            st.sampled_from([Decimal(0), (principal * Decimal("0.0725")).quantize(Decimal("0.01"))])
        )
        fee = str(-(principal / 4).quantize(Decimal("0.01"))) if injection == "drift" else None
        if injection == "partial":
            s.raw("PRINCIPAL", principal, order=order)
            draw(st.sampled_from(settlements)).raw("TAX", tax or Decimal("1.00"), order=order)
            total = principal + (tax or Decimal("1.00"))
        elif injection != "timing":
            total = s.sale(
                order, str(principal), tax=str(tax), withheld=draw(st.booleans()), fee=fee
            )
            if injection == "duplicate":
                s.repeat_last()
        else:
            total = principal
        if injection != "unmatched":
            delta = {"short": Decimal("5.00"), "over": Decimal("-5.00")}.get(injection, Decimal(0))
            issued = date(2026, 3, 2) + timedelta(days=draw(st.integers(-60, 40)))
            batch.invoice(order, total + delta, issued=issued, currency=currency)
        if injection in ("refund", "refund_missing"):
            refunded = s.refund(order, f"R-{n}", str(principal))
            if injection == "refund":
                batch.credit_memo(order, f"R-{n}", refunded, currency=currency)
        if injection == "chargeback":
            s.chargeback(order, str(total), f"CB-{n}")
    for s in settlements:
        if draw(st.booleans()):
            s.account_fee(str(draw(AMOUNTS)))
        if draw(st.booleans()):
            s.hold(str(draw(AMOUNTS)))
        if draw(st.booleans()):
            s.release(str(draw(AMOUNTS)))
        if draw(st.booleans()):
            s.raw("PRINCIPAL", draw(AMOUNTS), day=draw(st.integers(0, 3)))  # no key: fuzzy stage
    if draw(st.booleans()):
        batch.off_by[settlements[0].settlement_id] = "0.07"
    if draw(st.booleans()):
        batch.invoice(None, draw(AMOUNTS), currency=currency)
    kwargs: dict[str, Any] = {}
    if currency == "EUR":
        kwargs["rates"] = {
            s.settlement_id: ExchangeRate("EUR", "USD", Decimal("1.0871")) for s in settlements
        }
    return batch, kwargs


@given(batches(), st.sampled_from(["quarantine", "report", "off"]))
def test_conservation_on_random_batches(
    drawn: tuple[Batch, dict[str, Any]], integrity: str
) -> None:
    batch, kwargs = drawn
    policy = batch.policy(integrity=integrity, functional_currency="USD")
    result = batch.match(policy, **kwargs)  # both engines agree and conserve (see Batch.match)
    records = batch.records()
    lines = {ln.line_id for r in records for ln in r.lines}
    listed = [i for item in (*result.variances, *result.exceptions) for i in item.line_ids]
    assert len(listed) == len(set(listed))  # no line booked twice
    assert set(listed) <= lines
    for summary in result.settlements:
        journal = [
            j.amount for j in result.journal_lines if j.settlement_id == summary.settlement_id
        ]
        assert sum((m.amount for m in journal), Decimal(0)) == 0  # balanced
        assert Decimal(0) <= summary.matched_value_pct <= 100


CURRENCIES = ["USD", "EUR", "JPY", "BHD"]


@st.composite
def tables(
    draw: st.DrawFn,
) -> tuple[SettlementTable, DocumentTable, MatchPolicy, dict[str, ExchangeRate]]:
    n_settlements = draw(st.integers(1, 3))
    keys = [f"K{i}" for i in range(6)] + ["#K1", "k-2"]
    n = draw(st.integers(0, 40))
    codes = st.integers(-1, len(keys) - 1)
    columns = {
        "settlement": draw(st.lists(st.integers(0, n_settlements - 1), min_size=n, max_size=n)),
        "amount_type": draw(
            st.lists(st.integers(0, len(AMOUNT_TYPES) - 1), min_size=n, max_size=n)
        ),
        "amount": draw(st.lists(st.integers(-3000, 3000), min_size=n, max_size=n)),
        "order_key": draw(st.lists(codes, min_size=n, max_size=n)),
        "refund_key": draw(
            st.lists(st.sampled_from([-1, -1, -1, 0, 1, 2]), min_size=n, max_size=n)
        ),
        "posted": draw(
            st.lists(
                st.sampled_from([-1, 1_772_400_000, 1_772_500_000, 1_772_900_000]),
                min_size=n,
                max_size=n,
            )
        ),
        "source_type": draw(st.lists(st.integers(-1, 1), min_size=n, max_size=n)),
    }
    # Repeat a few rows exactly (duplicate candidates).
    for i in draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=3)) if n else []:
        for name in columns:
            columns[name].append(columns[name][i])
    size = len(columns["settlement"])
    currencies = [draw(st.sampled_from(CURRENCIES)) for _ in range(n_settlements)]
    totals = [0] * n_settlements
    for s, units in zip(columns["settlement"], columns["amount"], strict=True):
        totals[s] += units
    start = datetime(2026, 3, 1, tzinfo=UTC)
    headers = tuple(
        SettlementRecord(
            settlement_id=f"S{s % 2 if draw(st.booleans()) else s}",
            channel="amazon",
            currency=currencies[s],
            period_start=start + timedelta(days=14 * draw(st.integers(0, 2))),
            total=Money.from_minor_units(
                totals[s] + draw(st.sampled_from([0, 0, 0, 1])), currencies[s]
            ),
        )
        for s in range(n_settlements)
    )
    table = SettlementTable(
        settlements=headers,
        line_id=[f"L{i}" for i in range(size)],
        keys=keys,
        source_types=["a", "b"],
        **columns,
    )
    m = draw(st.integers(0, 12))
    doc_currencies = sorted(set(currencies))
    rates = [ExchangeRate(c, "USD", Decimal(1 if c == "USD" else "1.25")) for c in doc_currencies]
    docs = DocumentTable(
        document_id=[f"D{i}" for i in range(m)],
        kind=draw(st.lists(st.integers(0, len(DOCUMENT_KINDS) - 1), min_size=m, max_size=m)),
        currency=(
            cur := draw(st.lists(st.integers(0, len(doc_currencies) - 1), min_size=m, max_size=m))
        ),
        currencies=doc_currencies,
        amount=(opened := draw(st.lists(st.integers(-200, 3000), min_size=m, max_size=m))),
        open_amount=opened,
        order_key=draw(st.lists(codes, min_size=m, max_size=m)),
        refund_key=draw(st.lists(st.sampled_from([-1, -1, 0, 1, 2]), min_size=m, max_size=m)),
        issued=draw(st.lists(st.integers(739_670, 739_700), min_size=m, max_size=m)),
        keys=keys,
        rate=[c if draw(st.booleans()) else -1 for c in cur],
        rates=rates,
    )
    policy = MatchPolicy(
        tolerances=draw(
            st.sampled_from(
                [
                    {},
                    {
                        "PRINCIPAL": Tolerance(percent=Decimal("5")),
                        "REFUND": Tolerance(absolute=Decimal("1")),
                    },
                ]
            )
        ),
        fee_rules=draw(
            st.sampled_from(
                [
                    [],
                    [FeeRule(amount_type="COMMISSION", rate=Decimal("0.15"))],
                    [
                        FeeRule(
                            amount_type="FEE",
                            rate=Decimal("0.029"),
                            fixed=Decimal("1"),
                            tolerance=Tolerance(absolute=Decimal("0.05")),
                        )
                    ],
                ]
            )
        ),
        rounding_per_line=draw(st.sampled_from([Decimal("0.5"), Decimal(0), Decimal(2)])),
        integrity=draw(st.sampled_from(["quarantine", "report", "off"])),
        functional_currency="USD",
    )
    rates_by_settlement = {
        h.settlement_id: ExchangeRate(
            h.currency, "USD", Decimal(1 if h.currency == "USD" else "1.2")
        )
        for h in headers
    }
    return table, docs, policy, rates_by_settlement


@given(tables())
def test_engines_agree_and_conserve_on_raw_tables(drawn: Any) -> None:
    table, docs, policy, rates = drawn
    pure = match(table, docs, policy=policy, rates=rates, engine="python")
    for engine in ENGINES[1:]:
        assert_same(pure, match(table, docs, policy=policy, rates=rates, engine=engine))
    for s, header in enumerate(table.settlements):
        booked = sum(
            (
                i.amount.amount
                for i in (*pure.matches, *pure.variances, *pure.exceptions)
                if i.settlement_id == header.settlement_id
            ),
            Decimal(0),
        )
        same_id = [h for h in table.settlements if h.settlement_id == header.settlement_id]
        if len(same_id) == 1:
            expected = (
                pure.settlements[s].lines_total if policy.integrity == "off" else header.total
            )
            assert booked == expected.amount
