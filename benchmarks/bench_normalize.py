"""Bench ``normalize``: GTIN validation against python-stdnum, unit conversion against pint.

``gtin``: `retail_canon.normalize.identifiers.gtin.validate` over a batch of valid GTIN-8/12/
13/14 strings (some with spaces) against ``stdnum.ean.validate`` on the same batch (stdnum is
in the ``bench`` and ``dev`` extras). Cases from other modules (unit conversion) join this
bench through ``extra_cases``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from _harness import Record, calibrate, interleaved_best_rates, register, tier_value

SIZES: dict[str, tuple[int, float]] = {
    "XS": (1, 0.0),
    "S": (5, 0.05),
    "M": (7, 0.3),
    "L": (11, 1.0),
}
BATCH = 1000

extra_cases: list[Callable[[str], Iterator[Record]]] = []
"""Other ``normalize`` cases (``fn(tier) -> records``), registered by their modules."""


def sample_gtins(count: int = BATCH, seed: int = 20261127) -> list[str]:
    """Valid GTINs of every length, a quarter of them written with spaces."""
    from retail_canon.normalize.identifiers import gtin

    rng = random.Random(seed)
    values = []
    for i in range(count):
        length = (8, 12, 13, 13, 14)[i % 5]
        data = "".join(rng.choice("0123456789") for _ in range(length - 1))
        value = data + gtin.calc_check_digit(data)
        values.append(gtin.format(value) if i % 4 == 0 else value)
    return values


def _gtin_case(tier: str) -> Iterator[Record]:
    from stdnum import ean

    from retail_canon.normalize.identifiers import gtin

    repeats, seconds = tier_value(tier, SIZES)
    values = sample_gtins()
    ours_results = [gtin.validate(v) for v in values]
    if ours_results != [ean.validate(v) for v in values]:  # pragma: no cover - self-check
        msg = "normalize/gtin: retail_canon and stdnum disagree on the sample"
        raise AssertionError(msg)

    def ours() -> None:
        validate = gtin.validate
        for value in values:
            validate(value)

    def baseline() -> None:
        validate = ean.validate
        for value in values:
            validate(value)

    iterations = calibrate(ours, seconds) if seconds else 1
    ours_rate, base_rate = interleaved_best_rates([ours, baseline], iterations, repeats)
    yield Record(
        bench="normalize",
        case="gtin",
        metric="gtin_per_s",
        value=ours_rate * len(values),
        unit="GTINs/s",
        baseline=f"stdnum: stdnum.ean.validate on the same {len(values)} GTINs",
        baseline_value=base_rate * len(values),
        better="higher",
        target=1.0,
    )


@register("normalize", "GTIN validation vs python-stdnum; unit conversion vs pint")
def run(tier: str) -> Iterator[Record]:
    yield from _gtin_case(tier)
    for case in extra_cases:
        yield from case(tier)
