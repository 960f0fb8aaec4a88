"""SalesOrder: a customer's order from any channel, with lines, charges and taxes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, ValidationError, model_validator

from retail_canon.models._address import Address, Customer
from retail_canon.models._base import (
    CanonicalModel,
    NonNegativeDecimal,
    Timestamp,
    record_error,
    schema_version_field,
)
from retail_canon.models._charges import Discount, ShippingLine
from retail_canon.models._exact import EXACT
from retail_canon.models._money import CurrencyCode, Money
from retail_canon.models._quantity import PositiveQuantity
from retail_canon.models._refs import ExternalRef
from retail_canon.models._states import StatefulModel, StateMachine
from retail_canon.models._tax import TaxLine

__all__ = [
    "FulfilledBy",
    "Hold",
    "OrderLine",
    "OrderStatus",
    "OrderTotals",
    "PaymentStatus",
    "SalesOrder",
]

_ZERO = Decimal(0)
_TOTALS = ("subtotal", "discount", "shipping", "tax", "grand_total")


class OrderStatus(StrEnum):
    """Lifecycle of a sales order.

    ``PENDING → OPEN | CANCELLED`` (or straight to ``PARTIALLY_FULFILLED | FULFILLED`` where
    payment is captured at shipping); ``OPEN → PARTIALLY_FULFILLED | FULFILLED | CANCELLED``;
    ``PARTIALLY_FULFILLED → FULFILLED | CLOSED``; ``FULFILLED → CLOSED``. ``CLOSED`` and
    ``CANCELLED`` are terminal. "Returned" is not an order status: returns are
    `ReturnAuthorization` objects.
    """

    PENDING = "PENDING"
    OPEN = "OPEN"
    PARTIALLY_FULFILLED = "PARTIALLY_FULFILLED"
    FULFILLED = "FULFILLED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"
    OTHER = "OTHER"


ORDER_STATES = StateMachine(
    "SalesOrder",
    {
        # Shops that capture payment at shipping go from PENDING straight to fulfilled.
        OrderStatus.PENDING: {
            OrderStatus.OPEN,
            OrderStatus.PARTIALLY_FULFILLED,
            OrderStatus.FULFILLED,
            OrderStatus.CANCELLED,
        },
        OrderStatus.OPEN: {
            OrderStatus.PARTIALLY_FULFILLED,
            OrderStatus.FULFILLED,
            OrderStatus.CANCELLED,
        },
        OrderStatus.PARTIALLY_FULFILLED: {OrderStatus.FULFILLED, OrderStatus.CLOSED},
        OrderStatus.FULFILLED: {OrderStatus.CLOSED},
    },
    OrderStatus.OTHER,
)


class PaymentStatus(StrEnum):
    """Where the buyer's payment stands (independent of the order status)."""

    PENDING = "PENDING"
    AUTHORIZED = "AUTHORIZED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"
    OTHER = "OTHER"


class FulfilledBy(StrEnum):
    """Who ships the order: the seller (MFN) or the marketplace (AFN, WFS, ...)."""

    SELLER = "SELLER"
    MARKETPLACE = "MARKETPLACE"


class Hold(CanonicalModel):
    """Why an order is held; orthogonal to its status."""

    reason: str
    since: Timestamp


class OrderLine(CanonicalModel):
    """One item of an order."""

    line_id: str = Field(min_length=1)
    """Our line id, stable across updates of the order."""
    source_line_id: str | None = None
    """The channel's line id (Amazon ``OrderItemId``, Shopify ``LineItem.id``)."""
    sku: str = Field(min_length=1)
    item_refs: tuple[ExternalRef, ...] = ()
    """Other identifiers of the item: ASIN, GTIN, listing id."""
    title: str | None = None
    quantity: PositiveQuantity
    unit_price: Money
    """Price of one unit, before discounts (tax included if the order says so)."""
    discounts: tuple[Discount, ...] = ()
    tax_lines: tuple[TaxLine, ...] = ()
    quantity_fulfilled: NonNegativeDecimal = _ZERO
    quantity_cancelled: NonNegativeDecimal = _ZERO

    def subtotal(self) -> Money:
        """``unit_price × quantity``, before discounts, unrounded."""
        return self.unit_price * self.quantity.value


class OrderTotals(CanonicalModel):
    """Totals as the source reported them; kept as evidence, not recomputed."""

    subtotal: Money | None = None
    discount: Money | None = None
    shipping: Money | None = None
    tax: Money | None = None
    grand_total: Money


