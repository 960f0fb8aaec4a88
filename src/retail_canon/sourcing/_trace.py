"""The decision trace: for every line, the candidate nodes, why each lost, why the winner won.

The engine records compact tuples on the hot path; `SourcingPlan.trace` turns them into
these objects on demand, so routing pays for the explanation only when someone reads it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum

import attrs

from retail_canon.sourcing._network import EARTH_RADIUS_KM

__all__ = [
    "Alternative",
    "Basis",
    "Candidate",
    "LineTrace",
    "Method",
    "Outcome",
    "Reason",
    "StepDecision",
    "distance_from_dot",
    "line_why",
    "money",
    "rejection_detail",
]


class Reason(StrEnum):
    """Why a node cannot serve a line."""

    NOT_ELIGIBLE = "not_eligible"
    """The node does not ship (or ship-from-store is off), or does not offer pickup."""
    EXCLUDED = "excluded"
    HAZMAT = "hazmat"
    """A hazmat SKU and a node kind that may not ship it."""
    RULE_FILTER = "rule_filter"
    """The rule's kind, node or group filter leaves the node out."""
    OUTSIDE_RADIUS = "outside_radius"
    OVER_CAPACITY = "over_capacity"
    NO_STOCK = "no_stock"
    BELOW_SAFETY_STOCK = "below_safety_stock"
    """Nothing left after the brokering safety stock."""
    UNKNOWN_NODE = "unknown_node"
    """The inventory view names a node that is not part of the network."""


class Outcome(StrEnum):
    """What happened to a candidate node for one line."""

    CHOSEN = "chosen"
    NOT_CHOSEN = "not_chosen"
    REJECTED = "rejected"


class Basis(StrEnum):
    """Why the chosen nodes of a rule step beat the best alternative."""

    ONLY_OPTION = "only_option"
    MORE_UNITS = "more_units"
    FEWER_PACKAGES = "fewer_packages"
    LOWER_COST = "lower_cost"
    TIE_BREAK = "tie_break"
    """Same units, packages and cost: the rule's sorts, then node ids, decided."""
    PICKUP_STORE = "pickup_store"
    """The customer collects the order at this store."""
    NOTHING = "nothing"
    """No node could ship anything in this step."""


class Method(StrEnum):
    """How a rule step was decided."""

    EXACT = "exact"
    """Proven best over every candidate node set."""
    BOUNDED = "bounded"
    """Best found within the search budget (large orders, or a budget that ran out)."""
    SINGLE_NODE = "single_node"
    """Every single candidate node compared (no split or a single-node rule)."""
    PICKUP = "pickup"


def money(micros: int) -> Decimal:
    """Micro-units as a Decimal: to the cent when that is exact, else to the micro-unit.

    >>> money(16_500_000), money(1_234)
    (Decimal('16.50'), Decimal('0.001234'))
    """
    exact = Decimal(micros).scaleb(-6)
    return exact.quantize(_CENT) if micros % 10_000 == 0 else exact


_CENT = Decimal("0.01")


@attrs.frozen
class Alternative:
    """The best plan the search saw besides the chosen one."""

    nodes: tuple[str, ...]
    units: int
    packages: int
    cost_micros: int = attrs.field(repr=False)

    @property
    def cost(self) -> Decimal:
        """Cost in currency units, to the cent."""
        return money(self.cost_micros)

    def describe(self) -> str:
        """E.g. ``{wh-2, store-7}: 2 units, 2 packages, cost 17.50``."""
        return (
            f"{{{', '.join(self.nodes)}}}: {_count(self.units, 'unit')}, "
            f"{_count(self.packages, 'package')}, cost {self.cost}"
        )


