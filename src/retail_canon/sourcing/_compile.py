"""A policy compiled against a network: plain per-node lists for the hot path."""

from __future__ import annotations

import math
import sys
from decimal import ROUND_HALF_EVEN, Decimal

from retail_canon.models import LocationKind
from retail_canon.sourcing._network import EARTH_RADIUS_KM, Network
from retail_canon.sourcing._policy import Goal, InventoryRule, NodeSort, SourcingPolicy, SplitMode
from retail_canon.sourcing._request import OrderRequest
from retail_canon.sourcing._trace import Reason

__all__ = [
    "NO_LIMIT",
    "Compiled",
    "CompiledRule",
    "GeoNode",
    "HotNode",
    "compiled",
    "cos_of_km",
    "micros",
]

_CACHE_SIZE = 8

HotNode = tuple[int, str, tuple[float, float, float] | None, float | None, int | None, int, int]
"""(node, node id, node vector, radius threshold, daily limit, safety stock, fixed cost):
a node that passes a rule's order-independent checks, with its settings under the rule."""

GeoNode = tuple[float, float, float, float, tuple[int, str, int, int, int]]
"""(x, y, z, radius threshold, (node, node id, daily limit, safety stock, fixed cost)): a
`HotNode` with coordinates, for orders with a destination; the radius test needs only the
first four. No radius is ``-inf``, no limit `NO_LIMIT`."""

NO_LIMIT = sys.maxsize
"""A `GeoNode`'s daily limit when the node has none: no count reaches it."""


def micros(amount: Decimal) -> int:
    """An amount in integer micro-units (half-even below a micro-unit).

    >>> micros(Decimal("1.75"))
    1750000
    """
    return int((amount * 1_000_000).to_integral_value(ROUND_HALF_EVEN))


def cos_of_km(km: Decimal | float) -> float:
    """The dot-product threshold of unit vectors no farther apart than ``km``.

    >>> cos_of_km(0)
    1.0
    """
    angle = float(km) / EARTH_RADIUS_KM
    return -1.0 if angle >= math.pi else math.cos(angle)


class CompiledRule:
    """One rule's filters as per-node flags and thresholds."""

    __slots__ = (
        "allowed",
        "geo_hazmat",
        "geo_plain",
        "hot_hazmat",
        "hot_plain",
        "ignore_capacity",
        "name",
        "no_coordinates_hazmat",
        "no_coordinates_plain",
        "radius_cos",
        "radius_km",
        "safety",
        "single_node",
        "slot",
        "sorts",
        "static",
        "static_hazmat",
    )

    def __init__(self, rule: InventoryRule, network: Network) -> None:
        self.name = rule.name
        self.allowed: list[bool] | None = None
        if rule.node_kinds is not None or rule.nodes is not None or rule.groups is not None:
            self.allowed = [
                (rule.node_kinds is None or node.kind in rule.node_kinds)
                and (rule.nodes is None or node.node_id in rule.nodes)
                and (rule.groups is None or bool(node.groups & rule.groups))
                for node in network.nodes
            ]
        self.radius_cos = None if rule.radius_km is None else cos_of_km(rule.radius_km)
        self.radius_km = rule.radius_km
        self.safety = rule.safety_stock
        self.ignore_capacity = rule.ignore_capacity
        self.single_node = rule.single_node
        self.sorts = rule.sorts
        self.slot = 0
        """Position among the compiled policy's rules; the pickup rule comes last."""
        self.static: list[tuple[Reason, object] | None] = []
        self.static_hazmat: list[tuple[Reason, object] | None] = []
        self.hot_plain: dict[str, HotNode] = {}
        self.hot_hazmat: dict[str, HotNode] = {}
        self.geo_plain: dict[str, GeoNode] = {}
        self.geo_hazmat: dict[str, GeoNode] = {}
        self.no_coordinates_plain: frozenset[str] = frozenset()
        self.no_coordinates_hazmat: frozenset[str] = frozenset()

    @classmethod
    def pickup(cls, network: Network) -> CompiledRule:
        """The implicit first step of a pickup order: the pickup store only."""
        return cls(InventoryRule(name="pickup"), network)


