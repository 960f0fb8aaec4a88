"""FulfillmentOrder: what one node must ship for an order, and the shipments that did it."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from retail_canon.models._address import Address
from retail_canon.models._base import (
    CanonicalModel,
    NonNegativeDecimal,
    Timestamp,
    schema_version_field,
)
from retail_canon.models._quantity import NonNegativeQuantity, PositiveQuantity
from retail_canon.models._refs import ExternalRef
from retail_canon.models._states import StatefulModel, StateMachine

__all__ = [
    "FulfillmentLine",
    "FulfillmentOrder",
    "FulfillmentStatus",
    "Package",
    "Shipment",
    "ShipmentLine",
    "ShipmentStatus",
]

_ZERO = Decimal(0)


class FulfillmentStatus(StrEnum):
    """Lifecycle of a fulfilment order.

    ``SCHEDULED → OPEN → IN_PROGRESS → CLOSED`` (or ``OPEN → CLOSED`` directly);
    ``ON_HOLD`` to and from ``OPEN`` and
    ``IN_PROGRESS``; ``INCOMPLETE`` when it cannot be completed as requested;
    ``CANCELLED``. ``CLOSED``, ``INCOMPLETE`` and ``CANCELLED`` are terminal.
    """

    SCHEDULED = "SCHEDULED"
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    ON_HOLD = "ON_HOLD"
    CLOSED = "CLOSED"
    INCOMPLETE = "INCOMPLETE"
    CANCELLED = "CANCELLED"
    OTHER = "OTHER"


_F = FulfillmentStatus
FULFILLMENT_STATES = StateMachine(
    "FulfillmentOrder",
    {
        _F.SCHEDULED: {_F.OPEN, _F.CANCELLED},
        _F.OPEN: {_F.IN_PROGRESS, _F.ON_HOLD, _F.CLOSED, _F.INCOMPLETE, _F.CANCELLED},
        _F.IN_PROGRESS: {_F.ON_HOLD, _F.CLOSED, _F.INCOMPLETE, _F.CANCELLED},
        _F.ON_HOLD: {_F.OPEN, _F.IN_PROGRESS, _F.CANCELLED},
    },
    _F.OTHER,
)


class ShipmentStatus(StrEnum):
    """Lifecycle of a shipment.

    ``PENDING → IN_TRANSIT → DELIVERED | UNDELIVERABLE``; ``PENDING → CANCELLED``.
    """

    PENDING = "PENDING"
    IN_TRANSIT = "IN_TRANSIT"
    DELIVERED = "DELIVERED"
    UNDELIVERABLE = "UNDELIVERABLE"
    CANCELLED = "CANCELLED"
    OTHER = "OTHER"


_S = ShipmentStatus
SHIPMENT_STATES = StateMachine(
    "Shipment",
    {
        _S.PENDING: {_S.IN_TRANSIT, _S.CANCELLED},
        _S.IN_TRANSIT: {_S.DELIVERED, _S.UNDELIVERABLE},
    },
    _S.OTHER,
)


class FulfillmentLine(CanonicalModel):
    """One order line, or part of one, that this node must ship."""

    line_id: str = Field(min_length=1)
    sales_order_line_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    quantity: PositiveQuantity
    quantity_shipped: NonNegativeDecimal = _ZERO
    quantity_cancelled: NonNegativeDecimal = _ZERO
    backorder_quantity: NonNegativeDecimal = _ZERO


class ShipmentLine(CanonicalModel):
    """How much of one fulfilment line a shipment carries."""

    fulfillment_line_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    quantity: PositiveQuantity


class Package(CanonicalModel):
    """One parcel or pallet of a shipment."""

    sscc: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    tracking_number: str | None = None
    weight: NonNegativeQuantity | None = None


class Shipment(StatefulModel):
    """Goods that left a node under one carrier tracking number."""

    state_machine: ClassVar[StateMachine[ShipmentStatus]] = SHIPMENT_STATES

    shipment_id: str = Field(min_length=1)
    status: ShipmentStatus = ShipmentStatus.PENDING
    source_status: str | None = None
    carrier: str | None = None
    service: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    shipped_at: Timestamp | None = None
    delivered_at: Timestamp | None = None
    lines: tuple[ShipmentLine, ...] = ()
    packages: tuple[Package, ...] = ()
    external_refs: tuple[ExternalRef, ...] = ()


class FulfillmentOrder(StatefulModel):
    """The part of a sales order that one location (warehouse, store, 3PL) ships."""

    SCHEMA_VERSION: ClassVar[str] = "1.0"
    state_machine: ClassVar[StateMachine[FulfillmentStatus]] = FULFILLMENT_STATES

    schema_version: str = schema_version_field(SCHEMA_VERSION)
    fulfillment_order_id: str = Field(min_length=1)
    sales_order_id: str = Field(min_length=1)
    origin_location_id: str = Field(min_length=1)
    destination: Address | None = None
    status: FulfillmentStatus = FulfillmentStatus.OPEN
    source_status: str | None = None
    service_level: str | None = None
    """e.g. Amazon MCF Standard / Expedited / Priority."""
    fulfill_at: Timestamp | None = None
    ship_by: Timestamp | None = None
    lines: tuple[FulfillmentLine, ...] = Field(min_length=1)
    shipments: tuple[Shipment, ...] = ()
    external_refs: tuple[ExternalRef, ...] = ()
