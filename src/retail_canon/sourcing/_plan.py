"""The result of sourcing one order: allocations, unfilled lines, cost and the trace."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from retail_canon.sourcing._policy import UnfilledAction
from retail_canon.sourcing._trace import (
    Alternative,
    Basis,
    Candidate,
    LineTrace,
    Method,
    Outcome,
    Reason,
    StepDecision,
    distance_from_dot,
    line_why,
    money,
    rejection_detail,
)

if TYPE_CHECKING:
    from retail_canon.models import Address, FulfillmentOrder
    from retail_canon.sourcing._inventory import AllocatedInventory
    from retail_canon.sourcing._lazy import TraceData

__all__ = ["Allocation", "BatchResult", "SourcingPlan", "UnfilledLine"]

CompactCandidate = tuple[str, str, Reason | None, int, int, float | None, object]
"""(node id, rule, reason or None, available, usable, dot product, note)."""
CompactLine = tuple[str, str, int, str, tuple[CompactCandidate, ...]]
"""(line id, sku, quantity, uom, candidates)."""
CompactAllocation = tuple[str, str, str, int, str, str]
"""An `Allocation`'s fields in order: (node id, line id, sku, quantity, rule, uom)."""
CompactDecision = tuple[
    str, str, str, tuple[str, ...], int, int, int, int, tuple[str, ...] | None, int, int, int
]
"""A `StepDecision` as one flat tuple, `Method` and `Basis` as their string values: (rule,
method, basis, nodes, units, packages, cost in micro-units, search steps, then the
runner-up's nodes (``None`` if there is none), units, packages and cost)."""


@attrs.frozen
class Allocation:
    """Units of one order line that one node ships."""

    node_id: str
    line_id: str
    sku: str
    quantity: int
    rule: str
    """The rule step that chose the node."""
    uom: str = "EA"


@attrs.frozen
class UnfilledLine:
    """Units of one order line that no node ships now."""

    line_id: str
    sku: str
    quantity: int
    action: UnfilledAction
    reason: str


