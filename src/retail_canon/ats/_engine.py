"""`Engine`: the incremental engine with its operations (reserve, move, rules, audit, restore)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, overload

import attrs

from retail_canon.ats._compile import Compiled, compiled, contribution
from retail_canon.ats._errors import (
    InsufficientStock,
    InvalidAtsInput,
    UnknownChannel,
    UnknownReservation,
)
from retail_canon.ats._events import LedgerEvent, Release, Reserve
from retail_canon.ats._reads import EngineReads
from retail_canon.ats._replay import Baseline, derive, replay
from retail_canon.ats._rules import Rules
from retail_canon.ats._state import PositionState
from retail_canon.ats._types import Bucket

if TYPE_CHECKING:
    from retail_canon.ats._drift import DriftReport, ReplaySource, Snapshot
    from retail_canon.ats._store import LedgerStore

__all__ = ["Discrepancy", "Engine", "EngineSnapshot"]

ENGINE_SOURCE = "ats.engine"
"""The source name of events the engine writes itself (reservations it places or moves)."""


@attrs.frozen
class Discrepancy:
    """A counter of the engine that its ledger does not give (see `Engine.audit`)."""

    what: str
    """``bucket`` (a position's bucket), ``held`` (reservation holds) or ``ats``."""
    key: tuple[str, ...]
    engine: int
    ledger: int


@attrs.frozen
class EngineSnapshot:
    """What restores an engine exactly: its baseline, its ledger and its clock."""

    baseline: Baseline
    events: tuple[LedgerEvent, ...]
    as_of: datetime

    def to_json(self) -> str:
        """The snapshot as JSON text (see `from_json`)."""
        from retail_canon.ats._store import snapshot_to_json

        return snapshot_to_json(self)

    @classmethod
    def from_json(cls, text: str) -> EngineSnapshot:
        """Read a snapshot written by `to_json`."""
        from retail_canon.ats._store import snapshot_from_json

        return snapshot_from_json(text)


class _LedgerView(Sequence[LedgerEvent]):
    """A read-only view of the engine's ledger, in arrival order."""

    def __init__(self, events: list[LedgerEvent]) -> None:
        self._events = events

    @overload
    def __getitem__(self, index: int) -> LedgerEvent: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[LedgerEvent]: ...
    def __getitem__(self, index: int | slice) -> LedgerEvent | Sequence[LedgerEvent]:
        return self._events[index]

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[LedgerEvent]:
        return iter(self._events)


class Engine(EngineReads):
    """Incremental ATS over an append-only ledger; always equal to a full recompute.

    Start from a `Baseline` (positions, holds, demand, source watermarks), `apply` events
    in any order (duplicates are ignored by key), `advance` the clock to expire holds, read
    `ats` or `values`, and take `changes` for change-only publication. With a ``store``,
    every accepted event is appended to it before it is applied.

    Where the optional compiled path was built at install time (see
    `compiled_path_available`), ``apply`` runs it for the common event, an ``on_hand``
    `Delta` with no store, with exactly the pure-Python path's results;
    ``accelerate=False`` turns it off for one engine, ``RETAIL_CANON_NO_EXTENSIONS=1``
    for the process.

    >>> from datetime import UTC, datetime
    >>> from retail_canon.ats import Bucket, Channel, Delta, Node, Position, Rules
    >>> t = datetime(2026, 3, 1, 9, tzinfo=UTC)
    >>> rules = Rules(nodes=[Node("DC1", "DC")], channels=[Channel("web")])
    >>> engine = Engine(rules, Baseline(positions=[Position("MUG", "DC1", on_hand=5)], as_of=t))
    >>> engine.apply(Delta(key="pos-1", source="pos", sequence=1, sku="MUG", node="DC1",
    ...                    bucket=Bucket.ON_HAND, quantity=-2, occurred_at=t.replace(minute=5)))
    True
    >>> engine.ats("web", "MUG"), engine.changes()
    (3, [Change(channel='web', sku='MUG', old=5, new=3)])
    """

    @property
    def rules(self) -> Rules:
        """The rules in force."""
        return self._rules

    @property
    def baseline(self) -> Baseline:
        """Where the engine started."""
        return self._baseline

    @property
    def ledger(self) -> Sequence[LedgerEvent]:
        """Every accepted event, in arrival order (read-only)."""
        return _LedgerView(self._ledger)

    # -- rules ------------------------------------------------------------------------

    def update_rules(self, rules: Rules) -> int:
        """Switch to ``rules``; recompute only the positions whose profile changed.

        Only positions at nodes whose rules changed, or named by a changed SKU × node rule,
        are looked at. Returns the number of positions whose contributions changed and were
        recomputed. Channel and pool changes (a new channel, other shares) recompute every
        position.
        """
        old, new = self._c, compiled(rules)
        self._rules, self._c = rules, new
        for kit in new.kits:
            self._sku_code(kit)
        if (old.sources, old.outputs, _splits(old)) != (new.sources, new.outputs, _splits(new)):
            return self._rebuild()
        nodes = {n.node_id for n in new.nodes} | {n.node_id for n in old.nodes}
        changed = {n for n in nodes if _base_of(old, n) != _base_of(new, n)}
        keys = {(k, old.nodes[n].node_id) for k, n in old.overrides}
        keys |= {(k, new.nodes[n].node_id) for k, n in new.overrides}
        affected = [p for p in self._positions() if p.node in changed]
        affected += [
            p for k in keys if k[1] not in changed and (p := self._position(*k)) is not None
        ]
        count = 0
        for pos in affected:
            n = new.node_index.get(pos.node)
            prof = () if n is None else new.profile_of(pos.sku, n)
            if prof != pos.prof:
                count += 1
                net = pos.net
                self._move(pos, net, 0)
                self._profile(pos, prof)
                self._move(pos, 0, net)
        if (old.thresholds, old.kits) != (new.thresholds, new.kits):
            for k in range(len(self._skus)):
                self._mark(k)
        return count

    def _rebuild(self) -> int:
        """Recompute every sum under the new rules (the channels or pools changed)."""
        published = self._published
        self._published = {ch: published.get(ch, [0] * len(self._skus)) for ch in self._c.outputs}
        self._relayout()
        for k in range(len(self._skus)):
            self._mark(k)
        self._demand = [{} for _ in self._c.sources]
        unassigned, self._unassigned = self._unassigned, {}
        for (channel, sku), qty in unassigned.items():
            if self._c.demand_source(channel) is not None:
                self._add_demand(channel, sku, qty)
        count = 0
        for pos in self._positions():
            n = self._c.node_index.get(pos.node)
            self._profile(pos, () if n is None else self._c.profile_of(pos.sku, n))
            net, pos.net = pos.net, 0
            self._move(pos, 0, net)
            count += 1
        return count

    # -- reservations -----------------------------------------------------------------

    def _available(self, s: int, pos: PositionState) -> int:
        for entry in pos.prof:
            if entry[0] == s:
                return contribution(pos.net, *entry[1:])
        return 0

    def _next(self, source: str) -> int:
        self._catch_up()
        state = self._seq.get(source)
        return 1 if state is None else max([state.high, *state.ahead]) + 1

    def reserve(
        self,
        channel: str,
        sku: str,
        quantity: int,
        *,
        reservation_id: str,
        expires_at: datetime | None = None,
    ) -> tuple[Reserve, ...]:
        """Hold ``quantity`` for ``channel`` if its ATS covers it, split over its nodes.

        The check and the node choice use the same numbers: the nodes' contributions to
        the channel's total, taken largest first (ties by node id), so whenever the ATS
        says yes the split succeeds. One node: the hold has ``reservation_id``; several:
        ``reservation_id@node`` each.

        Raises:
            InsufficientStock: the channel's ATS is below ``quantity``.
        """
        if quantity <= 0:
            msg = f"reserve {quantity!r} of {sku!r}: the quantity must be positive"
            raise InvalidAtsInput(msg)
        available = self.ats(channel, sku)
        if quantity > available:
            msg = f"{channel} has {available} of {sku} to sell; cannot reserve {quantity}"
            raise InsufficientStock(msg, requested=quantity, available=available)
        s = self._c.output_source[channel][0]
        offers = [(self._available(s, p), p.node) for p in self._positions_of(sku)]
        offers.sort(key=lambda o: (-o[0], o[1]))
        picks, left = [], quantity
        for units, node in offers:
            if left == 0 or units <= 0:
                break
            picks.append((node, min(units, left)))
            left -= picks[-1][1]
        ids = [reservation_id] if len(picks) == 1 else [f"{reservation_id}@{n}" for n, _ in picks]
        taken = [i for i in ids if i in self._holds]
        if taken:
            msg = f"reservation ids {taken} are taken; use a new reservation_id"
            raise InvalidAtsInput(msg)
        first = self._next(ENGINE_SOURCE)
        events = tuple(
            Reserve(
                key=f"{ENGINE_SOURCE}:reserve:{ids[i]}",
                source=ENGINE_SOURCE,
                sequence=first + i,
                sku=sku,
                node=node,
                quantity=units,
                reservation_id=ids[i],
                occurred_at=self._clock,
                expires_at=expires_at,
                channel=channel,
            )
            for i, (node, units) in enumerate(picks)
        )
        self.apply_all(events)
        return events

    def move_reservation(
        self, reservation_id: str, node: str, *, channel: str, new_reservation_id: str | None = None
    ) -> tuple[Release, Reserve]:
        """Move a hold to ``node``, if that node alone can give ``channel`` all of it.

        The destination is checked for the hold's full quantity, not the difference.

        Raises:
            UnknownReservation: no active hold has ``reservation_id``.
            InsufficientStock: the destination cannot cover the whole hold.
        """
        hold = self._active.get(reservation_id)
        if hold is None:
            msg = f"no active reservation {reservation_id!r}"
            raise UnknownReservation(msg)
        spec = self._c.output_source.get(channel)
        if spec is None:
            msg = f"unknown channel {channel!r}"
            raise UnknownChannel(msg)
        pos = self._position(hold.sku, node)
        available = 0 if pos is None or node == hold.node else self._available(spec[0], pos)
        if available < hold.quantity:
            msg = (
                f"{node} can give {channel} {available} of {hold.sku}; the hold is {hold.quantity}"
            )
            raise InsufficientStock(msg, requested=hold.quantity, available=available)
        new_id = new_reservation_id or f"{reservation_id}>{node}"
        if new_id in self._holds:
            msg = f"reservation id {new_id!r} is taken; pass new_reservation_id"
            raise InvalidAtsInput(msg)
        seq = self._next(ENGINE_SOURCE)
        release = Release(
            key=f"{ENGINE_SOURCE}:move:{reservation_id}>{new_id}",
            source=ENGINE_SOURCE,
            sequence=seq,
            reservation_id=reservation_id,
            occurred_at=self._clock,
            reason="moved",
        )
        reserve = Reserve(
            key=f"{ENGINE_SOURCE}:reserve:{new_id}",
            source=ENGINE_SOURCE,
            sequence=seq + 1,
            reservation_id=new_id,
            sku=hold.sku,
            node=node,
            quantity=hold.quantity,
            occurred_at=self._clock,
            expires_at=hold.expires_at,
            channel=hold.channel or channel,
        )
        self.apply_all((release, reserve))
        return release, reserve

    # -- audit, snapshot, restore -----------------------------------------------------

    def audit(self) -> list[Discrepancy]:
        """Re-derive every counter from the baseline and the ledger; list disagreements.

        An empty list means the incremental state is exactly what the ledger says.
        """
        state = derive(self._baseline, self._ledger)
        out = []
        names = [b.value for b in Bucket]
        for p in state.positions:
            live = self._position(p.sku, p.node)
            for i, name in enumerate(names):
                want = getattr(p, name)
                have = live.buckets()[i] if live is not None else 0
                if have != want:
                    out.append(Discrepancy("bucket", (p.sku, p.node, name), have, want))
        held: dict[tuple[str, str], int] = {}
        for r in state.reservations:
            if r.expires_at is None or r.expires_at > self._clock:
                held[r.sku, r.node] = held.get((r.sku, r.node), 0) + r.quantity
        for pos in self._positions():
            key = (pos.sku, pos.node)
            if pos.held != held.get(key, 0):
                out.append(Discrepancy("held", key, pos.held, held.get(key, 0)))
        want_values = replay(self._rules, self._baseline, self._ledger, as_of=self._clock)
        have_values = self.values()
        for key in sorted(set(want_values) | set(have_values)):
            have, want = have_values.get(key, 0), want_values.get(key, 0)
            if have != want:
                out.append(Discrepancy("ats", key, have, want))
        return out

    def snapshot(self) -> EngineSnapshot:
        """Everything `restore` needs to rebuild this engine exactly."""
        return EngineSnapshot(self._baseline, tuple(self._ledger), self._clock)

    @classmethod
    def restore(
        cls,
        rules: Rules,
        snapshot: EngineSnapshot,
        *,
        store: LedgerStore | None = None,
        accelerate: bool = True,
    ) -> Engine:
        """An engine in the state ``snapshot`` records (by replaying its ledger).

        Changes since the snapshot's values start empty: `changes` reports what changes
        after the restore. ``store`` receives the events applied from then on.
        """
        engine = cls(rules, snapshot.baseline, accelerate=accelerate)
        engine.apply_all(snapshot.events)
        engine.advance(snapshot.as_of)
        engine.changes()
        engine._use_store(store)
        return engine

    @classmethod
    def from_store(
        cls,
        rules: Rules,
        baseline: Baseline,
        store: LedgerStore,
        *,
        as_of: datetime,
        accelerate: bool = True,
    ) -> Engine:
        """An engine that replays ``store``'s ledger, clock at ``as_of``, and keeps appending."""
        snapshot = EngineSnapshot(baseline, tuple(store.read()), as_of)
        return cls.restore(rules, snapshot, store=store, accelerate=accelerate)

    # -- drift --------------------------------------------------------------------------

    def reconcile(self, snapshot: Snapshot, *, replay: ReplaySource | None = None) -> DriftReport:
        """Compare a source snapshot with the ledger at the snapshot's watermarks.

        See `retail_canon.ats.reconcile`.
        """
        from retail_canon.ats._drift import reconcile

        return reconcile(self, snapshot, replay=replay)

    def rebase(self, report: DriftReport) -> int:
        """Append what `reconcile` found missing and a `Rebase` where numbers still differ.

        Returns the number of events appended. See `retail_canon.ats.rebase`.
        """
        from retail_canon.ats._drift import rebase

        return rebase(self, report)


def _splits(c: Compiled) -> list[object]:
    return [None if p is None else (p.members, p.nums, p.den) for p in c.pools]


def _base_of(c: Compiled, node: str) -> object:
    n = c.node_index.get(node)
    return None if n is None else (c.base_profiles[n], c.nodes[n])
