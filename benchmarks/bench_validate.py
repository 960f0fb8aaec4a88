"""Bench ``validate``: ``SalesOrder.model_validate_json`` against bare pydantic models.

The document is a realistic 5-line order (unit price, tax line and discount per line, a
shipping line, customer, ship-to address) written by ``SalesOrder.model_dump_json``. The
baseline is a mirror of the same classes as bare ``BaseModel`` subclasses with plain field
types and no validators, constraints or config, validating the same bytes.

Two cases: amounts as JSON strings (what retail_canon writes; pydantic's fast path) and
amounts as JSON numbers (which our model re-reads exactly through a slower path).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from _harness import Record, calibrate, interleaved_best_rates, register, tier_value

# (repeats, seconds per loop): S ~0.5 s for the whole bench, M a few seconds.
SIZES: dict[str, tuple[int, float]] = {
    "XS": (1, 0.0),
    "S": (5, 0.025),
    "M": (7, 0.2),
    "L": (11, 0.5),
}
LINES = 5


TARGETS = {
    # The target: an order as retail_canon writes it (amounts as JSON strings).
    "amounts_as_strings": 0.8,
    # Our budget for the slower, exact path: the baseline reads JSON numbers through binary
    # floats (lossy); ours re-reads the document digit for digit (json.loads with Decimal,
    # then validation in Python mode).
    "amounts_as_numbers": 0.3,
}


def sample_order() -> Any:
    """A realistic 5-line US web order."""
    from retail_canon.models import (
        Address,
        Customer,
        Discount,
        ExternalRef,
        Money,
        OrderLine,
        OrderTotals,
        Quantity,
        SalesOrder,
        ShippingLine,
        TaxLine,
    )

    def usd(amount: str) -> Money:
        return Money(amount=Decimal(amount), currency="USD")

    rate = Decimal("0.0825")
    lines = []
    for i in range(LINES):
        price = Decimal("19.99") + 5 * i
        qty = 1 + i % 3
        discount = (price * qty * Decimal("0.10")).quantize(Decimal("0.01"))
        tax = ((price * qty - discount) * rate).quantize(Decimal("0.01"))
        lines.append(
            OrderLine(
                line_id=f"L{i + 1}",
                source_line_id=f"1100{i}",
                sku=f"SKU-{1000 + i}",
                item_refs=(ExternalRef(system="shopify", scheme="variant_id", value=f"4{i}77"),),
                title=f"Organic cotton tee, size {'SML'[i % 3]}",
                quantity=Quantity(value=Decimal(qty), uom="EA"),
                unit_price=usd(str(price)),
                discounts=(Discount(amount=usd(str(discount)), code="SPRING10"),),
                tax_lines=(
                    TaxLine(
                        kind="SALES",
                        title="CA State Tax",
                        jurisdiction="US-CA",
                        rate=rate,
                        taxable_amount=usd(str(price * qty - discount)),
                        amount=usd(str(tax)),
                    ),
                ),
            )
        )
    address = Address(
        name="Jane Doe",
        lines=("1 Market St", "Suite 100"),
        city="San Francisco",
        region="CA",
        postal_code="94105",
        country="US",
        phone="+1 415 555 0100",
    )
    return SalesOrder(
        order_id="so-0001",
        order_number="#1001",
        channel="shopify",
        placed_at=datetime(2025, 3, 14, 15, 9, 26, tzinfo=UTC),
        updated_at=datetime(2025, 3, 14, 15, 12, 0, tzinfo=UTC),
        currency="USD",
        status="OPEN",
        source_status="unfulfilled",
        payment_status="PAID",
        customer=Customer(name="Jane Doe", email="jane@example.com", customer_id="c-42"),
        ship_to=address,
        bill_to=address,
        service_level="STANDARD",
        lines=tuple(lines),
        shipping_lines=(
            ShippingLine(
                title="Standard",
                carrier="UPS",
                service_level="GROUND",
                price=usd("7.95"),
                tax_lines=(TaxLine(kind="SALES", rate=rate, amount=usd("0.66")),),
            ),
        ),
        totals=OrderTotals(grand_total=usd("300.00")),
        external_refs=(ExternalRef(system="shopify", scheme="order_id", value="5550001"),),
    )


def bare_sales_order() -> type:
    """``SalesOrder`` mirrored as bare pydantic models: same shape, no validators or config."""
    from pydantic import BaseModel

    from retail_canon.models import (
        FulfilledBy,
        OrderStatus,
        PartyRole,
        PaymentStatus,
        TaxKind,
        TaxLiability,
    )

    class ExternalRef(BaseModel):
        system: str
        scheme: str
        value: str
        scope: str | None = None

    class Money(BaseModel):
        amount: Decimal
        currency: str

    class Quantity(BaseModel):
        value: Decimal
        uom: str = "EA"

    class TaxLine(BaseModel):
        kind: TaxKind = TaxKind.OTHER
        title: str | None = None
        jurisdiction: str | None = None
        rate: Decimal | None = None
        taxable_amount: Money | None = None
        amount: Money
        included_in_price: bool = False
        liability: TaxLiability = TaxLiability.UNKNOWN
        responsible_party: str | None = None
        vat_category: str | None = None

    class Discount(BaseModel):
        amount: Money
        code: str | None = None
        description: str | None = None

    class ShippingLine(BaseModel):
        title: str | None = None
        carrier: str | None = None
        service_level: str | None = None
        price: Money
        discounts: tuple[Discount, ...] = ()
        tax_lines: tuple[TaxLine, ...] = ()

    class Address(BaseModel):
        name: str | None = None
        company: str | None = None
        lines: tuple[str, ...] = ()
        city: str | None = None
        region: str | None = None
        postal_code: str | None = None
        country: str
        phone: str | None = None
        email: str | None = None

    class Customer(BaseModel):
        role: PartyRole = PartyRole.BUYER
        name: str | None = None
        email: str | None = None
        phone: str | None = None
        tax_id: str | None = None
        external_refs: tuple[ExternalRef, ...] = ()
        customer_id: str | None = None

    class OrderLine(BaseModel):
        line_id: str
        source_line_id: str | None = None
        sku: str
        item_refs: tuple[ExternalRef, ...] = ()
        title: str | None = None
        quantity: Quantity
        unit_price: Money
        discounts: tuple[Discount, ...] = ()
        tax_lines: tuple[TaxLine, ...] = ()
        quantity_fulfilled: Decimal = Decimal(0)
        quantity_cancelled: Decimal = Decimal(0)

    class OrderTotals(BaseModel):
        subtotal: Money | None = None
        discount: Money | None = None
        shipping: Money | None = None
        tax: Money | None = None
        grand_total: Money

    class Hold(BaseModel):
        reason: str
        since: datetime

    class SalesOrder(BaseModel):
        schema_version: str = "1.0"
        order_id: str
        order_number: str | None = None
        channel: str
        marketplace_id: str | None = None
        placed_at: datetime
        updated_at: datetime | None = None
        currency: str
        prices_include_tax: bool = False
        status: OrderStatus = OrderStatus.OPEN
        source_status: str | None = None
        payment_status: PaymentStatus = PaymentStatus.OTHER
        fulfilled_by: FulfilledBy = FulfilledBy.SELLER
        customer: Customer | None = None
        ship_to: Address | None = None
        bill_to: Address | None = None
        service_level: str | None = None
        ship_by: datetime | None = None
        deliver_by: datetime | None = None
        lines: tuple[OrderLine, ...]
        shipping_lines: tuple[ShippingLine, ...] = ()
        discounts: tuple[Discount, ...] = ()
        tax_lines: tuple[TaxLine, ...] = ()
        totals: OrderTotals | None = None
        hold: Hold | None = None
        external_refs: tuple[ExternalRef, ...] = ()

    return SalesOrder


def _json_number(value: object) -> object:
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and value.as_tuple().exponent == 0:
            return int(value)
        number = float(value)
        if Decimal(repr(number)) != value:  # only amounts whose digits survive the float
            msg = f"{value} has no exact short JSON number form"
            raise ValueError(msg)
        return number
    if isinstance(value, datetime):
        return value.isoformat()
    msg = f"not JSON serialisable: {value!r}"
    raise TypeError(msg)


def as_json_numbers(order: Any) -> bytes:
    """``order`` as JSON with every decimal written as a JSON number, e.g. ``12.34``."""
    data = order.model_dump(mode="python")
    return json.dumps(data, default=_json_number, separators=(",", ":")).encode()


def _check(ours: Callable[[], Any], bare: Callable[[], Any], case: str) -> None:
    """Both models accept the document and read the same values (decimals compared by value)."""
    a, b = ours().model_dump(), bare().model_dump()
    if len(a["lines"]) != LINES or a != b:
        msg = f"validate/{case}: our model and the bare mirror read different values"
        raise AssertionError(msg)


@register("validate", "SalesOrder.model_validate_json (5 lines) vs bare pydantic mirror")
def run(tier: str) -> Iterator[Record]:
    from retail_canon.models import SalesOrder

    repeats, seconds = tier_value(tier, SIZES)
    order = sample_order()
    bare = bare_sales_order()
    documents = {
        "amounts_as_strings": order.model_dump_json().encode(),
        "amounts_as_numbers": as_json_numbers(order),
    }
    if b'"amount":"' in documents["amounts_as_numbers"]:  # pragma: no cover - self-check
        msg = "amounts_as_numbers still has string amounts"
        raise AssertionError(msg)
    for case, data in documents.items():

        def ours(data: bytes = data) -> Any:
            return SalesOrder.model_validate_json(data)

        def baseline(data: bytes = data) -> Any:
            return bare.model_validate_json(data)

        _check(ours, baseline, case)
        iterations = calibrate(ours, seconds) if seconds else 3
        ours_rate, base_rate = interleaved_best_rates([ours, baseline], iterations, repeats)
        yield Record(
            bench="validate",
            case=case,
            metric="orders_per_s",
            value=ours_rate,
            unit="orders/s",
            baseline=(
                f"bare pydantic BaseModel mirror of SalesOrder, same {len(data)}-byte JSON; "
                f"best of {repeats} x {iterations} calls"
            ),
            baseline_value=base_rate,
            better="higher",
            target=TARGETS[case],
        )
