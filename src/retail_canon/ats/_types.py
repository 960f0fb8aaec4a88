"""Input rows of the ATS engine: positions, reservations, incoming supply, and their tables.

Rows are frozen attrs classes with slots (cheap to hold by the million); tables are the
same data as columns with dictionary-encoded SKUs and nodes, the form a dataframe, an Arrow
batch or a Spark partition already has. All quantities are whole numbers of the SKU's base
unit (`int`); `retail_canon.ats.positions_from_canonical` converts canonical
`InventoryPosition` objects, whatever their unit of measure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import attrs

from retail_canon.ats._errors import InvalidAtsInput

__all__ = [
    "NEVER",
    "Bucket",
    "FulfilmentMode",
    "Incoming",
    "Position",
    "PositionTable",
    "Reservation",
    "ReservationTable",
    "check_aware",
    "epoch_us",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

NEVER = 2**62
"""``expires_at_us`` of a `ReservationTable` row that does not expire."""


def check_aware(value: datetime, what: str) -> datetime:
    """Return ``value`` if it carries a time zone, else raise `InvalidAtsInput`."""
    if value.tzinfo is None or value.utcoffset() is None:
        msg = f"{what} {value.isoformat()} has no time zone; pass an aware datetime"
        raise InvalidAtsInput(msg)
    return value


def epoch_us(value: datetime) -> int:
    """Microseconds since 1970-01-01 UTC of an aware datetime.

    >>> epoch_us(datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC))
    1000000
    """
    return (check_aware(value, "timestamp") - _EPOCH) // _MICROSECOND


class Bucket(StrEnum):
    """The quantity buckets of a position (the same values as `models.InventoryBucket`).

    ``safety_stock`` here is the *physical* bucket some systems (Shopify) move units into;
    rule-driven safety stock is `retail_canon.ats.SafetyStock`.
    """

    ON_HAND = "on_hand"
    COMMITTED = "committed"
    RESERVED = "reserved"
    DAMAGED = "damaged"
    QUALITY_CONTROL = "quality_control"
    SAFETY_STOCK = "safety_stock"
    INCOMING = "incoming"


class FulfilmentMode(StrEnum):
    """How a node fulfils a channel's orders."""

    SHIP = "SHIP"
    PICKUP = "PICKUP"
    SHIP_FROM_STORE = "SHIP_FROM_STORE"


@attrs.frozen(slots=True)
class Position:
    """One SKU at one node: its buckets in whole base units (``on_hand`` may be negative).

    ``on_hand`` is physical stock and includes every other bucket but ``incoming``, as in
    Shopify's model. Net stock is ``on_hand − committed − reserved − damaged −
    quality_control − safety_stock`` minus unexpired `Reservation` holds at the node.
    """

    sku: str
    node: str
    on_hand: int = 0
    committed: int = 0
    reserved: int = 0
    damaged: int = 0
    quality_control: int = 0
    safety_stock: int = 0
    incoming: int = 0


@attrs.frozen(slots=True)
class Reservation:
    """A soft hold (cart, draft order) on a node's stock until ``expires_at`` (None: no TTL).

    A reservation counts while ``expires_at`` is later than the ``as_of`` of the
    computation: expiry is a filter, no job has to run for stock to come back.
    """

    reservation_id: str
    sku: str
    node: str
    quantity: int
    expires_at: datetime | None = None
    channel: str | None = None
    """The channel that placed the hold (shown in explanations; it holds stock for all)."""


@attrs.frozen(slots=True)
class Incoming:
    """Supply on its way to a node (purchase order line, inbound transfer)."""

    sku: str
    node: str
    quantity: int
    eta: datetime
    reference: str = ""
    """The document it comes from, e.g. ``PO-1001/3``."""
    kind: str = "purchase_order"


def _encode(names: dict[str, int], name: str) -> int:
    code = names.get(name)
    if code is None:
        code = names[name] = len(names)
    return code


