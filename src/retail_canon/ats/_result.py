"""`AtsResult`: the numbers of a full recompute, with breakdowns and explanations."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from retail_canon.ats._errors import UnknownChannel
from retail_canon.ats._explain import Explanation, NodeTerm, explain_sku
from retail_canon.ats._types import Position, PositionTable, Reservation, ReservationTable

if TYPE_CHECKING:
    from retail_canon.ats._compile import Compiled

__all__ = ["AtsResult"]


class AtsResult(Mapping[tuple[str, str], int]):
    """ATS per (channel, SKU): a read-only mapping, plus the terms behind each number.

    Keys are every channel the rules define times every SKU that has a position (and every
    kit). ``result["web", "MUG"]`` is the number; `explain` says how it came about and
    `breakdown` gives a SKU's node terms for one channel.
    """

    def __init__(
        self,
        *,
        compiled: Compiled,
        as_of: datetime,
        skus: list[str],
        values: dict[str, list[int]],
        totals: dict[str, list[int]],
        positions: PositionTable,
        reservations: Iterable[Reservation] | ReservationTable,
        unassigned: dict[tuple[str, str], int],
    ) -> None:
        self._compiled = compiled
        self.as_of = as_of
        self._skus = skus
        self._values = values
        self._totals = totals
        self._positions = positions
        self._reservations = reservations
        self._unassigned = unassigned
        self._code: dict[str, int] | None = None
        self._rows_of: dict[str, list[int]] | None = None
        self._holds_of: dict[str, list[Reservation]] | None = None

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels, in the order the rules define them (pool members after channels)."""
        return tuple(self._values)

    @property
    def skus(self) -> tuple[str, ...]:
        """The SKUs that have numbers."""
        return tuple(self._skus)

    def _sku_code(self) -> dict[str, int]:
        if self._code is None:
            self._code = {s: i for i, s in enumerate(self._skus)}
        return self._code

    def __getitem__(self, key: tuple[str, str]) -> int:
        channel, sku = key
        column = self._values.get(channel)
        code = self._sku_code().get(sku)
        if column is None or code is None:
            raise KeyError(key)
        return column[code]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for channel in self._values:
            for sku in self._skus:
                yield channel, sku

    def __len__(self) -> int:
        return len(self._values) * len(self._skus)

    def __repr__(self) -> str:
        size = f"{len(self._values)} channels × {len(self._skus)} SKUs"
        return f"<AtsResult {size} as of {self.as_of.isoformat()}>"

    def column(self, channel: str) -> dict[str, int]:
        """One channel's ATS per SKU."""
        values = self._values.get(channel)
        if values is None:
            msg = f"unknown channel {channel!r}; the rules define {list(self._values)}"
            raise UnknownChannel(msg)
        return dict(zip(self._skus, values, strict=True))

    def total(self, source: str, sku: str) -> int:
        """A channel's or pool's number before any split (for a pool: what is shared)."""
        totals = self._totals.get(source)
        if totals is None:
            msg = f"{source!r} is not a channel or pool of the rules"
            raise UnknownChannel(msg)
        code = self._sku_code().get(sku)
        return 0 if code is None else totals[code]

    def _rows(self, sku: str) -> list[Position]:
        if self._rows_of is None:
            index: dict[str, list[int]] = {}
            table = self._positions
            skus = table.skus
            column = table.sku.tolist() if hasattr(table.sku, "tolist") else table.sku
            for i, k in enumerate(column):
                index.setdefault(skus[k], []).append(i)
            self._rows_of = index
        rows = self._rows_of.get(sku, [])
        if not rows:
            return []
        t = self._positions
        return [
            Position(
                sku,
                t.nodes[int(t.node[i])],
                int(t.on_hand[i]),
                int(t.committed[i]),
                int(t.reserved[i]),
                int(t.damaged[i]),
                int(t.quality_control[i]),
                int(t.safety_stock[i]),
            )
            for i in rows
        ]

    def _holds(self, sku: str) -> list[Reservation]:
        if self._holds_of is None:
            source = self._reservations
            rows = source.rows() if isinstance(source, ReservationTable) else source
            index: dict[str, list[Reservation]] = {}
            for r in rows:
                index.setdefault(r.sku, []).append(r)
            self._holds_of = index
        return self._holds_of.get(sku, [])

    def explain(self, channel: str, sku: str) -> Explanation:
        """Every term of ``self[channel, sku]``; ``str()`` of it reads as a short report."""
        demand = {c: q for (c, k), q in self._unassigned.items() if k == sku}
        return explain_sku(
            self._compiled,
            channel,
            sku,
            as_of=self.as_of,
            rows=self._rows(sku),
            reservations=self._holds(sku),
            unassigned=demand,
            value_of=lambda c, k: self.get((c, k), 0),
        )

    def breakdown(self, channel: str, sku: str) -> tuple[NodeTerm, ...]:
        """The per-node terms of ``self[channel, sku]`` (see `explain`)."""
        return self.explain(channel, sku).nodes
