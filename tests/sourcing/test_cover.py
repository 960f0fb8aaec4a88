"""The branch and bound's helpers against their plain definitions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from retail_canon.sourcing._cover import cheapest

_NODES = st.lists(st.integers(0, 30), unique=True, max_size=12)
_COSTS = st.dictionaries(st.integers(0, 30), st.integers(0, 5), min_size=31)


@given(_NODES, _COSTS, _COSTS, st.integers(1, 4), st.integers(0, 3))
def test_cheapest_keeps_the_first_two_under_any_tie_key(
    nodes: list[int], fixed: dict[int, int], unit: dict[int, int], units: int, salt: int
) -> None:
    def tie(n: int) -> tuple[float, ...]:
        return ((n * 7 + salt) % 5, n)

    full = sorted((fixed[n] + units * unit[n], tie(n), n) for n in nodes)[:2]
    kept = cheapest(nodes, fixed, unit, units)
    assert sorted((c, tie(n), n) for c, n in kept)[:2] == full
    assert {n for _, n in kept} <= set(nodes)


def test_cheapest_keeps_every_node_tied_with_the_second() -> None:
    fixed = {0: 5, 1: 1, 2: 1, 3: 1, 4: 9}
    unit = dict.fromkeys(fixed, 0)
    assert cheapest([0, 1, 2, 3, 4], fixed, unit, 1) == [(1, 1), (1, 2), (1, 3)]