class Compiled:
    """Per-node eligibility, costs, safety stock and capacity for one policy."""

    __slots__ = (
        "allow_partial",
        "alone",
        "exact_max_lines",
        "fixed",
        "hazmat_kinds",
        "hazmat_ok",
        "hazmat_skus",
        "heuristic_budget",
        "ids",
        "index",
        "limit",
        "min_value",
        "no_orders",
        "nodes",
        "packages_first",
        "pickup_fixed",
        "pickup_note",
        "pickup_rule",
        "policy",
        "priority",
        "radius_cos",
        "radius_km",
        "rules",
        "safety",
        "search_budget",
        "ship_note",
        "ship_reason",
        "ship_to_store",
        "split",
        "unfilled",
        "unknown_cost",
        "vec",
        "zone_cos",
        "zone_cost",
        "zones",
    )

    def __init__(self, network: Network, policy: SourcingPolicy) -> None:
        el, costs, cap = policy.eligibility, policy.costs, policy.capacity
        self.policy = policy
        self.nodes = network.nodes
        self.ids = [node.node_id for node in network.nodes]
        self.alone = [(node_id,) for node_id in self.ids]
        """Per node, the node set of its id alone. A decision names its nodes as a tuple,
        in a tuple, in a tuple; the garbage collector untracks a fresh such tuple only in
        a full collection, a long-lived one once for all."""
        self.index = network.index
        self.vec = [None if n.location is None else n.location.vector() for n in network.nodes]
        self.priority = [node.priority for node in network.nodes]
        self.no_orders = (0,) * len(self.ids)
        """Orders counted today per node when the caller gives none."""
        self.ship_reason: list[Reason | None] = []
        self.ship_note: list[str | None] = []
        self.pickup_note: list[str | None] = []
        for node in network.nodes:
            reason, note = _shipping(node.node_id, node.kind, node.ships, policy)
            self.ship_reason.append(reason)
            self.ship_note.append(note)
            pickup = None
            if node.node_id in el.excluded_nodes:
                pickup = "excluded by the policy"
            elif not node.pickup:
                pickup = "does not offer pickup"
            elif not el.pickup:
                pickup = "pickup is off in the policy"
            self.pickup_note.append(pickup)
        self.hazmat_skus = el.hazmat_skus
        self.hazmat_ok = [node.kind in el.hazmat_node_kinds for node in network.nodes]
        self.hazmat_kinds = ", ".join(sorted(k.value for k in el.hazmat_node_kinds)) or "no node"
        self.radius_cos = [
            None if (km := el.radius_km.get(n.kind)) is None else cos_of_km(km)
            for n in network.nodes
        ]
        self.radius_km = [el.radius_km.get(n.kind) for n in network.nodes]
        self.fixed = [
            micros(costs.package.get(n.kind, costs.default_package)) for n in network.nodes
        ]
        self.pickup_fixed = micros(costs.pickup)
        self.safety = [
            el.safety_stock.get(n.node_id, el.default_safety_stock) for n in network.nodes
        ]
        self.limit: list[int | None] = [
            cap.orders_per_day.get(n.node_id, cap.orders_per_day_by_kind.get(n.kind))
            for n in network.nodes
        ]
        self.zone_cos = [cos_of_km(z.up_to_km) for z in costs.zones if z.up_to_km is not None]
        self.zone_cost = [micros(z.unit_cost) for z in costs.zones]
        unknown = costs.unknown_distance_unit_cost
        self.unknown_cost = self.zone_cost[-1] if unknown is None else micros(unknown)
        self.split = policy.split.mode
        self.min_value = policy.split.min_order_value
        self.allow_partial = policy.split.allow_partial
        self.ship_to_store = el.ship_to_store
        self.unfilled = policy.unfilled
        self.packages_first = (
            policy.objective.index(Goal.PACKAGES) < policy.objective.index(Goal.COST)
            if Goal.PACKAGES in policy.objective
            else False
        )
        self.exact_max_lines = policy.exact_max_lines
        self.search_budget = policy.search_budget
        self.heuristic_budget = policy.heuristic_budget
        self.rules = [CompiledRule(rule, network) for rule in policy.rules]
        self.pickup_rule = CompiledRule.pickup(network)
        for slot, compiled_rule in enumerate([*self.rules, self.pickup_rule]):
            compiled_rule.slot = slot
        self.zones = list(zip(self.zone_cos, self.zone_cost, strict=False))
        for rule in self.rules:
            rule.static = self._static(rule, hazmat=False)
            rule.static_hazmat = self._static(rule, hazmat=True)
        at_pickup: list[tuple[Reason, object] | None] = [
            None if note is None else (Reason.NOT_ELIGIBLE, note) for note in self.pickup_note
        ]
        self.pickup_rule.static = self.pickup_rule.static_hazmat = at_pickup
        for rule in [*self.rules, self.pickup_rule]:
            rule.hot_plain = self._hot(rule, rule.static)
            rule.hot_hazmat = self._hot(rule, rule.static_hazmat)
            rule.geo_plain = _geo(rule.hot_plain)
            rule.geo_hazmat = _geo(rule.hot_hazmat)
            rule.no_coordinates_plain = frozenset(rule.hot_plain.keys() - rule.geo_plain.keys())
            rule.no_coordinates_hazmat = frozenset(rule.hot_hazmat.keys() - rule.geo_hazmat.keys())

    def _hot(
        self, rule: CompiledRule, static: list[tuple[Reason, object] | None]
    ) -> dict[str, HotNode]:
        """Per node id that passes ``static``: its settings under ``rule``, for the hot path."""
        out: dict[str, HotNode] = {}
        for n, node_id in enumerate(self.ids):
            if static[n] is not None:
                continue
            # Policy radius and rule radius reject alike: keep the tighter threshold.
            threshold = self.radius_cos[n]
            if rule.radius_cos is not None:
                threshold = (
                    rule.radius_cos if threshold is None else max(threshold, rule.radius_cos)
                )
            limit = None if rule.ignore_capacity else self.limit[n]
            safety = self.safety[n] if rule.safety is None else rule.safety
            out[node_id] = (n, node_id, self.vec[n], threshold, limit, safety, self.fixed[n])
        return out

    def hot(self, rule: CompiledRule, *, hazmat: bool) -> dict[str, HotNode]:
        """The statically eligible nodes of ``rule`` by node id (see `HotNode`)."""
        return rule.hot_hazmat if hazmat else rule.hot_plain

    def geo(self, rule: CompiledRule, *, hazmat: bool) -> dict[str, GeoNode]:
        """`hot`'s nodes that have coordinates, as `GeoNode`."""
        return rule.geo_hazmat if hazmat else rule.geo_plain

    def no_coordinates(self, rule: CompiledRule, *, hazmat: bool) -> frozenset[str]:
        """`hot`'s nodes without coordinates, by node id."""
        return rule.no_coordinates_hazmat if hazmat else rule.no_coordinates_plain

    def _static(self, rule: CompiledRule, *, hazmat: bool) -> list[tuple[Reason, object] | None]:
        """Per node: the first rejection that does not depend on the order, or ``None``."""
        out: list[tuple[Reason, object] | None] = []
        for n in range(len(self.ids)):
            reason = self.ship_reason[n]
            if reason is not None:
                out.append((reason, self.ship_note[n]))
            elif hazmat and not self.hazmat_ok[n]:
                out.append((Reason.HAZMAT, self.hazmat_kinds))
            elif rule.allowed is not None and not rule.allowed[n]:
                out.append((Reason.RULE_FILTER, f"not among rule {rule.name!r}'s nodes"))
            else:
                out.append(None)
        return out

    def unit_cost(self, dot: float | None) -> int:
        """Per-unit cost in micro-units for a node at this dot product from the destination."""
        if dot is None:
            return self.unknown_cost
        for k, threshold in enumerate(self.zone_cos):
            if dot >= threshold:
                return self.zone_cost[k]
        return self.zone_cost[-1]

    def split_allowed(self, request: OrderRequest) -> bool:
        """Whether this order may ship from several nodes."""
        if self.split is SplitMode.NONE:
            return False
        if self.split is SplitMode.ABOVE_VALUE:
            assert self.min_value is not None
            return request.value >= self.min_value
        return True

    def sort_key(
        self, rule: CompiledRule, node: int, dot: float | None, balance: int
    ) -> tuple[float, ...]:
        """The tie key of ``node`` under ``rule``'s sorts, node index last."""
        key: list[float] = []
        for sort in rule.sorts:
            if sort is NodeSort.PROXIMITY:
                key.append(math.inf if dot is None else -dot)
            elif sort is NodeSort.INVENTORY_BALANCE:
                key.append(-balance)
            else:
                key.append(self.priority[node])
        key.append(node)
        return tuple(key)


