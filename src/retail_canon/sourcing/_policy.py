"""The sourcing policy: eligibility, capacity, costs, split policy, objective, rule sets.

A policy is data: a frozen pydantic model that reads from JSON or YAML-loaded dicts
(``SourcingPolicy.model_validate_json(text)``), refuses unknown keys and reads amounts as
exact decimals. The engine compiles it once per network into plain arrays.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from retail_canon.models import CanonicalModel, LocationKind, NonNegativeDecimal

__all__ = [
    "Capacity",
    "Costs",
    "Eligibility",
    "Goal",
    "InventoryRule",
    "NodeSort",
    "SourcingPolicy",
    "Split",
    "SplitMode",
    "UnfilledAction",
    "Zone",
]

Count = Annotated[int, Field(ge=0)]


class Goal(StrEnum):
    """One level of the lexicographic objective."""

    FILL = "fill"
    """Ship as many units as possible now."""
    PACKAGES = "packages"
    """Open as few fulfilment orders (packages) as possible."""
    COST = "cost"
    """Lowest cost: fixed cost per package plus per-unit zone cost."""


class SplitMode(StrEnum):
    """Whether one order may be shipped from several nodes."""

    NONE = "none"
    """One node ships the whole order."""
    ALLOWED = "allowed"
    """Any number of nodes (the objective still prefers fewer)."""
    ABOVE_VALUE = "above_value"
    """Split only when the order's merchandise value is at least ``min_order_value``."""


class UnfilledAction(StrEnum):
    """What the plan says about units no node can ship now."""

    BACKORDER = "backorder"
    REJECT = "reject"


class NodeSort(StrEnum):
    """A rule's preference between nodes, used to break ties after the objective."""

    PROXIMITY = "proximity"
    """Nearer to the destination first."""
    INVENTORY_BALANCE = "inventory_balance"
    """More sellable units of the order's items first."""
    PRIORITY = "priority"
    """Lower `FulfillmentNode.priority` first (HotWax "customer sequence")."""


class Zone(CanonicalModel):
    """A distance band and its per-unit cost."""

    up_to_km: NonNegativeDecimal | None = None
    """Upper bound of the band, inclusive; ``None`` for the last, open band."""
    unit_cost: NonNegativeDecimal


class Eligibility(CanonicalModel):
    """Which nodes may serve an order line at all."""

    ship_from_store: bool = True
    """Network switch: stores may ship to customers (each store must also offer it)."""
    ship_from_store_off: frozenset[str] = frozenset()
    """Stores whose ship-from-store is switched off."""
    pickup: bool = True
    """Stores may serve pickup orders (each store must offer pickup)."""
    ship_to_store: bool = True
    """For pickup orders: lines the pickup store lacks may ship to it from other nodes."""
    hazmat_skus: frozenset[str] = frozenset()
    """SKUs that only `hazmat_node_kinds` may ship."""
    hazmat_node_kinds: frozenset[LocationKind] = frozenset({LocationKind.WAREHOUSE})
    radius_km: dict[LocationKind, NonNegativeDecimal] = Field(default_factory=dict)
    """Greatest distance from the destination per node kind, e.g. stores 300 km."""
    excluded_nodes: frozenset[str] = frozenset()
    safety_stock: dict[str, Count] = Field(default_factory=dict)
    """Brokering safety stock per node: units a node keeps back from sourcing."""
    default_safety_stock: Count = 0


class Capacity(CanonicalModel):
    """Orders a node can take per day (HotWax "facility order limit")."""

    orders_per_day: dict[str, Count] = Field(default_factory=dict)
    """Per node id; takes precedence over the limit of its kind."""
    orders_per_day_by_kind: dict[LocationKind, Count] = Field(default_factory=dict)


class Costs(CanonicalModel):
    """Fixed cost per package by node kind plus per-unit cost by distance zone."""

    package: dict[LocationKind, NonNegativeDecimal] = Field(
        default_factory=lambda: {LocationKind.WAREHOUSE: Decimal(6), LocationKind.STORE: Decimal(9)}
    )
    default_package: NonNegativeDecimal = Decimal(6)
    """Fixed cost of a package from a node kind not listed in ``package``."""
    pickup: NonNegativeDecimal = Decimal(0)
    """Fixed cost of a pickup fulfilment order at the pickup store (no per-unit cost)."""
    zones: tuple[Zone, ...] = (
        Zone(up_to_km=Decimal(150), unit_cost=Decimal("0.50")),
        Zone(up_to_km=Decimal(600), unit_cost=Decimal("1.00")),
        Zone(up_to_km=Decimal(1500), unit_cost=Decimal("1.75")),
        Zone(unit_cost=Decimal("2.50")),
    )
    """Ascending bands; the last one is open (``up_to_km`` is ``None``)."""
    unknown_distance_unit_cost: NonNegativeDecimal | None = None
    """Per-unit cost when the node or the destination has no coordinates; the last zone's
    cost if ``None``."""

    @model_validator(mode="after")
    def _bands(self) -> Self:
        if not self.zones:
            msg = "costs.zones: give at least one zone"
            raise ValueError(msg)
        bounds = [zone.up_to_km for zone in self.zones]
        if bounds[-1] is not None or None in bounds[:-1]:
            msg = "costs.zones: only the last zone is open (up_to_km null)"
            raise ValueError(msg)
        limits = [b for b in bounds if b is not None]
        if limits != sorted(set(limits)):
            msg = f"costs.zones: bounds must rise strictly, got {[str(b) for b in limits]}"
            raise ValueError(msg)
        return self


