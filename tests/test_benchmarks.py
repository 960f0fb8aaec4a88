"""The benchmark harness: record format, table, registry. Behaviour only, no timings."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "benchmarks"
JSON_KEYS = ["bench", "case", "metric", "value", "unit", "baseline", "baseline_value", "ratio"]


def _load(name: str) -> ModuleType:
    """A module of benchmarks/ (not a package): loaded by path, under its own name."""
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
def harness() -> ModuleType:
    return _load("_harness")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH_DIR / "run.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        # every benchmark at XS, one of them against a real Tryton server
        timeout=900,
    )


@pytest.fixture(scope="module")
def json_records() -> list[dict[str, object]]:
    # XS is a hidden tier for this test: a handful of iterations, figures meaningless.
    proc = _run("all", "--tier", "XS", "--json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines
    return [json.loads(line) for line in lines]


def test_json_lines_have_exactly_the_record_keys(json_records):
    for record in json_records:
        assert list(record) == JSON_KEYS


def test_json_records_cover_every_case(json_records):
    cases = {(r["bench"], r["case"], r["metric"], r["unit"]) for r in json_records}
    expected = {
        ("import", "retail_canon.models", "import_ms", "ms"),
        ("validate", "amounts_as_strings", "orders_per_s", "orders/s"),
        ("validate", "amounts_as_numbers", "orders_per_s", "orders/s"),
        ("normalize", "gtin", "gtin_per_s", "GTINs/s"),
        ("normalize", "convert", "convert_per_s", "conversions/s"),
        ("ratelimit", "configured", "achieved_over_allowed", "requests/s"),
        ("ratelimit", "configured", "429_after_warmup", "requests without 429"),
        ("ratelimit", "amazon_signals", "achieved_over_allowed", "requests/s"),
        ("ratelimit", "amazon_signals", "429_after_warmup", "requests without 429"),
        ("ratelimit", "walmart_signals", "achieved_over_allowed", "requests/s"),
        ("ratelimit", "walmart_signals", "429_after_warmup", "requests without 429"),
        ("ratelimit", "real_clock", "achieved_over_allowed", "requests/s"),
        ("ratelimit", "real_clock", "429_after_warmup", "requests without 429"),
        ("mapping", "sales_order", "records_per_s", "records/s"),
        ("xref", "cold", "refs_per_s", "refs/s"),
        ("xref", "warm", "refs_per_s", "refs/s"),
        ("amazon", "settlement_v2", "settlement_ns_per_line", "ns/line"),
        ("amazon", "settlement_v2", "peak_memory_kib", "KiB"),
        ("amazon", "backfill_v0", "achieved_over_allowed", "requests/s"),
        ("amazon", "backfill_2026", "achieved_over_allowed", "requests/s"),
        ("shopify", "backfill", "achieved_over_allowed", "points/s"),
        ("walmart", "backfill", "achieved_over_allowed", "requests/s"),
        ("erp", "sequential", "seconds", "s"),
        ("erp", "sequential", "orders_per_s", "orders/s"),
        ("erp", "concurrent_4", "seconds", "s"),
        ("erp", "concurrent_4", "orders_per_s", "orders/s"),
    }
    assert cases == expected | _sourcing_cases() | _settlement_cases() | _ats_cases()


def _ats_cases() -> set[tuple[str, str, str, str]]:
    cases = {
        ("ats", "full_python", "recompute_s", "s"),
        ("ats", "incremental", "event_p50_us", "us"),
        ("ats", "incremental", "event_p99_us", "us"),
        ("ats", "incremental_python", "event_p50_us", "us"),
        ("ats", "incremental_flat", "event_p50_us", "us"),
    }
    reasons = ("missed_event", "duplicate_event", "out_of_order", "unexplained_shrink")
    for reason in (*reasons, "snapshot_lag"):
        cases.add(("ats", f"drift_{reason}", "precision_pct", "%"))
        cases.add(("ats", f"drift_{reason}", "recall_pct", "%"))
    # The numpy path is measured against polars: both in the bench extra.
    if all(importlib.util.find_spec(name) for name in ("numpy", "polars")):
        cases.add(("ats", "full_numpy", "recompute_s", "s"))
    return cases


def _settlement_cases() -> set[tuple[str, str, str, str]]:
    # The settlement bench needs numpy and DuckDB (both in the bench extra).
    if any(importlib.util.find_spec(name) is None for name in ("numpy", "duckdb")):
        return set()
    cases = {
        ("settlement", "S1", "match_s", "s"),
        ("settlement", "S1_pure_python", "match_s", "s"),
        ("settlement", "nested_loop_10k", "match_s", "s"),
        ("settlement", "growth", "time_growth", "x"),
        ("settlement", "tenth", "ns_per_line", "ns/line"),
        ("settlement", "full", "ns_per_line", "ns/line"),
    }
    reasons = (
        "ACCOUNT_FEE", "CHARGEBACK", "DUPLICATE", "FEE_DRIFT", "FX_DIFFERENCE",
        "PARTIAL_SETTLEMENT", "PAYOUT_INTEGRITY", "REFUND_MISSING_IN_ERP", "REFUND_NOT_SETTLED",
        "REIMBURSEMENT", "RESERVE_HOLD", "RESERVE_RELEASE", "ROUNDING", "TAX_WITHHELD",
        "TIMING", "UNMATCHED",
    )  # fmt: skip
    for reason in reasons:
        cases.add(("settlement", reason, "precision_pct", "%"))
        cases.add(("settlement", reason, "recall_pct", "%"))
    return cases


def _sourcing_cases() -> set[tuple[str, str, str, str]]:
    # The sourcing bench needs numpy, its optimality records HiGHS (both in the bench extra).
    if importlib.util.find_spec("numpy") is None:
        return set()
    cases = {
        ("sourcing", "route", "ms_per_order", "ms"),
        ("sourcing", "route_vs_greedy", "ms_per_order", "ms"),
    }
    for name in ("first_eligible", "priority_greedy", "highest_stock", "nearest_first"):
        cases.add(("sourcing", f"vs_{name}", "cost_per_unit", "cost/unit"))
        cases.add(("sourcing", f"vs_{name}", "packages_per_order", "packages/order"))
        cases.add(("sourcing", f"vs_{name}", "fill_rate_pct", "% of units"))
    if importlib.util.find_spec("highspy") is not None:
        for metric in ("gap_mean_pct", "gap_p99_pct", "gap_max_pct"):
            cases.add(("sourcing", "optimality", metric, "% of optimal cost"))
        cases.add(("sourcing", "optimality", "share_optimal_pct", "% of orders"))
        cases.add(("sourcing", "optimality", "packages", "packages"))
    return cases


def test_json_ratio_is_ours_over_baseline(json_records):
    for record in json_records:
        value, baseline_value = record["value"], record["baseline_value"]
        assert isinstance(value, float)
        assert isinstance(baseline_value, float)
        assert math.isfinite(value)
        assert value > 0
        assert math.isfinite(baseline_value)
        assert baseline_value > 0
        assert isinstance(record["baseline"], str)
        assert record["baseline"]
        assert record["ratio"] == pytest.approx(value / baseline_value, rel=1e-12)


def test_unknown_benchmark_is_refused():
    proc = _run("no-such-bench", "--json")
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


def test_record_json_and_table(harness):
    slow = harness.Record(
        bench="b",
        case="c",
        metric="t_ms",
        value=3.0,
        unit="ms",
        baseline="bare",
        baseline_value=2.0,
        better="lower",
        target=1.3,
    )
    fast = harness.Record(
        bench="b",
        case="d",
        metric="ops",
        value=900.0,
        unit="ops/s",
        baseline="bare",
        baseline_value=1000.0,
        better="higher",
        target=0.8,
    )
    assert list(slow.to_json()) == JSON_KEYS
    assert slow.to_json()["ratio"] == 1.5
    assert not slow.meets_target
    assert fast.meets_target
    lines = [json.loads(line) for line in harness.dump_json([slow, fast]).splitlines()]
    assert [line["case"] for line in lines] == ["c", "d"]
    table = harness.format_table([slow, fast])
    assert "<= 1.30 (lower is better)" in table
    assert ">= 0.80 (higher is better)" in table
    assert "MISSED" in table
    assert "1.50" in table
    assert "0.90" in table


def test_registry_refuses_taken_names(harness):
    @harness.register("test-only-bench", "registered by the tests")
    def bench(tier):
        return []

    assert harness.BENCHES["test-only-bench"].fn is bench
    try:
        with pytest.raises(ValueError, match="already taken"):
            harness.register("test-only-bench", "again")(bench)
        with pytest.raises(ValueError, match="already taken"):
            harness.register("all", "reserved")(bench)
    finally:
        del harness.BENCHES["test-only-bench"]


def test_unknown_tier_is_refused(harness):
    with pytest.raises(ValueError, match="unknown tier"):
        harness.tier_value("XXL", {"S": 1})


def test_bare_models_mirror_field_counts(harness):
    bench_import = _load("bench_import")
    source = bench_import.bare_models_source([0, 3])
    namespace: dict[str, object] = {}
    exec(source, namespace)
    assert namespace["M0"].model_fields == {}
    assert list(namespace["M1"].model_fields) == ["f0", "f1", "f2"]
    counts = bench_import.model_field_counts()
    assert len(counts) > 10
    assert max(counts) > 10
