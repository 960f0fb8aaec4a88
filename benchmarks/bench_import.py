"""Bench ``import``: cold ``import retail_canon.models`` against bare pydantic models.

Each sample is a fresh interpreter that times only the import statement (start-up is
excluded). The baseline child times ``from pydantic import BaseModel`` plus the definition of
as many bare models as retail_canon.models defines, with the same field counts (all ``str``).
Samples of ours and of the baseline alternate; one unmeasured run of each warms the caches.
"""

from __future__ import annotations

from collections.abc import Iterator

from _harness import Record, median, register, run_child, tier_value

SAMPLES = {"XS": 1, "S": 7, "M": 15, "L": 31}

_OURS = """\
import time
_t0 = time.perf_counter()
import retail_canon.models
_t1 = time.perf_counter()
print(repr((_t1 - _t0) * 1000.0))
"""

# The generated source is compiled before the clock starts, as ours comes from .pyc files.
_BASELINE = """\
import time
_code = compile({source!r}, "<bare_models>", "exec")
_t0 = time.perf_counter()
exec(_code, {{"__name__": "bare_models"}})
_t1 = time.perf_counter()
print(repr((_t1 - _t0) * 1000.0))
"""


def model_field_counts() -> list[int]:
    """Field counts of every pydantic model class defined in retail_canon.models."""
    import pydantic

    import retail_canon.models  # noqa: F401  (defines the classes counted below)

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found = {
        cls
        for cls in subclasses(pydantic.BaseModel)
        if cls.__module__.split(".")[:2] == ["retail_canon", "models"]
    }
    return sorted(len(cls.model_fields) for cls in found)  # type: ignore[attr-defined]


def bare_models_source(field_counts: list[int]) -> str:
    """Source of bare pydantic models ``M0, M1, ...`` with the given field counts."""
    out = ["from pydantic import BaseModel", ""]
    for i, count in enumerate(field_counts):
        out.append(f"class M{i}(BaseModel):")
        out += [f"    f{j}: str" for j in range(count)] or ["    pass"]
    return "\n".join(out) + "\n"


@register("import", "cold `import retail_canon.models` vs bare pydantic models")
def run(tier: str) -> Iterator[Record]:
    samples = tier_value(tier, SAMPLES)
    counts = model_field_counts()
    baseline_script = _BASELINE.format(source=bare_models_source(counts))
    run_child(_OURS)  # warm-up: writes and loads .pyc caches
    run_child(baseline_script)
    ours: list[float] = []
    base: list[float] = []
    for _ in range(samples):
        ours.append(run_child(_OURS))
        base.append(run_child(baseline_script))
    yield Record(
        bench="import",
        case="retail_canon.models",
        metric="import_ms",
        value=median(ours),
        unit="ms",
        baseline=(
            f"from pydantic import BaseModel + {len(counts)} bare models "
            f"({sum(counts)} str fields), median of {samples} fresh interpreters"
        ),
        baseline_value=median(base),
        better="lower",
        target=1.3,
    )
