"""The incremental engine's core: an append-only ledger and per-channel sums kept up to date.

Each event changes one position (or one hold, or one channel's demand); the engine
recomputes that position's net stock and, for each source the position feeds, adds the
difference of the clamped contributions to that source's sum for the SKU: O(sources of the
node) per event, no rescans. Channel numbers (thresholds, demand, pool splits, kits) are
derived from the sums when read, so reads are O(1) and always current.

Layout, for the per-event path: each SKU has one *row*, a list holding its code, whether it
changed since `changes` last ran, its sum for every source, then its positions by node slot
(``[k, changed, sum_0, ..., sum_S-1, pos_0, ...]``), so one string lookup and one list
reach everything an event touches. An ``on_hand`` delta,
the common event, takes a straight-line path that allocates nothing but the new ints.

That path also exists in C (``_speedups.c``, compiled at install time where a compiler is
found): when it is there, an engine's ``apply`` is the compiled callable, which does the
same steps for that event and hands every other event, untouched, to `EngineCore.apply`.
``accelerate=False`` (or ``RETAIL_CANON_NO_EXTENSIONS=1``) keeps the pure-Python path.
"""

from __future__ import annotations

import heapq
import itertools
import os
import types
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from retail_canon.ats._compile import Compiled, Profile, compiled
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

__all__ = ["EngineCore", "compiled_path_available"]

_SPEEDUPS_ABI = 2
"""The ``ABI`` of ``_speedups.c`` this module expects; another build is ignored."""


def _load_speedups() -> types.ModuleType | None:
    if os.environ.get("RETAIL_CANON_NO_EXTENSIONS"):
        return None
    try:
        from retail_canon.ats import _speedups  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    if getattr(_speedups, "ABI", None) != _SPEEDUPS_ABI:
        return None
    _speedups.configure(Delta, PositionState, Cover, Bucket.ON_HAND)
    module: types.ModuleType = _speedups
    return module


_FAST = _load_speedups()


def compiled_path_available() -> bool:
    """Whether engines can use the compiled ``apply`` (built at install time, optional)."""
    return _FAST is not None


_BASE_ORDER_SOURCE = ""
_ON_HAND = Bucket.ON_HAND
_NEVER = float("inf")
"""``lo`` of a profile with a percentage: the straight-line path never applies."""

Row = list[Any]
"""A SKU's row: ``[k, changed, sum of each source..., position at each node slot...]``."""

_SUMS = 2
"""Where a row's sums start."""


