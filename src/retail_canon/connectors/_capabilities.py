"""Capability protocols: what a connector can do, spoken in canonical objects only.

Each capability is a small `typing.Protocol` with a sync method and its async twin.
Sources return `Records` (an iterator with a resumable `Checkpoint`), sinks a
`WriteReport`. A connector *declares* a capability by subclassing its protocol, and type
checkers then verify it implements the methods; ``isinstance(connector, OrderSource)``
works at run time too.

| capability | methods (sync; async adds an ``a``) | canonical object |
|---|---|---|
| `OrderSource` | ``read_orders`` | `SalesOrder` |
| `OrderSink` | ``write_orders`` | `SalesOrder` |
| `ShipmentSink` | ``write_shipments`` | `FulfillmentOrder` with its shipments |
| `InventorySource` | ``read_inventory`` | `InventoryPosition` |
| `InventorySink` | ``write_inventory`` | `InventoryPosition` (absolute quantities) |
| `ListingSink` | ``write_listings`` | `Product` |
| `ReturnSource` | ``read_returns`` | `ReturnAuthorization` |
| `SettlementSource` | ``read_settlements`` | `SettlementRecord` |
| `ReceivableSource` | ``read_receivables`` | `SettlementLine` (an open receivable) |
"""

from __future__ import annotations

import importlib
from abc import abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from retail_canon.connectors._records import AsyncRecords, Checkpoint, Records, WriteReport
    from retail_canon.models import (
        FulfillmentOrder,
        InventoryPosition,
        Product,
        ReturnAuthorization,
        SalesOrder,
        SettlementLine,
        SettlementRecord,
    )

__all__ = [
    "CAPABILITIES",
    "Capability",
    "InventorySink",
    "InventorySource",
    "ListingSink",
    "OrderSink",
    "OrderSource",
    "ReceivableSource",
    "ReturnSource",
    "SettlementSource",
    "ShipmentSink",
    "capability_named",
]


@runtime_checkable
class OrderSource(Protocol):
    """Reads sales orders changed since a time or a checkpoint, oldest change first."""

    @abstractmethod
    def read_orders(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SalesOrder]:
        """Orders created or updated at or after ``since``, or after ``checkpoint``."""

    @abstractmethod
    def aread_orders(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SalesOrder]:
        """Async twin of `read_orders`."""


@runtime_checkable
class OrderSink(Protocol):
    """Creates or updates sales orders (an ERP or OMS receiving channel orders)."""

    @abstractmethod
    def write_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Write each order; bad ones are reported on the result, not raised."""

    @abstractmethod
    async def awrite_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Async twin of `write_orders`."""


@runtime_checkable
class ShipmentSink(Protocol):
    """Confirms shipments to a channel: carrier, tracking and lines of each shipment."""

    @abstractmethod
    def write_shipments(self, fulfillments: Iterable[FulfillmentOrder]) -> WriteReport:
        """Confirm the shipments of each fulfillment order (its ``sales_order_id`` says whose)."""

    @abstractmethod
    async def awrite_shipments(self, fulfillments: Iterable[FulfillmentOrder]) -> WriteReport:
        """Async twin of `write_shipments`."""


@runtime_checkable
class InventorySource(Protocol):
    """Reads inventory positions (snapshots per SKU and location)."""

    @abstractmethod
    def read_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[InventoryPosition]:
        """Positions changed at or after ``since``, or after ``checkpoint``."""

    @abstractmethod
    def aread_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[InventoryPosition]:
        """Async twin of `read_inventory`."""


@runtime_checkable
class InventorySink(Protocol):
    """Sets available quantities at a channel or warehouse from positions."""

    @abstractmethod
    def write_inventory(self, positions: Iterable[InventoryPosition]) -> WriteReport:
        """Write each position (an absolute quantity, never a delta)."""

    @abstractmethod
    async def awrite_inventory(self, positions: Iterable[InventoryPosition]) -> WriteReport:
        """Async twin of `write_inventory`."""


@runtime_checkable
class ListingSink(Protocol):
    """Publishes products as listings (offers) on a channel."""

    @abstractmethod
    def write_listings(self, products: Iterable[Product]) -> WriteReport:
        """Create or update the listing of each product."""

    @abstractmethod
    async def awrite_listings(self, products: Iterable[Product]) -> WriteReport:
        """Async twin of `write_listings`."""