@attrs.frozen(init=False, repr=False)
class SourcingPlan:
    """Where each line of one order ships from, what stays unfilled, and why.

    ``packages`` counts fulfilment orders (one per node); ``cost`` is their fixed costs
    plus per-unit zone costs, in the policy's currency units.

    A batch keeps every plan it returns, so a plan holds its allocations and step
    decisions as tuples of plain values (which the garbage collector stops tracking) and
    builds the `Allocation` and `StepDecision` objects on first access. Plans compare,
    hash and pickle by those values, exactly as by the objects.
    """

    order_id: str
    _allocs: tuple[CompactAllocation, ...] = attrs.field(alias="allocations")
    unfilled: tuple[UnfilledLine, ...]
    packages: int
    cost_micros: int
    _steps: tuple[CompactDecision, ...] = attrs.field(alias="decisions")
    pickup_at: str | None = None
    trace_data: TraceData | None = attrs.field(default=None, eq=False)
    ship_to: Address | None = attrs.field(default=None, eq=False)
    pickup_address: Address | None = attrs.field(default=None, eq=False)
    _allocations: tuple[Allocation, ...] | None = attrs.field(default=None, init=False, eq=False)
    _decisions: tuple[StepDecision, ...] | None = attrs.field(default=None, init=False, eq=False)

    def __init__(
        self,
        order_id: str,
        allocations: Iterable[Allocation | CompactAllocation],
        unfilled: tuple[UnfilledLine, ...],
        packages: int,
        cost_micros: int,
        decisions: Iterable[StepDecision | CompactDecision],
        pickup_at: str | None = None,
        trace_data: TraceData | None = None,
        ship_to: Address | None = None,
        pickup_address: Address | None = None,
    ) -> None:
        """Allocations and decisions as objects, or as the tuples of their fields."""
        self.__attrs_init__(
            order_id,
            tuple(
                (a.node_id, a.line_id, a.sku, a.quantity, a.rule, a.uom)
                if isinstance(a, Allocation)
                else a
                for a in allocations
            ),
            unfilled,
            packages,
            cost_micros,
            tuple(_compact_decision(d) if isinstance(d, StepDecision) else d for d in decisions),
            pickup_at,
            trace_data,
            ship_to,
            pickup_address,
        )

    @classmethod
    def _from_tuples(
        cls,
        order_id: str,
        allocations: tuple[CompactAllocation, ...],
        unfilled: tuple[UnfilledLine, ...],
        packages: int,
        cost_micros: int,
        decisions: tuple[CompactDecision, ...],
        pickup_at: str | None = None,
        trace_data: TraceData | None = None,
        ship_to: Address | None = None,
        pickup_address: Address | None = None,
    ) -> SourcingPlan:
        """A plan from allocations and decisions as tuples (what the engine builds).

        The same as the constructor, without checking which form the two come in; see
        `CompactAllocation` and `CompactDecision` for the tuples' layout.
        """
        plan = cls.__new__(cls)
        plan.__attrs_init__(
            order_id,
            allocations,
            unfilled,
            packages,
            cost_micros,
            decisions,
            pickup_at,
            trace_data,
            ship_to,
            pickup_address,
        )
        return plan

    @property
    def allocations(self) -> tuple[Allocation, ...]:
        """Units each node ships, per order line, in line order."""
        done = self._allocations
        if done is None:
            done = tuple(Allocation(*a) for a in self._allocs)
            object.__setattr__(self, "_allocations", done)
        return done

    @property
    def decisions(self) -> tuple[StepDecision, ...]:
        """One decision per rule step that had lines to source."""
        done = self._decisions
        if done is None:
            done = tuple(_decision(*d) for d in self._steps)
            object.__setattr__(self, "_decisions", done)
        return done

    def __repr__(self) -> str:
        return (
            f"SourcingPlan(order_id={self.order_id!r}, allocations={self.allocations!r}, "
            f"unfilled={self.unfilled!r}, packages={self.packages!r}, "
            f"decisions={self.decisions!r}, pickup_at={self.pickup_at!r})"
        )

    def __getstate__(self) -> dict[str, object]:
        # The objects built on access are not pickled: the values they come from are.
        return {
            f.name: getattr(self, f.name)
            for f in attrs.fields(SourcingPlan)
            if f.name not in ("_allocations", "_decisions")
        }

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_allocations", None)
        object.__setattr__(self, "_decisions", None)

    @property
    def cost(self) -> Decimal:
        """Total cost: to the cent when that is exact, else to the micro-unit."""
        return money(self.cost_micros)

    @property
    def nodes(self) -> tuple[str, ...]:
        """Nodes that ship something, by id."""
        return tuple(sorted({a[0] for a in self._allocs}))

    @property
    def units(self) -> int:
        """Units allocated."""
        return sum(a[3] for a in self._allocs)

    @property
    def units_unfilled(self) -> int:
        """Units no node ships now."""
        return sum(u.quantity for u in self.unfilled)

    def fulfillment_orders(self) -> tuple[FulfillmentOrder, ...]:
        """One canonical `FulfillmentOrder` per node, ids ``{order_id}:{node_id}``.

        A pickup order's fulfilment order at the pickup store has service level
        ``PICKUP`` and no destination; other nodes of a pickup order ship to the store.
        """
        from retail_canon.models import FulfillmentLine, FulfillmentOrder, Quantity

        orders = []
        for node in self.nodes:
            lines = tuple(
                FulfillmentLine(
                    line_id=a.line_id,
                    sales_order_line_id=a.line_id,
                    sku=a.sku,
                    quantity=Quantity(value=a.quantity, uom=a.uom),
                )
                for a in self.allocations
                if a.node_id == node
            )
            pickup = node == self.pickup_at
            destination = self.ship_to if self.pickup_at is None else self.pickup_address
            orders.append(
                FulfillmentOrder(
                    fulfillment_order_id=f"{self.order_id}:{node}",
                    sales_order_id=self.order_id,
                    origin_location_id=node,
                    destination=None if pickup else destination,
                    service_level="PICKUP" if pickup else None,
                    lines=lines,
                )
            )
        return tuple(orders)

    def trace(self) -> tuple[LineTrace, ...]:
        """The decision trace, one entry per order line, in line order.

        Candidates come step by step (rule order), by node id within a step.
        """
        shipped: dict[str, list[tuple[str, int]]] = {}
        chosen: set[tuple[str, str, str]] = set()
        for a in self.allocations:
            shipped.setdefault(a.line_id, []).append((a.node_id, a.quantity))
            chosen.add((a.line_id, a.node_id, a.rule))
        unfilled = {u.line_id: u for u in self.unfilled}
        decisions = {d.rule: d for d in self.decisions}
        steps = {d.rule: k for k, d in enumerate(self.decisions)}
        traces = []
        lines = self.trace_data.lines() if self.trace_data is not None else ()
        for line_id, sku, quantity, _, compact in lines:
            ordered = sorted(compact, key=lambda c: (steps.get(c[1], len(steps)), c[0]))
            winners = ", ".join(node for node, _ in shipped.get(line_id, ())) or "no node"
            candidates = []
            for node, rule, reason, available, usable, dot, note in ordered:
                if reason is not None:
                    outcome = Outcome.REJECTED
                    detail = rejection_detail(reason, available, dot, note)
                elif (line_id, node, rule) in chosen:
                    outcome, detail = Outcome.CHOSEN, f"ships this line ({usable} usable)"
                else:
                    outcome = Outcome.NOT_CHOSEN
                    detail = _lost(node, usable, winners, decisions.get(rule))
                distance = distance_from_dot(dot)
                candidates.append(
                    Candidate(node, rule, outcome, reason, available, usable, distance, detail)
                )
            gap = unfilled.get(line_id)
            lost = gap.quantity if gap else 0
            tail = f"{gap.action.value}: {gap.reason}" if gap else ""
            used = dict.fromkeys(rule for (lid, _, rule) in sorted(chosen) if lid == line_id)
            rules = used or dict.fromkeys(c[1] for c in ordered)
            relevant = [decisions[r] for r in rules if r in decisions]
            traces.append(
                LineTrace(
                    line_id,
                    sku,
                    quantity,
                    tuple(candidates),
                    tuple(shipped.get(line_id, ())),
                    lost,
                    line_why(shipped.get(line_id, ()), lost, relevant, tail),
                )
            )
        return tuple(traces)

    def explain(self) -> str:
        """The plan and its trace as text, one block per line."""
        out = [
            f"order {self.order_id}: {self.units} units from {len(self.nodes)} node(s) "
            f"{list(self.nodes)}, {self.packages} package(s), cost {self.cost}"
        ]
        out += [f"  step {d.rule!r}: {d.why()}" for d in self.decisions]
        for line in self.trace():
            out.append(f"  line {line.line_id} ({line.sku} x {line.quantity}): {line.why}")
            width = max((len(c.node_id) for c in line.candidates), default=0)
            for c in line.candidates:
                label = c.outcome.value if c.reason is None else f"rejected, {c.reason.value}"
                out.append(f"    [{c.rule}] {c.node_id:<{width}}  {label}: {c.detail}")
        return "\n".join(out)