@attrs.frozen
class StepDecision:
    """The decision of one rule step for the whole order."""

    rule: str
    method: Method
    basis: Basis
    nodes: tuple[str, ...]
    """Nodes that ship in this step."""
    units: int
    packages: int
    """New packages this step opened (a node already in the plan adds none)."""
    cost_micros: int = attrs.field(repr=False)
    runner_up: Alternative | None = None
    search_steps: int = 0

    @property
    def cost(self) -> Decimal:
        """Cost this step added, in currency units, to the cent."""
        return money(self.cost_micros)

    def why(self) -> str:
        """One sentence: why these nodes won this step."""
        alt = self.runner_up
        own = (
            f"{{{', '.join(self.nodes)}}} ships {_count(self.units, 'unit')} in "
            f"{_count(self.packages, 'new package')} for {self.cost} ({self.method.value})"
        )
        basis = self.basis
        if basis is Basis.NOTHING:
            return f"rule {self.rule!r}: no candidate node could ship these lines"
        if basis is Basis.PICKUP_STORE:
            return f"{own}: the customer collects at {self.nodes[0]}"
        if basis is Basis.ONLY_OPTION or alt is None:
            return f"{own}: the only way to ship these units"
        if basis is Basis.MORE_UNITS:
            return f"{own}: ships more units than the next best, {alt.describe()}"
        if basis is Basis.FEWER_PACKAGES:
            return f"{own}: fewest packages; the next best is {alt.describe()}"
        if basis is Basis.LOWER_COST:
            return f"{own}: lowest cost; the next best is {alt.describe()}"
        return f"{own}: ties with {alt.describe()}; the rule's sorts and node ids decide"


@attrs.frozen
class Candidate:
    """One node considered for one line in one rule step."""

    node_id: str
    rule: str
    outcome: Outcome
    reason: Reason | None
    available: int
    """Sellable units the inventory view reported (after this batch's allocations)."""
    usable: int
    """Units sourcing could take: available less the brokering safety stock."""
    distance_km: float | None
    detail: str


@attrs.frozen
class LineTrace:
    """Every candidate for one order line, what it shipped from where, and why."""

    line_id: str
    sku: str
    quantity: int
    candidates: tuple[Candidate, ...]
    shipped_from: tuple[tuple[str, int], ...]
    """(node id, units) in the plan."""
    unfilled: int
    why: str


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def distance_from_dot(dot: float | None) -> float | None:
    """Great-circle distance in km between two unit vectors with this dot product.

    >>> distance_from_dot(1.0), distance_from_dot(None)
    (0.0, None)
    """
    if dot is None:
        return None
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, dot)))


def rejection_detail(reason: Reason, available: int, dot: float | None, note: object) -> str:
    """Text for a rejected candidate; ``note`` is the limit that applied (or a phrase)."""
    if reason is Reason.OUTSIDE_RADIUS:
        km = distance_from_dot(dot)
        if km is None:
            return f"radius {note} km applies, but node or destination has no coordinates"
        return f"{km:.0f} km from the destination, beyond the {note} km radius"
    if reason is Reason.OVER_CAPACITY:
        return f"reached its limit of {note} orders today"
    if reason is Reason.BELOW_SAFETY_STOCK:
        return f"{available} available, brokering safety stock {note}"
    if reason is Reason.NO_STOCK:
        return f"{available} available"
    if reason is Reason.HAZMAT:
        return f"hazmat item; only {note} may ship it"
    if reason is Reason.EXCLUDED:
        return "excluded by the policy"
    if reason is Reason.UNKNOWN_NODE:
        return "the inventory view names it, but it is not in the network"
    return str(note)


def line_why(
    shipped: Sequence[tuple[str, int]], unfilled: int, decisions: Sequence[StepDecision], tail: str
) -> str:
    """The line's sentence: where it ships from and why those nodes won."""
    parts = []
    if shipped:
        where = ", ".join(f"{units} from {node}" for node, units in shipped)
        parts.append(f"ships {where}")
    if unfilled:
        parts.append(f"{unfilled} unfilled ({tail})")
    reasons = " ".join(f"Rule {d.rule!r}: {d.why()}." for d in decisions)
    return "; ".join(parts) + (f". {reasons}" if reasons else ".")
