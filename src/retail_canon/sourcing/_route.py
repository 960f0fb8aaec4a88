"""One order through the rule cascade: candidates, the optimiser, the plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from retail_canon.sourcing._compile import Compiled, CompiledRule
from retail_canon.sourcing._errors import UnknownNode
from retail_canon.sourcing._inventory import InventoryView
from retail_canon.sourcing._lazy import Entry, ItemStock, StepRecord, TraceData
from retail_canon.sourcing._plan import Allocation, SourcingPlan, UnfilledLine
from retail_canon.sourcing._request import OrderRequest
from retail_canon.sourcing._search import Problem, Solution, solve_cover, solve_single
from retail_canon.sourcing._trace import Alternative, Basis, Method, StepDecision

__all__ = ["SkuCache", "route"]


class _Step:
    """What one rule step saw and decided."""

    __slots__ = ("alloc", "decision")

    def __init__(self, alloc: list[tuple[int, int, int]], decision: StepDecision) -> None:
        self.alloc = alloc
        self.decision = decision


class SkuCache:
    """Per batch: each SKU's stock entries (read once) and its statically eligible ones."""

    __slots__ = ("by_rule", "entries", "hazmat")

    def __init__(self, entries: list[Entry], hazmat: bool) -> None:
        self.entries = entries
        self.hazmat = hazmat
        self.by_rule: dict[CompiledRule, list[tuple[int, str, int]]] = {}

    def eligible(self, rule: CompiledRule) -> list[tuple[int, str, int]]:
        """Entries of network nodes that pass the rule's order-independent checks."""
        found = self.by_rule.get(rule)
        if found is None:
            static = rule.static_hazmat if self.hazmat else rule.static
            found = [
                (n, nid, u) for n, nid, u in self.entries if n is not None and static[n] is None
            ]
            self.by_rule[rule] = found
        return found


def _sku(comp: Compiled, base: InventoryView, sku: str, cache: dict[str, SkuCache]) -> SkuCache:
    got = cache.get(sku)
    if got is None:
        index_get = comp.index.get
        entries: list[Entry] = [
            (index_get(nid), nid, units) for nid, units in base.available(sku).items()
        ]
        got = cache[sku] = SkuCache(entries, sku in comp.hazmat_skus)
    return got


