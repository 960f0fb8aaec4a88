"""The decision trace, recorded cheaply and expanded on demand.

Routing records only what it cannot recompute later: each item's stock entries (shared,
read once per batch), the units each node had left at the time (a copy), and per
rule step the nodes found over capacity and the units earlier steps took. `TraceData.lines`
replays the eligibility checks in the engine's order to name every candidate's outcome.
Pickling expands the trace first, so a pickled plan carries no compiled policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retail_canon.sourcing._trace import Reason

if TYPE_CHECKING:
    from retail_canon.sourcing._compile import Compiled, CompiledRule
    from retail_canon.sourcing._plan import CompactCandidate, CompactLine
    from retail_canon.sourcing._request import OrderRequest

__all__ = ["Entry", "StepRecord", "TraceData"]

Entry = tuple[int | None, str, int]
"""(node index or ``None`` if not in the network, node id, units the view reported)."""


StepRecord = tuple[
    "CompiledRule", dict[int, int], dict[tuple[int, int], int] | None, tuple[int, ...]
]
"""(rule, over-capacity limits by node, units earlier steps took by (item, node), the items
the step sourced)."""


class TraceData:
    """What `SourcingPlan.trace` needs, expanded on first use.

    Kept small, since a batch keeps one per plan: the request (for its lines), per item
    (distinct SKU, in order of first appearance) its stock entries and the units each node
    had left, and one record per rule step.
    """

    __slots__ = ("_comp", "_done", "_dvec", "_entries", "_left", "_pickup", "_req", "_steps")

    def __init__(
        self,
        comp: Compiled | None,
        dvec: tuple[float, float, float] | None,
        pickup: int,
        req: OrderRequest | None,
        entries: tuple[list[Entry], ...],
        left: tuple[dict[str, int], ...],
        steps: tuple[StepRecord, ...],
    ) -> None:
        self._comp = comp
        self._dvec = dvec
        self._pickup = pickup
        self._req = req
        self._entries = entries
        self._left = left
        self._steps = steps
        self._done: tuple[CompactLine, ...] | None = None

    @classmethod
    def expanded(cls, lines: tuple[CompactLine, ...]) -> TraceData:
        """Trace data that is already expanded (what unpickling builds)."""
        data = cls(None, None, -1, None, (), (), ())
        data._done = lines
        return data

    def __reduce__(self) -> tuple[object, ...]:
        return (TraceData.expanded, (self.lines(),))

    def lines(self) -> tuple[CompactLine, ...]:
        """(line id, sku, quantity, uom, candidates) per order line."""
        if self._done is None:
            assert self._req is not None
            item_of: dict[str, int] = {}
            for line in self._req.lines:
                item_of.setdefault(line.sku, len(item_of))
            per_item = [self._candidates(i, sku) for sku, i in item_of.items()]
            self._done = tuple(
                (line.line_id, line.sku, line.quantity, line.uom, per_item[item_of[line.sku]])
                for line in self._req.lines
            )
        return self._done

    def _candidates(self, i: int, sku: str) -> tuple[CompactCandidate, ...]:
        comp = self._comp
        assert comp is not None
        entries, left = self._entries[i], self._left[i]
        hazmat = sku in comp.hazmat_skus
        out: list[CompactCandidate] = []
        dvec = self._dvec
        for rule, over_capacity, used, sourced in self._steps:
            if i not in sourced:
                continue
            pickup = rule is comp.pickup_rule
            static = rule.static_hazmat if hazmat else rule.static
            name = rule.name
            for n, nid, _ in entries:
                avail = max(left[nid], 0)
                if pickup and n != self._pickup:
                    continue
                if n is None:
                    out.append((nid, name, Reason.UNKNOWN_NODE, avail, 0, None, None))
                    continue
                rejected = static[n]
                if rejected is not None:
                    out.append((nid, name, rejected[0], avail, 0, None, rejected[1]))
                    continue
                vec = comp.vec[n]
                dot = None
                if dvec is not None and vec is not None:
                    dot = vec[0] * dvec[0] + vec[1] * dvec[1] + vec[2] * dvec[2]
                reason, note, usable = self._check(
                    comp, rule, pickup, (i, n), avail, dot, over_capacity, used
                )
                out.append((nid, name, reason, avail, usable, dot, note))
        return tuple(out)

    @staticmethod
    def _check(
        comp: Compiled,
        rule: CompiledRule,
        pickup: bool,
        key: tuple[int, int],
        avail: int,
        dot: float | None,
        over_capacity: dict[int, int],
        used: dict[tuple[int, int], int] | None,
    ) -> tuple[Reason | None, object, int]:
        # The engine's order: stock, policy radius, rule radius, capacity, safety stock.
        n = key[1]
        if avail <= 0:
            return Reason.NO_STOCK, None, 0
        if not pickup:
            limit = comp.radius_cos[n]
            if limit is not None and (dot is None or dot < limit):
                return Reason.OUTSIDE_RADIUS, comp.radius_km[n], 0
            if rule.radius_cos is not None and (dot is None or dot < rule.radius_cos):
                return Reason.OUTSIDE_RADIUS, rule.radius_km, 0
        if n in over_capacity:
            return Reason.OVER_CAPACITY, over_capacity[n], 0
        safety = comp.safety[n] if rule.safety is None else rule.safety
        usable = avail - safety - (used.get(key, 0) if used else 0)
        if usable <= 0:
            return Reason.BELOW_SAFETY_STOCK, safety, 0
        return None, None, usable
