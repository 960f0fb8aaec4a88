"""One order through the rule cascade: candidates, the optimiser, the plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from retail_canon.sourcing._compile import Compiled, CompiledRule, HotNode
from retail_canon.sourcing._errors import UnknownNode
from retail_canon.sourcing._inventory import InventoryView
from retail_canon.sourcing._lazy import Entry, StepRecord, TraceData
from retail_canon.sourcing._plan import Allocation, SourcingPlan, UnfilledLine
from retail_canon.sourcing._request import OrderRequest
from retail_canon.sourcing._search import Problem, Solution, solve_cover, solve_single
from retail_canon.sourcing._trace import Alternative, Basis, Method, StepDecision

__all__ = ["SkuCache", "route", "sku_cache"]

Cand = tuple[int, int, int, float | None, int]
"""(node, usable units, unit cost, dot product or None, fixed cost): one candidate."""


class _Step:
    """What one rule step saw and decided."""

    __slots__ = ("alloc", "decision")

    def __init__(self, alloc: list[tuple[int, int, int]], decision: StepDecision) -> None:
        self.alloc = alloc
        self.decision = decision


class SkuCache:
    """Per batch: one SKU's stock entries (read once), units left, statically eligible ones.

    ``left`` has the units each node id reported less what the batch allocated there so
    far; `source_batch` keeps it current.
    """

    __slots__ = ("by_rule", "entries", "hazmat", "left")

    def __init__(self, entries: list[Entry], left: dict[str, int], hazmat: bool) -> None:
        self.entries = entries
        self.left = left
        self.hazmat = hazmat
        self.by_rule: dict[CompiledRule, list[HotNode]] = {}

    def eligible(self, comp: Compiled, rule: CompiledRule) -> list[HotNode]:
        """Nodes with an entry that pass the rule's order-independent checks."""
        found = self.by_rule.get(rule)
        if found is None:
            hot = comp.hot(rule, hazmat=self.hazmat).get
            found = [e for nid in self.left if (e := hot(nid)) is not None]
            self.by_rule[rule] = found
        return found


def sku_cache(
    comp: Compiled, base: InventoryView, sku: str, taken: dict[str, int] | None
) -> SkuCache:
    """Read ``sku``'s stock entries once; ``taken``: units already allocated per node id."""
    stock = base.available(sku)
    index_get = comp.index.get
    entries: list[Entry] = [(index_get(nid), nid, units) for nid, units in stock.items()]
    if taken:
        left = {nid: units - taken.get(nid, 0) for nid, units in stock.items()}
    else:
        left = dict(stock)
    return SkuCache(entries, left, sku in comp.hazmat_skus)


