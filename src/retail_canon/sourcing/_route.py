"""One order through the rule cascade: candidates, the optimiser, the plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from retail_canon.sourcing._compile import Compiled, CompiledRule, GeoNode, HotNode
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

__all__ = ["SkuCache", "SkuEntry", "route"]

Cand = tuple[int, int, int, float | None, int]
"""(node, usable units, unit cost, dot product or None, fixed cost): one candidate."""


# Plans keep `Method` and `Basis` as their string values (see `CompactDecision`).
_EXACT, _BOUNDED = Method.EXACT.value, Method.BOUNDED.value
_SINGLE_NODE, _PICKUP = Method.SINGLE_NODE.value, Method.PICKUP.value
_ONLY_OPTION, _MORE_UNITS = Basis.ONLY_OPTION.value, Basis.MORE_UNITS.value
_FEWER_PACKAGES, _LOWER_COST = Basis.FEWER_PACKAGES.value, Basis.LOWER_COST.value
_TIE_BREAK, _PICKUP_STORE = Basis.TIE_BREAK.value, Basis.PICKUP_STORE.value
_NOTHING = Basis.NOTHING.value


SkuEntry = tuple[dict[str, int], tuple[str, ...], bool]
"""One SKU's stock in a batch: (units left per node id, those node ids, hazmat)."""


class SkuCache:
    """Per batch: each SKU's stock (read once), units left, statically eligible nodes.

    An entry's units left are what each node id reported less what the batch allocated
    there so far, in the view's order; `source_batch` keeps them current.

    A batch keeps an entry per SKU it meets. Entries are tuples of plain values (a dict of
    ints, a tuple of strings, a flag) and the eligible nodes tuples in one dict per rule,
    so the garbage collector stops tracking them: a batch adds no object per SKU for the
    collector to walk.
    """

    __slots__ = ("entries", "geo", "hot")

    def __init__(self, comp: Compiled) -> None:
        self.entries: dict[str, SkuEntry] = {}
        rules = len(comp.rules) + 1  # and the pickup rule
        self.geo: list[dict[str, tuple[GeoNode, ...] | None]] = [{} for _ in range(rules)]
        """Per `CompiledRule.slot`: `geo_nodes` by SKU."""
        self.hot: list[dict[str, tuple[HotNode, ...]]] = [{} for _ in range(rules)]
        """Per `CompiledRule.slot`: `eligible` by SKU."""

    def entry(
        self, comp: Compiled, base: InventoryView, sku: str, taken: dict[str, int] | None
    ) -> SkuEntry:
        """``sku``'s entry, read on first use; ``taken``: units already allocated per node."""
        found = self.entries.get(sku)
        if found is None:
            stock = base.available(sku)
            left = dict(stock)
            if taken:
                for nid, units in taken.items():
                    if nid in left:
                        left[nid] -= units
            found = self.entries[sku] = (left, tuple(left), sku in comp.hazmat_skus)
        return found

    def eligible(
        self, comp: Compiled, rule: CompiledRule, sku: str, entry: SkuEntry
    ) -> tuple[HotNode, ...]:
        """Nodes with an entry that pass the rule's order-independent checks."""
        by_sku = self.hot[rule.slot]
        found = by_sku.get(sku)
        if found is None:
            hot = comp.hot(rule, hazmat=entry[2]).get
            found = by_sku[sku] = tuple([e for nid in entry[0] if (e := hot(nid)) is not None])
        return found

    def geo_nodes(
        self, comp: Compiled, rule: CompiledRule, sku: str, entry: SkuEntry
    ) -> tuple[GeoNode, ...] | None:
        """`eligible` as `GeoNode`, or ``None`` if one of them has no coordinates."""
        by_sku = self.geo[rule.slot]
        found = by_sku.get(sku)
        if found is None and sku not in by_sku:
            left, _, hazmat = entry
            flat = comp.no_coordinates(rule, hazmat=hazmat)
            if not flat or flat.isdisjoint(left):
                geo = comp.geo(rule, hazmat=hazmat).get
                found = tuple([e for nid in left if (e := geo(nid)) is not None])
            by_sku[sku] = found
        return found


