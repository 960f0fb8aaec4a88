"""Drift reconciliation: a source's snapshot against the ledger at the snapshot's watermarks.

A snapshot from an ERP or WMS says what a bucket held once the source had applied its own
events up to its watermark (and other sources' up to the time it was taken). Comparing it
with the ledger *at those watermarks*, not with the ledger now, keeps events still in
flight out of the drift. Each difference is classified:

- ``missed_event``: a sequence number missing from the ledger, recovered through
  ``replay`` and found to touch the position;
- ``duplicate_event``: a second event with a sequence number the source already used;
- ``out_of_order``: an event the snapshot includes that arrived after later ones (placed
  by its sequence; a naive diff by arrival would have counted it as drift);
- ``unexplained_shrink`` / ``unexplained_gain``: what remains;
- ``snapshot_lag``: the ledger moved on after the watermark (not drift).

`rebase` appends the recovered events and, where the numbers still differ, a `Rebase`
anchor with the reason: the ledger keeps every event, nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

import attrs

from retail_canon.ats._events import (
    BUCKET_INDEX,
    Anchor,
    Count,
    Delta,
    LedgerEvent,
    Rebase,
    watermark_pairs,
)
from retail_canon.ats._types import Bucket

if TYPE_CHECKING:
    from retail_canon.ats._engine import Engine

__all__ = [
    "RECONCILE_SOURCE",
    "DriftItem",
    "DriftReason",
    "DriftReport",
    "PositionDrift",
    "ReplaySource",
    "Snapshot",
    "rebase",
    "reconcile",
]

RECONCILE_SOURCE = "ats.reconcile"
"""The source name of the `Rebase` events reconciliation appends."""

ReplaySource = Callable[[str, Sequence[int]], Iterable[LedgerEvent]]
"""``replay(source, sequences)``: the source's events with those sequence numbers."""


class DriftReason(StrEnum):
    """Why the ledger and a snapshot differ at a position."""

    MISSED_EVENT = "missed_event"
    DUPLICATE_EVENT = "duplicate_event"
    OUT_OF_ORDER = "out_of_order"
    UNEXPLAINED_SHRINK = "unexplained_shrink"
    UNEXPLAINED_GAIN = "unexplained_gain"
    SNAPSHOT_LAG = "snapshot_lag"


_CORRECTING = frozenset(
    {
        DriftReason.MISSED_EVENT,
        DriftReason.DUPLICATE_EVENT,
        DriftReason.UNEXPLAINED_SHRINK,
        DriftReason.UNEXPLAINED_GAIN,
    }
)


def _quantities(
    value: Mapping[tuple[str, str], int] | Iterable[tuple[tuple[str, str], int]],
) -> tuple[tuple[tuple[str, str], int], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted(((s, n), int(q)) for (s, n), q in items))