class EngineCore:
    """State and event application; `retail_canon.ats.Engine` adds the operations."""

    def __init__(
        self,
        rules: Rules,
        baseline: Baseline | None = None,
        *,
        store: LedgerStore | None = None,
        accelerate: bool = True,
    ) -> None:
        baseline = baseline or Baseline()
        self._accelerate = accelerate
        self._rules = rules
        self._c: Compiled = compiled(rules)
        self._baseline = baseline
        self._clock = baseline.as_of
        self._base = Anchor.base(0, baseline.as_of, dict(baseline.watermarks))
        self._base_marks = self._base.wmap
        self._base_time = self._base.time
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
        self._lead = _SUMS + len(self._c.sources)
        """Where a row's positions start: after the code, the flag and one sum per source."""
        self._node_code: dict[str, int] = {}
        self._slot: dict[str, int] = {}
        """Node → index of its position in every row (``_lead`` + the node's code)."""
        self._rows: dict[str, Row] = {}
        self._by_k: list[Row] = []
        self._quick: dict[int, tuple[Profile, int | float, tuple[int, ...]]] = {}
        self._dirty: list[Row] = []
        """The rows whose ``changed`` flag is set."""
        self._orphan: dict[tuple[str, str], int] = {}
        self._holds: dict[str, Reserve | Reservation] = {}
        self._active: dict[str, Reserve | Reservation] = {}
        self._released: set[str] = set()
        self._heap: list[tuple[datetime, int, str]] = []
        self._unassigned: dict[tuple[str, str], int] = {}
        self._demand: list[dict[str, int]] = [{} for _ in self._c.sources]
        self._published: dict[str, list[int]] = {ch: [] for ch in self._c.outputs}
        for node in self._c.nodes:
            self._slot_of(node.node_id)
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
        self._bind_fast()

    # -- the compiled path ---------------------------------------------------------------

    @property
    def accelerated(self) -> bool:
        """Whether `apply` runs the compiled path (see `compiled_path_available`)."""
        return "apply" in self.__dict__

    def _bind_fast(self) -> None:
        """Make ``apply`` the compiled path bound to this engine's containers, if allowed.

        Called again whenever a container it holds is replaced or the store changes: the
        compiled path leaves events to a store to the Python path, so with a store it is
        not used at all.
        """
        attrs = self.__dict__
        attrs.pop("apply", None)
        if (
            _FAST is None
            or not self._accelerate
            or self._store is not None
            or type(self).apply is not EngineCore.apply
        ):
            return
        attrs["apply"] = _FAST.Applier(
            fallback=types.MethodType(EngineCore.apply, self),
            move=self._move,
            seen=self._seen,
            ledger=self._ledger,
            rows=self._rows,
            slots=self._slot,
            journal=self._journal,
            marks=self._base_marks,
            base_time=self._base_time,
            dirty=self._dirty,
        )

    def _use_store(self, store: LedgerStore | None) -> None:
        """Append accepted events to ``store`` from now on."""
        self._store = store
        self._bind_fast()

    # -- positions and sums --------------------------------------------------------------

    def _slot_of(self, node: str) -> int:
        slot = self._slot.get(node)
        if slot is None:
            code = self._node_code[node] = len(self._node_code)
            slot = self._slot[node] = self._lead + code
        return slot

    def _sku_code(self, sku: str) -> int:
        k = self._code.get(sku)
        if k is None:
            k = self._code[sku] = len(self._skus)
            self._skus.append(sku)
            row: Row = [k, False, *([0] * (self._lead - _SUMS)), *([None] * len(self._slot))]
            self._rows[sku] = row
            self._by_k.append(row)
            for column in self._published.values():
                column.append(0)
        return k

    def _sum(self, s: int, k: int) -> int:
        """The sum of the clamped contributions of SKU ``k``'s nodes to source ``s``."""
        total: int = self._by_k[k][_SUMS + s]
        return total

    def _mark(self, k: int) -> None:
        """Note that SKU ``k``'s values may have changed."""
        row = self._by_k[k]
        if not row[1]:
            row[1] = True
            self._dirty.append(row)

    def _take_dirty(self) -> set[int]:
        """The SKUs marked since the previous call (and clear the marks)."""
        out = set()
        for row in self._dirty:
            row[1] = False
            out.add(row[0])
        self._dirty.clear()
        return out

    def _relayout(self) -> None:
        """Give every row one sum per source of the rules in force, all zero."""
        lead = _SUMS + len(self._c.sources)
        for row in self._by_k:
            row[_SUMS : self._lead] = [0] * (lead - _SUMS)
        self._lead = lead
        self._slot = {node: lead + code for node, code in self._node_code.items()}
        self._bind_fast()

    def _profile(self, pos: PositionState, prof: Profile) -> None:
        """Give ``pos`` the profile ``prof`` and its straight-line form (no sums move)."""
        quick = self._quick.get(id(prof))
        if quick is None or quick[0] is not prof:
            if any(num for _, _, num, _ in prof):
                quick = (prof, _NEVER, ())
            else:  # above lo, net stock is positive and above every fixed safety stock
                lo = max([0, *(fixed for _, fixed, _, _ in prof)])
                quick = (prof, lo, tuple(_SUMS + s for s, _, _, _ in prof))
            self._quick[id(prof)] = quick
        pos.prof, pos.lo, pos.srcs = quick

    def _new_position(self, sku: str, node: str, values: list[int]) -> PositionState:
        k = self._sku_code(sku)
        slot = self._slot_of(node)
        n = self._c.node_index.get(node)
        prof = () if n is None else self._c.profile_of(sku, n)
        pos = PositionState(sku, node, k, values, self._orphan.pop((sku, node), 0))
        self._profile(pos, prof)
        row = self._by_k[k]
        if len(row) <= slot:
            row.extend([None] * (slot + 1 - len(row)))
        row[slot] = pos
        net, pos.net = pos.net, 0
        self._move(pos, 0, net)
        return pos

    def _position(self, sku: str, node: str) -> PositionState | None:
        row = self._rows.get(sku)
        slot = self._slot.get(node)
        if row is None or slot is None or slot >= len(row):
            return None
        pos: PositionState | None = row[slot]
        return pos

    def _positions_of(self, sku: str) -> list[PositionState]:
        """The positions of ``sku``, in node slot order."""
        row = self._rows.get(sku)
        return [] if row is None else [p for p in row[self._lead :] if p is not None]

    def _positions(self) -> Iterator[PositionState]:
        lead = self._lead
        for row in self._by_k:
            for pos in row[lead:]:
                if pos is not None:
                    yield pos

    def _move(self, pos: PositionState, old: int, new: int) -> None:
        """Move a position's net stock from ``old`` to ``new`` in every sum it feeds."""
        pos.net = new
        if old <= 0 and new <= 0:
            return
        row = self._by_k[pos.k]
        for s, fixed, num, den in pos.prof:
            if num:
                oc = old - fixed + (-old * num) // den if old > 0 else 0
                nc = new - fixed + (-new * num) // den if new > 0 else 0
            else:
                oc, nc = old - fixed, new - fixed
            oc = oc if oc > 0 else 0
            nc = nc if nc > 0 else 0
            if oc != nc:
                row[_SUMS + s] += nc - oc
                if not row[1]:
                    row[1] = True
                    self._dirty.append(row)

    def _set_bucket(self, pos: PositionState, bi: int, value: int) -> None:
        """Set bucket ``bi`` of ``pos`` to ``value``; net stock and the sums follow."""
        if bi == 0:
            new = pos.net + value - pos.oh
        else:
            slot = BUCKET_SLOTS[bi]
            before: int = getattr(pos, slot)
            setattr(pos, slot, value)
            new = pos.net if bi == 6 else pos.net - (value - before)
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
        if key in self._seen:
            return False
        if (
            type(event) is not Delta
            or event.bucket is not _ON_HAND
            or self._store is not None
            or event.occurred_at.tzinfo is None
        ):
            return self._apply_any(event)
        # The common event, an on_hand delta with no store, in a straight line: the same
        # steps as `_apply_any` and `_delta` (which the property tests hold both to), and
        # the steps `_speedups.c` does in C.
        try:
            row = self._rows[event.sku]
            pos: PositionState | None = row[self._slot[event.node]]
        except (KeyError, IndexError):
            pos = None
        if pos is None:
            pos = self._new_position(event.sku, event.node, [0] * 7)
            row = self._by_k[pos.k]
        self._seen.add(key)
        self._ledger.append(event)
        source = event.source
        marks = self._base_marks
        if source in marks:
            if event.sequence <= marks[source]:
                return True
        elif event.occurred_at <= self._base_time:
            return True
        cover = pos.cover
        if cover is not None and 0 in cover and cover[0].covers(event):
            return True
        head = pos.head
        # one source on the chain, and its highest sequence: lets a count of that source
        # see in O(1) that it covers the whole chain
        if head < 0:
            pos.jsrc = source
            pos.jmax = event.sequence
        elif pos.jsrc == source:
            if event.sequence > pos.jmax:
                pos.jmax = event.sequence
        else:
            pos.jsrc = None
        journal = self._journal
        pos.head = len(journal)
        journal.append(event)
        journal.append(head)
        quantity = event.quantity
        old = pos.net
        new = pos.net = old + quantity
        if (old <= 0 and new <= 0) or quantity == 0:
            return True
        lo = pos.lo
        if old > lo and new > lo:  # every contribution moves by the quantity
            srcs = pos.srcs
            if srcs:
                for i in srcs:
                    row[i] += quantity
                if not row[1]:
                    row[1] = True
                    self._dirty.append(row)
            return True
        self._move(pos, old, new)
        return True

    def _apply_any(self, event: LedgerEvent) -> bool:
        key = event.key
        seen = self._seen
        seen.add(key)
        try:
            if type(event) is not Delta:
                self._apply_other(event)
                return True
            bucket = event.bucket
            bi = 0 if bucket is _ON_HAND else BUCKET_INDEX.get(bucket)
            if bi is None:
                msg = f"event {key!r}: unknown bucket {bucket!r}"
                raise InvalidAtsInput(msg)
            self._accept(event)
        except BaseException:
            seen.discard(key)
            raise
        self._delta(event, bi)
        return True

    def _delta(self, event: Delta, bi: int) -> None:
        pos = self._position(event.sku, event.node)
        if pos is None:
            pos = self._new_position(event.sku, event.node, [0] * 7)
        base = self._base
        w = base.wmap.get(event.source)
        if event.sequence <= w if w is not None else event.occurred_at <= base.time:
            return
        if pos.cover is not None:
            cover = pos.cover.get(bi)
            if cover is not None and cover.covers(event):
                return
        quantity = event.quantity
        journal = self._journal
        if bi == 0:
            head = pos.head
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
            new = pos.net + quantity
        else:
            journal.append(event)
            journal.append(pos.chain_head(bi))
            pos.set_chain_head(bi, len(journal) - 2)
            slot = BUCKET_SLOTS[bi]
            setattr(pos, slot, getattr(pos, slot) + quantity)
            if bi == 6:
                return
            new = pos.net - quantity
        if new != pos.net:
            self._move(pos, pos.net, new)

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
        self._set_bucket(pos, bi, value + total)

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
        pos = self._position(hold.sku, hold.node)
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
            self._mark(k)
