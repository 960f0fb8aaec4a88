"""Explanations: every term of one channel's number for one SKU, for a support analyst.

`explain_sku` recomputes the number from its terms with the same arithmetic as the engines
(so the explanation is never out of step with them) and keeps each term: the nodes and
their buckets, why a node is in or out, which rule set the safety stock, the reservations
counted and those that expired, demand, thresholds, the pool split and kit components.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from retail_canon.ats._allocate import split
from retail_canon.ats._compile import Compiled, contribution, ss_parameters
from retail_canon.ats._errors import UnknownChannel
from retail_canon.ats._rules import SafetyStock, SafetyStockLevel
from retail_canon.ats._types import Position, Reservation

__all__ = [
    "Explanation",
    "KitTerm",
    "NodeTerm",
    "PoolTerm",
    "ReservationTerm",
    "explain_sku",
]


@attrs.frozen
class ReservationTerm:
    """A reservation of the SKU at a node, counted (``active``) or expired."""

    reservation_id: str
    node: str
    quantity: int
    expires_at: datetime | None
    channel: str | None
    active: bool


@attrs.frozen
class NodeTerm:
    """One node's part: buckets, net stock, eligibility, safety stock and contribution."""

    node: str
    node_type: str | None
    on_hand: int
    committed: int
    reserved: int
    unavailable: int
    """damaged + quality_control + the physical safety_stock bucket."""
    held: int
    """Units held by unexpired reservations."""
    net: int
    eligible: bool
    eligibility: str
    safety_stock: int
    """Units held back by the rule (0 when the node is not eligible)."""
    safety_stock_rule: str
    contribution: int


@attrs.frozen
class PoolTerm:
    """How a pool's total was split between its channels (priority = order of shares)."""

    pool: str
    total: int
    shares: tuple[tuple[str, Decimal, int], ...]
    """(channel, percent, part) for every member, in priority order."""


@attrs.frozen
class KitTerm:
    """A kit's own stock plus how many can be built from each component."""

    own: int
    components: tuple[tuple[str, int, int, int], ...]
    """(component SKU, quantity per kit, its ATS, kits it could build)."""
    buildable: int


@attrs.frozen
class Explanation:
    """Every term of ``ats`` for one channel and SKU; ``str()`` renders it for people."""

    channel: str
    sku: str
    as_of: datetime
    ats: int
    source: str
    """The channel itself, or the pool it takes its stock from."""
    nodes: tuple[NodeTerm, ...]
    node_total: int
    unassigned: int
    threshold: int
    total: int
    """max(0, node_total − unassigned − threshold): the source's number."""
    pool: PoolTerm | None
    channel_threshold: int
    kit: KitTerm | None
    reservations: tuple[ReservationTerm, ...]

    def __str__(self) -> str:
        return "\n".join(_render(self))


_LEVEL_NAMES = {
    SafetyStockLevel.GLOBAL: "global",
    SafetyStockLevel.CHANNEL: "channel",
    SafetyStockLevel.NODE_TYPE: "node type",
    SafetyStockLevel.NODE: "node",
    SafetyStockLevel.SKU_NODE: "SKU × node",
}


def _rule_label(comp: Compiled, rule: SafetyStock | None) -> str:
    if rule is None:
        return "none"
    return f"{_LEVEL_NAMES[rule.level]} rule {comp.ss_label[id(rule)]}"


