"""`LedgerFake`: what the fake ERPs share — seeding stock and receivables, reading orders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from retail_canon.models import InventoryPosition, SalesOrder, SettlementLine
from retail_canon.testing._fake import FakeVendor

__all__ = ["LedgerFake"]


class LedgerFake(FakeVendor):
    """A fake ERP: seeded with ``"inventory"`` and ``"receivables"``, read back as ``"orders"``.

    Subclasses implement `put_position`, `put_receivable`, ``_order_records`` and ``_as_order``.
    """

    def put(self, kind: str, objects: Iterable[Any]) -> None:
        """Seed ``"inventory"`` (`put_position`) or ``"receivables"`` (`put_receivable`)."""
        if kind == "inventory":
            for position in objects:
                self.put_position(position)
        elif kind == "receivables":
            for line in objects:
                self.put_receivable(line)
        else:
            super().put(kind, objects)

    def get(self, kind: str) -> list[Any]:
        """``"orders"``: the sales orders held, as canonical `SalesOrder` objects."""
        if kind != "orders":
            return super().get(kind)
        with self._lock:
            return [self._as_order(record) for record in self._order_records()]

    def put_position(self, position: InventoryPosition) -> None:
        """Hold ``position``'s quantities for its SKU and location."""
        raise NotImplementedError

    def put_receivable(self, line: SettlementLine) -> int:
        """Book a posted invoice or credit note from a settlement line; its id."""
        raise NotImplementedError

    def _order_records(self) -> list[Mapping[str, Any]]:
        """The sales orders held, as the vendor's records (called holding the lock)."""
        raise NotImplementedError

    def _as_order(self, record: Mapping[str, Any]) -> SalesOrder:
        """A vendor sales order record as a canonical `SalesOrder`."""
        raise NotImplementedError