def _nodes(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


@attrs.frozen
class Snapshot:
    """A source's full count of one bucket, per (SKU, node), at its watermarks.

    Positions of the covered ``nodes`` (default: the nodes in ``quantities``) that the
    snapshot does not list hold 0 by the snapshot.
    """

    source: str
    taken_at: datetime
    watermarks: tuple[tuple[str, int], ...] = attrs.field(converter=watermark_pairs)
    quantities: tuple[tuple[tuple[str, str], int], ...] = attrs.field(converter=_quantities)
    bucket: Bucket = Bucket.ON_HAND
    nodes: frozenset[str] | None = attrs.field(default=None, converter=_nodes)


@attrs.frozen
class DriftItem:
    """One term of a difference: ``quantity`` units at a position, for ``reason``."""

    sku: str
    node: str
    reason: DriftReason
    quantity: int
    events: tuple[str, ...] = ()
    """Keys of the events behind it (for missed, duplicate, out-of-order and lag)."""

    @property
    def corrects(self) -> bool:
        """Whether it is part of the correction (lag and out-of-order ones are not)."""
        return self.reason in _CORRECTING


@attrs.frozen
class PositionDrift:
    """A position where the snapshot, the ledger at the watermarks or the ledger now differ."""

    sku: str
    node: str
    snapshot: int
    at_watermark: int
    now: int
    items: tuple[DriftItem, ...]

    @property
    def correction(self) -> int:
        """What the ledger at the watermarks lacks to equal the snapshot."""
        return self.snapshot - self.at_watermark


@attrs.frozen
class DriftReport:
    """The outcome of `reconcile`: positions that differ, recovered events, open gaps."""

    snapshot: Snapshot
    positions: tuple[PositionDrift, ...]
    recovered: tuple[LedgerEvent, ...]
    gaps: dict[str, tuple[int, ...]]
    """Sequences still missing at or below the watermarks (not recovered)."""

    @property
    def items(self) -> tuple[DriftItem, ...]:
        """Every item of every position."""
        return tuple(i for p in self.positions for i in p.items)

    def by_reason(self) -> dict[DriftReason, list[DriftItem]]:
        """Items grouped by reason."""
        out: dict[DriftReason, list[DriftItem]] = {}
        for item in self.items:
            out.setdefault(item.reason, []).append(item)
        return out


def reconcile(
    engine: Engine, snapshot: Snapshot, *, replay: ReplaySource | None = None
) -> DriftReport:
    """Compare ``snapshot`` with ``engine``'s ledger at the snapshot's watermarks.

    Args:
        engine: the engine whose ledger to check.
        snapshot: the source's count and its per-source watermarks.
        replay: fetches events by source and sequence; gaps in the ledger at or below a
            watermark are asked for, and those that touch a position explain its drift.
            Without it, gaps are listed in the report and their effect counts as
            unexplained.
    """
    w = dict(snapshot.watermarks)
    taken = snapshot.taken_at
    bi = BUCKET_INDEX[snapshot.bucket]

    def included(source: str, sequence: int, when: datetime) -> bool:
        mark = w.get(source)
        return sequence <= mark if mark is not None else when <= taken

    first_after: dict[str, int] = {}
    seen: dict[str, set[int]] = {}
    owner: dict[tuple[str, int], str] = {}
    duplicates: set[str] = set()
    late: set[str] = set()
    deltas: dict[tuple[str, str], list[Delta]] = {}
    anchors: dict[tuple[str, str], list[Anchor]] = {}
    for i, event in enumerate(engine._ledger):
        src, seq = event.source, event.sequence
        seen.setdefault(src, set()).add(seq)
        mark = w.get(src)
        if mark is not None and seq > mark:
            first_after.setdefault(src, i)
        if isinstance(event, Delta):
            first = owner.setdefault((src, seq), event.key)
            if first != event.key:
                duplicates.add(event.key)
            elif mark is not None and seq <= mark and i > first_after.get(src, i):
                late.add(event.key)
            if BUCKET_INDEX[event.bucket] == bi:
                deltas.setdefault((event.sku, event.node), []).append(event)
        elif isinstance(event, Count | Rebase) and BUCKET_INDEX[event.bucket] == bi:
            anchors.setdefault((event.sku, event.node), []).append(Anchor.of(event))
    base_w = dict(engine.baseline.watermarks)
    gaps: dict[str, tuple[int, ...]] = {}
    for src, mark in w.items():
        got = seen.get(src, set())
        start = base_w.get(src, min(got, default=mark + 1) - 1)
        missing = tuple(q for q in range(start + 1, mark + 1) if q not in got)
        if missing:
            gaps[src] = missing
    recovered: list[LedgerEvent] = []
    if replay is not None:
        for src, missing in gaps.items():
            recovered += [e for e in replay(src, missing) if e.key not in engine._seen]
        found = {(e.source, e.sequence) for e in recovered}
        gaps = {
            s: rest for s, m in gaps.items() if (rest := tuple(q for q in m if (s, q) not in found))
        }
    missed: dict[tuple[str, str], list[Delta]] = {}
    for e in recovered:
        if isinstance(e, Delta) and BUCKET_INDEX.get(e.bucket) == bi:
            missed.setdefault((e.sku, e.node), []).append(e)
    counted = dict(snapshot.quantities)
    covered = snapshot.nodes if snapshot.nodes is not None else {n for _, n in counted}
    keys = set(counted) | {(p.sku, p.node) for p in engine._positions() if p.node in covered}
    names = ("on_hand", "committed", "reserved", "damaged", "quality_control", "safety_stock")
    field = (*names, "incoming")[bi]
    base = {(p.sku, p.node): getattr(p, field) for p in engine.baseline.positions}
    positions = []
    for key in sorted(keys):
        pos = engine._position(*key)
        facts = _Facts(
            key,
            counted.get(key, 0),
            0 if pos is None else pos.buckets()[bi],
            Anchor.base(base.get(key, 0), engine._base.time, engine._base.wmap),
            anchors.get(key, []),
            deltas.get(key, []),
            missed.get(key, []),
        )
        drift = _position(facts, included, duplicates, late)
        if drift is not None:
            positions.append(drift)
    return DriftReport(snapshot, tuple(positions), tuple(recovered), gaps)


class _Facts(NamedTuple):
    key: tuple[str, str]
    counted: int
    now: int
    base: Anchor
    anchors: list[Anchor]
    deltas: list[Delta]
    missed: list[Delta]


def _position(
    facts: _Facts,
    included: Callable[[str, int, datetime], bool],
    duplicates: set[str],
    late: set[str],
) -> PositionDrift | None:
    """The ledger at the watermarks for one position, and each term of its difference."""
    sku, node = facts.key
    known = [facts.base, *(a for a in facts.anchors if included(a.order[1], a.order[2], a.time))]
    latest = max(known, key=lambda a: a.order)

    def counts(d: Delta) -> bool:
        return included(d.source, d.sequence, d.occurred_at) and not any(a.covers(d) for a in known)

    inside = [d for d in facts.deltas if counts(d)]
    at_watermark = latest.value + sum(d.quantity for d in inside)
    items = []
    dups = [d for d in inside if d.key in duplicates and d.quantity]
    items += [
        DriftItem(sku, node, DriftReason.DUPLICATE_EVENT, -d.quantity, (d.key,)) for d in dups
    ]
    found = [d for d in facts.missed if d.quantity and counts(d)]
    items += [DriftItem(sku, node, DriftReason.MISSED_EVENT, d.quantity, (d.key,)) for d in found]
    expected = at_watermark - sum(d.quantity for d in dups) + sum(d.quantity for d in found)
    residual = facts.counted - expected
    if residual:
        reason = DriftReason.UNEXPLAINED_SHRINK if residual < 0 else DriftReason.UNEXPLAINED_GAIN
        items.append(DriftItem(sku, node, reason, residual))
    items += [
        DriftItem(sku, node, DriftReason.OUT_OF_ORDER, d.quantity, (d.key,))
        for d in inside
        if d.key in late and d.quantity
    ]
    if facts.now != at_watermark:
        after = tuple(
            d.key for d in facts.deltas if not included(d.source, d.sequence, d.occurred_at)
        )
        lag = facts.now - at_watermark
        items.append(DriftItem(sku, node, DriftReason.SNAPSHOT_LAG, lag, after))
    if not items:
        return None
    return PositionDrift(sku, node, facts.counted, at_watermark, facts.now, tuple(items))


def rebase(engine: Engine, report: DriftReport) -> int:
    """Append the recovered events, then a `Rebase` where drift remains.

    A position gets a `Rebase` when it has a duplicate or an unexplained difference, even
    if they cancel out (the reasons are then on record and the next reconciliation is
    clean). Returns the number of events appended. The ledger keeps every event; a
    `Rebase` is an anchor at the snapshot's watermarks, so events the snapshot includes
    that arrive later do not count twice.
    """
    appended = sum(engine.apply(e) for e in report.recovered)
    snap = report.snapshot
    for drift in report.positions:
        found = sum(i.quantity for i in drift.items if i.reason is DriftReason.MISSED_EVENT)
        delta = drift.snapshot - drift.at_watermark - found
        reasons = sorted({i.reason.value for i in drift.items if i.corrects})
        if not delta and reasons in ([], [DriftReason.MISSED_EVENT.value]):
            continue
        seq = engine._next(RECONCILE_SOURCE)
        stamp = snap.taken_at.isoformat()
        event = Rebase(
            key=f"{RECONCILE_SOURCE}:{snap.source}:{stamp}:{drift.sku}@{drift.node}",
            source=RECONCILE_SOURCE,
            sequence=seq,
            sku=drift.sku,
            node=drift.node,
            bucket=snap.bucket,
            quantity=drift.snapshot,
            delta=delta,
            watermarks=snap.watermarks,
            occurred_at=snap.taken_at,
            reason="snapshot_reset: " + ", ".join(reasons),
        )
        appended += engine.apply(event)
    return appended
