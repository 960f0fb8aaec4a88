"""Ledger events and what they mean: deltas, counts, reservations, demand, rebases.

Every event has an idempotency ``key`` (same key, same event: applied once), the
``source`` that emitted it with that source's ``sequence`` number, and when it
``occurred_at``. The ledger is append-only; a position's bucket is a pure function of
its events, whatever order they arrive in:

- *anchors* are the baseline, `Count` (cycle count) and `Rebase` (drift reconciliation)
  events; the latest is the one that occurred last (ties: source, sequence, key);
- an anchor covers a delta if the anchor's watermark for the delta's source is at or
  after the delta's sequence; for a source it has no watermark for, if the delta
  occurred no later than the anchor. A count's watermark is its own sequence;
- the bucket's value is its latest anchor's value plus every `Delta` that no anchor
  covers: what an anchor included, a later one includes too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import attrs

from retail_canon.ats._types import Bucket

__all__ = [
    "BUCKET_INDEX",
    "Anchor",
    "Cover",
    "Count",
    "Delta",
    "Demand",
    "LedgerEvent",
    "Rebase",
    "Release",
    "Reserve",
    "watermark_pairs",
]

_EARLIEST = datetime.min.replace(tzinfo=UTC)

BUCKET_INDEX: dict[str, int] = {b.value: i for i, b in enumerate(Bucket)}
"""Bucket value → index in a position's bucket list (``on_hand`` is 0, ``incoming`` 6)."""


def watermark_pairs(
    value: Mapping[str, int] | Iterable[tuple[str, int]] | None,
) -> tuple[tuple[str, int], ...] | None:
    """Watermarks as sorted ``(source, sequence)`` pairs (hashable, as frozen rows need)."""
    if value is None:
        return None
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(s), int(q)) for s, q in items))


@attrs.frozen(slots=True, kw_only=True)
class Delta:
    """A signed change to one bucket of one position: a sale, a pick, a receipt, a transfer leg."""

    key: str
    source: str
    sequence: int
    sku: str
    node: str
    bucket: Bucket
    quantity: int
    occurred_at: datetime
    reason: str | None = None


@attrs.frozen(slots=True, kw_only=True)
class Count:
    """A cycle count: the bucket holds ``quantity`` as of this event's watermarks."""

    key: str
    source: str
    sequence: int
    sku: str
    node: str
    bucket: Bucket
    quantity: int
    occurred_at: datetime
    watermarks: tuple[tuple[str, int], ...] | None = attrs.field(
        default=None, converter=watermark_pairs
    )
    """Sequences of other sources the count already includes (its own is implied)."""
    reason: str | None = None


@attrs.frozen(slots=True, kw_only=True)
class Rebase:
    """A drift correction: the bucket held ``quantity`` at the snapshot's watermarks.

    ``delta`` records the adjustment it made when appended, and ``reason`` why; the
    events before it stay in the ledger.
    """

    key: str
    source: str
    sequence: int
    sku: str
    node: str
    bucket: Bucket
    quantity: int
    delta: int
    watermarks: tuple[tuple[str, int], ...] = attrs.field(converter=watermark_pairs)
    occurred_at: datetime
    reason: str


@attrs.frozen(slots=True, kw_only=True)
class Reserve:
    """A soft hold of ``quantity`` at a node until ``expires_at`` (None: until released)."""

    key: str
    source: str
    sequence: int
    reservation_id: str
    sku: str
    node: str
    quantity: int
    occurred_at: datetime
    expires_at: datetime | None = None
    channel: str | None = None


@attrs.frozen(slots=True, kw_only=True)
class Release:
    """The end of a reservation (checkout, cancel, expiry reported by the source)."""

    key: str
    source: str
    sequence: int
    reservation_id: str
    occurred_at: datetime
    reason: str | None = None


@attrs.frozen(slots=True, kw_only=True)
class Demand:
    """A change of a channel's unassigned demand: + when an order is accepted, − when sourced."""

    key: str
    source: str
    sequence: int
    channel: str
    sku: str
    quantity: int
    occurred_at: datetime


LedgerEvent = Delta | Count | Rebase | Reserve | Release | Demand
"""Any event the ledger holds."""


class Anchor:
    """An absolute value of one bucket and the events it already includes."""

    __slots__ = ("order", "time", "value", "wmap")

    def __init__(
        self,
        value: int,
        time: datetime,
        wmap: dict[str, int],
        order: tuple[datetime, str, int, str],
    ) -> None:
        self.value = value
        self.time = time
        self.wmap = wmap
        self.order = order

    @classmethod
    def of(cls, event: Count | Rebase) -> Anchor:
        """The anchor a count or rebase event sets."""
        marks = event.watermarks
        if marks is None:  # a count with only its own sequence
            wmap = {event.source: event.sequence}
        else:
            wmap = dict(marks)
            if isinstance(event, Count):
                wmap[event.source] = max(wmap.get(event.source, event.sequence), event.sequence)
        order = (event.occurred_at, event.source, event.sequence, event.key)
        return cls(event.quantity, event.occurred_at, wmap, order)

    @classmethod
    def base(cls, value: int, time: datetime, wmap: dict[str, int]) -> Anchor:
        """The baseline's anchor: earlier than any event anchor at the same time."""
        return cls(value, time, wmap, (time, "", -1, ""))

    def covers(self, delta: Delta) -> bool:
        """Whether ``delta`` is already part of this anchor's value."""
        w = self.wmap.get(delta.source)
        if w is not None:
            return delta.sequence <= w
        return delta.occurred_at <= self.time


class Cover:
    """What a set of anchors covers together, checked in O(1) whatever their number.

    A delta is covered if some anchor covers it: by sequence, the highest watermark any
    anchor has for its source; by time, the latest anchor that has no watermark for it.
    """

    __slots__ = ("latest_time", "marks", "time_without")

    def __init__(self, base: Anchor) -> None:
        self.marks = dict(base.wmap)
        self.latest_time = base.time
        self.time_without = dict.fromkeys(base.wmap, _EARLIEST)

    def add(self, anchor: Anchor) -> None:
        """Cover what ``anchor`` covers, too."""
        for source, time in self.time_without.items():
            if source not in anchor.wmap and anchor.time > time:
                self.time_without[source] = anchor.time
        for source, mark in anchor.wmap.items():
            if source in self.marks:
                self.marks[source] = max(self.marks[source], mark)
            else:
                self.marks[source] = mark
                self.time_without[source] = self.latest_time
        self.latest_time = max(self.latest_time, anchor.time)

    def covers(self, delta: Delta) -> bool:
        """Whether any of the anchors covers ``delta``."""
        mark = self.marks.get(delta.source)
        if mark is None:
            return delta.occurred_at <= self.latest_time
        return delta.sequence <= mark or delta.occurred_at <= self.time_without[delta.source]
