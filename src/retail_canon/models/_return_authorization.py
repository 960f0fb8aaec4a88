"""ReturnAuthorization: a return (RMA), its inspection outcome and refund."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from retail_canon.models._base import (
    CanonicalModel,
    NonNegativeDecimal,
    Timestamp,
    schema_version_field,
)
from retail_canon.models._money import Money
from retail_canon.models._quantity import PositiveQuantity
from retail_canon.models._refs import ExternalRef
from retail_canon.models._states import StatefulModel, StateMachine

__all__ = [
    "Disposition",
    "Refund",
    "RefundStatus",
    "ReturnAuthorization",
    "ReturnLine",
    "ReturnReason",
    "ReturnStatus",
]

_ZERO = Decimal(0)


class ReturnStatus(StrEnum):
    """Lifecycle of a return.

    ``REQUESTED → AUTHORIZED → IN_TRANSIT → RECEIVED → CLOSED`` (``AUTHORIZED → RECEIVED``
    when no transit is tracked);
    ``REQUESTED → DECLINED``; ``REQUESTED | AUTHORIZED → CANCELLED``.
    """

    REQUESTED = "REQUESTED"
    AUTHORIZED = "AUTHORIZED"
    IN_TRANSIT = "IN_TRANSIT"
    RECEIVED = "RECEIVED"
    CLOSED = "CLOSED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    OTHER = "OTHER"


_R = ReturnStatus
RETURN_STATES = StateMachine(
    "ReturnAuthorization",
    {
        _R.REQUESTED: {_R.AUTHORIZED, _R.DECLINED, _R.CANCELLED},
        _R.AUTHORIZED: {_R.IN_TRANSIT, _R.RECEIVED, _R.CANCELLED},
        _R.IN_TRANSIT: {_R.RECEIVED},
        _R.RECEIVED: {_R.CLOSED},
    },
    _R.OTHER,
)


class ReturnReason(StrEnum):
    """Why the buyer returns an item."""

    DAMAGED = "DAMAGED"
    DEFECTIVE = "DEFECTIVE"
    WRONG_ITEM = "WRONG_ITEM"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    SIZE_OR_FIT = "SIZE_OR_FIT"
    UNWANTED = "UNWANTED"
    LATE_DELIVERY = "LATE_DELIVERY"
    OTHER = "OTHER"


class Disposition(StrEnum):
    """Inspection outcome of a returned item: what can be done with it."""

    SELLABLE = "SELLABLE"
    DEFECTIVE = "DEFECTIVE"
    CUSTOMER_DAMAGED = "CUSTOMER_DAMAGED"
    CARRIER_DAMAGED = "CARRIER_DAMAGED"
    FULFILLER_DAMAGED = "FULFILLER_DAMAGED"
    OTHER = "OTHER"


class RefundStatus(StrEnum):
    """Where a refund stands: ``PENDING → ISSUED | FAILED``, ``FAILED → PENDING`` (retry)."""

    PENDING = "PENDING"
    ISSUED = "ISSUED"
    FAILED = "FAILED"
    OTHER = "OTHER"


class ReturnLine(CanonicalModel):
    """One returned item, linked to the order line it was sold on."""

    line_id: str = Field(min_length=1)
    sales_order_line_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    quantity_authorized: PositiveQuantity
    quantity_received: NonNegativeDecimal = _ZERO
    reason: ReturnReason = ReturnReason.OTHER
    source_reason: str | None = None
    """The channel's reason code or text, verbatim."""
    disposition: Disposition | None = None
    """Set once the item is inspected."""
    inspection_note: str | None = None


REFUND_STATES = StateMachine(
    "Refund",
    {
        RefundStatus.PENDING: {RefundStatus.ISSUED, RefundStatus.FAILED},
        RefundStatus.FAILED: {RefundStatus.PENDING},
    },
    RefundStatus.OTHER,
)


class Refund(StatefulModel):
    """Money going back to the buyer for a return; amounts are positive."""

    state_machine: ClassVar[StateMachine[RefundStatus]] = REFUND_STATES

    refund_id: str | None = None
    status: RefundStatus = RefundStatus.PENDING
    source_status: str | None = None
    item_amount: Money
    tax_amount: Money | None = None
    shipping_amount: Money | None = None
    restocking_fee: Money | None = None
    """Kept back from the refund."""
    issued_at: Timestamp | None = None


class ReturnAuthorization(StatefulModel):
    """A return merchandise authorisation (RMA)."""

    SCHEMA_VERSION: ClassVar[str] = "1.0"
    state_machine: ClassVar[StateMachine[ReturnStatus]] = RETURN_STATES

    schema_version: str = schema_version_field(SCHEMA_VERSION)
    rma_id: str = Field(min_length=1)
    sales_order_id: str = Field(min_length=1)
    channel: str | None = None
    status: ReturnStatus = ReturnStatus.REQUESTED
    source_status: str | None = None
    lines: tuple[ReturnLine, ...] = Field(min_length=1)
    return_carrier: str | None = None
    return_tracking_number: str | None = None
    refund: Refund | None = None
    requested_at: Timestamp
    authorized_at: Timestamp | None = None
    received_at: Timestamp | None = None
    closed_at: Timestamp | None = None
    external_refs: tuple[ExternalRef, ...] = ()
