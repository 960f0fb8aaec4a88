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
        timeout=120,
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
    assert cases == {
        ("import", "retail_canon.models", "import_ms", "ms"),
        ("validate", "amounts_as_strings", "orders_per_s", "orders/s"),
        ("validate", "amounts_as_numbers", "orders_per_s", "orders/s"),
        ("normalize", "gtin", "gtin_per_s", "GTINs/s"),
        ("normalize", "convert", "convert_per_s", "conversions/s"),
    }


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
