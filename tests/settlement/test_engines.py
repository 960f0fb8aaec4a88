"""Both engines on the benchmark's labelled workload, and the numpy engine's fallbacks."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import attrs
import pytest

from retail_canon.models import Money
from retail_canon.normalize.money import ExchangeRate
from retail_canon.settlement import (
    MatchPolicy,
    MatchRule,
    MissingAmountType,
    ReasonCode,
    SettlementInputError,
    Tolerance,
    match,
)
from settlement.builders import STYLES, Batch, assert_same, worker_thread

np = pytest.importorskip("numpy")  # the numpy engine and the benchmark need it (bench extra)
BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    _load("_harness")
    return _load("bench_settlement")


@pytest.fixture(scope="module")
def workload(bench: ModuleType):
    return bench.to_arrays(bench.generate(600, seed=7))


def run(work, engine: str):
    return match(work.table, work.docs, policy=work.policy, rates=work.rates, engine=engine)


def test_engines_agree_on_the_labelled_workload(workload) -> None:
    assert_same(run(workload, "python"), run(workload, "numpy"))


def test_every_labelled_reason_is_found_exactly(bench: ModuleType, workload) -> None:
    predicted = bench.predictions(run(workload, "numpy"))
    for reason in bench.REASONS:
        truth = workload.labels[reason]
        assert truth, reason
        assert bench.score(predicted[reason], truth) == (100.0, 100.0), reason


def test_the_fast_path_settles_most_groups(workload) -> None:
    result = run(workload, "numpy")
    chunk = result._ctx.chunks[0]
    vectorised = sum(part[5].size for part in chunk.parts if part[1] == 0)  # KEY matches
    assert vectorised > 0.8 * workload.orders
    assert len(result._ctx.ledger) < len(result.matches) / 5


def test_lists_and_arrays_give_the_same_result(bench: ModuleType) -> None:
    work = bench.generate(120, seed=3)
    assert_same(run(work, "numpy"), run(bench.to_arrays(work), "numpy"))


def test_scores_count_both_kinds_of_error(bench: ModuleType) -> None:
    assert bench.score({"a", "b"}, {"b", "c", "d", "e"}) == (50.0, 25.0)
    assert bench.score(set(), set()) == (100.0, 100.0)
    assert bench.score(set(), {"a"}) == (100.0, 0.0)


def big(amount: str) -> Batch:
    batch = Batch(STYLES["amazon"])
    s = batch.settlement()
    s.raw("PRINCIPAL", amount, order="A")
    s.raw("PRINCIPAL", "10.00", order="B")
    batch.invoice("A", amount)
    batch.invoice("B", "10.01")
    return batch


def test_amounts_too_large_for_int64_run_in_python() -> None:
    batch = big("9" * 15 + ".99")
    result = batch.match()  # both engines, same result
    assert result._ctx.chunks == []  # the numpy engine handed the run to Python
    assert result.matches[0].amount == Money(amount="9" * 15 + ".99", currency="USD")


def test_documents_too_large_for_int64_run_in_python_before_anything_is_booked() -> None:
    batch = Batch(STYLES["amazon"])
    batch.settlement().raw("PRINCIPAL", "10.00", order="A")
    batch.settlement("S2", period=1).raw("PRINCIPAL", "20.00", order="B")
    batch.off_by["S1"] = "1.00"  # an integrity exception is booked before the documents
    batch.invoice("A", "10.00")
    batch.invoice("B", "9" * 15 + ".99")
    result = batch.match()  # both engines, same result (and no entry booked twice)
    assert result._ctx.chunks == []
    assert [e.reason for e in result.exceptions].count(ReasonCode.PAYOUT_INTEGRITY) == 1


def test_policy_fractions_too_fine_for_int64_run_in_python() -> None:
    batch = big("20.00")
    policy = batch.policy(tolerances={"PRINCIPAL": Tolerance(percent=Decimal("0.0000001"))})
    result = match(batch.records(), batch.documents, policy=policy, engine="numpy")
    assert result._ctx.chunks == []
    assert_same(result, match(batch.records(), batch.documents, policy=policy, engine="python"))


def test_fx_with_long_rates_is_computed_exactly() -> None:
    batch = Batch(STYLES["amazon"])
    batch.settlement(currency="EUR").raw("PRINCIPAL", "12345678.91", order="A")
    booked = ExchangeRate(
        "EUR", "USD", Decimal("1.0825000000000000000000000001"), as_of=date(2026, 3, 2)
    )
    batch.invoice("A", "12345678.91", currency="EUR", rate=booked)
    paid = ExchangeRate("EUR", "USD", Decimal("1.0910000000000000000000000003"))
    result = batch.match(batch.policy(functional_currency="USD"), rates={"S1": paid})
    (fx,) = result.fx_differences
    assert fx.amount == Money(amount="104938.27", currency="USD")


def test_numpy_arrays_of_another_int_type_are_accepted(bench: ModuleType) -> None:
    work = bench.to_arrays(bench.generate(60, seed=5))
    narrow = attrs.evolve(work.table, amount=np.asarray(work.table.amount, dtype=np.int32))
    assert_same(
        match(narrow, work.docs, policy=work.policy, engine="numpy"),
        match(work.table, work.docs, policy=work.policy, engine="python"),
    )


def test_unified_keys_when_documents_use_their_own_dictionary(bench: ModuleType) -> None:
    work = bench.generate(80, seed=11)
    keys = [*reversed(work.docs.keys), "EXTRA-ONLY-IN-ERP"]
    recode = {k: i for i, k in enumerate(keys)}
    old = work.docs.keys
    docs = attrs.evolve(
        work.docs,
        keys=keys,
        order_key=[recode[old[k]] if k >= 0 else -1 for k in work.docs.order_key],
        refund_key=[recode[old[k]] if k >= 0 else -1 for k in work.docs.refund_key],
    )
    for engine in ("python", "numpy"):
        assert_same(
            match(work.table, docs, policy=work.policy, rates=work.rates, engine=engine),
            match(work.table, work.docs, policy=work.policy, rates=work.rates, engine=engine),
        )
    assert MatchPolicy().integrity == "quarantine"


def vectorised_keys(result) -> set[str | None]:
    """Keys of the entries the numpy engine booked on arrays (not through Python)."""
    ctx = result._ctx
    return {ctx.key_of(int(g))[1] for chunk in ctx.chunks for part in chunk.parts for g in part[5]}


def numpy_result(batch: Batch, **kwargs):
    policy = kwargs.pop("policy", None) or batch.policy()
    return match(batch.records(), batch.documents, policy=policy, engine="numpy", **kwargs)


def test_split_groups_are_booked_on_arrays_as_python_books_them() -> None:
    batch = Batch(STYLES["amazon"])
    first = batch.settlement("S1", period=0, currency="EUR")
    second = batch.settlement("S2", period=1, currency="EUR")
    booked = ExchangeRate("EUR", "USD", Decimal("1.0825"), as_of=date(2026, 3, 2))
    rates = {
        "S1": ExchangeRate("EUR", "USD", Decimal("1.0901")),
        "S2": ExchangeRate("EUR", "USD", Decimal("1.0713")),
    }
    plain, drifting, rounded, across_fees = (batch.style.order_id(n) for n in range(4))
    first.raw("PRINCIPAL", "20.00", order=plain)
    second.raw("TAX", "3.80", order=plain)
    batch.invoice(plain, "23.80", currency="EUR", rate=booked)
    first.raw("PRINCIPAL", "40.00", order=drifting)
    first.raw("COMMISSION", "-7.00", order=drifting)
    second.raw("TAX", "7.60", order=drifting)
    second.raw("TAX_WITHHELD", "-7.60", order=drifting)
    batch.invoice(drifting, "47.60", currency="EUR", rate=booked)
    first.raw("PRINCIPAL", "10.00", order=rounded)
    second.raw("TAX", "1.91", order=rounded)
    second.raw("TAX", "-0.01", order=rounded)
    batch.invoice(rounded, "11.91", currency="EUR", rate=booked)
    first.raw("PRINCIPAL", "30.00", order=across_fees)
    first.raw("COMMISSION", "-2.00", order=across_fees)
    second.raw("COMMISSION", "-2.50", order=across_fees)
    second.raw("FULFILLMENT_FEE", "-3.22", order=across_fees)
    batch.invoice(across_fees, "30.00", currency="EUR", rate=booked)
    policy = batch.policy(functional_currency="USD")
    result = batch.match(policy, rates=rates)  # both engines, the same rows
    fast = numpy_result(batch, policy=policy, rates=rates)
    assert vectorised_keys(fast) >= {plain, drifting, rounded, across_fees}
    assert not fast._ctx.ledger.entries
    rules = {(m.key, m.settlement_id, m.rule) for m in result.matches if m.amount_type is None}
    assert (plain, "S2", MatchRule.KEY_SPLIT_SETTLEMENTS) in rules
    assert {v.reason for v in result.variances} >= {
        ReasonCode.FEE_DRIFT,
        ReasonCode.TAX_WITHHELD,
        ReasonCode.ROUNDING,
    }
    assert {fx.document_id for fx in result.fx_differences} == {
        d.document_id for d in batch.documents
    }
    assert not result.open_items


def test_split_groups_that_need_judgement_go_through_python() -> None:
    batch = Batch(STYLES["amazon"])
    first, second = batch.settlement("S1", period=0), batch.settlement("S2", period=1)
    short, refunded, two_docs = (batch.style.order_id(n) for n in range(3))
    first.raw("PRINCIPAL", "20.00", order=short)
    second.raw("TAX", "1.00", order=short)
    batch.invoice(short, "43.20")
    first.raw("PRINCIPAL", "20.00", order=refunded)
    second.raw("PRINCIPAL", "-5.00", order=refunded)
    batch.invoice(refunded, "15.00")
    first.raw("PRINCIPAL", "20.00", order=two_docs)
    second.raw("PRINCIPAL", "10.00", order=two_docs)
    batch.invoice(two_docs, "20.00")
    batch.invoice(two_docs, "10.00")
    batch.match()
    fast = numpy_result(batch)
    assert not vectorised_keys(fast) & {short, refunded, two_docs}


def test_groups_without_documents_or_receivables_are_booked_on_arrays() -> None:
    batch = Batch(STYLES["amazon"])
    s = batch.settlement()
    order = batch.style.order_id(1)
    batch.invoice(order, s.sale(order, "40.00", tax="3.20"))
    s.chargeback(order, "43.20", "DISPUTE-1")
    result = batch.match()
    (chargeback,) = [v for v in result.variances if v.reason == ReasonCode.CHARGEBACK]
    assert chargeback.key == "DISPUTE-1"
    assert "DISPUTE-1" in vectorised_keys(numpy_result(batch))


def test_free_documents_are_booked_on_arrays_unless_a_residual_step_can_reach_them() -> None:
    batch = Batch(STYLES["amazon"])
    s = batch.settlement()
    paid, late, refunded = (batch.style.order_id(n) for n in range(3))
    batch.invoice(paid, s.sale(paid, "10.00"))
    batch.invoice(late, "12.00", issued=date(2026, 3, 14))
    batch.invoice("OLD-1", "13.00", issued=date(2026, 1, 5))
    batch.credit_memo("OLD-2", "R-OLD", "14.00", issued=date(2026, 1, 5))
    s.raw("PRINCIPAL", "15.00", order="#A-77")
    batch.invoice("a77", "15.00", doc_id="INV-TOKEN")
    s.refund(refunded, "R-NEW", "16.00")
    batch.credit_memo(refunded, None, "16.00", doc_id="CM-BY-ORDER")
    batch.invoice(None, "17.00", doc_id="INV-NO-KEY")
    result = batch.match()
    reasons = {o.document_id: o.reason for o in result.open_items}
    assert reasons["INV-2"] == ReasonCode.TIMING
    assert reasons["INV-3"] == ReasonCode.UNMATCHED
    assert reasons["CM-4"] == ReasonCode.REFUND_NOT_SETTLED
    assert {m.rule for m in result.matches} >= {MatchRule.TOKEN, MatchRule.REFUND_BY_ORDER}
    fast = numpy_result(batch)
    on_arrays = {int(d) for cols in fast._ctx.open_columns for d in cols[0]}
    ids = fast._ctx.docs.document_id
    assert {ids[d] for d in on_arrays} == {"INV-2", "INV-3", "CM-4"}


# -- threads -------------------------------------------------------------------------------


def test_two_threads_give_the_same_result(workload) -> None:
    pure = run(workload, "python")
    with worker_thread():
        for threads in (1, 2, 3):
            assert_same(
                pure,
                match(
                    workload.table,
                    workload.docs,
                    policy=workload.policy,
                    rates=workload.rates,
                    engine="numpy",
                    threads=threads,
                ),
            )


@pytest.mark.parametrize(
    ("column", "code", "error"),
    [
        ("amount_type", 99, MissingAmountType),  # would index past the slot table
        ("amount_type", -1, MissingAmountType),
        ("settlement", 40, SettlementInputError),
        ("settlement", -1, SettlementInputError),  # bincount refuses it in the worker
        ("order_key", -5, SettlementInputError),
        ("refund_key", -3, SettlementInputError),
    ],
)
def test_the_worker_thread_reports_bad_codes_as_typed_errors(
    workload, column: str, code: int, error: type[Exception]
) -> None:
    values = np.array(getattr(workload.table, column), dtype=np.int64)
    values[len(values) // 2] = code
    table = attrs.evolve(workload.table, **{column: values})
    with worker_thread(), pytest.raises(error, match=f"column {column} holds {code}"):
        match(table, workload.docs, policy=workload.policy, engine="numpy", threads=2)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_wrong_guess_of_the_excluded_settlements_is_laid_out_again(
    workload, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    from retail_canon.settlement import _engine_np

    pure = run(workload, "python")
    monkeypatch.setattr(_engine_np, "excluded_settlements", lambda ctx, totals: set())
    with worker_thread():
        result = match(
            workload.table,
            workload.docs,
            policy=workload.policy,
            rates=workload.rates,
            engine="numpy",
            threads=threads,
        )
    assert result._ctx.excluded  # the workload has a settlement that does not add up
    assert_same(pure, result)


def test_the_worker_thread_hands_large_amounts_to_python() -> None:
    batch = big("9" * 15 + ".99")
    with worker_thread():
        result = match(batch.records(), batch.documents, policy=batch.policy(), threads=2)
    assert result._ctx.chunks == []


@pytest.mark.parametrize("threads", [0, -1, 1.5, True])
def test_threads_must_be_a_positive_whole_number(threads: object) -> None:
    with pytest.raises(SettlementInputError, match="threads"):
        match([], [], threads=threads)  # type: ignore[arg-type]


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_forked_child_gets_its_own_worker_thread(workload) -> None:
    import multiprocessing
    import warnings

    with worker_thread(), warnings.catch_warnings():
        # Python 3.12+ warns that forking a process with threads may deadlock: the
        # engine makes a new worker thread in the child, which is what this checks.
        warnings.simplefilter("ignore", DeprecationWarning)
        expected = run(workload, "numpy").settlements  # the parent's worker exists now
        context = multiprocessing.get_context("fork")
        with context.Pool(1) as pool:
            (child,) = pool.map(_match_summaries, [workload])
    assert child == expected


def _match_summaries(work):
    from retail_canon.settlement import _engine_np

    _engine_np.PARALLEL_LINES = 0
    return match(work.table, work.docs, policy=work.policy, rates=work.rates, threads=2).settlements