def route(
    req: OrderRequest,
    comp: Compiled,
    base: InventoryView,
    taken: dict[str, dict[str, int]] | None,
    today: Mapping[str, int],
    cache: dict[str, SkuCache],
) -> SourcingPlan:
    ids = comp.ids
    item_of: dict[str, int] = {}
    skus: list[str] = []
    demand: list[int] = []
    for line in req.lines:
        i = item_of.get(line.sku)
        if i is None:
            i = item_of[line.sku] = len(skus)
            skus.append(line.sku)
            demand.append(0)
        demand[i] += line.quantity
    m = len(skus)
    remaining = list(demand)
    stock = [_sku(comp, base, sku, cache) for sku in skus]
    taken_of = [taken.get(sku) if taken else None for sku in skus]

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
    records: list[list[StepRecord]] = [[] for _ in range(m)]
    steps: list[_Step] = []
    commits: list[list[tuple[int, int, str]]] = [[] for _ in range(m)]
    seen_usable = [0] * m
    vecs, zones, last_cost, radius_cos = comp.vec, comp.zones, comp.zone_cost[-1], comp.radius_cos
    limits, safety_of, fixed_of, today_get = comp.limit, comp.safety, comp.fixed, today.get
    dx, dy, dz = dvec if dvec is not None else (0.0, 0.0, 0.0)
    has_dest = dvec is not None

    def step(rule: CompiledRule, single: bool, complete: bool) -> bool:
        is_pickup = rule is pickup_rule
        need = [i for i in range(m) if remaining[i] > 0]
        hold: dict[int, dict[int, int]] = {}
        fixed: dict[int, int] = {}
        unit: dict[int, int] = {}
        dots: dict[int, float | None] = {}
        over_capacity: dict[int, int] = {}
        used = dict(used_here) if used_here else None
        rcos, rsafety = rule.radius_cos, rule.safety
        check_capacity = not rule.ignore_capacity
        supply = []
        for k, i in enumerate(need):
            records[i].append((rule, over_capacity, used))
            tk = taken_of[i]
            total = 0
            for n, nid, units in stock[i].eligible(rule):
                avail = units - tk.get(nid, 0) if tk else units
                if avail <= 0:
                    continue
                dot: float | None = None
                if is_pickup:
                    if n != pickup_node:
                        continue
                    ucost = 0
                else:
                    vec = vecs[n]
                    if has_dest and vec is not None:
                        x, y, z = vec
                        dot = x * dx + y * dy + z * dz
                    rc = radius_cos[n]
                    if rc is not None and (dot is None or dot < rc):
                        continue
                    if rcos is not None and (dot is None or dot < rcos):
                        continue
                    ucost = -1
                if check_capacity:
                    limit = limits[n]
                    if limit is not None and today_get(nid, 0) >= limit and n not in open_nodes:
                        over_capacity[n] = limit
                        continue
                usable = avail - (safety_of[n] if rsafety is None else rsafety)
                if used_here:
                    usable -= used_here.get((i, n), 0)
                if usable <= 0:
                    continue
                holds = hold.get(n)
                if holds is None:
                    hold[n] = {k: usable}
                    if ucost < 0:
                        if dot is None:
                            ucost = comp.unknown_cost
                        else:
                            ucost = last_cost
                            for threshold, zone_cost in zones:
                                if dot >= threshold:
                                    ucost = zone_cost
                                    break
                    unit[n] = ucost
                    dots[n] = dot
                    if n in open_nodes:
                        fixed[n] = 0
                    else:
                        fixed[n] = comp.pickup_fixed if is_pickup else fixed_of[n]
                else:
                    holds[k] = usable
                total += usable
            supply.append(total)
            if total > seen_usable[i]:
                seen_usable[i] = total
        tie = _tie(comp, rule, hold, dots)
        problem = Problem(
            [remaining[i] for i in need], hold, fixed, unit, frozenset(open_nodes), tie, supply
        )
        packages_first = comp.packages_first
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
        for i, n, units in alloc:
            used_here[(i, n)] = used_here.get((i, n), 0) + units
            remaining[i] -= units
            commits[i].append((n, units, rule.name))
        chosen = tuple(sorted({ids[n] for _, n, _ in alloc}))
        open_nodes.update(n for _, n, _ in alloc)
        basis = Basis.PICKUP_STORE if is_pickup else _basis(sol, packages_first)
        runner = None
        if sol.runner_up is not None:
            nodes, fill, packages, cost = sol.runner_up
            runner = Alternative(tuple(sorted(ids[n] for n in nodes)), fill, packages, cost)
        decision = StepDecision(
            rule.name, method, basis, chosen, sol.fill, sol.packages, sol.cost, runner, sol.steps
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
    items = [
        ItemStock(stock[i].entries, dict(tk) if tk else None, stock[i].hazmat)
        for i, tk in enumerate(taken_of)
    ]
    trace = TraceData(comp, dvec, pickup_node, [], items, records)
    return _plan(req, comp, item_of, commits, steps, trace, seen_usable, split, rolled_back)


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
    queues = [list(c) for c in commits]
    lines_data = trace._lines
    for line in req.lines:
        i = item_of[line.sku]
        need = line.quantity
        queue = queues[i]
        while need and queue:
            n, units, rule = queue[0]
            take = min(need, units)
            allocations.append(Allocation(ids[n], line.line_id, line.sku, take, rule, line.uom))
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
        lines_data.append((line.line_id, line.sku, line.quantity, line.uom, i))
    nodes = {a.node_id for a in allocations}
    pickup_address = None
    if req.pickup_at is not None:
        pickup_address = comp.nodes[comp.index[req.pickup_at]].address
    return SourcingPlan(
        req.order_id,
        tuple(allocations),
        tuple(unfilled),
        len(nodes),
        sum(s.decision.cost_micros for s in steps),
        tuple(s.decision for s in steps),
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
