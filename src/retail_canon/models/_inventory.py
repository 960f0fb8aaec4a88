"""Inventory: positions (snapshots per SKU × location) and events (signed deltas)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from retail_canon.models._base import (
    CanonicalModel,
    ExactDecimal,
    NonNegativeDecimal,
    Timestamp,
    schema_version_field,
)
from retail_canon.models._quantity import UomCode
from retail_canon.models._refs import ExternalRef

__all__ = ["InventoryBucket", "InventoryBuckets", "InventoryEvent", "InventoryPosition"]

_ZERO = Decimal(0)


class InventoryBucket(StrEnum):
    """The quantity buckets of a position."""

    ON_HAND = "on_hand"
    COMMITTED = "committed"
    RESERVED = "reserved"
    DAMAGED = "damaged"
    QUALITY_CONTROL = "quality_control"
    SAFETY_STOCK = "safety_stock"
    INCOMING = "incoming"


class InventoryBuckets(CanonicalModel):
    """Quantities of one SKU at one location, by bucket; none of them negative.

    ``on_hand`` is what is physically there; ``committed``, ``reserved``, ``damaged``,
    ``quality_control`` and ``safety_stock`` are parts of it that cannot be sold;
    ``incoming`` is expected and not yet on hand.
    """

    on_hand: NonNegativeDecimal = _ZERO
    committed: NonNegativeDecimal = _ZERO
    reserved: NonNegativeDecimal = _ZERO
    damaged: NonNegativeDecimal = _ZERO
    quality_control: NonNegativeDecimal = _ZERO
    safety_stock: NonNegativeDecimal = _ZERO
    incoming: NonNegativeDecimal = _ZERO


class InventoryPosition(CanonicalModel):
    """A snapshot of one SKU at one location. Snapshots replace; they never add up."""

    SCHEMA_VERSION: ClassVar[str] = "1.0"

    schema_version: str = schema_version_field(SCHEMA_VERSION)
    sku: str = Field(min_length=1)
    location_id: str = Field(min_length=1)
    uom: UomCode = "EA"
    buckets: InventoryBuckets
    as_of: Timestamp
    """When the source measured it (not when we received it)."""
    source_sequence: int | None = Field(default=None, ge=0)
    """The source's monotonic sequence or version number, if it has one."""
    external_refs: tuple[ExternalRef, ...] = ()


class InventoryEvent(CanonicalModel):
    """A signed change to one bucket of one SKU at one location."""

    SCHEMA_VERSION: ClassVar[str] = "1.0"

    schema_version: str = schema_version_field(SCHEMA_VERSION)
    event_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    location_id: str = Field(min_length=1)
    bucket: InventoryBucket
    delta: ExactDecimal
    """Signed change: positive adds to the bucket, negative takes from it."""
    uom: UomCode = "EA"
    reason: str | None = None
    """The source's reason code (receipt, sale, adjustment, cycle count, ...)."""
    idempotency_key: str = Field(min_length=1)
    """Same key, same event: consumers apply it once."""
    source_sequence: int = Field(ge=0)
    occurred_at: Timestamp
    external_refs: tuple[ExternalRef, ...] = ()
