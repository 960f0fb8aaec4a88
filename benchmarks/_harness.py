"""Shared machinery of the benchmarks: records, registry, tiers, timing helpers, output.

A benchmark is a function ``run(tier) -> Iterable[Record]`` in a module
``benchmarks/bench_<name>.py``, registered with `register`. `run.py` discovers the modules,
runs the selected benchmarks and prints their records as a table or as JSON lines.

Every record compares one figure of ours with the same figure of a baseline measured in the
same run; ``ratio`` is always ours ÷ baseline.
"""

from __future__ import annotations

import gc
import importlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

__all__ = [
    "BENCHES",
    "HIDDEN_TIERS",
    "JSON_KEYS",
    "TIERS",
    "Bench",
    "Record",
    "calibrate",
    "child_env",
    "discover",
    "dump_json",
    "format_table",
    "interleaved_best_rates",
    "median",
    "register",
    "run_child",
    "tier_value",
]

TIERS = ("S", "M", "L")
"""Public tiers: S is a smoke run (well under a minute for all benches), M the scale point."""

HIDDEN_TIERS = ("XS",)
"""Tiers for the harness's own tests: a handful of iterations, figures not meaningful."""

JSON_KEYS = (
    "bench",
    "case",
    "metric",
    "value",
    "unit",
    "baseline",
    "baseline_value",
    "ratio",
)
"""The keys of a JSON record, in output order."""

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Record:
    """One figure of ours against the same figure of a baseline.

    ``better`` says which direction is good for the metric (``lower`` for times,
    ``higher`` for throughputs) and ``target`` the ratio we aim for in that direction.
    """

    bench: str
    case: str
    metric: str
    value: float
    unit: str
    baseline: str
    baseline_value: float
    better: Better
    target: float

    @property
    def ratio(self) -> float:
        """Ours ÷ baseline."""
        return self.value / self.baseline_value

    @property
    def meets_target(self) -> bool:
        """Whether the ratio is on the good side of the target."""
        if self.better == "lower":
            return self.ratio <= self.target
        return self.ratio >= self.target

    @property
    def target_text(self) -> str:
        """The target as shown to people, e.g. ``<= 1.30``."""
        sign = "<=" if self.better == "lower" else ">="
        return f"{sign} {self.target:.2f}"

    def to_json(self) -> dict[str, Any]:
        """The machine-readable form: exactly `JSON_KEYS`."""
        return {
            "bench": self.bench,
            "case": self.case,
            "metric": self.metric,
            "value": self.value,
            "unit": self.unit,
            "baseline": self.baseline,
            "baseline_value": self.baseline_value,
            "ratio": self.ratio,
        }


BenchFn = Callable[[str], Iterable[Record]]


@dataclass(frozen=True)
class Bench:
    """A registered benchmark."""

    name: str
    description: str
    fn: BenchFn


BENCHES: dict[str, Bench] = {}
"""Registered benchmarks by name, in registration order."""

F = TypeVar("F", bound=BenchFn)


def register(name: str, description: str) -> Callable[[F], F]:
    """Register ``fn(tier) -> Iterable[Record]`` as benchmark ``name``."""

    def decorate(fn: F) -> F:
        if name in BENCHES or name == "all":
            msg = f"benchmark name {name!r} is already taken"
            raise ValueError(msg)
        BENCHES[name] = Bench(name, description, fn)
        return fn

    return decorate


def discover(directory: Path | None = None) -> dict[str, Bench]:
    """Import every ``bench_*.py`` next to this file (or in ``directory``); return `BENCHES`.

    Bench modules import this module as ``_harness``, so its directory goes on ``sys.path``.
    """
    directory = (directory or Path(__file__).parent).resolve()
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
    sys.modules.setdefault("_harness", sys.modules[__name__])
    for path in sorted(directory.glob("bench_*.py")):
        importlib.import_module(path.stem)
    return BENCHES


def tier_value(tier: str, values: dict[str, Any]) -> Any:
    """The setting of ``tier`` in ``values`` (keys: every tier, hidden ones included)."""
    try:
        return values[tier]
    except KeyError:
        msg = f"unknown tier {tier!r}; expected one of {', '.join(TIERS + HIDDEN_TIERS)}"
        raise ValueError(msg) from None


# -- timing helpers -------------------------------------------------------------------------


def median(samples: Sequence[float]) -> float:
    """The median of ``samples``."""
    return float(statistics.median(samples))


def child_env() -> dict[str, str]:
    """The environment for measured child interpreters: bytecode caches allowed."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def run_child(script: str) -> float:
    """Run ``script`` in a fresh interpreter; return the float it prints on its last line."""
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=child_env(),
        check=False,
    )
    if proc.returncode != 0:
        msg = f"benchmark child failed (exit {proc.returncode}):\n{proc.stderr}"
        raise RuntimeError(msg)
    return float(proc.stdout.strip().splitlines()[-1])


def _time_loop(fn: Callable[[], object], iterations: int) -> float:
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


def calibrate(fn: Callable[[], object], seconds: float) -> int:
    """How many calls of ``fn`` take about ``seconds`` (at least one)."""
    iterations = 1
    while True:
        elapsed = _time_loop(fn, iterations)
        if elapsed >= 0.01 or iterations >= 1 << 24:
            break
        iterations *= 4
    return max(1, math.ceil(iterations * seconds / max(elapsed, 1e-9)))


def interleaved_best_rates(
    fns: Sequence[Callable[[], object]], iterations: int, repeats: int
) -> list[float]:
    """Calls per second of each of ``fns``: best of ``repeats`` loops of ``iterations`` calls.

    The loops alternate between the functions so that drift (thermal, other load) hits each
    of them alike; the garbage collector is off inside a loop, as in `timeit`.
    """
    best = [math.inf] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], _time_loop(fn, iterations))
    return [iterations / t for t in best]


# -- output ---------------------------------------------------------------------------------


def _figure(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_table(records: Sequence[Record]) -> str:
    """A table for people: ours, baseline, ratio and the ratio's target per record."""
    header = ("bench", "case", "metric", "ours", "baseline", "ratio", "target", "status")
    rows = [
        (
            r.bench,
            r.case,
            r.metric,
            f"{_figure(r.value)} {r.unit}",
            f"{_figure(r.baseline_value)} {r.unit}",
            f"{r.ratio:.2f}",
            f"{r.target_text} ({r.better} is better)",
            "ok" if r.meets_target else "MISSED",
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    right = {3, 4, 5}

    def line(row: Sequence[str]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(row) for row in rows]
    baselines = dict.fromkeys(f"{r.bench}/{r.case}: {r.baseline}" for r in records)
    if baselines:
        out += ["", "ratio = ours / baseline, both measured in this run. Baselines:"]
        out += [f"  {b}" for b in baselines]
    return "\n".join(out)


def dump_json(records: Iterable[Record]) -> str:
    """One JSON object per record and line."""
    return "".join(json.dumps(r.to_json()) + "\n" for r in records)
