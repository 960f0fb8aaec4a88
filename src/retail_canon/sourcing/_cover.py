"""Branch and bound over candidate node sets for one rule step (see `_search`)."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from itertools import compress

from retail_canon.sourcing._search_types import Alloc, Problem, Solution, tie_key

__all__ = ["Cover", "cheapest"]


class _Entry:
    __slots__ = ("alloc", "cost", "key", "nodes", "packages")

    def __init__(
        self, key: tuple[int, int], nodes: tuple[int, ...], alloc: Alloc, packages: int, cost: int
    ) -> None:
        self.key = key
        self.nodes = nodes
        self.alloc = alloc
        self.packages = packages
        self.cost = cost


class Cover:
    __slots__ = (
        "best",
        "budget",
        "cmin",
        "exhausted",
        "floor",
        "fmin_of",
        "mask_of",
        "nodes_of",
        "p",
        "packages_first",
        "runner",
        "seen",
        "steps",
        "target",
    )

    def __init__(self, problem: Problem, packages_first: bool, budget: int) -> None:
        self.p = problem
        self.packages_first = packages_first
        self.budget = budget
        total = problem.supply
        if total is None:
            total = [0] * len(problem.demand)
            for holds in problem.hold.values():
                for item, units in holds.items():
                    total[item] += units
        self.target = [d if d < t else t for d, t in zip(problem.demand, total, strict=True)]
        self.nodes_of: list[list[int]] = []
        self.cmin: list[int] = []
        self.floor = 0
        self.fmin_of: list[int] = []
        self.mask_of: list[int] = []
        self.best: _Entry | None = None
        self.runner: _Entry | None = None
        self.seen: set[tuple[int, ...]] = set()
        self.steps = 0
        self.exhausted = False

    def evaluate(self, nodes: Sequence[int]) -> None:
        """Offer the cover ``nodes`` ship (each item from its cheapest nodes), if they cover.

        Most covers the search meets lose to the runner-up, so their cost is worked out
        first and the allocation only for a cover that is offered.
        """
        p = self.p
        hold, unit = p.hold, p.unit
        cost = 0
        if len(nodes) == 2:  # the common case: the search's leaves are mostly pairs
            a, b = nodes
            ua, ub = unit[a], unit[b]
            if ub < ua or (ub == ua and b < a):
                a, b, ua, ub = b, a, ub, ua
            ha, hb = hold[a], hold[b]
            from_a = from_b = False
            for item, need in enumerate(self.target):
                if need:
                    have = ha.get(item)
                    if have:
                        from_a = True
                        if have >= need:
                            cost += need * ua
                            continue
                        cost += have * ua
                        need -= have
                    have = hb.get(item)
                    if not have or have < need:
                        return
                    cost += need * ub
                    from_b = True
            if from_a:
                used: Sequence[int] = ((a, b) if a < b else (b, a)) if from_b else (a,)
            else:
                used = (b,) if from_b else ()
        else:
            used_set: set[int] = set()
            ordered = sorted([(unit[n], n, hold[n]) for n in nodes])
            for item, need in enumerate(self.target):
                if need == 0:
                    continue
                for price, node, holds in ordered:
                    have = holds.get(item)
                    if not have:
                        continue
                    used_set.add(node)
                    if need <= have:
                        cost += need * price
                        need = 0
                        break
                    cost += have * price
                    need -= have
                if need:
                    return
            used = tuple(sorted(used_set))
        packages = 0
        open_nodes, fixed = p.open, p.fixed
        for n in used:
            if n not in open_nodes:
                packages += 1
                cost += fixed[n]
        chosen = tuple(used)
        seen = self.seen
        if chosen in seen:
            return
        seen.add(chosen)
        key = (packages, cost) if self.packages_first else (cost, packages)
        runner = self.runner
        if runner is not None and key > runner.key:
            return  # worse than the runner-up (so than the best): `_offer` would keep neither
        self._offer(_Entry(key, chosen, self._alloc(chosen), packages, cost))

    def _alloc(self, nodes: tuple[int, ...]) -> Alloc:
        """The (item, node, units) of the cover ``nodes``, as `evaluate` worked it out."""
        hold, unit = self.p.hold, self.p.unit
        alloc: Alloc = []
        ordered = sorted([(unit[n], n, hold[n]) for n in nodes])
        for item, need in enumerate(self.target):
            if need == 0:
                continue
            for _, node, holds in ordered:
                have = holds.get(item)
                if not have:
                    continue
                units = need if need < have else have
                alloc.append((item, node, units))
                need -= units
                if need == 0:
                    break
        return alloc

    def _offer(self, entry: _Entry) -> None:
        best = self.best
        if best is None or self._better(entry, best):
            self.runner, self.best = best, entry
        elif self.runner is None or self._better(entry, self.runner):
            self.runner = entry

    def _better(self, a: _Entry, b: _Entry) -> bool:
        if a.key != b.key:
            return a.key < b.key
        new_a = [n for n in a.nodes if n not in self.p.open]
        new_b = [n for n in b.nodes if n not in self.p.open]
        return tie_key(self.p, new_a) < tie_key(self.p, new_b)

    def greedy(self) -> list[int]:
        p = self.p
        hold, unit, fixed = p.hold, p.unit, p.fixed
        chosen = [n for n in sorted(p.open) if n in hold]
        taken = set(chosen)
        residual = list(self.target)
        for node in chosen:
            for item, units in hold[node].items():
                residual[item] = max(0, residual[item] - units)
        order = sorted(hold)
        while any(residual):
            # Most units covered, then least cost added, then node index (``order``).
            node, most, least = -1, 0, 0
            for n in order:
                if n in taken:
                    continue
                covered = 0
                for i, u in hold[n].items():
                    r = residual[i]
                    covered += r if r < u else u
                if covered == 0 or covered < most:
                    continue
                added = fixed[n] + covered * unit[n]
                if covered > most or added < least:
                    node, most, least = n, covered, added
            if node < 0:  # pragma: no cover - targets never exceed what candidates hold
                break
            chosen.append(node)
            taken.add(node)
            for item, units in hold[node].items():
                residual[item] = max(0, residual[item] - units)
        return chosen

    def singles(self) -> bool:
        """Settle the search if the open nodes plus at most one new node can cover.

        With packages first, such a cover is optimal: compare every one of them.
        """
        p = self.p
        hold = p.hold
        base = [n for n in sorted(p.open) if n in hold]
        residual = list(self.target)
        for node in base:
            for item, units in hold[node].items():
                residual[item] = max(0, residual[item] - units)
        if not any(residual):
            self.evaluate(base)
            return True
        need = [(i, r) for i, r in enumerate(residual) if r]
        if len(need) == 1:
            item, r = need[0]
            covers = [n for n, holds in hold.items() if holds.get(item, 0) >= r]
        else:
            covers = []
            items = len(need)
            for n, holds in hold.items():
                if len(holds) < items:
                    continue  # holds fewer items than are open
                for i, r in need:
                    if holds.get(i, 0) < r:
                        break
                else:
                    covers.append(n)
        if p.open:
            covers = [n for n in covers if n not in p.open]
        if not covers:
            return False
        if base:
            for node in covers:
                self.evaluate([*base, node])
            return True
        # One node ships everything: cost is its fixed cost plus all units at its rate.
        units = sum(self.target)
        fixed, unit = p.fixed, p.unit
        tie = p.tie
        ranked = sorted((cost, tie(n), n) for cost, n in cheapest(covers, fixed, unit, units))[:2]
        entries = []
        for cost, _, node in ranked:
            alloc = [(i, node, t) for i, t in enumerate(self.target) if t]
            entries.append(_Entry((1, cost), (node,), alloc, 1, cost))
        self.best = entries[0]
        self.runner = entries[1] if len(entries) > 1 else None
        return True

    def run(self, greedy_only: bool) -> Solution:
        if self.packages_first and not greedy_only and self.singles():
            return self._solution(exact=True)
        start = self.greedy()
        self.evaluate(start)
        # The incumbent without redundant nodes (evaluate drops nodes it did not use).
        if not greedy_only:
            base = [n for n in sorted(self.p.open) if n in self.p.hold]
            residual = list(self.target)
            for node in base:
                for item, units in self.p.hold[node].items():
                    residual[item] = max(0, residual[item] - units)
            self._prepare()
            self.dfs(base, sum(1 << n for n in base), residual, 0, 0, 0)
        return self._solution(exact=not greedy_only and not self.exhausted)

    def _solution(self, *, exact: bool) -> Solution:
        best, runner = self.best, self.runner
        assert best is not None
        fill = sum(self.target)
        runner_up = None
        if runner is not None:
            runner_up = (runner.nodes, fill, runner.packages, runner.cost)
        return Solution(
            best.alloc,
            fill,
            best.packages,
            best.cost,
            exact=exact,
            runner_up=runner_up,
            steps=self.steps,
        )

    def _prepare(self) -> None:
        """Per-item candidate lists and cost bounds for the branch and bound."""
        p = self.p
        hold, unit = p.hold, p.unit
        fixed, open_nodes = p.fixed, p.open
        count = len(self.target)
        nodes_of: list[list[int]] = [[] for _ in range(count)]
        # Node sets as bit masks (bit n for node n): counting a set's free nodes is cheap.
        mask_of = [0] * count
        # Per item: the least unit cost, and the cheapest new node that holds it (one more
        # package costs at least that); -1 (costs are never negative) until a node is seen,
        # 0 if none.
        cmin = [-1] * count
        fmin_of = [-1] * count
        for node in sorted(hold):
            bit, price, base = 1 << node, unit[node], fixed[node]
            new = node not in open_nodes
            for item in hold[node]:
                nodes_of[item].append(node)
                mask_of[item] |= bit
                least = cmin[item]
                if least < 0 or price < least:
                    cmin[item] = price
                if new:
                    least = fmin_of[item]
                    if least < 0 or base < least:
                        fmin_of[item] = base
        self.nodes_of = nodes_of
        self.mask_of = mask_of
        self.cmin = [0 if c < 0 else c for c in cmin]
        self.fmin_of = [0 if f < 0 else f for f in fmin_of]
        self.floor = sum(map(operator.mul, self.target, self.cmin))

    def dfs(
        self,
        chosen: list[int],
        chosen_mask: int,
        residual: list[int],
        excluded: int,
        new: int,
        fixed_sum: int,
    ) -> None:
        """Extend ``chosen`` (also as a mask); ``excluded``: nodes the siblings ruled out.

        Each node of the search tree counts one step, whether it is pruned, evaluated or
        expanded. `_expand` checks its children itself (no call for a pruned child or, with
        packages first, for a complete cover), so only the root comes through here.
        """
        steps = self.steps + 1
        self.steps = steps
        if steps > self.budget:
            self.exhausted = True
            return
        more = self._open(residual, new, fixed_sum)
        if more is not None:
            self._expand(chosen, chosen_mask, residual, excluded, new, fixed_sum, more)

    def _open(self, residual: list[int], new: int, fixed_sum: int) -> bool | None:
        """``None`` if the bound prunes the node, else whether items are left to cover."""
        best = self.best
        if best is None:
            return any(residual)
        # Lower bound of any cover that extends the current set: the cheapest new node
        # of the dearest item still open (``residual`` selects the items left).
        cost = fixed_sum + self.floor
        top = max(compress(self.fmin_of, residual), default=None)
        if top is not None:
            cost += top
            bound = (new + 1, cost) if self.packages_first else (cost, new + 1)
        else:
            bound = (new, cost) if self.packages_first else (cost, new)
        if bound > best.key:
            return None
        return top is not None

    def _expand(
        self,
        chosen: list[int],
        chosen_mask: int,
        residual: list[int],
        excluded: int,
        new: int,
        fixed_sum: int,
        more: bool,
    ) -> None:
        """The children of a search node that the bound kept; see `dfs`."""
        p = self.p
        hold, fixed, unit = p.hold, p.fixed, p.unit
        packages_first = self.packages_first
        blocked = chosen_mask | excluded
        if not more:  # everything covered
            self.evaluate(chosen)
            if packages_first:
                return
            # Cost first: a node with a cheaper unit cost may still lower the total.
            worst = max(unit[n] for n in chosen) if chosen else 0
            branch = [n for n in sorted(hold) if unit[n] < worst and not (blocked >> n) & 1]
        else:
            pick, fewest = -1, -1
            mask_of = self.mask_of
            free = ~blocked
            for item, need in enumerate(residual):
                if need:
                    count = (mask_of[item] & free).bit_count()
                    if pick < 0 or count < fewest:
                        pick, fewest = item, count
            if fewest == 0:
                return
            want = residual[pick]
            # Most units of the item first, then fixed cost, unit cost, node index.
            ranked = sorted(
                [
                    (-(want if (h := hold[n][pick]) > want else h), fixed[n], unit[n], n)
                    for n in self.nodes_of[pick]
                    if not (blocked >> n) & 1
                ]
            )
            branch = [r[3] for r in ranked]
        open_nodes = p.open
        budget, floor, fmin_of = self.budget, self.floor, self.fmin_of
        for node in branch:
            if self.exhausted:
                break
            # The child's step: counted, then pruned, evaluated or expanded.
            steps = self.steps + 1
            self.steps = steps
            if steps > budget:
                self.exhausted = True
                break
            is_new = node not in open_nodes
            next_residual = residual[:]
            for i, units in hold[node].items():
                r = next_residual[i]
                if r:
                    next_residual[i] = r - units if r > units else 0
            bit = 1 << node
            child_new = new + is_new
            child_fixed = fixed_sum + fixed[node] if is_new else fixed_sum
            best = self.best
            if best is None:
                child_more = any(next_residual)
            elif packages_first:
                # `_open`'s bound, (packages, cost), without the cost where packages decide.
                child_more = any(next_residual)
                packages, cost = best.key
                least = child_new + 1 if child_more else child_new
                if least > packages:
                    excluded |= bit
                    continue
                if least == packages:
                    cost_floor = child_fixed + floor
                    if child_more:
                        cost_floor += max(compress(fmin_of, next_residual))
                    if cost_floor > cost:
                        excluded |= bit
                        continue
            else:
                cost = child_fixed + floor
                top = max(compress(fmin_of, next_residual), default=None)
                bound = (cost, child_new) if top is None else (cost + top, child_new + 1)
                if bound > best.key:
                    excluded |= bit
                    continue
                child_more = top is not None
            if not child_more and packages_first:
                self.evaluate([*chosen, node])
            else:
                self._expand(
                    [*chosen, node],
                    chosen_mask | bit,
                    next_residual,
                    excluded,
                    child_new,
                    child_fixed,
                    child_more,
                )
            excluded |= bit


def cheapest(
    nodes: list[int], fixed: dict[int, int], unit: dict[int, int], units: int
) -> list[tuple[int, int]]:
    """(cost, node) of ``nodes`` shipping ``units``, less those that cannot rank first or second.

    Whatever the tie key, the first two by (cost, tie key) cost no more than the second
    lowest cost, so only those need a tie key.
    """
    costs = sorted([(fixed[n] + units * unit[n], n) for n in nodes])
    if len(costs) > 2:
        cut, end = costs[1][0], 2
        while end < len(costs) and costs[end][0] <= cut:
            end += 1
        del costs[end:]
    return costs