def route(
    req: OrderRequest,
    comp: Compiled,
    base: InventoryView,
    taken: dict[str, dict[str, int]] | None,
    counts: Sequence[int],
    cache: SkuCache,
) -> tuple[SourcingPlan, set[int]]:
    """Source one order; ``counts``: orders per node index already counted today.

    Returns the plan and the indices of the nodes it ships from.
    """
    ids, alone = comp.ids, comp.alone
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
    stock: list[SkuEntry] = []
    entry = cache.entry
    for sku in skus:
        stock.append(entry(comp, base, sku, taken.get(sku) if taken else None))
    # Units left per node, item after item, as one tuple of ints (see `TraceData`).
    if m == 1:
        left_then = tuple(stock[0][0].values())
    else:
        flat: list[int] = []
        for s in stock:
            flat.extend(s[0].values())
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
            left = stock[i][0]
            total = 0
            cands: list[Cand] = []
            geo = (
                cache.geo_nodes(comp, rule, skus[i], stock[i])
                if has_dest and not is_pickup
                else None
            )
            if geo is not None:
                # The common case (a destination, every node located): the checks below
                # without the branches that cannot apply; the unit cost only for a candidate.
                for x, y, z, radius, rest in geo:
                    cos = x * dx + y * dy + z * dz  # the dot product
                    if cos < radius:
                        continue
                    n, nid, limit, safety, fixed_n = rest
                    avail = left[nid]
                    if avail <= 0:
                        continue
                    if counts[n] >= limit and n not in open_nodes:
                        over_capacity[n] = limit
                        continue
                    usable = avail - safety
                    if used_here:
                        usable -= used_here.get((i, n), 0)
                    if usable <= 0:
                        continue
                    ucost = last_cost
                    for zone_cos, zone_cost in zones:
                        if cos >= zone_cos:
                            ucost = zone_cost
                            break
                    cands.append((n, usable, ucost, cos, fixed_n))
                    total += usable
                found.append(cands)
                supply.append(total)
                if total > seen_usable[i]:
                    seen_usable[i] = total
                continue
            for n, nid, vec, threshold, limit_, safety, fixed_n in cache.eligible(
                comp, rule, skus[i], stock[i]
            ):
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
                if limit_ is not None and counts[n] >= limit_ and n not in open_nodes:
                    over_capacity[n] = limit_
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
        if not single and packages_first and not open_nodes:
            if len(need) == 1:
                sol = _one_item(comp, rule, remaining[need[0]], supply[0], found[0])
            elif not rule.sorts:
                sol = _one_node([remaining[i] for i in need], supply, found)
        if sol is not None:
            method = _EXACT
        else:
            hold: dict[int, dict[int, int]] = {}
            fixed: dict[int, int] = {}
            unit: dict[int, int] = {}
            dots: dict[int, float | None] = {}
            sorts = rule.sorts  # only the rule's sorts read the dot products
            for k, cands in enumerate(found):
                for n, usable, ucost, dot, fixed_n in cands:
                    holds = hold.get(n)
                    if holds is None:
                        hold[n] = {k: usable}
                        unit[n] = ucost
                        fixed[n] = fixed_n
                        if sorts:
                            dots[n] = dot
                    else:
                        holds[k] = usable
            for n in open_nodes:
                if n in fixed:
                    fixed[n] = 0  # a node in use adds no package
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
            chosen: tuple[str, ...] = alone[alloc[0][1]]
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
            others = alone[nodes[0]] if len(nodes) == 1 else tuple(sorted(ids[n] for n in nodes))
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
    nodes_of = tuple([s[1] for s in stock])
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


def _one_node(demand: list[int], supply: list[int], found: list[list[Cand]]) -> Solution | None:
    """`solve_cover`'s answer for several items when one node can ship them all.

    For no node in use and a rule without sorts (node index breaks ties), when two nodes
    or more hold every item's target: the same as `Cover.singles`, the cheapest such node
    wins and the next cheapest is the runner-up. ``None``: leave it to `solve_cover`.
    """
    target = [d if d < s else s for d, s in zip(demand, supply, strict=True)]
    units = sum(target)
    covers: set[int] | None = None
    some: list[Cand] = []
    for t, cands in zip(target, found, strict=True):
        if t:
            holding = {c[0] for c in cands if c[1] >= t}
            covers = holding if covers is None else covers & holding
            if len(covers) < 2:
                return None
            some = cands
    if covers is None:  # nothing to ship
        return None
    best = second = None
    for n, _, ucost, _, fixed_n in some:
        if n in covers:
            key = (fixed_n + units * ucost, n)
            if best is None or key < best:
                best, second = key, best
            elif second is None or key < second:
                second = key
    assert best is not None
    assert second is not None
    (cost, node), (other_cost, other) = best, second
    alloc = [(k, node, t) for k, t in enumerate(target) if t]
    runner_up = ((other,), units, 1, other_cost)
    return Solution(alloc, units, 1, cost, exact=True, runner_up=runner_up, steps=0)


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
) -> tuple[SourcingPlan, set[int]]:
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
    plan = SourcingPlan._from_tuples(
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
    return plan, nodes


def _unfilled_reason(usable: int, split: bool, rolled_back: bool) -> str:
    if rolled_back:
        return "the order cannot ship complete and partial shipment is off"
    if usable == 0:
        return "no eligible node has stock"
    if not split:
        return "no split: one node ships the order, and the chosen one lacks this line"
    return f"eligible nodes hold only {usable} units"
