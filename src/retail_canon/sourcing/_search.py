"""The optimiser of one rule step: which nodes ship how many units of which item.

Items are the order's distinct SKUs with their open demand; each has candidate nodes with
usable units. Plans are compared lexicographically: more units filled, then fewer new
packages and lower cost (in the policy's order), then a deterministic tie key.

- `solve_single`: one node ships everything it can (no split, or a single-node rule).
- `solve_cover`: any number of nodes. If the nodes in use plus one more can cover the
  demand, comparing every such node settles it (packages first). Otherwise a greedy cover
  gives the first incumbent; a
  depth-first branch and bound over candidate node sets (branch on the uncovered item with
  the fewest candidates: take a node, or exclude it for the siblings) proves it optimal or
  improves it. A step budget bounds the search; ``exact`` says whether it finished.

Costs are integers (micro-units), so ties are exact and results do not depend on the
platform's floating point.
"""

from __future__ import annotations

from retail_canon.sourcing._cover import Cover, cheapest
from retail_canon.sourcing._search_types import EMPTY, Alloc, Problem, Solution

__all__ = ["Problem", "Solution", "solve_cover", "solve_single"]


def solve_single(problem: Problem, *, packages_first: bool, complete: bool) -> Solution:
    """The best single node: most units, then packages/cost, then tie key.

    With ``complete`` only a node that ships the whole demand qualifies.

    >>> p = Problem([2], {0: {0: 1}, 1: {0: 5}}, {0: 6, 1: 9}, {0: 1, 1: 1}, frozenset(),
    ...             lambda n: (n,))
    >>> s = solve_single(p, packages_first=True, complete=False)
    >>> s.alloc, s.fill, s.cost
    ([(0, 1, 2)], 2, 11)
    """
    demand, total = problem.demand, sum(problem.demand)
    ranked: list[tuple[tuple[int, int, int], int, Alloc]] = []
    for node, holds in problem.hold.items():
        alloc = [(i, node, min(d, holds.get(i, 0))) for i, d in enumerate(demand)]
        alloc = [a for a in alloc if a[2] > 0]
        fill = sum(a[2] for a in alloc)
        if fill == 0 or (complete and fill < total):
            continue
        new = 0 if node in problem.open else 1
        cost = new * problem.fixed[node] + fill * problem.unit[node]
        key = (-fill, new, cost) if packages_first else (-fill, cost, new)
        ranked.append((key, node, alloc))
    if not ranked:
        return EMPTY
    ranked.sort(key=lambda r: (r[0], problem.tie(r[1])))
    key, node, alloc = ranked[0]
    runner_up = None
    if len(ranked) > 1:
        other_key, other, _ = ranked[1]
        fill, new, cost = _unkey(other_key, packages_first)
        runner_up = ((other,), fill, new, cost)
    fill, new, cost = _unkey(key, packages_first)
    return Solution(alloc, fill, new, cost, exact=True, runner_up=runner_up, steps=len(ranked))


def _unkey(key: tuple[int, int, int], packages_first: bool) -> tuple[int, int, int]:
    if packages_first:
        return -key[0], key[1], key[2]
    return -key[0], key[2], key[1]


def solve_cover(
    problem: Problem, *, packages_first: bool, budget: int, greedy_only: bool = False
) -> Solution:
    """Ship as many units as the candidates hold, with the best set of nodes.

    >>> # Two items; node 0 holds both but is far, nodes 1 and 2 each hold one nearby.
    >>> p = Problem([1, 1], {0: {0: 1, 1: 1}, 1: {0: 1}, 2: {1: 1}},
    ...             {0: 6, 1: 6, 2: 6}, {0: 5, 1: 1, 2: 1}, frozenset(), lambda n: (n,))
    >>> s = solve_cover(p, packages_first=True, budget=100)
    >>> sorted(s.alloc), s.packages, s.cost, s.exact
    ([(0, 0, 1), (1, 0, 1)], 1, 16, True)
    >>> s = solve_cover(p, packages_first=False, budget=100)
    >>> sorted(s.alloc), s.packages, s.cost
    ([(0, 1, 1), (1, 2, 1)], 2, 14)
    """
    found = None
    if packages_first and not greedy_only and not problem.open and len(problem.demand) == 1:
        found = _one_item(problem)
    if found is None:
        found = Cover(problem, packages_first, budget).run(greedy_only)
    if found.runner_up is None and found.alloc:
        found.runner_up = _alternative(problem, {n for _, n, _ in found.alloc}, packages_first)
    return found


def _alternative(
    problem: Problem, chosen: set[int], packages_first: bool
) -> tuple[tuple[int, ...], int, int, int] | None:
    """For the trace: the greedy plan without the chosen nodes, if the others ship anything."""
    hold = {n: holds for n, holds in problem.hold.items() if n not in chosen}
    if not hold:
        return None
    rest = Problem(problem.demand, hold, problem.fixed, problem.unit, problem.open, problem.tie)
    search = Cover(rest, packages_first, 0)
    search.evaluate(search.greedy())
    best = search.best
    if best is None:  # pragma: no cover - a greedy cover always covers its own targets
        return None
    return best.nodes, sum(search.target), best.packages, best.cost


def _one_item(problem: Problem) -> Solution | None:
    """One SKU, nothing open: the cheapest node holding all of it, if any node does."""
    want = problem.demand[0]
    hold, fixed, unit, tie = problem.hold, problem.fixed, problem.unit, problem.tie
    if problem.supply is not None:
        want = min(want, problem.supply[0])
    covers = [n for n, holds in hold.items() if holds[0] >= want]
    ranked = sorted((cost, tie(n), n) for cost, n in cheapest(covers, fixed, unit, want))
    if not ranked:
        return None
    cost, _, node = ranked[0]
    runner_up = None
    if len(ranked) > 1:
        other_cost, _, other = ranked[1]
        runner_up = ((other,), want, 1, other_cost)
    return Solution([(0, node, want)], want, 1, cost, exact=True, runner_up=runner_up, steps=1)
