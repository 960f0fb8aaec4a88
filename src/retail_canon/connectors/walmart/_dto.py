"""Walmart Marketplace wire shapes (attrs, lenient: unknown fields ignored, enums as text)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs

from retail_canon.connectors._wire import camel_case, wire_converter

__all__ = [
    "Charge",
    "InventoryNode",
    "LineStatus",
    "Order",
    "OrderLine",
    "PostalAddress",
    "ReturnLine",
    "ReturnOrder",
    "structure",
]

T = TypeVar("T")

_WRAPPERS = frozenset({"charge", "orderLine", "orderLineStatus"})


@attrs.frozen(slots=True)
class Money:
    currency: str
    amount: Decimal


@attrs.frozen(slots=True)
class Tax:
    tax_amount: Money
    tax_name: str | None = None


@attrs.frozen(slots=True)
class Charge:
    charge_type: str
    charge_amount: Money
    charge_name: str | None = None
    tax: Tax | None = None


@attrs.frozen(slots=True)
class LineQuantity:
    amount: Decimal
    unit_of_measurement: str = "EACH"


@attrs.frozen(slots=True)
class LineStatus:
    status: str
    status_quantity: LineQuantity
    cancellation_reason: str | None = None


@attrs.frozen(slots=True)
class Item:
    sku: str
    product_name: str | None = None


@attrs.frozen(slots=True)
class OrderLine:
    line_number: str
    item: Item
    order_line_quantity: LineQuantity
    charges: tuple[Charge, ...] = ()
    order_line_statuses: tuple[LineStatus, ...] = ()
    status_date: int | None = None


def _pii() -> Any:
    """A personal-data field: optional, and kept out of the DTO's repr."""
    return attrs.field(default=None, repr=False)


@attrs.frozen(slots=True)
class PostalAddress:
    """``shippingInfo.postalAddress``; ``country`` is ISO 3166 alpha-3 (``USA``)."""

    name: str | None = _pii()
    address1: str | None = _pii()
    address2: str | None = _pii()
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    address_type: str | None = None


@attrs.frozen(slots=True)
class ShippingInfo:
    method_code: str | None = None
    estimated_ship_date: int | None = None
    estimated_delivery_date: int | None = None
    phone: str | None = _pii()
    postal_address: PostalAddress | None = None


@attrs.frozen(slots=True)
class Order:
    purchase_order_id: str
    order_date: int
    order_lines: tuple[OrderLine, ...]
    customer_order_id: str | None = None
    customer_email_id: str | None = _pii()
    shipping_info: ShippingInfo | None = None


@attrs.frozen(slots=True)
class InventoryQuantity:
    amount: Decimal
    unit: str = "EACH"


@attrs.frozen(slots=True)
class InventoryNode:
    """One SKU at one ship node (flattened from ``GET /v3/inventories``)."""

    sku: str
    ship_node: str
    input_qty: InventoryQuantity
    avail_to_sell_qty: InventoryQuantity | None = None
    reserved_qty: InventoryQuantity | None = None


@attrs.frozen(slots=True)
class ReturnMoney:
    """The returns API's money: ``{currencyAmount: number, currencyUnit}``."""

    currency_amount: Decimal
    currency_unit: str


@attrs.frozen(slots=True)
class ReturnQuantity:
    measurement_value: Decimal
    unit_of_measure: str = "EACH"


@attrs.frozen(slots=True)
class ReturnItem:
    sku: str
    product_name: str | None = None


@attrs.frozen(slots=True)
class ChargeTotal:
    """``lineSubTotal``, ``lineTotalTaxes``, ``lineRestockingFee``, ... of a return line."""

    name: str
    value: ReturnMoney


@attrs.frozen(slots=True)
class TrackingEvent:
    """One ``returnTrackingDetail`` entry (``eventTag`` is the detailed status)."""

    event_tag: str
    sequence_no: int | None = None
    event_time: str | None = None
    event_description: str | None = None


@attrs.frozen(slots=True)
class ReturnLine:
    return_order_line_number: str
    purchase_order_id: str
    purchase_order_line_number: str
    item: ReturnItem
    quantity: ReturnQuantity
    status: str
    status_time: str | None = None
    return_reason: str | None = None
    charge_totals: tuple[ChargeTotal, ...] = ()
    return_tracking_detail: tuple[TrackingEvent, ...] = ()
    current_refund_status: str | None = None


@attrs.frozen(slots=True)
class ReturnOrder:
    """One return order of ``GET /v3/returns`` (``returnOrderId`` is the RMA number)."""

    return_order_id: str
    return_order_date: str
    return_order_lines: tuple[ReturnLine, ...]
    customer_order_id: str | None = None
    total_refund_amount: ReturnMoney | None = None


_CONVERTER = wire_converter(camel_case)


def _unwrap(value: Any) -> Any:
    """Walmart's list wrappers (``{"orderLine": [...]}``) as plain lists, recursively."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in _WRAPPERS:
            inner = next(iter(value.values()))
            return [_unwrap(v) for v in (inner if isinstance(inner, list) else [inner])]
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def structure(data: Any, cls: type[T]) -> T:
    """Structure a Walmart record into a DTO.

    Raises:
        ValueError: a missing or unreadable field (each named), so that a read skips and
            reports the record instead of failing.
    """
    try:
        result: T = _CONVERTER.structure(_unwrap(data), cls)
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc, path=cls.__name__)[:5])
        raise ValueError(problems) from None
    return result
