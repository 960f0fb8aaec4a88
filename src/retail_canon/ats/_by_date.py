"""ATS by date: today's numbers plus incoming supply from the day it can be sold.

Kept apart from the number for *now* (Shopify keeps ``incoming`` out of ``available``
too): a purchase-order line or inbound transfer adds to its node's net stock from
``eta + receiving lead time``, before the per-node clamp and safety stock, exactly as a
receipt would. Receipts that are overdue count from ``as_of``. Reservations are taken as
of ``as_of``.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta

from retail_canon.ats._allocate import split
from retail_canon.ats._compile import Compiled, contribution
from retail_canon.ats._errors import UnknownChannel
from retail_canon.ats._result import AtsResult
from retail_canon.ats._types import Incoming, check_aware

__all__ = ["AtsTimeline", "ats_by_date"]

Steps = tuple[tuple[datetime, int], ...]


class AtsTimeline(Mapping[tuple[str, str], Steps]):
    """Per (channel, SKU), the ATS as steps ``(from, units)``, the first at ``as_of``."""

    def __init__(self, result: AtsResult, steps: dict[tuple[str, str], Steps]) -> None:
        self._result = result
        self._steps = steps
        self.as_of = result.as_of

    def __getitem__(self, key: tuple[str, str]) -> Steps:
        found = self._steps.get(key)
        if found is not None:
            return found
        return ((self.as_of, self._result[key]),)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._result)

    def __len__(self) -> int:
        return len(self._result)

    def at(self, channel: str, sku: str, when: datetime) -> int:
        """The ATS on ``channel`` of ``sku`` at ``when`` (its ``as_of`` value before that)."""
        if channel not in self._result.channels:
            msg = f"unknown channel {channel!r}"
            raise UnknownChannel(msg)
        steps = self.get((channel, sku), ((self.as_of, 0),))
        i = bisect.bisect_right([t for t, _ in steps], when) - 1
        return steps[max(i, 0)][1]


def _sku_values(
    comp: Compiled, sku: str, nets: dict[str, int], demand: dict[str, int]
) -> dict[str, int]:
    sums = [0] * len(comp.sources)
    for node, net in nets.items():
        n = comp.node_index.get(node)
        if n is None:
            continue
        for s, fixed, num, den in comp.profile_of(sku, n):
            sums[s] += contribution(net, fixed, num, den)
    out = {}
    for s, source in enumerate(comp.sources):
        d = max(0, sum(q for c, q in demand.items() if comp.demand_source(c) == s))
        total = max(0, sums[s] - d - comp.threshold(source, sku))
        spec = comp.pools[s]
        if spec is None:
            out[source] = total
            continue
        parts = split(total, spec.nums, spec.den, spec.total_num)
        for m, member in enumerate(spec.members):
            out[member] = max(0, parts[m] - comp.threshold(member, sku))
    return out


def ats_by_date(
    result: AtsResult,
    incoming: Iterable[Incoming],
    *,
    receiving_lead: timedelta | Mapping[str, timedelta] = timedelta(0),
) -> AtsTimeline:
    """The ATS of ``result`` over time as incoming supply becomes sellable.

    Args:
        result: a full recompute (its positions, holds, rules and ``as_of`` are used).
        incoming: purchase-order lines and inbound transfers with their ETA.
        receiving_lead: time from arrival to sellable, for every node or per node
            (nodes not in the mapping: none).

    Returns:
        An `AtsTimeline`; SKUs without incoming supply keep one step, today's number.

    >>> from datetime import UTC, datetime, timedelta
    >>> from retail_canon.ats import Channel, Incoming, Node, Position, Rules, compute
    >>> t = datetime(2026, 3, 1, tzinfo=UTC)
    >>> rules = Rules(nodes=[Node("DC1", "DC")], channels=[Channel("web")])
    >>> now = compute([Position("MUG", "DC1", on_hand=-2)], [], rules, as_of=t)
    >>> po = Incoming("MUG", "DC1", 10, eta=t + timedelta(days=3), reference="PO-7/1")
    >>> steps = ats_by_date(now, [po], receiving_lead=timedelta(days=1))["web", "MUG"]
    >>> [(when.date().isoformat(), units) for when, units in steps]
    [('2026-03-01', 0), ('2026-03-05', 8)]
    """
    comp: Compiled = result._compiled
    as_of = result.as_of
    arrivals: dict[str, list[tuple[datetime, str, int]]] = {}
    for supply in incoming:
        check_aware(supply.eta, "eta")
        lead = (
            receiving_lead
            if isinstance(receiving_lead, timedelta)
            else receiving_lead.get(supply.node, timedelta(0))
        )
        when = max(supply.eta + lead, as_of)
        arrivals.setdefault(supply.sku, []).append((when, supply.node, supply.quantity))
    steps: dict[tuple[str, str], Steps] = {}
    for sku, supply_list in arrivals.items():
        explanation_rows = result._rows(sku)
        held: dict[str, int] = {}
        for r in result._holds(sku):
            if r.expires_at is None or r.expires_at > as_of:
                held[r.node] = held.get(r.node, 0) + r.quantity
        nets = {
            p.node: p.on_hand
            - p.committed
            - p.reserved
            - p.damaged
            - p.quality_control
            - p.safety_stock
            - held.get(p.node, 0)
            for p in explanation_rows
        }
        demand = {c: q for (c, k), q in result._unassigned.items() if k == sku}
        series = {c: [(as_of, _own(comp, result, c, sku))] for c in result.channels}
        for when in sorted({w for w, _, _ in supply_list}):
            for _, node, qty in (s for s in supply_list if s[0] == when):
                nets[node] = nets.get(node, 0) + qty
            for channel, value in _sku_values(comp, sku, nets, demand).items():
                _step(series[channel], when, value)
        for channel, values in series.items():
            steps[channel, sku] = tuple(values)
    _kits(comp, result, steps)
    return AtsTimeline(result, steps)


def _step(series: list[tuple[datetime, int]], when: datetime, value: int) -> None:
    if series[-1][0] == when:
        series[-1] = (when, value)
    elif series[-1][1] != value:
        series.append((when, value))


def _own(comp: Compiled, result: AtsResult, channel: str, sku: str) -> int:
    """``result``'s value less, for a kit, what its components could build."""
    value = result.get((channel, sku), 0)
    kit = comp.kits.get(sku)
    if kit is not None:
        value -= min(result.get((channel, c), 0) // q for c, q in kit.components)
    return value


def _kits(comp: Compiled, result: AtsResult, steps: dict[tuple[str, str], Steps]) -> None:
    channels = result.channels
    for kit in comp.kits.values():
        skus = [kit.sku, *(c for c, _ in kit.components)]
        if not any((channels[0], s) in steps for s in skus):
            continue
        for channel in channels:
            own = steps.get(
                (channel, kit.sku), ((result.as_of, _own(comp, result, channel, kit.sku)),)
            )
            parts = [
                steps.get((channel, c), ((result.as_of, result.get((channel, c), 0)),))
                for c, _ in kit.components
            ]
            series: list[tuple[datetime, int]] = [(result.as_of, -1)]
            for when in sorted({t for p in (own, *parts) for t, _ in p}):
                build = min(
                    _value_at(p, when) // q for p, (_, q) in zip(parts, kit.components, strict=True)
                )
                _step(series, when, _value_at(own, when) + build)
            steps[channel, kit.sku] = tuple(series)


def _value_at(steps: Steps, when: datetime) -> int:
    i = bisect.bisect_right([t for t, _ in steps], when) - 1
    return steps[max(i, 0)][1]
