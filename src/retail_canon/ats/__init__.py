"""Available to sell: what each channel may sell, from positions across every node.

- `compute` recomputes ATS per (channel, SKU) from positions, reservations and `Rules`:
  net stock clamped at zero per node *before* any sum, layered safety stock, node
  eligibility per channel and fulfilment mode, network thresholds, unassigned demand,
  pools split by percentages (largest remainder, never oversubscribed), kits. An optional
  numpy path gives the same numbers faster on `PositionTable` columns.
- `AtsResult.explain` (and `Engine.explain`) lists every term of a number.
- `ats_by_date` adds incoming supply from the day it can be sold.
- `Engine` keeps the numbers up to date over an append-only ledger of events (`Delta`,
  `Count`, `Reserve`, `Release`, `Demand`, `Rebase`) in O(channels of the node) per event,
  and always equals `replay`, the full recompute of its baseline and ledger. `changes`
  and `Publisher` give change-only publication; `reconcile` and `rebase` handle drift
  against ERP or WMS snapshots; `LedgerStore` implementations make the ledger durable.

Nothing here imports pint, babel, httpx or python-dateutil; pydantic loads only when a
canonical object is converted (`positions_from_canonical`, `delta_from_canonical`).

>>> from datetime import UTC, datetime
>>> rules = Rules(
...     nodes=[Node("DC1", "DC"), Node("S1", "STORE", {"SHIP", "PICKUP"})],
...     channels=[Channel("web", {"SHIP", "PICKUP"})],
...     safety_stock=[SafetyStock(1, node_type="STORE")],
... )
>>> stock = [Position("MUG", "DC1", on_hand=10, committed=3), Position("MUG", "S1", on_hand=-2)]
>>> compute(stock, [], rules, as_of=datetime(2026, 3, 1, tzinfo=UTC))["web", "MUG"]
7
"""

from __future__ import annotations

from retail_canon.ats._allocate import largest_remainder
from retail_canon.ats._by_date import AtsTimeline, ats_by_date
from retail_canon.ats._canonical import (
    QuantityState,
    delta_from_canonical,
    positions_from_canonical,
)
from retail_canon.ats._compute import compute
from retail_canon.ats._core import compiled_path_available
from retail_canon.ats._drift import (
    DriftItem,
    DriftReason,
    DriftReport,
    PositionDrift,
    ReplaySource,
    Snapshot,
    rebase,
    reconcile,
)
from retail_canon.ats._engine import Discrepancy, Engine, EngineSnapshot
from retail_canon.ats._errors import (
    AtsError,
    ClockWentBackwards,
    FractionalQuantity,
    InsufficientStock,
    InvalidAtsInput,
    InvalidRules,
    UnknownChannel,
    UnknownReservation,
)
from retail_canon.ats._events import Count, Delta, Demand, LedgerEvent, Rebase, Release, Reserve
from retail_canon.ats._explain import Explanation, KitTerm, NodeTerm, PoolTerm, ReservationTerm
from retail_canon.ats._publish import Change, Publisher
from retail_canon.ats._replay import Baseline, replay
from retail_canon.ats._result import AtsResult
from retail_canon.ats._rules import (
    Channel,
    Eligibility,
    Kit,
    Node,
    Pool,
    Rules,
    SafetyStock,
    SafetyStockLevel,
    Share,
    Threshold,
)
from retail_canon.ats._store import LedgerStore, MemoryLedgerStore, SQLiteLedgerStore
from retail_canon.ats._types import (
    NEVER,
    Bucket,
    FulfilmentMode,
    Incoming,
    Position,
    PositionTable,
    Reservation,
    ReservationTable,
    epoch_us,
)

__all__ = [
    "ats_by_date",
    "AtsError",
    "AtsResult",
    "AtsTimeline",
    "Baseline",
    "Bucket",
    "Change",
    "Channel",
    "ClockWentBackwards",
    "compiled_path_available",
    "compute",
    "Count",
    "Delta",
    "delta_from_canonical",
    "Demand",
    "Discrepancy",
    "DriftItem",
    "DriftReason",
    "DriftReport",
    "Eligibility",
    "Engine",
    "EngineSnapshot",
    "epoch_us",
    "Explanation",
    "FractionalQuantity",
    "FulfilmentMode",
    "Incoming",
    "InsufficientStock",
    "InvalidAtsInput",
    "InvalidRules",
    "Kit",
    "KitTerm",
    "largest_remainder",
    "LedgerEvent",
    "LedgerStore",
    "MemoryLedgerStore",
    "NEVER",
    "Node",
    "NodeTerm",
    "Pool",
    "PoolTerm",
    "Position",
    "PositionDrift",
    "positions_from_canonical",
    "PositionTable",
    "Publisher",
    "QuantityState",
    "Rebase",
    "rebase",
    "reconcile",
    "Release",
    "replay",
    "ReplaySource",
    "Reservation",
    "ReservationTable",
    "ReservationTerm",
    "Reserve",
    "Rules",
    "SafetyStock",
    "SafetyStockLevel",
    "Share",
    "Snapshot",
    "SQLiteLedgerStore",
    "Threshold",
    "UnknownChannel",
    "UnknownReservation",
]
