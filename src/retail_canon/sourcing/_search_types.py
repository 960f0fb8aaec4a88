"""The input and output of the per-step optimiser."""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["EMPTY", "Alloc", "Problem", "Solution", "by_index", "tie_key"]

Alloc = list[tuple[int, int, int]]
"""(item, node, units) triples."""


class Problem:
    """One rule step: demand per item, candidates, costs and the nodes already in use."""

    __slots__ = ("demand", "fixed", "hold", "open", "supply", "tie", "unit")

    def __init__(
        self,
        demand: list[int],
        hold: dict[int, dict[int, int]],
        fixed: dict[int, int],
        unit: dict[int, int],
        open_nodes: frozenset[int],
        tie: Callable[[int], tuple[float, ...]] | None,
        supply: list[int] | None = None,
    ) -> None:
        self.demand = demand
        self.hold = hold
        """Usable units per candidate node and item."""
        self.fixed = fixed
        self.unit = unit
        self.open = open_nodes
        self.tie = tie or by_index
        """Tie key of a node: the rule's sorts, then the node index."""
        self.supply = supply
        """Usable units per item over all candidates, if the caller summed them."""


class Solution:
    """The chosen allocation, its objective, and the best alternative the search saw."""

    __slots__ = ("alloc", "cost", "exact", "fill", "packages", "runner_up", "steps")

    def __init__(
        self,
        alloc: Alloc,
        fill: int,
        packages: int,
        cost: int,
        *,
        exact: bool,
        runner_up: tuple[tuple[int, ...], int, int, int] | None,
        steps: int,
    ) -> None:
        self.alloc = alloc
        self.fill = fill
        self.packages = packages
        self.cost = cost
        self.exact = exact
        self.runner_up = runner_up
        self.steps = steps


def by_index(node: int) -> tuple[float, ...]:
    return (node,)


EMPTY = Solution([], 0, 0, 0, exact=True, runner_up=None, steps=0)


def tie_key(problem: Problem, nodes: Sequence[int]) -> tuple[tuple[float, ...], ...]:
    tie = problem.tie
    return tuple(sorted(tie(n) for n in nodes))
