"""Against an exact integer program (HiGHS): the benchmark's reference, on a small workload."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("highspy")
pytest.importorskip("numpy")

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    _load("_harness")
    return _load("bench_sourcing")


@pytest.fixture(scope="module")
def routed(bench):
    w = bench.generate(bench.TIERS["XS"])
    plans, _ = bench.route_ours(w)
    return bench, w, plans


def test_every_sampled_order_matches_the_integer_program(routed):
    bench, w, plans = routed
    sample = set(bench.stratified(w, 60))
    _, seen = bench.replay(w, plans, sample)
    quality = bench.optimality(w, plans, seen)
    assert quality["count"] == len(sample) > 20
    assert quality["share_optimal"] == 100.0
    assert quality["max"] == 0.0
    assert quality["packages"] == quality["best_packages"]


def test_the_integer_program_finds_the_optimum_of_a_known_case(bench):
    # Two items; node 0 holds both far away, nodes 1 and 2 one each nearby (§2.4 style).
    exact = bench.Exact()
    demand = [1, 1]
    holds = {0: {0: 1, 1: 1}, 1: {0: 1}, 2: {1: 1}}
    costs = {0: (6_000_000, 2_500_000), 1: (6_000_000, 500_000), 2: (6_000_000, 500_000)}
    assert exact.solve(demand, holds, costs) == (2, 1, 11_000_000)
    # Without node 0 it needs two packages.
    del holds[0]
    assert exact.solve(demand, holds, costs) == (2, 2, 13_000_000)


def test_replay_catches_a_plan_that_oversells(routed):
    import attrs

    bench, w, plans = routed
    victim = next(p for p in plans if p.allocations)
    a = victim.allocations[0]
    inflated = attrs.evolve(victim, allocations=(attrs.evolve(a, quantity=a.quantity + 10_000),))
    broken = [inflated if p is victim else p for p in plans]
    with pytest.raises(AssertionError, match="constraint violations"):
        bench.replay(w, broken, set())


def test_workload_is_deterministic(bench):
    one, two = bench.generate(bench.TIERS["XS"]), bench.generate(bench.TIERS["XS"])
    assert one.raw_stock == two.raw_stock
    assert one.days == two.days
