"""StoreTransfer: stock moving between two of the retailer's own locations."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from retail_canon.models._base import (
    CanonicalModel,
    NonNegativeDecimal,
    Timestamp,
    record_error,
    schema_version_field,
)
from retail_canon.models._exact import EXACT
from retail_canon.models._quantity import PositiveQuantity
from retail_canon.models._refs import ExternalRef
from retail_canon.models._states import StatefulModel, StateMachine

__all__ = ["StoreTransfer", "TransferLine", "TransferStatus"]

_ZERO = Decimal(0)


class TransferStatus(StrEnum):
    """Lifecycle of a transfer.

    ``DRAFT → READY_TO_SHIP → IN_TRANSIT → PARTIALLY_RECEIVED → RECEIVED`` (a transfer
    may also be received in one go); ``DRAFT | READY_TO_SHIP → CANCELLED``.
    """

    DRAFT = "DRAFT"
    READY_TO_SHIP = "READY_TO_SHIP"
    IN_TRANSIT = "IN_TRANSIT"
    PARTIALLY_RECEIVED = "PARTIALLY_RECEIVED"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"
    OTHER = "OTHER"


_T = TransferStatus
TRANSFER_STATES = StateMachine(
    "StoreTransfer",
    {
        _T.DRAFT: {_T.READY_TO_SHIP, _T.CANCELLED},
        _T.READY_TO_SHIP: {_T.IN_TRANSIT, _T.CANCELLED},
        _T.IN_TRANSIT: {_T.PARTIALLY_RECEIVED, _T.RECEIVED},
        _T.PARTIALLY_RECEIVED: {_T.RECEIVED},
    },
    _T.OTHER,
)


class TransferLine(CanonicalModel):
    """One SKU of a transfer; shipped minus received is the discrepancy to explain."""

    sku: str = Field(min_length=1)
    quantity_requested: PositiveQuantity
    quantity_shipped: NonNegativeDecimal = _ZERO
    quantity_received: NonNegativeDecimal = _ZERO
    discrepancy_reason: str | None = None

    @property
    def discrepancy(self) -> Decimal:
        """Shipped minus received: positive when units went missing on the way."""
        return EXACT.subtract(self.quantity_shipped, self.quantity_received)


class StoreTransfer(StatefulModel):
    """A transfer of stock from one location to another."""

    SCHEMA_VERSION: ClassVar[str] = "1.0"
    state_machine: ClassVar[StateMachine[TransferStatus]] = TRANSFER_STATES

    schema_version: str = schema_version_field(SCHEMA_VERSION)
    transfer_id: str = Field(min_length=1)
    origin_location_id: str = Field(min_length=1)
    destination_location_id: str = Field(min_length=1)
    status: TransferStatus = TransferStatus.DRAFT
    source_status: str | None = None
    lines: tuple[TransferLine, ...] = Field(min_length=1)
    tracking_numbers: tuple[str, ...] = ()
    sscc: tuple[str, ...] = ()
    """SSCCs of the pallets or cartons that travel."""
    requested_at: Timestamp
    shipped_at: Timestamp | None = None
    received_at: Timestamp | None = None
    external_refs: tuple[ExternalRef, ...] = ()

    @model_validator(mode="after")
    def _distinct_ends(self) -> Self:
        if self.origin_location_id == self.destination_location_id:
            raise record_error(
                "StoreTransfer",
                ("destination_location_id",),
                "same_location",
                "a transfer cannot go to its origin '{origin}'",
                origin=self.origin_location_id,
            )
        return self