def explain_sku(
    comp: Compiled,
    channel: str,
    sku: str,
    *,
    as_of: datetime,
    rows: Iterable[Position],
    reservations: Iterable[Reservation],
    unassigned: Mapping[str, int],
    value_of: Callable[[str, str], int],
) -> Explanation:
    """The explanation of ``channel``'s ATS for ``sku`` from that SKU's rows and holds.

    ``unassigned`` is the SKU's unassigned demand per channel; ``value_of(channel, sku)``
    gives a component's ATS (for kits).
    """
    spec = comp.output_source.get(channel)
    if spec is None:
        msg = f"unknown channel {channel!r}; the rules define {sorted(comp.outputs)}"
        raise UnknownChannel(msg)
    s, member = spec
    source = comp.sources[s]
    held: dict[str, int] = {}
    terms_r = []
    for r in sorted(reservations, key=lambda r: (r.node, r.reservation_id)):
        active = r.expires_at is None or r.expires_at > as_of
        terms_r.append(
            ReservationTerm(r.reservation_id, r.node, r.quantity, r.expires_at, r.channel, active)
        )
        if active:
            held[r.node] = held.get(r.node, 0) + r.quantity
    nodes = []
    for p in sorted(rows, key=lambda p: p.node):
        unavailable = p.damaged + p.quality_control + p.safety_stock
        net = p.on_hand - p.committed - p.reserved - unavailable - held.get(p.node, 0)
        n = comp.node_index.get(p.node)
        node_type = None if n is None else comp.nodes[n].node_type
        if n is None:
            eligible, why, rule = False, "node is not in the rules", None
        else:
            eligible, why = comp.eligibility(s, n, sku)
            rule = comp.safety_stock_rule(s, n, sku) if eligible else None
        fixed, num, den = ss_parameters(rule)
        ss = fixed + (-(-max(net, 0) * num // den) if num else 0)
        give = contribution(net, fixed, num, den) if eligible else 0
        nodes.append(
            NodeTerm(
                p.node,
                node_type,
                p.on_hand,
                p.committed,
                p.reserved,
                unavailable,
                held.get(p.node, 0),
                net,
                eligible,
                why,
                ss,
                _rule_label(comp, rule),
                give,
            )
        )
    node_total = sum(t.contribution for t in nodes)
    demand = sum(q for c, q in unassigned.items() if comp.demand_source(c) == s)
    demand = max(demand, 0)
    threshold = comp.threshold(source, sku)
    total = max(0, node_total - demand - threshold)
    pool = None
    value, channel_threshold = total, 0
    pool_spec = comp.pools[s]
    if pool_spec is not None:
        parts = split(total, pool_spec.nums, pool_spec.den, pool_spec.total_num)
        shares = comp.source_defs[s].shares  # type: ignore[union-attr]
        pool = PoolTerm(
            source, total, tuple((x.channel, x.percent, parts[i]) for i, x in enumerate(shares))
        )
        channel_threshold = comp.threshold(channel, sku)
        value = max(0, parts[member] - channel_threshold)
    kit = None
    if sku in comp.kits:
        components = []
        for c, q in comp.kits[sku].components:
            ats = value_of(channel, c)
            components.append((c, q, ats, ats // q))
        buildable = min(b for *_, b in components)
        kit = KitTerm(value, tuple(components), buildable)
        value += buildable
    return Explanation(
        channel,
        sku,
        as_of,
        value,
        source,
        tuple(nodes),
        node_total,
        demand,
        threshold,
        total,
        pool,
        channel_threshold,
        kit,
        tuple(terms_r),
    )


def _render(e: Explanation) -> list[str]:
    via = "" if e.source == e.channel else f" (from pool {e.source})"
    out = [f"ATS of {e.sku} on {e.channel}{via}: {e.ats}, as of {e.as_of.isoformat()}"]
    header = ["node", "type", "on_hand", "committed", "reserved", "unavail", "held", "net"]
    header += ["safety stock", "gives"]
    rows = [header]
    notes = []
    for t in e.nodes:
        ss = f"{t.safety_stock} ({t.safety_stock_rule})" if t.eligible else "-"
        gives = str(t.contribution) if t.eligible else "-"
        numbers = (t.on_hand, t.committed, t.reserved, t.unavailable, t.held, t.net)
        rows.append([t.node, t.node_type or "?", *map(str, numbers), ss, gives])
        if not t.eligible:
            notes.append(f"  {t.node} not counted: {t.eligibility}")
        elif t.net < 0:
            notes.append(f"  {t.node}: net {t.net} counts as 0 (clamped before the sum)")
        elif t.net > 0 and t.contribution == 0:
            notes.append(f"  {t.node}: safety stock holds back all of its net stock")
    if e.nodes:
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        for r in rows:
            cells = [
                c.rjust(w) if 2 <= i <= 7 or i == 9 else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ]
            out.append("  " + "  ".join(cells).rstrip())
    else:
        out.append("  no positions")
    out += notes
    out.append(f"  sum of node contributions: {e.node_total}")
    out.append(f"  - unassigned demand: {e.unassigned}")
    out.append(f"  - threshold ({e.source}): {e.threshold}")
    out.append(f"  = {e.source}: {e.total}")
    if e.pool is not None:
        for channel, percent, part in e.pool.shares:
            mark = "  <- this channel" if channel == e.channel else ""
            out.append(f"  share of {channel}, {percent} %: {part}{mark}")
        out.append(f"  - threshold ({e.channel}): {e.channel_threshold}")
    if e.kit is not None:
        for sku, qty, ats, build in e.kit.components:
            out.append(f"  component {sku}: {ats} available, {qty} per kit: {build} kits")
        out.append(f"  kit: own stock {e.kit.own} + buildable {e.kit.buildable}")
    for hold in e.reservations:
        until = "no expiry" if hold.expires_at is None else f"until {hold.expires_at.isoformat()}"
        state = "held" if hold.active else "expired, not counted"
        who = f", {hold.channel}" if hold.channel else ""
        out.append(
            f"  reservation {hold.reservation_id} at {hold.node}: {hold.quantity} {until}{who}"
            f" ({state})"
        )
    return out
