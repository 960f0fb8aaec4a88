"""Reading an engine: its clock, its numbers, what changed, its watermarks, explanations.

Channel numbers are derived from the per-source sums when read: thresholds, demand, the
pool split and kits cost O(members + components) per value, and nothing is cached that
could go stale.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import TYPE_CHECKING

from retail_canon.ats._allocate import split
from retail_canon.ats._core import EngineCore
from retail_canon.ats._errors import ClockWentBackwards, UnknownChannel
from retail_canon.ats._explain import Explanation, explain_sku
from retail_canon.ats._publish import Change
from retail_canon.ats._replay import Baseline
from retail_canon.ats._rules import Rules
from retail_canon.ats._types import Position, Reservation, check_aware

if TYPE_CHECKING:
    from retail_canon.ats._store import LedgerStore

__all__ = ["EngineReads"]


class EngineReads(EngineCore):
    """The reading half of the engine (see `retail_canon.ats.Engine`)."""

    def __init__(
        self,
        rules: Rules,
        baseline: Baseline | None = None,
        *,
        store: LedgerStore | None = None,
        accelerate: bool = True,
    ) -> None:
        super().__init__(rules, baseline, store=store, accelerate=accelerate)
        # what a channel has been told so far: the baseline's values
        self._published = {
            ch: [self._value(ch, k) for k in range(len(self._skus))] for ch in self._c.outputs
        }
        self._take_dirty()

    # -- time ----------------------------------------------------------------------------

    @property
    def as_of(self) -> datetime:
        """The engine's clock: reservations expiring at or before it no longer count."""
        return self._clock

    def advance(self, as_of: datetime) -> None:
        """Move the clock forward; holds that expire by then stop counting (lazily, here)."""
        check_aware(as_of, "as_of")
        if as_of < self._clock:
            msg = (
                f"the engine is at {self._clock.isoformat()}; cannot go back to {as_of.isoformat()}"
            )
            raise ClockWentBackwards(msg)
        self._clock = as_of
        heap = self._heap
        while heap and heap[0][0] <= as_of:
            expires_at, _, rid = heapq.heappop(heap)
            hold = self._active.get(rid)
            if hold is not None and hold.expires_at == expires_at:
                self._deactivate(rid)

    # -- reading -------------------------------------------------------------------------

    def _total(self, s: int, k: int) -> int:
        sku = self._skus[k]
        demand = self._demand[s].get(sku, 0)
        v = (
            self._sum(s, k)
            - (demand if demand > 0 else 0)
            - self._c.threshold(self._c.sources[s], sku)
        )
        return v if v > 0 else 0

    def _value(self, channel: str, k: int, *, kits: bool = True) -> int:
        s, m = self._c.output_source[channel]
        v = self._total(s, k)
        spec = self._c.pools[s]
        if spec is not None:
            part = split(v, spec.nums, spec.den, spec.total_num)[m]
            v = max(0, part - self._c.threshold(channel, self._skus[k]))
        kit = self._c.kits.get(self._skus[k]) if kits else None
        if kit is not None:
            code = self._code
            v += min(
                self._value(channel, code[c], kits=False) // q if c in code else 0
                for c, q in kit.components
            )
        return v

    def ats(self, channel: str, sku: str, *, as_of: datetime | None = None) -> int:
        """The current ATS of ``sku`` on ``channel`` (0 for a SKU the engine has not seen)."""
        if as_of is not None:
            self.advance(as_of)
        if channel not in self._c.output_source:
            msg = f"unknown channel {channel!r}; the rules define {list(self._c.outputs)}"
            raise UnknownChannel(msg)
        k = self._code.get(sku)
        return 0 if k is None else self._value(channel, k)

    def values(self) -> dict[tuple[str, str], int]:
        """Every (channel, SKU) value: the same mapping a full recompute gives.

        SKUs are those with a position and the kits of the rules.
        """
        kits, lead = self._c.kits, self._lead
        listed = [
            (k, s)
            for k, s in enumerate(self._skus)
            if s in kits or any(p is not None for p in self._by_k[k][lead:])
        ]
        return {(ch, sku): self._value(ch, k) for ch in self._c.outputs for k, sku in listed}

    def changes(self) -> list[Change]:
        """Values changed since the previous call: ``(channel, sku, old, new)``, once each."""
        out: list[Change] = []
        dirty = self._take_dirty()
        for k in list(dirty):
            for kit in self._c.kits_of.get(self._skus[k], ()):
                dirty.add(self._code[kit])
        outputs = self._c.outputs
        for k in sorted(dirty):
            for ch in outputs:
                self._emit(out, ch, k)
        return out

    def _emit(self, out: list[Change], channel: str, k: int) -> None:
        column = self._published[channel]
        new = self._value(channel, k)
        if column[k] != new:
            out.append(Change(channel, self._skus[k], column[k], new))
            column[k] = new

    def watermarks(self) -> dict[str, int]:
        """Per source, the highest sequence up to which every event has arrived."""
        self._catch_up()
        return {src: state.high for src, state in self._seq.items()}

    def gaps(self) -> dict[str, tuple[int, ...]]:
        """Per source, the sequences missing below the highest one that arrived."""
        self._catch_up()
        out = {}
        for src, state in self._seq.items():
            if state.ahead:
                missing = set(range(state.high + 1, max(state.ahead))) - state.ahead
                out[src] = tuple(sorted(missing))
        return out

    # -- explanations -----------------------------------------------------------------

    def explain(self, channel: str, sku: str) -> Explanation:
        """Every term of ``ats(channel, sku)`` (see `retail_canon.ats.Explanation`)."""
        rows = [Position(p.sku, p.node, *p.buckets()) for p in self._positions_of(sku)]
        holds = [
            Reservation(h.reservation_id, h.sku, h.node, h.quantity, h.expires_at, h.channel)
            for rid, h in sorted(self._holds.items())
            if h.sku == sku and rid not in self._released
        ]
        demand = {c: q for (c, k), q in self._unassigned.items() if k == sku}
        return explain_sku(
            self._c,
            channel,
            sku,
            as_of=self._clock,
            rows=rows,
            reservations=holds,
            unassigned=demand,
            value_of=self.ats,
        )
