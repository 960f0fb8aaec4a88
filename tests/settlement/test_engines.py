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
from retail_canon.settlement import MatchPolicy, Tolerance, match
from settlement.builders import STYLES, Batch, assert_same

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
