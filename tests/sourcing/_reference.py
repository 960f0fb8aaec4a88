"""An independent reading of the sourcing rules: a validator and a brute-force optimum.

Written from the policy's documented meaning, not from the engine: haversine distances,
Decimal costs, every subset of nodes. Small instances only.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from decimal import Decimal

from retail_canon.models import LocationKind
from retail_canon.sourcing import SourcingPolicy, SplitMode

R = 6371.0088


def km(a, b) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * R * math.asin(min(1.0, math.sqrt(h)))


def micros(value: Decimal) -> int:
    return int(value * 1_000_000)


@dataclass
class Instance:
    nodes: list  # FulfillmentNode
    stock: dict[str, dict[str, int]]
    policy: SourcingPolicy
    today: dict[str, int] = field(default_factory=dict)


def _distance(inst: Instance, node, request) -> float | None:
    dest = request.destination
    if request.pickup_at is not None:
        store = next(n for n in inst.nodes if n.node_id == request.pickup_at)
        dest = store.location or dest
    if dest is None or node.location is None:
        return None
    return km(node.location, dest)


def can_ship(inst: Instance, node, sku: str, request) -> bool:
    """The policy's eligibility for shipping ``sku`` from ``node`` (capacity aside)."""
    el = inst.policy.eligibility
    if node.node_id in el.excluded_nodes or not node.ships:
        return False
    if node.kind is LocationKind.STORE and (
        not el.ship_from_store or node.node_id in el.ship_from_store_off
    ):
        return False
    if sku in el.hazmat_skus and node.kind not in el.hazmat_node_kinds:
        return False
    radius = el.radius_km.get(node.kind)
    if radius is not None:
        d = _distance(inst, node, request)
        if d is None or d > float(radius) + 1e-6:
            return False
    return True


def can_pick_up(inst: Instance, node) -> bool:
    el = inst.policy.eligibility
    return node.pickup and el.pickup and node.node_id not in el.excluded_nodes


def limit(inst: Instance, node) -> int | None:
    cap = inst.policy.capacity
    return cap.orders_per_day.get(node.node_id, cap.orders_per_day_by_kind.get(node.kind))


def usable(inst: Instance, node, sku: str) -> int:
    el = inst.policy.eligibility
    safety = el.safety_stock.get(node.node_id, el.default_safety_stock)
    return max(0, inst.stock.get(sku, {}).get(node.node_id, 0)) - safety


def unit_cost(inst: Instance, node, request) -> int:
    costs = inst.policy.costs
    if request.pickup_at == node.node_id:
        return 0
    d = _distance(inst, node, request)
    if d is None:
        value = costs.unknown_distance_unit_cost
        return micros(costs.zones[-1].unit_cost if value is None else value)
    for zone in costs.zones:
        if zone.up_to_km is None or d <= float(zone.up_to_km):
            return micros(zone.unit_cost)
    raise AssertionError  # pragma: no cover


def fixed_cost(inst: Instance, node, request) -> int:
    costs = inst.policy.costs
    if request.pickup_at == node.node_id:
        return micros(costs.pickup)
    return micros(costs.package.get(node.kind, costs.default_package))


def violations(inst: Instance, request, plan) -> list[str]:
    """Everything about ``plan`` that breaks stock, capacity, eligibility or arithmetic."""
    found = []
    nodes = {n.node_id: n for n in inst.nodes}
    taken: dict[tuple[str, str], int] = {}
    shipped: dict[str, int] = {}
    cost = 0
    for a in plan.allocations:
        node = nodes[a.node_id]
        if a.quantity <= 0:
            found.append(f"{a}: quantity not positive")
        if request.pickup_at == a.node_id:
            if not can_pick_up(inst, node):
                found.append(f"{a}: pickup at a node that does not offer it")
        elif not can_ship(inst, node, a.sku, request):
            found.append(f"{a}: node may not ship {a.sku}")
        taken[(a.sku, a.node_id)] = taken.get((a.sku, a.node_id), 0) + a.quantity
        shipped[a.line_id] = shipped.get(a.line_id, 0) + a.quantity
        cost += a.quantity * unit_cost(inst, node, request)
    for (sku, node_id), units in taken.items():
        if units > usable(inst, nodes[node_id], sku):
            found.append(f"{units} {sku} from {node_id}: more than its usable stock")
    for node_id in plan.nodes:
        node = nodes[node_id]
        cap = limit(inst, node)
        if cap is not None and inst.today.get(node_id, 0) >= cap:
            found.append(f"{node_id}: over its daily limit")
        cost += fixed_cost(inst, node, request)
    short = {}
    for u in plan.unfilled:
        short[u.line_id] = short.get(u.line_id, 0) + u.quantity
    for line in request.lines:
        if shipped.get(line.line_id, 0) + short.get(line.line_id, 0) != line.quantity:
            found.append(f"line {line.line_id}: shipped + unfilled != ordered")
    if cost != plan.cost_micros:
        found.append(f"cost {plan.cost_micros} != recomputed {cost}")
    if plan.packages != len(plan.nodes):
        found.append("packages != number of nodes")
    split = inst.policy.split
    splits_allowed = split.mode is SplitMode.ALLOWED or (
        split.mode is SplitMode.ABOVE_VALUE and request.value >= split.min_order_value
    )
    if not splits_allowed and len(plan.nodes) > 1:
        found.append(f"split {plan.nodes} under a no-split policy")
    if not split.allow_partial and plan.unfilled and plan.allocations:
        found.append("partial shipment with allow_partial off")
    return found


def brute_force(inst: Instance, request) -> tuple[int, int, int]:
    """(units, packages, cost) of the lexicographic optimum over every subset of nodes.

    For a policy with one rule without filters, no pickup, packages before cost.
    """
    demand: dict[str, int] = {}
    for line in request.lines:
        demand[line.sku] = demand.get(line.sku, 0) + line.quantity
    candidates = []
    for node in inst.nodes:
        cap = limit(inst, node)
        if cap is not None and inst.today.get(node.node_id, 0) >= cap:
            continue
        holds = {
            sku: usable(inst, node, sku)
            for sku in demand
            if can_ship(inst, node, sku, request) and usable(inst, node, sku) > 0
        }
        if holds:
            candidates.append((node, holds))
    split = inst.policy.split
    splits_allowed = split.mode is SplitMode.ALLOWED or (
        split.mode is SplitMode.ABOVE_VALUE and request.value >= split.min_order_value
    )
    sizes = range(len(candidates) + 1) if splits_allowed else range(2)
    best = (0, 0, 0)
    best_key = (0, 0, 0)
    for size in sizes:
        for subset in itertools.combinations(candidates, size):
            units = cost = 0
            used = set()
            for sku, want in demand.items():
                holders = sorted(
                    (unit_cost(inst, node, request), node.node_id, holds[sku])
                    for node, holds in subset
                    if sku in holds
                )
                for price, node_id, have in holders:
                    take = min(want, have)
                    if take:
                        units += take
                        cost += take * price
                        used.add(node_id)
                        want -= take
            for node, _ in subset:
                if node.node_id in used:
                    cost += fixed_cost(inst, node, request)
            key = (-units, len(used), cost)
            if key < best_key:
                best_key, best = key, (units, len(used), cost)
    if not split.allow_partial and best[0] < sum(demand.values()):
        return (0, 0, 0)
    return best