def route(
    req: OrderRequest,
    comp: Compiled,
    base: InventoryView,
    taken: dict[str, dict[str, int]] | None,
    counts: Sequence[int],
    cache: dict[str, SkuCache],
) -> SourcingPlan:
    """Source one order; ``counts``: orders per node index already counted today."""
    ids = comp.ids
    item_of: dict[str, int] = {}
    skus: list[str] = []
    demand: list[int] = []
    for line in req.lines:
        i = item_of.get(line.sku)
        if i is None:
            item_of[line.sku] = len(skus)
            skus.append(line.sku)
            demand.append(line.quantity)
        else:
            demand[i] += line.quantity
    m = len(skus)
    remaining = list(demand)
    stock = []
    for sku in skus:
        got = cache.get(sku)
        if got is None:
            got = cache[sku] = sku_cache(comp, base, sku, taken.get(sku) if taken else None)
        stock.append(got)
    left_then = [dict(s.left) for s in stock]

    pickup = req.pickup_at
    pickup_node = -1
    dvec = None if req.destination is None else req.destination.vector()
    if pickup is not None:
        found = comp.index.get(pickup)
        if found is None:
            msg = f"order {req.order_id!r}: pickup store {pickup!r} is not part of the network"
            raise UnknownNode(msg)
        pickup_node = found
        dvec = comp.vec[found] or dvec

    used_here: dict[tuple[int, int], int] = {}
    open_nodes: set[int] = set()
    log: list[StepRecord] = []
    steps: list[_Step] = []
    commits: list[list[tuple[int, int, str]]] = [[] for _ in range(m)]
    seen_usable = [0] * m
    zones, last_cost, unknown_cost = comp.zones, comp.zone_cost[-1], comp.unknown_cost
    pickup_fixed, packages_first = comp.pickup_fixed, comp.packages_first
    dx, dy, dz = dvec if dvec is not None else (0.0, 0.0, 0.0)
    has_dest = dvec is not None

    def step(rule: CompiledRule, single: bool, complete: bool) -> bool:
        is_pickup = rule is pickup_rule
        need = [i for i in range(m) if remaining[i] > 0]
        over_capacity: dict[int, int] = {}
        log.append((rule, over_capacity, dict(used_here) if used_here else None, tuple(need)))
        supply = []
        found: list[list[Cand]] = []
        for i in need:
            left = stock[i].left
            total = 0
            cands: list[Cand] = []
            for n, nid, vec, threshold, limit, safety, fixed_n in stock[i].eligible(comp, rule):
                avail = left[nid]
                if avail <= 0:
                    continue
                dot: float | None = None
                if is_pickup:
                    if n != pickup_node:
                        continue
                    ucost = 0
                    fixed_n = pickup_fixed
                else:
                    if has_dest and vec is not None:
                        x, y, z = vec
                        dot = x * dx + y * dy + z * dz
                    if threshold is not None and (dot is None or dot < threshold):
                        continue
                    if dot is None:
                        ucost = unknown_cost
                    else:
                        ucost = last_cost
                        for zone_cos, zone_cost in zones:
                            if dot >= zone_cos:
                                ucost = zone_cost
                                break
                if limit is not None and counts[n] >= limit and n not in open_nodes:
                    over_capacity[n] = limit
                    continue
                usable = avail - safety
                if used_here:
                    usable -= used_here.get((i, n), 0)
                if usable <= 0:
                    continue
                cands.append((n, usable, ucost, dot, fixed_n))
                total += usable
            found.append(cands)
            supply.append(total)
            if total > seen_usable[i]:
                seen_usable[i] = total
        sol = None
        if len(need) == 1 and not single and packages_first and not open_nodes:
            sol = _one_item(comp, rule, remaining[need[0]], supply[0], found[0])
        if sol is not None:
            method = Method.EXACT
        else:
            hold: dict[int, dict[int, int]] = {}
            fixed: dict[int, int] = {}
            unit: dict[int, int] = {}
            dots: dict[int, float | None] = {}
            for k, cands in enumerate(found):
                for n, usable, ucost, dot, fixed_n in cands:
                    holds = hold.get(n)
                    if holds is None:
                        hold[n] = {k: usable}
                        unit[n] = ucost
                        dots[n] = dot
                        fixed[n] = 0 if n in open_nodes else fixed_n
                    else:
                        holds[k] = usable
            tie = _tie(comp, rule, hold, dots)
            problem = Problem(
                [remaining[i] for i in need], hold, fixed, unit, frozenset(open_nodes), tie, supply
            )
            if single:
                sol = solve_single(problem, packages_first=packages_first, complete=complete)
                method = Method.PICKUP if is_pickup else Method.SINGLE_NODE
            else:
                small = len(need) <= comp.exact_max_lines
                budget = comp.search_budget if small else comp.heuristic_budget
                sol = solve_cover(problem, packages_first=packages_first, budget=budget)
                method = Method.EXACT if sol.exact else Method.BOUNDED
        if sol.fill == 0:
            steps.append(_Step([], _nothing(rule.name, method)))
            return False
        alloc = [(need[i], n, units) for i, n, units in sol.alloc]
        name = rule.name
        for i, n, units in alloc:
            used_here[(i, n)] = used_here.get((i, n), 0) + units
            remaining[i] -= units
            commits[i].append((n, units, name))
        if len(alloc) == 1:
            chosen: tuple[str, ...] = (ids[alloc[0][1]],)
            open_nodes.add(alloc[0][1])
        else:
            chosen = tuple(sorted({ids[n] for _, n, _ in alloc}))
            open_nodes.update(n for _, n, _ in alloc)
        basis = Basis.PICKUP_STORE if is_pickup else _basis(sol, packages_first)
        runner = None
        if sol.runner_up is not None:
            nodes, fill, packages, cost = sol.runner_up
            others = (ids[nodes[0]],) if len(nodes) == 1 else tuple(sorted(ids[n] for n in nodes))
            runner = Alternative(others, fill, packages, cost)
        decision = StepDecision(
            name, method, basis, chosen, sol.fill, sol.packages, sol.cost, runner, sol.steps
        )
        steps.append(_Step(alloc, decision))
        return True

    pickup_rule = comp.pickup_rule if pickup is not None else None
    sequence: list[CompiledRule] = []
    if pickup_rule is not None:
        sequence.append(pickup_rule)
    if pickup is None or comp.ship_to_store:
        sequence.extend(comp.rules)
    split = comp.split_allowed(req)
    if split:
        for rule in sequence:
            if not any(remaining):
                break
            if rule is pickup_rule:
                step(rule, True, False)
            else:
                step(rule, rule.single_node, True)
    elif m:
        for complete in (True, False) if comp.allow_partial else (True,):
            if any(step(rule, True, complete) for rule in sequence):
                break
    rolled_back = not comp.allow_partial and any(remaining)
    if rolled_back:
        commits = [[] for _ in range(m)]
        remaining = list(demand)
        steps = []
    entries = tuple(s.entries for s in stock)
    trace = TraceData(comp, dvec, pickup_node, req, entries, tuple(left_then), tuple(log))
    return _plan(req, comp, item_of, commits, steps, trace, seen_usable, split, rolled_back)


