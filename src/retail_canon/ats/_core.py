"""The incremental engine's core: an append-only ledger and per-channel sums kept up to date.

Each event changes one position (or one hold, or one channel's demand); the engine
recomputes that position's net stock and, for each source the position feeds, adds the
difference of the clamped contributions to that source's sum for the SKU: O(sources of the
node) per event, no rescans. Channel numbers (thresholds, demand, pool splits, kits) are
derived from the sums when read, so reads are O(1) and always current.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from retail_canon.ats._compile import Compiled, compiled
from retail_canon.ats._errors import InvalidAtsInput, UnknownChannel
from retail_canon.ats._events import (
    BUCKET_INDEX,
    Anchor,
    Count,
    Cover,
    Delta,
    Demand,
    LedgerEvent,
    Rebase,
    Release,
    Reserve,
)
from retail_canon.ats._replay import Baseline
from retail_canon.ats._rules import Rules
from retail_canon.ats._state import BUCKET_SLOTS, PositionState, SequenceState
from retail_canon.ats._types import Bucket, Reservation, check_aware

if TYPE_CHECKING:
    from retail_canon.ats._store import LedgerStore

__all__ = ["EngineCore"]

_BASE_ORDER_SOURCE = ""
_ON_HAND = Bucket.ON_HAND


class EngineCore:
    """State and event application; `retail_canon.ats.Engine` adds the operations."""

    def __init__(
        self, rules: Rules, baseline: Baseline | None = None, *, store: LedgerStore | None = None
    ) -> None:
        baseline = baseline or Baseline()
        self._rules = rules
        self._c: Compiled = compiled(rules)
        self._baseline = baseline
        self._clock = baseline.as_of
        self._base = Anchor.base(0, baseline.as_of, dict(baseline.watermarks))
        self._store = store
        self._seen: set[str] = set()
        self._ledger: list[LedgerEvent] = []
        self._seq: dict[str, SequenceState] = {
            src: SequenceState(w) for src, w in baseline.watermarks
        }
        self._tracked = 0
        # Deltas no anchor covers, chained per position and bucket: entry ``i`` (even) is
        # the delta, ``i + 1`` the previous entry of its chain (-1 ends it); one list keeps
        # both next to each other in memory.
        self._journal: list[Any] = []
        self._skus: list[str] = []
        self._code: dict[str, int] = {}
        self._agg: list[list[int]] = [[] for _ in self._c.sources]
        self._dirty: set[int] = set()
        self._grid: dict[str, dict[str, PositionState]] = {}
        """SKU → node → position."""
        self._orphan: dict[tuple[str, str], int] = {}
        self._holds: dict[str, Reserve | Reservation] = {}
        self._active: dict[str, Reserve | Reservation] = {}
        self._released: set[str] = set()
        self._heap: list[tuple[datetime, int, str]] = []
        self._unassigned: dict[tuple[str, str], int] = {}
        self._demand: list[dict[str, int]] = [{} for _ in self._c.sources]
        self._published: dict[str, list[int]] = {ch: [] for ch in self._c.outputs}
        for kit in self._c.kits:
            self._sku_code(kit)
        self._base_rows: dict[tuple[str, str], tuple[int, ...]] = {}
        for p in baseline.positions:
            values = (
                p.on_hand,
                p.committed,
                p.reserved,
                p.damaged,
                p.quality_control,
                p.safety_stock,
                p.incoming,
            )
            self._base_rows[p.sku, p.node] = values
            self._new_position(p.sku, p.node, list(values))
        self._base_order = (baseline.as_of, _BASE_ORDER_SOURCE, -1, "")
        self._tick = itertools.count()
        for r in baseline.reservations:
            if r.expires_at is not None:
                check_aware(r.expires_at, "expires_at")
            self._hold(r)
        for (channel, sku), qty in baseline.unassigned:
            self._add_demand(channel, sku, qty)

    # -- positions and sums --------------------------------------------------------------

    def _sku_code(self, sku: str) -> int:
        k = self._code.get(sku)
        if k is None:
            k = self._code[sku] = len(self._skus)
            self._skus.append(sku)
            for agg in self._agg:
                agg.append(0)
            for column in self._published.values():
                column.append(0)
        return k

    def _new_position(self, sku: str, node: str, values: list[int]) -> PositionState:
        k = self._sku_code(sku)
        n = self._c.node_index.get(node)
        prof = () if n is None else self._c.profile_of(sku, n)
        pos = PositionState(sku, node, k, prof, values, self._orphan.pop((sku, node), 0))
        nodes = self._grid.get(sku)
        if nodes is None:
            nodes = self._grid[sku] = {}
        nodes[node] = pos
        self._move(pos, 0, pos.net)
        return pos

    def _position(self, sku: str, node: str) -> PositionState | None:
        nodes = self._grid.get(sku)
        return None if nodes is None else nodes.get(node)

    def _positions(self) -> Iterator[PositionState]:
        for nodes in self._grid.values():
            yield from nodes.values()

    def _move(self, pos: PositionState, old: int, new: int) -> None:
        """Move a position's net stock from ``old`` to ``new`` in every sum it feeds."""
        pos.net = new
        if old <= 0 and new <= 0:
            return
        k = pos.k
        agg = self._agg
        for s, fixed, num, den in pos.prof:
            if num:
                oc = old - fixed + (-old * num) // den if old > 0 else 0
                nc = new - fixed + (-new * num) // den if new > 0 else 0
            else:
                oc, nc = old - fixed, new - fixed
            oc = oc if oc > 0 else 0
            nc = nc if nc > 0 else 0
            if oc != nc:
                agg[s][k] += nc - oc
                self._dirty.add(k)

    def _renet(self, pos: PositionState) -> None:
        new = pos.compute_net()
        if new != pos.net:
            self._move(pos, pos.net, new)

    # -- applying events -----------------------------------------------------------------

    def _accept(self, event: LedgerEvent) -> None:
        """Append ``event`` to the store and the ledger (its key is already in ``_seen``)."""
        if event.occurred_at.tzinfo is None:
            msg = f"event {event.key!r}: occurred_at has no time zone"
            raise InvalidAtsInput(msg)
        if self._store is not None:
            self._store.append((event,))
        self._ledger.append(event)

    def _catch_up(self) -> None:
        """Bring the per-source sequence tracking up to the end of the ledger."""
        ledger, states = self._ledger, self._seq
        for i in range(self._tracked, len(ledger)):
            event = ledger[i]
            seq = event.sequence
            state = states.get(event.source)
            if state is None:
                states[event.source] = SequenceState(seq)
            elif seq == state.high + 1:
                ahead = state.ahead
                while seq + 1 in ahead:
                    seq += 1
                    ahead.discard(seq)
                state.high = seq
            elif seq > state.high:
                state.ahead.add(seq)
        self._tracked = len(ledger)

    def apply(self, event: LedgerEvent) -> bool:
        """Apply one event; False if its key was seen before (the event is then ignored).

        Raises:
            InvalidAtsInput: a naive ``occurred_at``, an unknown bucket.
            UnknownChannel: a `Demand` for a channel the rules do not define.
        """
        key = event.key
        seen = self._seen
        size = len(seen)
        seen.add(key)
        if len(seen) == size:
            return False
        try:
            if type(event) is not Delta:
                self._apply_other(event)
                return True
            bucket = event.bucket
            bi = 0 if bucket is _ON_HAND else BUCKET_INDEX.get(bucket)
            if bi is None:
                msg = f"event {key!r}: unknown bucket {bucket!r}"
                raise InvalidAtsInput(msg)
            if event.occurred_at.tzinfo is None or self._store is not None:
                self._accept(event)
            else:
                self._ledger.append(event)
        except BaseException:
            seen.discard(key)
            raise
        nodes = self._grid.get(event.sku)
        pos = None if nodes is None else nodes.get(event.node)
        if pos is None:
            pos = self._new_position(event.sku, event.node, [0] * 7)
        base = self._base
        w = base.wmap.get(event.source)
        if event.sequence <= w if w is not None else event.occurred_at <= base.time:
            return True
        if pos.cover is not None:
            cover = pos.cover.get(bi)
            if cover is not None and cover.covers(event):
                return True
        quantity = event.quantity
        journal = self._journal
        if bi == 0:
            head = pos.head
            # one source on the chain, and its highest sequence: lets a count of that
            # source see in O(1) that it covers the whole chain
            if head < 0:
                pos.jsrc, pos.jmax = event.source, event.sequence
            elif pos.jsrc == event.source:
                if event.sequence > pos.jmax:
                    pos.jmax = event.sequence
            else:
                pos.jsrc = None
            pos.head = len(journal)
            journal.append(event)
            journal.append(head)
            pos.oh += quantity
            old = pos.net
            new = old + quantity
        else:
            journal.append(event)
            journal.append(pos.chain_head(bi))
            pos.set_chain_head(bi, len(journal) - 2)
            slot = BUCKET_SLOTS[bi]
            setattr(pos, slot, getattr(pos, slot) + quantity)
            if bi == 6:
                return True
            old = pos.net
            new = old - quantity
        if new == old:
            return True
        pos.net = new
        if old <= 0 and new <= 0:
            return True
        k = pos.k
        agg = self._agg
        changed = False
        for s, fixed, num, den in pos.prof:
            if num:
                oc = old - fixed + (-old * num) // den if old > 0 else 0
                nc = new - fixed + (-new * num) // den if new > 0 else 0
            else:
                oc, nc = old - fixed, new - fixed
            oc = oc if oc > 0 else 0
            nc = nc if nc > 0 else 0
            if oc != nc:
                agg[s][k] += nc - oc
                changed = True
        if changed:
            self._dirty.add(k)
        return True

    def apply_all(self, events: Iterable[LedgerEvent]) -> int:
        """Apply events in order; returns how many were new."""
        apply = self.apply
        return sum(apply(event) for event in events)

    def _apply_other(self, event: LedgerEvent) -> None:
        if isinstance(event, Reserve):
            if event.expires_at is not None and event.expires_at.tzinfo is None:
                msg = f"event {event.key!r}: expires_at has no time zone"
                raise InvalidAtsInput(msg)
            self._accept(event)
            self._hold(event)
        elif isinstance(event, Release):
            self._accept(event)
            self._released.add(event.reservation_id)
            self._deactivate(event.reservation_id)
        elif isinstance(event, Count | Rebase):
            bi = BUCKET_INDEX.get(event.bucket)
            if bi is None:
                msg = f"event {event.key!r}: unknown bucket {event.bucket!r}"
                raise InvalidAtsInput(msg)
            self._accept(event)
            self._anchor(event, bi)
        elif isinstance(event, Demand):
            if self._c.demand_source(event.channel) is None:
                msg = f"demand event {event.key!r} names unknown channel {event.channel!r}"
                raise UnknownChannel(msg)
            self._accept(event)
            self._add_demand(event.channel, event.sku, event.quantity)
        else:
            msg = f"not a ledger event: {event!r}"
            raise InvalidAtsInput(msg)

    def _anchor(self, event: Count | Rebase, bi: int) -> None:
        pos = self._position(event.sku, event.node)
        if pos is None:
            pos = self._new_position(event.sku, event.node, [0] * 7)
        anchor = Anchor.of(event)
        if pos.cover is None:
            pos.cover, pos.latest = {}, {}
        assert pos.latest is not None
        cover = pos.cover.get(bi)
        if cover is None:
            cover = pos.cover[bi] = Cover(self._base)
        cover.add(anchor)
        latest = pos.latest.get(bi, self._base)
        if anchor.order > latest.order:
            pos.latest[bi] = latest = anchor
        # Whatever an anchor covers stays covered: unlink it from the bucket's chain.
        marks, time = anchor.wmap, anchor.time
        journal = self._journal
        links = []
        i = pos.chain_head(bi)
        if bi == 0 and i >= 0 and pos.jsrc is not None and pos.jmax <= marks.get(pos.jsrc, -1):
            i = -1  # the anchor covers the whole chain: nothing to walk
        while i >= 0:
            links.append(i)
            i = journal[i + 1]
        head, total = -1, 0
        sources: set[str] = set()
        top = -1
        for i in reversed(links):
            d = journal[i]
            if d.sequence <= marks[d.source] if d.source in marks else d.occurred_at <= time:
                continue
            journal[i + 1] = head
            head = i
            total += d.quantity
            sources.add(d.source)
            top = max(top, d.sequence)
        pos.set_chain_head(bi, head)
        if bi == 0:
            pos.jsrc = sources.pop() if len(sources) == 1 else None
            pos.jmax = top
        value = latest.value if latest is not self._base else self._base_value(pos, bi)
        setattr(pos, BUCKET_SLOTS[bi], value + total)
        self._renet(pos)

    def _base_value(self, pos: PositionState, bi: int) -> int:
        """The bucket's value in the baseline (0 if the baseline has no such position)."""
        row = self._base_rows.get((pos.sku, pos.node))
        return 0 if row is None else row[bi]

    def _order(self, hold: Reserve | Reservation) -> tuple[datetime, str, int, str]:
        if isinstance(hold, Reserve):
            return (hold.occurred_at, hold.source, hold.sequence, hold.key)
        return self._base_order

    def _hold(self, hold: Reserve | Reservation) -> None:
        rid = hold.reservation_id
        known = self._holds.get(rid)
        if known is not None:
            if self._order(hold) <= self._order(known):
                return
            self._deactivate(rid)
        self._holds[rid] = hold
        expires_at = hold.expires_at
        if rid in self._released or (expires_at is not None and expires_at <= self._clock):
            return
        self._active[rid] = hold
        if expires_at is not None:
            heapq.heappush(self._heap, (expires_at, next(self._tick), rid))
        self._held(hold, hold.quantity)

    def _held(self, hold: Reserve | Reservation, quantity: int) -> None:
        nodes = self._grid.get(hold.sku)
        pos = None if nodes is None else nodes.get(hold.node)
        if pos is None:
            key = (hold.sku, hold.node)
            self._orphan[key] = self._orphan.get(key, 0) + quantity
            return
        pos.held += quantity
        self._move(pos, pos.net, pos.net - quantity)

    def _deactivate(self, rid: str) -> None:
        hold = self._active.pop(rid, None)
        if hold is not None:
            self._held(hold, -hold.quantity)

    def _add_demand(self, channel: str, sku: str, qty: int) -> None:
        s = self._c.demand_source(channel)
        if s is None:
            msg = f"unassigned demand names unknown channel {channel!r}"
            raise UnknownChannel(msg)
        key = (channel, sku)
        self._unassigned[key] = self._unassigned.get(key, 0) + qty
        self._demand[s][sku] = self._demand[s].get(sku, 0) + qty
        k = self._code.get(sku)
        if k is not None:
            self._dirty.add(k)
