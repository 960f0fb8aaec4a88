"""The engine's per-position and per-source state records (mutable, slotted)."""

from __future__ import annotations

from retail_canon.ats._compile import Profile
from retail_canon.ats._events import Anchor, Cover

__all__ = ["BUCKET_SLOTS", "PositionState", "SequenceState"]

_NONE: Profile = ()

BUCKET_SLOTS = ("oh", "cm", "rs", "dm", "qc", "sb", "inc")
"""The attributes of the buckets, in `retail_canon.ats.Bucket` order (``oh`` is derived)."""


class PositionState:
    """The live state of one SKU × node: buckets, holds, net stock, profile, anchors.

    Net stock is what is stored: ``on_hand`` is derived from it and the other buckets and
    holds, so an ``on_hand`` delta changes one number.

    ``lo`` and ``srcs`` are the profile's straight-line form: while net stock stays above
    ``lo`` (the largest fixed safety stock; infinite with a percentage), a change of net
    stock moves the sums at row indexes ``srcs`` by the same amount.

    The deltas no anchor covers are kept in the engine's journal, chained from ``head``
    (``on_hand``) and ``heads`` (other buckets) backwards; -1 ends a chain.
    """

    __slots__ = (
        "cm",
        "cover",
        "dm",
        "head",
        "heads",
        "held",
        "inc",
        "jmax",
        "jsrc",
        "k",
        "latest",
        "lo",
        "net",
        "node",
        "prof",
        "qc",
        "rs",
        "sb",
        "sku",
        "srcs",
    )

    def __init__(self, sku: str, node: str, k: int, values: list[int], held: int) -> None:
        self.sku = sku
        self.node = node
        self.k = k
        self.prof = _NONE
        self.lo: int | float = 0
        self.srcs: tuple[int, ...] = ()
        on_hand, self.cm, self.rs, self.dm, self.qc, self.sb, self.inc = values
        self.held = held
        self.net = on_hand - self.cm - self.rs - self.dm - self.qc - self.sb - held
        self.head = -1
        self.jsrc: str | None = None
        """The one source of the ``on_hand`` chain (None: several), and its top sequence."""
        self.jmax = -1
        self.heads: dict[int, int] | None = None
        self.cover: dict[int, Cover] | None = None
        """What the anchors of each bucket cover (what one covered stays covered)."""
        self.latest: dict[int, Anchor] | None = None
        """The latest anchor of each bucket: its value plus the uncovered deltas."""

    def buckets(self) -> list[int]:
        """The seven bucket values, in `retail_canon.ats.Bucket` order."""
        return [self.oh, self.cm, self.rs, self.dm, self.qc, self.sb, self.inc]

    @property
    def oh(self) -> int:
        """The ``on_hand`` bucket: net stock plus the other buckets and holds."""
        return self.net + self.cm + self.rs + self.dm + self.qc + self.sb + self.held

    def chain_head(self, bucket: int) -> int:
        """Where the journal chain of ``bucket`` starts (-1: empty)."""
        if bucket == 0:
            return self.head
        return -1 if self.heads is None else self.heads.get(bucket, -1)

    def set_chain_head(self, bucket: int, index: int) -> None:
        """Start the journal chain of ``bucket`` at ``index``."""
        if bucket == 0:
            self.head = index
        else:
            if self.heads is None:
                self.heads = {}
            self.heads[bucket] = index


class SequenceState:
    """A source's contiguous high-water mark and the sequences seen beyond it."""

    __slots__ = ("ahead", "high")

    def __init__(self, high: int) -> None:
        self.high = high
        self.ahead: set[int] = set()