@runtime_checkable
class ReturnSource(Protocol):
    """Reads return authorizations."""

    @abstractmethod
    def read_returns(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[ReturnAuthorization]:
        """Returns changed at or after ``since``, or after ``checkpoint``."""

    @abstractmethod
    def aread_returns(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[ReturnAuthorization]:
        """Async twin of `read_returns`."""


@runtime_checkable
class SettlementSource(Protocol):
    """Reads marketplace settlements (payout batches with their lines)."""

    @abstractmethod
    def read_settlements(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SettlementRecord]:
        """Settlements posted at or after ``since``, or after ``checkpoint``."""

    @abstractmethod
    def aread_settlements(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SettlementRecord]:
        """Async twin of `read_settlements`."""


@runtime_checkable
class ReceivableSource(Protocol):
    """Reads open receivables from an ERP: what each channel order is expected to pay.

    A receivable is a `SettlementLine` seen from the ERP side: the amount owed, its
    ``order_id`` and the invoice in ``refs``. Settlement matching joins payout lines to these.
    """

    @abstractmethod
    def read_receivables(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SettlementLine]:
        """Receivables posted or changed at or after ``since``, or after ``checkpoint``."""

    @abstractmethod
    def aread_receivables(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SettlementLine]:
        """Async twin of `read_receivables`."""


@dataclass(frozen=True, slots=True)
class Capability:
    """What the framework knows about one capability protocol.

    Attributes:
        protocol: the protocol class.
        name: its name, e.g. ``"OrderSource"``.
        noun: the plural its methods use, e.g. ``"orders"``.
        direction: ``"source"`` (reads) or ``"sink"`` (writes).
        model: the name of the canonical object in `retail_canon.models`.
        key: the fields that identify one object, e.g. ``("order_id",)``.
    """

    protocol: type
    name: str
    noun: str
    direction: Literal["source", "sink"]
    model: str
    key: tuple[str, ...]

    @property
    def method(self) -> str:
        """The sync method, e.g. ``read_orders``."""
        verb = "read" if self.direction == "source" else "write"
        return f"{verb}_{self.noun}"

    @property
    def async_method(self) -> str:
        """The async method, e.g. ``aread_orders``."""
        return f"a{self.method}"

    def model_class(self) -> type[Any]:
        """The canonical object's class (imports `retail_canon.models`)."""
        models = importlib.import_module("retail_canon.models")
        cls: type[Any] = getattr(models, self.model)
        return cls

    def identity(self, obj: Any) -> tuple[Any, ...]:
        """The identifying fields of ``obj``."""
        return tuple(getattr(obj, name) for name in self.key)


CAPABILITIES: tuple[Capability, ...] = (
    Capability(OrderSource, "OrderSource", "orders", "source", "SalesOrder", ("order_id",)),
    Capability(OrderSink, "OrderSink", "orders", "sink", "SalesOrder", ("order_id",)),
    Capability(
        ShipmentSink,
        "ShipmentSink",
        "shipments",
        "sink",
        "FulfillmentOrder",
        ("fulfillment_order_id",),
    ),
    Capability(
        InventorySource,
        "InventorySource",
        "inventory",
        "source",
        "InventoryPosition",
        ("sku", "location_id"),
    ),
    Capability(
        InventorySink,
        "InventorySink",
        "inventory",
        "sink",
        "InventoryPosition",
        ("sku", "location_id"),
    ),
    Capability(ListingSink, "ListingSink", "listings", "sink", "Product", ("product_id",)),
    Capability(
        ReturnSource, "ReturnSource", "returns", "source", "ReturnAuthorization", ("rma_id",)
    ),
    Capability(
        SettlementSource,
        "SettlementSource",
        "settlements",
        "source",
        "SettlementRecord",
        ("settlement_id",),
    ),
    Capability(
        ReceivableSource,
        "ReceivableSource",
        "receivables",
        "source",
        "SettlementLine",
        ("line_id",),
    ),
)
"""Every capability, in the order of the table above."""

_BY_NAME = {c.name: c for c in CAPABILITIES}


def capability_named(which: str | type | Callable[..., Any]) -> Capability:
    """The `Capability` of a protocol class or its name.

    >>> capability_named("OrderSource").method
    'read_orders'

    Raises:
        KeyError: not a capability.
    """
    if isinstance(which, str):
        found = _BY_NAME.get(which)
    else:
        found = next((c for c in CAPABILITIES if c.protocol is which), None)
    if found is None:
        known = ", ".join(_BY_NAME)
        msg = f"{which!r} is not a connector capability (capabilities: {known})"
        raise KeyError(msg)
    return found
