"""What sourcing reads about stock: a small protocol, a table, and a view after allocation.

Sourcing never talks to an ATS engine directly. Anything with an ``available(sku)`` method
that returns sellable units per node id will do: an ATS engine's channel view, a dict
loaded from a snapshot, or `AllocatedInventory` after a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Protocol, runtime_checkable

__all__ = ["AllocatedInventory", "InventoryView", "StockTable"]

_EMPTY: Mapping[str, int] = MappingProxyType({})


@runtime_checkable
class InventoryView(Protocol):
    """Sellable units of a SKU per node id, for one sales channel.

    Nodes without stock may be left out. Negative values (an oversold node) count as zero
    at that node and never reduce another node's stock.
    """

    def available(self, sku: str) -> Mapping[str, int]:
        """Sellable units of ``sku`` per node id."""
        ...


class StockTable:
    """An in-memory `InventoryView`: ``{sku: {node_id: units}}``.

    >>> stock = StockTable.from_rows([("MUG", "wh-1", 4), ("MUG", "store-7", 1)])
    >>> dict(stock.available("MUG")), dict(stock.available("TEA"))
    ({'wh-1': 4, 'store-7': 1}, {})
    """

    __slots__ = ("_by_sku",)

    def __init__(self, by_sku: Mapping[str, Mapping[str, int]] | None = None) -> None:
        self._by_sku: dict[str, dict[str, int]] = {
            sku: dict(nodes) for sku, nodes in (by_sku or {}).items()
        }

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, int]]) -> StockTable:
        """A table from ``(sku, node_id, units)`` rows; repeated pairs add up."""
        table = cls()
        by_sku = table._by_sku
        for sku, node_id, units in rows:
            nodes = by_sku.setdefault(sku, {})
            nodes[node_id] = nodes.get(node_id, 0) + units
        return table

    def available(self, sku: str) -> Mapping[str, int]:
        """Sellable units of ``sku`` per node id."""
        return self._by_sku.get(sku, _EMPTY)

    def skus(self) -> Iterator[str]:
        """The SKUs in the table."""
        return iter(self._by_sku)

    def __repr__(self) -> str:
        return f"StockTable({len(self._by_sku)} SKUs)"


class AllocatedInventory:
    """A view of ``base`` minus the units a batch allocated: what `source_batch` returns.

    ``allocated`` says what to reserve or commit upstream: units per SKU and node.

    >>> after = AllocatedInventory(StockTable({"MUG": {"wh-1": 4}}), {"MUG": {"wh-1": 3}})
    >>> dict(after.available("MUG"))
    {'wh-1': 1}
    """

    __slots__ = ("_taken", "base")

    def __init__(
        self, base: InventoryView, allocated: Mapping[str, Mapping[str, int]] | None = None
    ) -> None:
        if isinstance(base, AllocatedInventory):
            merged = {sku: dict(nodes) for sku, nodes in base._taken.items()}
            for sku, nodes in (allocated or {}).items():
                into = merged.setdefault(sku, {})
                for node_id, units in nodes.items():
                    into[node_id] = into.get(node_id, 0) + units
            self.base: InventoryView = base.base
            self._taken: dict[str, dict[str, int]] = merged
        else:
            self.base = base
            self._taken = {sku: dict(nodes) for sku, nodes in (allocated or {}).items()}

    @property
    def allocated(self) -> Mapping[str, Mapping[str, int]]:
        """Units allocated per SKU and node, on top of ``base``."""
        return MappingProxyType({sku: MappingProxyType(n) for sku, n in self._taken.items()})

    def available(self, sku: str) -> Mapping[str, int]:
        """Sellable units of ``sku`` per node id after the allocations."""
        stock = self.base.available(sku)
        taken = self._taken.get(sku)
        if not taken:
            return stock
        return {node: units - taken.get(node, 0) for node, units in stock.items()}

    def _take(self, sku: str, node_id: str, units: int) -> None:
        nodes = self._taken.get(sku)
        if nodes is None:
            nodes = self._taken[sku] = {}
        nodes[node_id] = nodes.get(node_id, 0) + units

    def _taken_for(self, sku: str) -> dict[str, int] | None:
        return self._taken.get(sku)

    def __repr__(self) -> str:
        count = sum(len(nodes) for nodes in self._taken.values())
        return f"AllocatedInventory({self.base!r}, {count} allocated positions)"
