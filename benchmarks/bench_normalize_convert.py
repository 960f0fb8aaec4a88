"""Case ``normalize/convert``: exact unit conversion against pint, measured in the same run.

Ours: one measure conversion, ``convert(Quantity(value=12, uom="LBR"), "KGM")``, and one
pack conversion, ``convert(Quantity(value=3, uom="XCS"), "EA", pack=hierarchy)`` with the
item's `PackHierarchy` built once. The baseline does the same two conversions with pint's
default registry, built once outside the timing (plus the ``case_of_12 = 12 * count``
definition a pint user needs for cases): ``Q_(12, "lb").to("kg")`` and
``Q_(3, "case_of_12").to("count")``. Each side builds its input quantities inside the loop.

This case joins the ``normalize`` bench of ``bench_normalize.py`` through its
``extra_cases`` list, so ``python benchmarks/run.py normalize`` runs it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import bench_normalize
from _harness import Record, calibrate, interleaved_best_rates, tier_value

# (repeats, seconds per loop), as for the other normalize cases.
SIZES: dict[str, tuple[int, float]] = {
    "XS": (1, 0.0),
    "S": (5, 0.05),
    "M": (7, 0.3),
    "L": (11, 1.0),
}
CONVERSIONS_PER_CALL = 2


def ours_and_baseline() -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The two timed functions; each returns its (kg, each) results for the self-check."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import pint

        ureg = pint.UnitRegistry()
        ureg.define("case_of_12 = 12 * count")
    q_ = ureg.Quantity

    from retail_canon.models import Quantity
    from retail_canon.normalize.uom import PackHierarchy, convert

    packs = PackHierarchy("EA", {"XCS": 12, "XPX": 960})

    def ours() -> tuple[Decimal, Decimal]:
        kg = convert(Quantity(value=12, uom="LBR"), "KGM")
        each = convert(Quantity(value=3, uom="XCS"), "EA", pack=packs)
        return kg.value, each.value

    def baseline() -> tuple[Any, Any]:
        kg = q_(12, "lb").to("kg")
        each = q_(3, "case_of_12").to("count")
        return kg.magnitude, each.magnitude

    return ours, baseline


def convert_case(tier: str) -> Iterator[Record]:
    """Records of the ``convert`` case for ``tier``."""
    repeats, seconds = tier_value(tier, SIZES)
    ours, baseline = ours_and_baseline()
    (kg, each), (pint_kg, pint_each) = ours(), baseline()
    if kg != Decimal("5.44310844") or each != 36 or abs(pint_kg - 5.44310844) > 1e-9:
        msg = f"normalize/convert: results differ: ours {kg}, {each}; pint {pint_kg}, {pint_each}"
        raise AssertionError(msg)
    iterations = calibrate(ours, seconds) if seconds else 3
    ours_rate, base_rate = interleaved_best_rates([ours, baseline], iterations, repeats)
    yield Record(
        bench="normalize",
        case="convert",
        metric="convert_per_s",
        value=ours_rate * CONVERSIONS_PER_CALL,
        unit="conversions/s",
        baseline=(
            "pint: default UnitRegistry() built once; Q_(12, 'lb').to('kg') and "
            f"Q_(3, 'case_of_12').to('count'); best of {repeats} x {iterations} calls"
        ),
        baseline_value=base_rate * CONVERSIONS_PER_CALL,
        better="higher",
        target=5.0,
    )


bench_normalize.extra_cases.append(convert_case)