@attrs.frozen(eq=False)
class PositionTable:
    """Positions as columns: SKUs and nodes dictionary-encoded, one row per SKU × node.

    Columns may be lists or numpy integer arrays. ``skus`` and ``nodes`` are the
    dictionaries; ``sku`` and ``node`` hold each row's index into them.
    """

    skus: Sequence[str]
    nodes: Sequence[str]
    sku: Sequence[int]
    node: Sequence[int]
    on_hand: Sequence[int]
    committed: Sequence[int]
    reserved: Sequence[int]
    damaged: Sequence[int]
    quality_control: Sequence[int]
    safety_stock: Sequence[int]

    def __attrs_post_init__(self) -> None:
        n = len(self.sku)
        columns = (self.node, self.on_hand, self.committed, self.reserved, self.damaged)
        if any(len(c) != n for c in (*columns, self.quality_control, self.safety_stock)):
            msg = "PositionTable columns have different lengths"
            raise InvalidAtsInput(msg)

    def __len__(self) -> int:
        return len(self.sku)

    @classmethod
    def from_rows(cls, rows: Iterable[Position]) -> PositionTable:
        """Encode `Position` rows; raises `InvalidAtsInput` if a SKU × node repeats."""
        skus: dict[str, int] = {}
        nodes: dict[str, int] = {}
        cols: tuple[list[int], ...] = tuple([] for _ in range(8))
        seen: set[tuple[str, str]] = set()
        for p in rows:
            key = (p.sku, p.node)
            if key in seen:
                msg = f"two positions for SKU {p.sku!r} at node {p.node!r}; merge them first"
                raise InvalidAtsInput(msg)
            seen.add(key)
            values = (
                _encode(skus, p.sku),
                _encode(nodes, p.node),
                p.on_hand,
                p.committed,
                p.reserved,
                p.damaged,
                p.quality_control,
                p.safety_stock,
            )
            for col, value in zip(cols, values, strict=True):
                col.append(value)
        return cls(list(skus), list(nodes), *cols)

    def rows(self) -> Iterator[Position]:
        """The table as `Position` rows (``incoming`` is not a column: it reads 0)."""
        skus, nodes = self.skus, self.nodes
        columns = (
            self.on_hand,
            self.committed,
            self.reserved,
            self.damaged,
            self.quality_control,
            self.safety_stock,
        )
        lists = [c.tolist() if hasattr(c, "tolist") else c for c in (self.sku, self.node)]
        values = [c.tolist() if hasattr(c, "tolist") else c for c in columns]
        for k, n, *buckets in zip(*lists, *values, strict=True):
            yield Position(skus[k], nodes[n], *buckets)


@attrs.frozen(eq=False)
class ReservationTable:
    """Reservations as columns; ``expires_at_us`` in microseconds since the epoch (`NEVER`)."""

    skus: Sequence[str]
    nodes: Sequence[str]
    sku: Sequence[int]
    node: Sequence[int]
    quantity: Sequence[int]
    expires_at_us: Sequence[int]

    def __attrs_post_init__(self) -> None:
        n = len(self.sku)
        if any(len(c) != n for c in (self.node, self.quantity, self.expires_at_us)):
            msg = "ReservationTable columns have different lengths"
            raise InvalidAtsInput(msg)

    def __len__(self) -> int:
        return len(self.sku)

    @classmethod
    def from_rows(cls, rows: Iterable[Reservation]) -> ReservationTable:
        """Encode `Reservation` rows (ids and channels are not kept)."""
        skus: dict[str, int] = {}
        nodes: dict[str, int] = {}
        cols: tuple[list[int], ...] = ([], [], [], [])
        for r in rows:
            expires = NEVER if r.expires_at is None else epoch_us(r.expires_at)
            values = (_encode(skus, r.sku), _encode(nodes, r.node), r.quantity, expires)
            for col, value in zip(cols, values, strict=True):
                col.append(value)
        return cls(list(skus), list(nodes), *cols)

    def rows(self) -> Iterator[Reservation]:
        """The table as `Reservation` rows with generated ids ``#0``, ``#1``, ..."""
        columns = [
            c.tolist() if hasattr(c, "tolist") else c
            for c in (self.sku, self.node, self.quantity, self.expires_at_us)
        ]
        for i, (k, n, q, e) in enumerate(zip(*columns, strict=True)):
            expires = None if e >= NEVER else _EPOCH + e * _MICROSECOND
            yield Reservation(f"#{i}", self.skus[k], self.nodes[n], q, expires)