class SalesOrder(StatefulModel):
    """A customer order from any channel.

    Every amount is in the order's ``currency``; each line's fulfilled and cancelled
    quantities together never exceed what was ordered.
    """

    SCHEMA_VERSION: ClassVar[str] = "1.0"
    state_machine: ClassVar[StateMachine[OrderStatus]] = ORDER_STATES

    schema_version: str = schema_version_field(SCHEMA_VERSION)
    order_id: str = Field(min_length=1)
    """Our id for the order."""
    order_number: str | None = None
    """The number people see, e.g. Shopify ``#1001``."""
    channel: str = Field(min_length=1)
    """Where it was sold: ``amazon``, ``shopify``, ``walmart``, ``pos``, ..."""
    marketplace_id: str | None = None
    placed_at: Timestamp
    updated_at: Timestamp | None = None
    currency: CurrencyCode
    prices_include_tax: bool = False
    status: OrderStatus = OrderStatus.OPEN
    source_status: str | None = None
    """The channel's status value, verbatim."""
    payment_status: PaymentStatus = PaymentStatus.OTHER
    fulfilled_by: FulfilledBy = FulfilledBy.SELLER
    customer: Customer | None = None
    ship_to: Address | None = None
    bill_to: Address | None = None
    service_level: str | None = None
    ship_by: Timestamp | None = None
    deliver_by: Timestamp | None = None
    lines: tuple[OrderLine, ...] = Field(min_length=1)
    shipping_lines: tuple[ShippingLine, ...] = ()
    discounts: tuple[Discount, ...] = ()
    """Order-level discounts not allocated to lines."""
    tax_lines: tuple[TaxLine, ...] = ()
    """Order-level taxes not carried on lines."""
    totals: OrderTotals | None = None
    hold: Hold | None = None
    external_refs: tuple[ExternalRef, ...] = ()

    def _amounts(self) -> Iterator[tuple[Money, tuple[str | int, ...]]]:
        for i, line in enumerate(self.lines):
            yield line.unit_price, ("lines", i, "unit_price")
            yield from _charges(("lines", i), line.discounts, line.tax_lines)
        for i, ship in enumerate(self.shipping_lines):
            yield ship.price, ("shipping_lines", i, "price")
            yield from _charges(("shipping_lines", i), ship.discounts, ship.tax_lines)
        yield from _charges((), self.discounts, self.tax_lines)
        if self.totals is not None:
            for name, value in self.totals:
                if value is not None:
                    yield value, ("totals", name)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # The hot path of every validation, written for CPython: one pass checks both rules,
        # no paths are built and nothing is called until a rule fails. A part with more than
        # one field to read is read through its ``__dict__``: pydantic models define
        # ``__getattr__``, which makes every attribute read a slow, unspecialised lookup.
        # A currency mismatch anywhere wins over an exceeded quantity.
        fields = self.__dict__
        currency = fields["currency"]
        exceeded = None
        for line in fields["lines"]:
            parts = line.__dict__
            if parts["unit_price"].currency != currency:
                raise self._currency_mismatch()
            for discount in parts["discounts"]:
                if discount.amount.currency != currency:
                    raise self._currency_mismatch()
            for tax in parts["tax_lines"]:
                amounts = tax.__dict__
                if amounts["amount"].currency != currency:
                    raise self._currency_mismatch()
                taxable = amounts["taxable_amount"]
                if taxable is not None and taxable.currency != currency:
                    raise self._currency_mismatch()
            fulfilled = parts["quantity_fulfilled"]
            cancelled = parts["quantity_cancelled"]
            if (
                (fulfilled or cancelled)
                and exceeded is None
                and EXACT.add(fulfilled, cancelled) > parts["quantity"].value
            ):
                exceeded = line
        for ship in fields["shipping_lines"]:
            parts = ship.__dict__
            if parts["price"].currency != currency:
                raise self._currency_mismatch()
            for discount in parts["discounts"]:
                if discount.amount.currency != currency:
                    raise self._currency_mismatch()
            for tax in parts["tax_lines"]:
                amounts = tax.__dict__
                if amounts["amount"].currency != currency:
                    raise self._currency_mismatch()
                taxable = amounts["taxable_amount"]
                if taxable is not None and taxable.currency != currency:
                    raise self._currency_mismatch()
        for discount in fields["discounts"]:
            if discount.amount.currency != currency:
                raise self._currency_mismatch()
        for tax in fields["tax_lines"]:
            amounts = tax.__dict__
            if amounts["amount"].currency != currency:
                raise self._currency_mismatch()
            taxable = amounts["taxable_amount"]
            if taxable is not None and taxable.currency != currency:
                raise self._currency_mismatch()
        totals = fields["totals"]
        if totals is not None:
            amounts = totals.__dict__
            for name in _TOTALS:
                money = amounts[name]
                if money is not None and money.currency != currency:
                    raise self._currency_mismatch()
        if exceeded is not None:
            raise _quantity_exceeded(self.lines, exceeded)
        return self

    def _currency_mismatch(self) -> ValidationError:
        """The error for the first amount, in document order, not in the order's currency."""
        currency = self.currency
        for money, where in self._amounts():
            if money.currency != currency:
                return record_error(
                    "SalesOrder",
                    (*where, "currency"),
                    "currency_mismatch",
                    "currency {found} differs from the order's {currency}",
                    found=money.currency,
                    currency=currency,
                    input=money.currency,
                )
        msg = "no amount differs from the order's currency"  # pragma: no cover - unreachable
        raise AssertionError(msg)  # pragma: no cover


def _quantity_exceeded(lines: tuple[OrderLine, ...], line: OrderLine) -> ValidationError:
    """The error for ``line``, whose fulfilled and cancelled quantities exceed the ordered."""
    i = next(i for i, candidate in enumerate(lines) if candidate is line)
    return record_error(
        "SalesOrder",
        ("lines", i, "quantity_cancelled"),
        "quantity_exceeded",
        "fulfilled {fulfilled} + cancelled {cancelled} exceed the ordered {ordered}",
        fulfilled=str(line.quantity_fulfilled),
        cancelled=str(line.quantity_cancelled),
        ordered=str(line.quantity.value),
    )


def _charges(
    prefix: tuple[str | int, ...], discounts: tuple[Discount, ...], tax_lines: tuple[TaxLine, ...]
) -> Iterator[tuple[Money, tuple[str | int, ...]]]:
    for j, discount in enumerate(discounts):
        yield discount.amount, (*prefix, "discounts", j, "amount")
    for j, tax in enumerate(tax_lines):
        yield tax.amount, (*prefix, "tax_lines", j, "amount")
        if tax.taxable_amount is not None:
            yield tax.taxable_amount, (*prefix, "tax_lines", j, "taxable_amount")