def _one_item(
    comp: Compiled, rule: CompiledRule, demand: int, supply: int, cands: list[Cand]
) -> Solution | None:
    """`solve_cover`'s answer for one item and no node in use, when two nodes hold it all.

    The cheapest node holding the whole demand wins, the next cheapest is the runner-up
    (the same ranking as `_search`'s one-item case). ``None``: leave it to `solve_cover`.
    """
    if supply < demand:
        return None
    if rule.sorts:
        balance = {n: usable for n, usable, _, _, _ in cands}
        dots = {n: dot for n, _, _, dot, _ in cands}
        ranked = sorted(
            (fixed_n + demand * ucost, comp.sort_key(rule, n, dots[n], balance[n]), n)
            for n, usable, ucost, _, fixed_n in cands
            if usable >= demand
        )
        if len(ranked) < 2:
            return None
        (cost, _, node), (other_cost, _, other) = ranked[0], ranked[1]
    else:
        best = second = None
        for n, usable, ucost, _, fixed_n in cands:
            if usable >= demand:
                key = (fixed_n + demand * ucost, n)
                if best is None or key < best:
                    best, second = key, best
                elif second is None or key < second:
                    second = key
        if second is None:
            return None
        assert best is not None
        (cost, node), (other_cost, other) = best, second
    runner_up = ((other,), demand, 1, other_cost)
    return Solution([(0, node, demand)], demand, 1, cost, exact=True, runner_up=runner_up, steps=1)


def _tie(
    comp: Compiled,
    rule: CompiledRule,
    hold: dict[int, dict[int, int]],
    dots: dict[int, float | None],
) -> Callable[[int], tuple[float, ...]] | None:
    if not rule.sorts:
        return None
    balance = {n: sum(holds.values()) for n, holds in hold.items()}

    def tie(n: int) -> tuple[float, ...]:
        return comp.sort_key(rule, n, dots.get(n), balance.get(n, 0))

    return tie


def _nothing(rule: str, method: Method) -> StepDecision:
    return StepDecision(rule, method, Basis.NOTHING, (), 0, 0, 0)


def _basis(sol: Solution, packages_first: bool) -> Basis:
    if sol.runner_up is None:
        return Basis.ONLY_OPTION
    _, fill, packages, cost = sol.runner_up
    if fill != sol.fill:
        return Basis.MORE_UNITS
    levels = [(sol.packages, packages, Basis.FEWER_PACKAGES), (sol.cost, cost, Basis.LOWER_COST)]
    if not packages_first:
        levels.reverse()
    for ours, theirs, basis in levels:
        if ours != theirs:
            return basis
    return Basis.TIE_BREAK


def _plan(
    req: OrderRequest,
    comp: Compiled,
    item_of: dict[str, int],
    commits: list[list[tuple[int, int, str]]],
    steps: list[_Step],
    trace: TraceData,
    seen_usable: list[int],
    split: bool,
    rolled_back: bool,
) -> SourcingPlan:
    ids = comp.ids
    allocations: list[Allocation] = []
    unfilled: list[UnfilledLine] = []
    nodes: set[int] = set()
    queues: list[list[tuple[int, int, str]]] | None = None
    for line in req.lines:
        i = item_of[line.sku]
        need = line.quantity
        queue = commits[i]
        if len(queue) == 1 and queue[0][1] == need and queues is None:
            # The common case: one node ships the whole line, and no other line shares it.
            n, _, rule = queue[0]
            allocations.append(Allocation(ids[n], line.line_id, line.sku, need, rule, line.uom))
            nodes.add(n)
            commits[i] = []
            continue
        if queues is None:
            queues = [list(c) for c in commits]
            queue = queues[i]
        else:
            queue = queues[i]
        while need and queue:
            n, units, rule = queue[0]
            take = min(need, units)
            allocations.append(Allocation(ids[n], line.line_id, line.sku, take, rule, line.uom))
            nodes.add(n)
            need -= take
            if take == units:
                queue.pop(0)
            else:
                queue[0] = (n, units - take, rule)
        if need:
            unfilled.append(
                UnfilledLine(
                    line.line_id,
                    line.sku,
                    need,
                    comp.unfilled,
                    _unfilled_reason(seen_usable[i], split, rolled_back),
                )
            )
    pickup_address = None
    if req.pickup_at is not None:
        pickup_address = comp.nodes[comp.index[req.pickup_at]].address
    decisions = tuple(s.decision for s in steps)
    return SourcingPlan(
        req.order_id,
        tuple(allocations),
        tuple(unfilled),
        len(nodes),
        sum(d.cost_micros for d in decisions),
        decisions,
        req.pickup_at,
        trace,
        req.ship_to,
        pickup_address,
    )


def _unfilled_reason(usable: int, split: bool, rolled_back: bool) -> str:
    if rolled_back:
        return "the order cannot ship complete and partial shipment is off"
    if usable == 0:
        return "no eligible node has stock"
    if not split:
        return "no split: one node ships the order, and the chosen one lacks this line"
    return f"eligible nodes hold only {usable} units"
