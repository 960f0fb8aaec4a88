"""The branch and bound's helpers against their plain definitions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from retail_canon.sourcing._cover import Cover, cheapest
from retail_canon.sourcing._route import _one_node
from retail_canon.sourcing._search import Problem, solve_cover

_NODES = st.lists(st.integers(0, 30), unique=True, max_size=12)
_COSTS = st.dictionaries(st.integers(0, 30), st.integers(0, 5), min_size=31)
_UNITS = st.lists(st.integers(0, 3), min_size=100, max_size=100)


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


# -- the search's shortcuts give the search's own answer ------------------------------------

_ITEMS = st.lists(
    st.dictionaries(st.integers(0, 7), st.integers(1, 4), max_size=8), min_size=2, max_size=4
)


def _problem(per_item: list[dict[int, int]], demand: list[int], unit_of: list[int]) -> Problem:
    hold: dict[int, dict[int, int]] = {}
    for item, cands in enumerate(per_item):
        for n, usable in cands.items():
            hold.setdefault(n, {})[item] = usable
    fixed = {n: 6 + n % 3 for n in hold}
    unit = {n: unit_of[n] for n in hold}
    supply = [sum(cands.values()) for cands in per_item]
    return Problem(demand, hold, fixed, unit, frozenset(), None, supply)


@given(_ITEMS, st.lists(st.integers(1, 5), min_size=4, max_size=4), _UNITS)
def test_one_node_agrees_with_solve_cover(
    per_item: list[dict[int, int]], demand: list[int], unit_of: list[int]
) -> None:
    demand = demand[: len(per_item)]
    problem = _problem(per_item, demand, unit_of)
    found = [
        [(n, usable, problem.unit[n], None, problem.fixed[n]) for n, usable in cands.items()]
        for cands in per_item
    ]
    assert problem.supply is not None
    quick = _one_node(demand, problem.supply, found)
    full = solve_cover(problem, packages_first=True, budget=20_000)
    if quick is None:
        return
    assert (quick.alloc, quick.fill, quick.packages, quick.cost) == (
        full.alloc,
        full.fill,
        full.packages,
        full.cost,
    )
    assert (quick.exact, quick.runner_up, quick.steps) == (full.exact, full.runner_up, full.steps)


@given(_ITEMS, st.lists(st.integers(1, 5), min_size=4, max_size=4), _UNITS, st.data())
def test_evaluate_prices_a_pair_like_any_cover(
    per_item: list[dict[int, int]], demand: list[int], unit_of: list[int], data: st.DataObject
) -> None:
    demand = demand[: len(per_item)]
    problem = _problem(per_item, demand, unit_of)
    nodes = sorted(problem.hold)
    if len(nodes) < 2:
        return
    pair = data.draw(st.lists(st.sampled_from(nodes), min_size=2, max_size=2, unique=True))
    # The pair, and the same pair with a node that holds nothing (the general path).
    fast = Cover(problem, True, 0)
    fast.evaluate(pair)
    problem.hold[99] = {}
    problem.fixed[99], problem.unit[99] = 0, 0
    slow = Cover(problem, True, 0)
    slow.evaluate([*pair, 99])
    for a, b in ((fast.best, slow.best), (fast.runner, slow.runner)):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert (a.key, a.nodes, a.alloc, a.packages, a.cost) == (
                b.key,
                b.nodes,
                b.alloc,
                b.packages,
                b.cost,
            )
