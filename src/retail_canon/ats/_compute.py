"""Full recompute: positions, reservations and rules in, ATS per channel and SKU out.

One pass over the positions: net stock per position, minus unexpired reservations,
clamped at zero per node for each source it feeds (after that source's safety stock), and
summed per source and SKU. Then per source and SKU: minus unassigned demand and the network
threshold, clamped at zero; pools are split between their channels; kits take the minimum
over their components.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from retail_canon.ats._allocate import split_columns
from retail_canon.ats._compile import Compiled, compiled
from retail_canon.ats._errors import UnknownChannel
from retail_canon.ats._result import AtsResult
from retail_canon.ats._rules import Rules
from retail_canon.ats._types import (
    Position,
    PositionTable,
    Reservation,
    ReservationTable,
    check_aware,
    epoch_us,
)

__all__ = ["AUTO_ACCELERATE_ROWS", "compute", "finish", "soft_holds"]

AUTO_ACCELERATE_ROWS = 10_000
"""With ``accelerate=None``, tables of at least this many rows use numpy (when installed)."""

Positions = Iterable[Position] | PositionTable
Reservations = Iterable[Reservation] | ReservationTable


def _plain(column: Sequence[int]) -> Sequence[int]:
    tolist = getattr(column, "tolist", None)
    return column if tolist is None else list(tolist())


def compute(
    positions: Positions,
    reservations: Reservations,
    rules: Rules,
    *,
    as_of: datetime,
    unassigned: Mapping[tuple[str, str], int] | None = None,
    accelerate: bool | None = None,
) -> AtsResult:
    """ATS per (channel, SKU) from scratch.

    Args:
        positions: `Position` rows, or a `PositionTable`; one per SKU × node.
        reservations: `Reservation` rows or a `ReservationTable`; those that expire at or
            before ``as_of`` do not count.
        rules: nodes, channels, pools, safety stock, eligibility, thresholds, kits.
        as_of: the time the numbers are for (aware).
        unassigned: accepted orders not yet sourced to a node, per (channel, SKU).
        accelerate: use the numpy path (True), the pure-Python one (False), or decide by
            size when numpy is installed (None). Both give identical results.

    Returns:
        An `AtsResult`: a mapping (channel, SKU) → units, with breakdowns and explanations.

    Raises:
        UnknownChannel: ``unassigned`` names a channel the rules do not define.
        InvalidAtsInput: ``as_of`` or an expiry without a time zone; repeated positions.

    >>> from datetime import UTC, datetime
    >>> from retail_canon.ats import Channel, Node, Position, Rules
    >>> rules = Rules(nodes=[Node("DC1", "DC"), Node("DC2", "DC")], channels=[Channel("web")])
    >>> stock = [Position("MUG", "DC1", on_hand=-4), Position("MUG", "DC2", on_hand=6)]
    >>> compute(stock, [], rules, as_of=datetime(2026, 3, 1, tzinfo=UTC))["web", "MUG"]
    6
    """
    check_aware(as_of, "as_of")
    comp = compiled(rules)
    table = (
        positions if isinstance(positions, PositionTable) else PositionTable.from_rows(positions)
    )
    demand = _demand(comp, unassigned or {})
    if not isinstance(reservations, ReservationTable):
        reservations = tuple(reservations)
    if accelerate is None:
        accelerate = len(table) >= AUTO_ACCELERATE_ROWS and _has_numpy()
    if accelerate:
        from retail_canon.ats._vector import compute_vectorised

        skus, values, totals = compute_vectorised(comp, table, reservations, as_of, demand)
    else:
        skus = list(table.skus)
        soft = soft_holds(table, reservations, as_of)
        aggregates = _aggregate(comp, table, soft)
        values, totals = finish(comp, skus, aggregates, demand)
    return AtsResult(
        compiled=comp,
        as_of=as_of,
        skus=skus,
        values=values,
        totals=totals,
        positions=table,
        reservations=reservations,
        unassigned=dict(unassigned or {}),
    )


def _has_numpy() -> bool:
    return importlib.util.find_spec("numpy") is not None


def _demand(comp: Compiled, unassigned: Mapping[tuple[str, str], int]) -> list[dict[str, int]]:
    """Unassigned demand per source and SKU (pool members' demand goes to their pool)."""
    per_source: list[dict[str, int]] = [{} for _ in comp.sources]
    for (channel, sku), qty in unassigned.items():
        s = comp.demand_source(channel)
        if s is None:
            msg = f"unassigned demand names unknown channel {channel!r}"
            raise UnknownChannel(msg)
        per_source[s][sku] = per_source[s].get(sku, 0) + qty
    return per_source


def soft_holds(table: PositionTable, reservations: Reservations, as_of: datetime) -> dict[int, int]:
    """Unexpired reservation units per position key ``sku code × len(nodes) + node code``."""
    width = len(table.nodes)
    soft: dict[int, int] = {}
    if isinstance(reservations, ReservationTable):
        now = epoch_us(as_of)
        columns = (
            reservations.sku,
            reservations.node,
            reservations.quantity,
            reservations.expires_at_us,
        )
        rows = zip(*map(_plain, columns), strict=True)
        if reservations.skus is table.skus and reservations.nodes is table.nodes:
            for k, n, q, e in rows:  # one encoding for both tables: codes are keys
                if e > now:
                    key = k * width + n
                    soft[key] = soft.get(key, 0) + q
            return soft
        sku_code = {s: i for i, s in enumerate(table.skus)}
        node_code = {n: i for i, n in enumerate(table.nodes)}
        sku_map = [sku_code.get(s, -1) for s in reservations.skus]
        node_map = [node_code.get(n, -1) for n in reservations.nodes]
        for k, n, q, e in rows:
            if e > now:
                k, n = sku_map[k], node_map[n]
                if k >= 0 and n >= 0:
                    key = k * width + n
                    soft[key] = soft.get(key, 0) + q
        return soft
    sku_code = {s: i for i, s in enumerate(table.skus)}
    node_code = {n: i for i, n in enumerate(table.nodes)}
    for r in reservations:
        if r.expires_at is not None and check_aware(r.expires_at, "expires_at") <= as_of:
            continue
        k, n = sku_code.get(r.sku, -1), node_code.get(r.node, -1)
        if k >= 0 and n >= 0:
            key = k * width + n
            soft[key] = soft.get(key, 0) + r.quantity
    return soft


def _aggregate(comp: Compiled, table: PositionTable, soft: dict[int, int]) -> list[list[int]]:
    """Per source and SKU code: the sum over nodes of the clamped contributions."""
    n_skus = len(table.skus)
    aggregates = [[0] * n_skus for _ in comp.sources]
    node_index = comp.node_index
    node_map = [node_index.get(name, -1) for name in table.nodes]
    bases = [comp.base_profiles[i] if i >= 0 else () for i in node_map]
    overrides = [comp.override_by_node[i] if i >= 0 else {} for i in node_map]
    skus = table.skus
    width = len(table.nodes)
    columns = (
        table.sku,
        table.node,
        table.on_hand,
        table.committed,
        table.reserved,
        table.damaged,
        table.quality_control,
        table.safety_stock,
    )
    for k, n, oh, cm, rs, dm, qc, sb in zip(*map(_plain, columns), strict=True):
        net = oh - cm - rs - dm - qc - sb
        if soft:
            held = soft.get(k * width + n)
            if held:
                net -= held
        if net <= 0:
            continue
        ov = overrides[n]
        prof = ov.get(skus[k]) if ov else None
        for s, fixed, num, den in bases[n] if prof is None else prof:
            c = net - fixed + (-net * num // den if num else 0)
            if c > 0:
                aggregates[s][k] += c
    return aggregates


def finish(
    comp: Compiled,
    skus: list[str],
    aggregates: list[list[int]],
    demand: list[dict[str, int]],
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Channel values from per-source sums: demand, thresholds, pool splits, kits.

    Appends kit SKUs that have no positions to ``skus`` (and zeros to ``aggregates``).
    Returns the values per output channel and the totals per source (before any split).
    """
    code = {s: i for i, s in enumerate(skus)}
    for kit in comp.kits:
        if kit not in code:
            code[kit] = len(skus)
            skus.append(kit)
            for agg in aggregates:
                agg.append(0)
    values: dict[str, list[int]] = {}
    totals: dict[str, list[int]] = {}
    for s, source in enumerate(comp.sources):
        total = _less(aggregates[s], code, demand[s], comp.thresholds.get(source))
        totals[source] = total
        spec = comp.pools[s]
        if spec is None:
            values[source] = list(total)
            continue
        shares = split_columns(total, spec.nums, spec.den, spec.total_num)
        for member, share in zip(spec.members, shares, strict=True):
            values[member] = _less(share, code, {}, comp.thresholds.get(member))
    apply_kits(comp, code, values)
    return {c: values[c] for c in comp.outputs}, totals


def _less(
    agg: list[int],
    code: dict[str, int],
    demand: dict[str, int],
    threshold: tuple[int, dict[str, int]] | None,
) -> list[int]:
    """``max(0, agg − max(0, demand) − threshold)`` per SKU code."""
    out = list(agg)
    if threshold is not None:
        default, per_sku = threshold
        if default:
            out = [v - default for v in out]
        for sku, qty in per_sku.items():
            i = code.get(sku)
            if i is not None:
                out[i] += default - qty
    for sku, qty in demand.items():
        i = code.get(sku)
        if i is not None and qty > 0:
            out[i] -= qty
    return [v if v > 0 else 0 for v in out]


def apply_kits(comp: Compiled, code: dict[str, int], values: dict[str, list[int]]) -> None:
    """Add to each kit's own value the minimum over components of ``floor(ATS / quantity)``."""
    for kit in comp.kits.values():
        k = code[kit.sku]
        for column in values.values():
            column[k] += min(column[code[c]] // q if c in code else 0 for c, q in kit.components)
