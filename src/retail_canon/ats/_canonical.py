"""From canonical objects to ATS rows: units normalised, quantity state made explicit.

A feed must say which quantity it carries. Physical feeds (WMS, POS) give ``on_hand``
including committed and held units; *salable* feeds (some ERPs push what may still be
sold) give ``on_hand`` with those already taken off. Reading a salable feed as physical
deducts committed units twice, the Magento-reservations-plus-ERP bug, so
`positions_from_canonical` has no default for ``quantity_state``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from retail_canon.ats._errors import FractionalQuantity, InvalidAtsInput
from retail_canon.ats._events import Delta
from retail_canon.ats._types import Bucket, Position

if TYPE_CHECKING:
    from retail_canon.models import InventoryEvent, InventoryPosition, Product
    from retail_canon.normalize.uom import PackHierarchy

__all__ = ["QuantityState", "delta_from_canonical", "positions_from_canonical"]

Packs = Mapping[str, "PackHierarchy | Product"]
_BUCKETS = (
    "on_hand",
    "committed",
    "reserved",
    "damaged",
    "quality_control",
    "safety_stock",
    "incoming",
)


class QuantityState(StrEnum):
    """Which quantity a feed's ``on_hand`` carries."""

    PHYSICAL = "physical"
    """Everything on the shelf, committed and held units included (WMS, POS)."""
    SALABLE = "salable"
    """What may still be sold: committed, reserved and unavailable units already taken off."""


def _base_units(sku: str, value: Decimal, uom: str, packs: Packs | None) -> tuple[int, str]:
    pack = None if packs is None else packs.get(sku)
    if pack is None:
        base, amount = uom, value
    else:
        base = pack.base_uom
        if uom == base:
            amount = value
        else:
            from retail_canon.models import Quantity
            from retail_canon.normalize.uom import convert

            quantity = Quantity(value=value, uom=uom)
            amount = convert(quantity, base, pack=pack, allow_fraction=True).value
    if amount != amount.to_integral_value():
        msg = f"SKU {sku!r}: {value} {uom} is {amount} {base}, not a whole number of {base}"
        raise FractionalQuantity(msg)
    return int(amount), base


def positions_from_canonical(
    positions: Iterable[InventoryPosition],
    *,
    quantity_state: QuantityState | str,
    packs: Packs | None = None,
) -> list[Position]:
    """`Position` rows in base units from canonical positions (UOMs of one SKU merged).

    Args:
        positions: canonical positions; a SKU at a location may come in several units
            (pallets in reserve, eaches in the pick face): they are converted and added.
        quantity_state: what ``on_hand`` carries; `QuantityState.SALABLE` adds the
            committed, reserved and unavailable buckets back so nothing counts twice.
        packs: per SKU, its pack hierarchy (or `models.Product`) for package units.

    Raises:
        FractionalQuantity: a quantity that is not whole in the base unit.
        InvalidAtsInput: a SKU in different units without a pack hierarchy; the same SKU,
            location and unit twice.
    """
    state = QuantityState(quantity_state)
    merged: dict[tuple[str, str], list[int]] = {}
    units: dict[str, str] = {}
    seen: set[tuple[str, str, str]] = set()
    for p in positions:
        if (p.sku, p.location_id, p.uom) in seen:
            msg = f"two positions for SKU {p.sku!r} at {p.location_id!r} in {p.uom}"
            raise InvalidAtsInput(msg)
        seen.add((p.sku, p.location_id, p.uom))
        values = []
        for name in _BUCKETS:
            amount, base = _base_units(p.sku, getattr(p.buckets, name), p.uom, packs)
            values.append(amount)
        if units.setdefault(p.sku, base) != base:
            msg = f"SKU {p.sku!r} comes in {units[p.sku]} and {base}; pass its pack hierarchy"
            raise InvalidAtsInput(msg)
        if state is QuantityState.SALABLE:
            values[0] += sum(values[1:6])
        total = merged.setdefault((p.sku, p.location_id), [0] * len(_BUCKETS))
        for i, v in enumerate(values):
            total[i] += v
    return [Position(sku, node, *values) for (sku, node), values in merged.items()]


def delta_from_canonical(
    event: InventoryEvent, *, source: str, packs: Packs | None = None
) -> Delta:
    """The ledger `Delta` of a canonical `InventoryEvent` from ``source``, in base units."""
    quantity, _ = _base_units(event.sku, event.delta, event.uom, packs)
    return Delta(
        key=event.idempotency_key,
        source=source,
        sequence=event.source_sequence,
        sku=event.sku,
        node=event.location_id,
        bucket=Bucket(event.bucket.value),
        quantity=quantity,
        occurred_at=event.occurred_at,
        reason=event.reason,
    )
