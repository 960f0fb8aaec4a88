"""The decision trace, recorded cheaply and expanded on demand.

Routing records only what it cannot recompute later: per item the nodes with a stock
entry (shared, read once per batch) and the units each had left at the time, and per rule
step the nodes found over capacity and the units earlier steps took, as flat tuples of
ints and strings: the garbage collector stops tracking such a tuple the first time it looks
at it, so what a kept plan costs it is two objects (the plan and this one).
`TraceData.lines` replays the eligibility checks in the engine's order to name every
candidate's outcome.
Pickling expands the trace first, so a pickled plan carries no compiled policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from retail_canon.sourcing._trace import Reason

if TYPE_CHECKING:
    from retail_canon.sourcing._compile import Compiled, CompiledRule
    from retail_canon.sourcing._plan import CompactCandidate, CompactLine
    from retail_canon.sourcing._request import OrderRequest

__all__ = ["PICKUP_RULE", "TraceData"]

PICKUP_RULE = -1
"""The rule index of the pickup step."""


class TraceData:
    """What `SourcingPlan.trace` needs, expanded on first use.

    Kept small, since a batch keeps one per plan: the request (for its lines), per item
    (distinct SKU, in order of first appearance) the nodes with a stock entry and the units
    each had left, and one record per rule step.

    ``left`` has the units of every item's nodes, item after item. ``steps`` has per rule
    step: the rule's index in the policy's rules (or `PICKUP_RULE`), then a count and that
    many (node, limit) pairs of nodes found over capacity, a count and that many (item,
    node, units) triples earlier steps took, and a count and that many items the step
    sourced.
    """

    __slots__ = ("_comp", "_done", "_dvec", "_left", "_nodes", "_pickup", "_req", "_steps")

    def __init__(
        self,
        comp: Compiled | None,
        dvec: tuple[float, float, float] | None,
        pickup: int,
        req: OrderRequest | None,
        nodes: tuple[tuple[str, ...], ...],
        left: tuple[int, ...],
        steps: tuple[int, ...],
    ) -> None:
        self._comp = comp
        self._dvec = dvec
        self._pickup = pickup
        self._req = req
        self._nodes = nodes
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
        start = sum(len(nodes) for nodes in self._nodes[:i])
        nodes = self._nodes[i]
        left = dict(zip(nodes, self._left[start : start + len(nodes)], strict=True))
        index_get = comp.index.get
        entries = [(index_get(nid), nid) for nid in left]
        hazmat = sku in comp.hazmat_skus
        out: list[CompactCandidate] = []
        dvec = self._dvec
        for k, over_capacity, used, sourced in _records(self._steps):
            if i not in sourced:
                continue
            pickup = k == PICKUP_RULE
            rule = comp.pickup_rule if pickup else comp.rules[k]
            static = rule.static_hazmat if hazmat else rule.static
            name = rule.name
            for n, nid in entries:
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
        used: dict[tuple[int, int], int],
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
        usable = avail - safety - used.get(key, 0)
        if usable <= 0:
            return Reason.BELOW_SAFETY_STOCK, safety, 0
        return None, None, usable


def _records(
    flat: tuple[int, ...],
) -> Iterator[tuple[int, dict[int, int], dict[tuple[int, int], int], tuple[int, ...]]]:
    """The step records in ``flat``: (rule index, over-capacity limits, units taken, items)."""
    j = 0
    while j < len(flat):
        k, count = flat[j], flat[j + 1]
        j += 2
        over = {flat[j + 2 * x]: flat[j + 2 * x + 1] for x in range(count)}
        j += 2 * count
        count = flat[j]
        j += 1
        used = {(flat[j + 3 * x], flat[j + 3 * x + 1]): flat[j + 3 * x + 2] for x in range(count)}
        j += 3 * count
        count = flat[j]
        yield k, over, used, flat[j + 1 : j + 1 + count]
        j += 1 + count