def _geo(hot: dict[str, HotNode]) -> dict[str, GeoNode]:
    out: dict[str, GeoNode] = {}
    for node_id, (n, _, vec, threshold, limit, safety, fixed) in hot.items():
        if vec is not None:
            x, y, z = vec
            radius = -math.inf if threshold is None else threshold
            rest = (n, node_id, NO_LIMIT if limit is None else limit, safety, fixed)
            out[node_id] = (x, y, z, radius, rest)
    return out


def _shipping(
    node_id: str, kind: LocationKind, ships: bool, policy: SourcingPolicy
) -> tuple[Reason | None, str | None]:
    el = policy.eligibility
    if node_id in el.excluded_nodes:
        return Reason.EXCLUDED, None
    if kind is LocationKind.STORE:
        if not ships:
            return Reason.NOT_ELIGIBLE, "store does not offer ship-from-store"
        if not el.ship_from_store:
            return Reason.NOT_ELIGIBLE, "ship-from-store is off in the policy"
        if node_id in el.ship_from_store_off:
            return Reason.NOT_ELIGIBLE, "ship-from-store is off for this store"
        return None, None
    if not ships:
        return Reason.NOT_ELIGIBLE, "node does not ship to customers"
    return None, None


def compiled(network: Network, policy: SourcingPolicy) -> Compiled:
    """The compiled form of ``policy`` for ``network``, cached on the network."""
    cache: dict[int, tuple[SourcingPolicy, Compiled]] = network._compiled
    hit = cache.get(id(policy))
    if hit is not None and hit[0] is policy:
        return hit[1]
    result = Compiled(network, policy)
    if len(cache) >= _CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[id(policy)] = (policy, result)
    return result
