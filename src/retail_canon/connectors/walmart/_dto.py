"""Walmart Marketplace wire shapes (attrs, lenient: unknown fields ignored, enums as text)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import attrs

from retail_canon.connectors._wire import camel_case, wire_converter

__all__ = ["Charge", "InventoryNode", "LineStatus", "Order", "OrderLine", "structure"]

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


@attrs.frozen(slots=True)
class ShippingInfo:
    method_code: str | None = None
    estimated_ship_date: int | None = None
    estimated_delivery_date: int | None = None


@attrs.frozen(slots=True)
class Order:
    purchase_order_id: str
    order_date: int
    order_lines: tuple[OrderLine, ...]
    customer_order_id: str | None = None
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
    """Structure a Walmart record into a DTO; raises `cattrs` errors on missing fields."""
    result: T = _CONVERTER.structure(_unwrap(data), cls)
    return result
