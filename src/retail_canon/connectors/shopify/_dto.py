"""Shopify Admin GraphQL wire shapes (attrs, lenient: unknown fields ignored, enums as text)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs

from retail_canon.connectors._wire import camel_case, wire_converter

__all__ = [
    "BalanceTransaction",
    "Customer",
    "FulfillmentLineItem",
    "InventoryLevel",
    "LineItem",
    "MailingAddress",
    "Money",
    "MoneyBag",
    "MoneyV2",
    "Order",
    "Payout",
    "Ref",
    "RefLineItem",
    "Refund",
    "RefundLineItem",
    "Return",
    "ReturnLineItem",
    "TaxLine",
    "structure",
]

T = TypeVar("T")


@attrs.frozen(slots=True)
class Money:
    amount: Decimal
    currency_code: str


@attrs.frozen(slots=True)
class MoneyBag:
    shop_money: Money
    presentment_money: Money | None = None

    def pick(self, presentment: bool) -> Money:
        """The presentment amount if asked for and present, else the shop amount."""
        if presentment and self.presentment_money is not None:
            return self.presentment_money
        return self.shop_money


@attrs.frozen(slots=True)
class TaxLine:
    price_set: MoneyBag
    title: str | None = None
    rate: Decimal | None = None
    channel_liable: bool | None = None


@attrs.frozen(slots=True)
class LineItem:
    id: str
    quantity: int
    original_unit_price_set: MoneyBag
    sku: str | None = None
    title: str | None = None
    current_quantity: int | None = None
    total_discount_set: MoneyBag | None = None
    tax_lines: tuple[TaxLine, ...] = ()


def _pii() -> Any:
    """A personal-data field: optional, and kept out of the DTO's repr."""
    return attrs.field(default=None, repr=False)


@attrs.frozen(slots=True)
class MailingAddress:
    """A ``MailingAddress`` (shipping or billing address of an order)."""

    name: str | None = _pii()
    company: str | None = None
    address1: str | None = _pii()
    address2: str | None = _pii()
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    zip: str | None = None
    country_code_v2: str | None = None
    phone: str | None = _pii()


@attrs.frozen(slots=True)
class Customer:
    """The order's ``customer`` (none for a guest checkout)."""

    id: str
    display_name: str | None = _pii()


@attrs.frozen(slots=True)
class Order:
    id: str
    created_at: str
    updated_at: str
    currency_code: str
    display_fulfillment_status: str
    line_items: tuple[LineItem, ...]
    name: str | None = None
    processed_at: str | None = None
    cancelled_at: str | None = None
    closed: bool = False
    presentment_currency_code: str | None = None
    display_financial_status: str | None = None
    taxes_included: bool = False
    total_price_set: MoneyBag | None = None
    subtotal_price_set: MoneyBag | None = None
    total_tax_set: MoneyBag | None = None
    total_discounts_set: MoneyBag | None = None
    total_shipping_price_set: MoneyBag | None = None
    email: str | None = _pii()
    phone: str | None = _pii()
    customer: Customer | None = None
    shipping_address: MailingAddress | None = None
    billing_address: MailingAddress | None = None


@attrs.frozen(slots=True)
class Quantity:
    name: str
    quantity: int


@attrs.frozen(slots=True)
class InventoryLevel:
    """One inventory level, flattened: item, SKU, location and named quantities."""

    item_id: str
    location_id: str
    quantities: tuple[Quantity, ...]
    updated_at: str
    sku: str | None = None


_CONVERTER = wire_converter(camel_case)


def _unwrap(value: Any) -> Any:
    """GraphQL connections (``{"nodes": [...]}``) as plain lists, recursively."""
    if isinstance(value, dict):
        if set(value) == {"nodes"}:
            return [_unwrap(v) for v in value["nodes"]]
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def structure(data: Any, cls: type[T]) -> T:
    """Structure a GraphQL node into a DTO.

    Raises:
        ValueError: a missing or unreadable field, named with its path (so reads skip and
            report the record instead of failing).
    """
    try:
        result: T = _CONVERTER.structure(_unwrap(data), cls)
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc, path=cls.__name__)[:3])
        raise ValueError(problems) from None
    return result


# -- Shopify Payments ---------------------------------------------------------------------


@attrs.frozen(slots=True)
class MoneyV2:
    amount: Decimal
    currency_code: str


@attrs.frozen(slots=True)
class Ref:
    id: str


@attrs.frozen(slots=True)
class BalanceTransaction:
    id: str
    type: str
    amount: MoneyV2
    fee: MoneyV2
    net: MoneyV2
    transaction_date: str
    source_type: str | None = None
    source_id: str | None = None
    source_order_transaction_id: str | None = None
    adjustment_reason: str | None = None
    associated_order: Ref | None = None
    test: bool = False


@attrs.frozen(slots=True)
class Payout:
    id: str
    issued_at: str
    net: MoneyV2
    status: str
    transaction_type: str = "DEPOSIT"
    legacy_resource_id: str | None = None
    external_trace_id: str | None = None
    transactions: tuple[BalanceTransaction, ...] = ()


# -- returns and refunds ------------------------------------------------------------------


@attrs.frozen(slots=True)
class RefLineItem:
    id: str
    sku: str | None = None


@attrs.frozen(slots=True)
class FulfillmentLineItem:
    line_item: RefLineItem


@attrs.frozen(slots=True)
class RefundLineItem:
    quantity: int
    line_item: RefLineItem
    subtotal_set: MoneyBag | None = None
    total_tax_set: MoneyBag | None = None
    restock_type: str | None = None


@attrs.frozen(slots=True)
class Refund:
    id: str
    created_at: str
    refund_line_items: tuple[RefundLineItem, ...] = ()
    total_refunded_set: MoneyBag | None = None
    note: str | None = None
    return_: Ref | None = None


@attrs.frozen(slots=True)
class ReturnLineItem:
    id: str
    quantity: int
    fulfillment_line_item: FulfillmentLineItem
    return_reason: str | None = None
    return_reason_note: str | None = None


@attrs.frozen(slots=True)
class Return:
    id: str
    status: str
    created_at: str
    return_line_items: tuple[ReturnLineItem, ...]
    name: str | None = None
    request_approved_at: str | None = None
    closed_at: str | None = None