@attrs.frozen
class BatchResult:
    """What `source_batch` returns: plans in processing order, stock and capacity after."""

    plans: tuple[SourcingPlan, ...]
    inventory: AllocatedInventory
    """The input view less everything the batch allocated."""
    orders_today: Mapping[str, int]
    """Orders per node counted against daily capacity, this batch included."""


def _lost(node: str, usable: int, winners: str, decision: StepDecision | None) -> str:
    if decision is None or not decision.nodes:
        return f"{usable} usable; the step chose no node"
    if node in decision.nodes:
        return f"{usable} usable and in the plan, but this line ships from {winners}"
    won = decision.basis.value.replace("_", " ")
    return f"{usable} usable; not in the chosen set {{{', '.join(decision.nodes)}}} ({won})"


def _compact_decision(d: StepDecision) -> CompactDecision:
    alt = d.runner_up
    head = (d.rule, d.method.value, d.basis.value, d.nodes, d.units, d.packages, d.cost_micros)
    if alt is None:
        return (*head, d.search_steps, None, 0, 0, 0)
    return (*head, d.search_steps, alt.nodes, alt.units, alt.packages, alt.cost_micros)


def _decision(
    rule: str,
    method: str,
    basis: str,
    nodes: tuple[str, ...],
    units: int,
    packages: int,
    cost_micros: int,
    search_steps: int,
    other: tuple[str, ...] | None,
    other_units: int,
    other_packages: int,
    other_cost: int,
) -> StepDecision:
    alt = None if other is None else Alternative(other, other_units, other_packages, other_cost)
    return StepDecision(
        rule, Method(method), Basis(basis), nodes, units, packages, cost_micros, alt, search_steps
    )
