"""The reference: the state a baseline plus a ledger define, computed from scratch.

`replay` reads every event once, derives the positions, reservations and demand the
event semantics (`retail_canon.ats` ledger rules) give, then runs the full recompute. It
shares no state with the incremental `Engine`; the property tests check that the two
always agree, and `Engine.audit` uses it to re-derive the engine's counters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import attrs

from retail_canon.ats._compute import compute
from retail_canon.ats._errors import InvalidAtsInput
from retail_canon.ats._events import (
    BUCKET_INDEX,
    Anchor,
    Count,
    Delta,
    LedgerEvent,
    Rebase,
    Release,
    Reserve,
    watermark_pairs,
)
from retail_canon.ats._result import AtsResult
from retail_canon.ats._rules import Rules
from retail_canon.ats._types import Bucket, Position, PositionTable, Reservation, check_aware

__all__ = ["Baseline", "DerivedState", "derive", "replay"]

_FIELDS = [b.value for b in Bucket]


def _positions(value: Iterable[Position] | PositionTable) -> tuple[Position, ...]:
    rows = tuple(value.rows() if isinstance(value, PositionTable) else value)
    if len({(p.sku, p.node) for p in rows}) != len(rows):
        msg = "the baseline has two positions for the same SKU and node; merge them first"
        raise InvalidAtsInput(msg)
    return rows


def _holds(value: Iterable[Reservation]) -> tuple[Reservation, ...]:
    return tuple(value)


def _demand_pairs(
    value: Mapping[tuple[str, str], int] | Iterable[tuple[tuple[str, str], int]],
) -> tuple[tuple[tuple[str, str], int], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(((c, k), q) for (c, k), q in items)


def _checked_time(value: datetime) -> datetime:
    return check_aware(value, "baseline as_of")


@attrs.frozen
class Baseline:
    """Where an engine starts: a snapshot of positions, holds and demand, and its watermarks.

    The positions are an anchor for every bucket: events of a source at or before its
    ``watermarks`` entry (or, for other sources, that occurred no later than ``as_of``)
    are taken as already included.
    """

    positions: tuple[Position, ...] = attrs.field(default=(), converter=_positions)
    reservations: tuple[Reservation, ...] = attrs.field(default=(), converter=_holds)
    unassigned: tuple[tuple[tuple[str, str], int], ...] = attrs.field(
        default=(), converter=_demand_pairs
    )
    watermarks: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=watermark_pairs)
    as_of: datetime = attrs.field(
        factory=lambda: datetime.min.replace(tzinfo=UTC), converter=_checked_time
    )


@attrs.frozen
class DerivedState:
    """Positions, reservations and demand derived from a baseline and events."""

    positions: tuple[Position, ...]
    reservations: tuple[Reservation, ...]
    unassigned: dict[tuple[str, str], int]


def derive(baseline: Baseline, events: Iterable[LedgerEvent]) -> DerivedState:
    """Apply the ledger semantics to ``events`` in one pass, order-independently."""
    base_w = dict(baseline.watermarks)
    unique: dict[str, LedgerEvent] = {}
    for event in events:
        unique.setdefault(event.key, event)
    base_rows = {(p.sku, p.node): p for p in baseline.positions}
    anchors: dict[tuple[str, str, int], list[Count | Rebase]] = {}
    deltas: dict[tuple[str, str, int], list[Delta]] = {}
    touched: set[tuple[str, str]] = set(base_rows)
    reserves: dict[str, Reserve] = {}
    released: set[str] = set()
    demand: dict[tuple[str, str], int] = dict(baseline.unassigned)
    for event in unique.values():
        if isinstance(event, Delta | Count | Rebase):
            cell = (event.sku, event.node, BUCKET_INDEX[event.bucket])
            touched.add((event.sku, event.node))
            if isinstance(event, Delta):
                deltas.setdefault(cell, []).append(event)
            else:
                anchors.setdefault(cell, []).append(event)
        elif isinstance(event, Reserve):
            held = reserves.get(event.reservation_id)
            if held is None or _order(event) > _order(held):
                reserves[event.reservation_id] = event
        elif isinstance(event, Release):
            released.add(event.reservation_id)
        else:
            key = (event.channel, event.sku)
            demand[key] = demand.get(key, 0) + event.quantity
    positions = []
    for sku, node in sorted(touched):
        row = base_rows.get((sku, node))
        values = []
        for b, name in enumerate(_FIELDS):
            base = Anchor.base(getattr(row, name) if row else 0, baseline.as_of, base_w)
            every = [base, *(Anchor.of(e) for e in anchors.get((sku, node, b), ()))]
            latest = max(every, key=lambda a: a.order)
            extra = sum(
                d.quantity
                for d in deltas.get((sku, node, b), ())
                if not any(a.covers(d) for a in every)
            )
            values.append(latest.value + extra)
        positions.append(Position(sku, node, *values))
    base_order = (baseline.as_of, "", -1, "")
    holds = []
    for r in baseline.reservations:
        winner = reserves.get(r.reservation_id)
        if winner is None or _order(winner) <= base_order:
            reserves.pop(r.reservation_id, None)
            holds.append(r)
    holds += [
        Reservation(e.reservation_id, e.sku, e.node, e.quantity, e.expires_at, e.channel)
        for e in reserves.values()
    ]
    live = tuple(r for r in holds if r.reservation_id not in released)
    return DerivedState(tuple(positions), live, demand)


def _order(event: Reserve) -> tuple[datetime, str, int, str]:
    return (event.occurred_at, event.source, event.sequence, event.key)


def replay(
    rules: Rules, baseline: Baseline, events: Iterable[LedgerEvent], *, as_of: datetime
) -> AtsResult:
    """The full recompute of a baseline plus a ledger, at ``as_of``.

    >>> from datetime import UTC, datetime
    >>> from retail_canon.ats import Bucket, Channel, Delta, Node, Position, Rules
    >>> rules = Rules(nodes=[Node("DC1", "DC")], channels=[Channel("web")])
    >>> t = datetime(2026, 3, 1, 9, tzinfo=UTC)
    >>> start = Baseline(positions=[Position("MUG", "DC1", on_hand=5)], as_of=t)
    >>> sale = Delta(key="pos-1", source="pos", sequence=1, sku="MUG", node="DC1",
    ...              bucket=Bucket.ON_HAND, quantity=-2, occurred_at=t.replace(minute=5))
    >>> replay(rules, start, [sale, sale], as_of=t.replace(minute=10))["web", "MUG"]
    3
    """
    state = derive(baseline, events)
    return compute(
        state.positions,
        state.reservations,
        rules,
        as_of=as_of,
        unassigned=state.unassigned,
        accelerate=False,
    )
