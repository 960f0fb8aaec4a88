"""One order through the rule cascade: candidates, the optimiser, the plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from retail_canon.sourcing._compile import Compiled, CompiledRule, HotNode
from retail_canon.sourcing._errors import UnknownNode
from retail_canon.sourcing._inventory import InventoryView
from retail_canon.sourcing._lazy import PICKUP_RULE, TraceData
from retail_canon.sourcing._plan import (
    CompactAllocation,
    CompactDecision,
    SourcingPlan,
    UnfilledLine,
)
from retail_canon.sourcing._request import OrderRequest
from retail_canon.sourcing._search import Problem, Solution, solve_cover, solve_single
from retail_canon.sourcing._trace import Basis, Method

__all__ = ["SkuCache", "route", "sku_cache"]

Cand = tuple[int, int, int, float | None, int]
"""(node, usable units, unit cost, dot product or None, fixed cost): one candidate."""


# Plans keep `Method` and `Basis` as their string values (see `CompactDecision`).
_EXACT, _BOUNDED = Method.EXACT.value, Method.BOUNDED.value
_SINGLE_NODE, _PICKUP = Method.SINGLE_NODE.value, Method.PICKUP.value
_ONLY_OPTION, _MORE_UNITS = Basis.ONLY_OPTION.value, Basis.MORE_UNITS.value
_FEWER_PACKAGES, _LOWER_COST = Basis.FEWER_PACKAGES.value, Basis.LOWER_COST.value
_TIE_BREAK, _PICKUP_STORE = Basis.TIE_BREAK.value, Basis.PICKUP_STORE.value
_NOTHING = Basis.NOTHING.value


class SkuCache:
    """Per batch: one SKU's stock (read once), units left, statically eligible nodes.

    ``left`` has the units each node id reported less what the batch allocated there so
    far, in the view's order; `source_batch` keeps it current.
    """

    __slots__ = ("by_rule", "hazmat", "left", "nodes")

    def __init__(self, left: dict[str, int], hazmat: bool) -> None:
        self.left = left
        self.nodes = tuple(left)
        """``left``'s keys (fixed), shared by the plans' trace data."""
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
    left = dict(stock)
    if taken:
        for nid, units in taken.items():
            if nid in left:
                left[nid] -= units
    return SkuCache(left, sku in comp.hazmat_skus)


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
    # Units left per node, item after item, as one tuple of ints (see `TraceData`).
    if m == 1:
        left_then = tuple(stock[0].left.values())
    else:
        flat: list[int] = []
        for s in stock:
            flat.extend(s.left.values())
        left_then = tuple(flat)

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
    log: list[int] = []  # `TraceData`'s step records, flat
    steps: list[CompactDecision] = []
    commits: list[list[tuple[int, int, str]]] = [[] for _ in range(m)]
    seen_usable = [0] * m
    zones, last_cost, unknown_cost = comp.zones, comp.zone_cost[-1], comp.unknown_cost
    pickup_fixed, packages_first = comp.pickup_fixed, comp.packages_first
    dx, dy, dz = dvec if dvec is not None else (0.0, 0.0, 0.0)
    has_dest = dvec is not None

    def step(k: int, rule: CompiledRule, single: bool, complete: bool) -> bool:
        is_pickup = rule is pickup_rule
        need = [i for i in range(m) if remaining[i] > 0]
        over_capacity: dict[int, int] = {}
        supply = []
        found: list[list[Cand]] = []
        for i in need:
            left = stock[i].left
            total = 0
            cands: list[Cand] = []
            for n, nid, vec, threshold, limit, safety, fixed_n in stock[i].eligible(comp, rule):
                # The radius first: it rejects most stores (the checks' order does not
                # matter, each only skips the node).
                dot: float | None = None
                if is_pickup:
                    if n != pickup_node:
                        continue
                    ucost = 0
                    fixed_n = pickup_fixed
                elif has_dest and vec is not None:
                    x, y, z = vec
                    dot = x * dx + y * dy + z * dz
                    if threshold is not None and dot < threshold:
                        continue
                    ucost = last_cost
                    for zone_cos, zone_cost in zones:
                        if dot >= zone_cos:
                            ucost = zone_cost
                            break
                elif threshold is not None:
                    continue
                else:
                    ucost = unknown_cost
                avail = left[nid]
                if avail <= 0:
                    continue
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
        log.append(k)
        log.append(len(over_capacity))
        for item in over_capacity.items():
            log.extend(item)
        log.append(len(used_here))
        if used_here:
            for (i, n), units in used_here.items():
                log.extend((i, n, units))
        log.append(len(need))
        log.extend(need)
        sol = None
        if len(need) == 1 and not single and packages_first and not open_nodes:
            sol = _one_item(comp, rule, remaining[need[0]], supply[0], found[0])
        if sol is not None:
            method = _EXACT
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
                method = _PICKUP if is_pickup else _SINGLE_NODE
            else:
                small = len(need) <= comp.exact_max_lines
                budget = comp.search_budget if small else comp.heuristic_budget
                sol = solve_cover(problem, packages_first=packages_first, budget=budget)
                method = _EXACT if sol.exact else _BOUNDED
        if sol.fill == 0:
            steps.append((rule.name, method, _NOTHING, (), 0, 0, 0, 0, None, 0, 0, 0))
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
        basis = _PICKUP_STORE if is_pickup else _basis(sol, packages_first)
        ours = (name, method, basis, chosen, sol.fill, sol.packages, sol.cost, sol.steps)
        if sol.runner_up is None:
            steps.append((*ours, None, 0, 0, 0))
        else:
            nodes, fill, packages, cost = sol.runner_up
            others = (ids[nodes[0]],) if len(nodes) == 1 else tuple(sorted(ids[n] for n in nodes))
            steps.append((*ours, others, fill, packages, cost))
        return True

    pickup_rule = comp.pickup_rule if pickup is not None else None
    sequence: list[tuple[int, CompiledRule]] = []
    if pickup_rule is not None:
        sequence.append((PICKUP_RULE, pickup_rule))
    if pickup is None or comp.ship_to_store:
        sequence.extend(enumerate(comp.rules))
    split = comp.split_allowed(req)
    if split:
        for k, rule in sequence:
            if not any(remaining):
                break
            if rule is pickup_rule:
                step(k, rule, True, False)
            else:
                step(k, rule, rule.single_node, True)
    elif m:
        for complete in (True, False) if comp.allow_partial else (True,):
            if any(step(k, rule, True, complete) for k, rule in sequence):
                break
    rolled_back = not comp.allow_partial and any(remaining)
    if rolled_back:
        commits = [[] for _ in range(m)]
        remaining = list(demand)
        steps = []
    nodes_of = tuple([s.nodes for s in stock])
    trace = TraceData(comp, dvec, pickup_node, req, nodes_of, left_then, tuple(log))
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


def _basis(sol: Solution, packages_first: bool) -> str:
    """The `Basis` value of a step that shipped something."""
    if sol.runner_up is None:
        return _ONLY_OPTION
    _, fill, packages, cost = sol.runner_up
    if fill != sol.fill:
        return _MORE_UNITS
    levels = [(sol.packages, packages, _FEWER_PACKAGES), (sol.cost, cost, _LOWER_COST)]
    if not packages_first:
        levels.reverse()
    for ours, theirs, basis in levels:
        if ours != theirs:
            return basis
    return _TIE_BREAK


def _plan(
    req: OrderRequest,
    comp: Compiled,
    item_of: dict[str, int],
    commits: list[list[tuple[int, int, str]]],
    steps: list[CompactDecision],
    trace: TraceData,
    seen_usable: list[int],
    split: bool,
    rolled_back: bool,
) -> SourcingPlan:
    ids = comp.ids
    allocations: list[CompactAllocation] = []
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
            allocations.append((ids[n], line.line_id, line.sku, need, rule, line.uom))
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
            allocations.append((ids[n], line.line_id, line.sku, take, rule, line.uom))
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
    return SourcingPlan._from_tuples(
        req.order_id,
        tuple(allocations),
        tuple(unfilled),
        len(nodes),
        sum(d[6] for d in steps),
        tuple(steps),
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