class Split(CanonicalModel):
    """The split policy."""

    mode: SplitMode = SplitMode.ALLOWED
    min_order_value: NonNegativeDecimal | None = None
    """For ``above_value``: the least merchandise value (sum of unit price × quantity)."""
    allow_partial: bool = True
    """Ship what can ship now; if ``False`` an order is sourced completely or not at all."""

    @model_validator(mode="after")
    def _threshold(self) -> Self:
        if (self.mode is SplitMode.ABOVE_VALUE) != (self.min_order_value is not None):
            msg = "split: min_order_value is required with mode 'above_value' and only there"
            raise ValueError(msg)
        return self


class InventoryRule(CanonicalModel):
    """One step of a HotWax-style rule cascade: node filters, then the objective.

    Rules run in sequence; each sources what the earlier ones left. Nodes a rule keeps must
    also pass the policy's eligibility. A node an earlier rule already uses adds no package.
    """

    name: str = Field(min_length=1)
    node_kinds: frozenset[LocationKind] | None = None
    """Only nodes of these kinds (``None``: every kind)."""
    nodes: frozenset[str] | None = None
    """Only these nodes (a facility group by ids)."""
    groups: frozenset[str] | None = None
    """Only nodes in at least one of these `FulfillmentNode.groups`."""
    radius_km: NonNegativeDecimal | None = None
    """Only nodes within this distance of the destination (HotWax proximity filter)."""
    safety_stock: Count | None = None
    """Brokering safety stock for every node in this rule, replacing the policy's."""
    ignore_capacity: bool = False
    """Let this rule use nodes that reached their daily order limit."""
    single_node: bool = False
    """Assign the remaining lines only if one node can ship all of them (HotWax
    ``ORA_SINGLE``); otherwise leave them to the next rule."""
    sorts: tuple[NodeSort, ...] = ()
    """Preferences that break ties after the objective; node id breaks the rest."""


class SourcingPolicy(CanonicalModel):
    """Everything `source_order` needs to know besides the order, stock and nodes.

    >>> policy = SourcingPolicy.model_validate({"split": {"mode": "none"}})
    >>> policy.split.mode, [goal.value for goal in policy.objective]
    (<SplitMode.NONE: 'none'>, ['fill', 'packages', 'cost'])
    """

    eligibility: Eligibility = Field(default_factory=Eligibility)
    capacity: Capacity = Field(default_factory=Capacity)
    costs: Costs = Field(default_factory=Costs)
    split: Split = Field(default_factory=Split)
    unfilled: UnfilledAction = UnfilledAction.BACKORDER
    objective: tuple[Goal, ...] = (Goal.FILL, Goal.PACKAGES, Goal.COST)
    """Lexicographic; ``fill`` comes first, ``packages`` may be left out."""
    rules: tuple[InventoryRule, ...] = (InventoryRule(name="all nodes"),)
    exact_max_lines: Annotated[int, Field(ge=1, le=16)] = 5
    """Orders with at most this many distinct SKUs get the exact search."""
    search_budget: Annotated[int, Field(ge=1)] = 20_000
    """Search steps per order for the exact search; it reports ``bounded`` if it runs out."""
    heuristic_budget: Annotated[int, Field(ge=1)] = 2_000
    """Search steps per order for larger orders, after the greedy start."""

    @model_validator(mode="after")
    def _valid(self) -> Self:
        goals = self.objective
        if len(set(goals)) != len(goals) or not goals or goals[0] is not Goal.FILL:
            msg = "objective: 'fill' first, then 'packages' and/or 'cost', each once"
            raise ValueError(msg)
        if Goal.COST not in goals:
            msg = "objective: 'cost' is required (it makes the choice unique up to ties)"
            raise ValueError(msg)
        if not self.rules:
            msg = "rules: give at least one rule"
            raise ValueError(msg)
        names = [rule.name for rule in self.rules]
        if len(set(names)) != len(names):
            msg = f"rules: names must be unique, got {names}"
            raise ValueError(msg)
        return self
