"""Hypothesis strategies for every canonical part and top-level object, and round-trip checks.

Every strategy builds its object through the model's constructor, so everything it yields
has passed validation. Decimals keep up to 40 significant digits (past the 28 of Python's
default context), trailing zeros, exponents and negative zero; datetimes carry fixed UTC
offsets, most of them not UTC, and microseconds, so the round-trip tests see the awkward
cases. Factories are cached: building strategies afresh in every draw costs more than
drawing from them.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from hypothesis import strategies as st
from pydantic import BaseModel

from retail_canon.models import (
    Address,
    AmountType,
    Customer,
    Dimensions,
    Discount,
    Disposition,
    ExternalRef,
    FulfilledBy,
    FulfillmentLine,
    FulfillmentOrder,
    FulfillmentStatus,
    Hold,
    InventoryBucket,
    InventoryBuckets,
    InventoryEvent,
    InventoryPosition,
    Location,
    LocationCapability,
    LocationKind,
    Money,
    OrderLine,
    OrderStatus,
    OrderTotals,
    Package,
    PackLevel,
    Party,
    PartyRole,
    PaymentStatus,
    Payout,
    Product,
    ProductStatus,
    ProductVariant,
    Quantity,
    Refund,
    RefundStatus,
    ReturnAuthorization,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    SalesOrder,
    SettlementLine,
    SettlementRecord,
    SettlementStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    ShippingLine,
    StoreTransfer,
    TaxKind,
    TaxLiability,
    TaxLine,
    TransferLine,
    TransferStatus,
)
from retail_canon.models._iso4217_data import MINOR_UNITS

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# Arithmetic inside the strategies must not round either (the default context keeps 28
# digits), or a "fulfilled + cancelled == ordered" line could come out inconsistent.
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)

MAX_DIGITS = 40
"""Significant digits of generated decimals: well past the 28 of the default context."""

# ---------------------------------------------------------------------------------------
# Scalars
# ---------------------------------------------------------------------------------------

ALL_CURRENCIES = sorted(MINOR_UNITS)
MINOR_UNIT_CURRENCIES = sorted(c for c, d in MINOR_UNITS.items() if d is not None)
NO_MINOR_UNIT_CURRENCIES = sorted(c for c, d in MINOR_UNITS.items() if d is None)
# One currency of each size, plus the usual suspects, drawn far more often than the rest.
COMMON_CURRENCIES = ["JPY", "USD", "EUR", "GBP", "BHD", "KWD", "CLF", "XAU"]


@cache
def currencies(*, with_minor_units: bool = False) -> st.SearchStrategy[str]:
    """Active ISO 4217 codes, the common ones (0, 2, 3 and 4 minor units) most often."""
    pool = MINOR_UNIT_CURRENCIES if with_minor_units else ALL_CURRENCIES
    common = [c for c in COMMON_CURRENCIES if c in pool]
    return st.one_of(st.sampled_from(common), st.sampled_from(pool))


@cache
def decimals(
    *,
    sign: str = "any",
    max_digits: int = MAX_DIGITS,
    min_exponent: int = -30,
    max_exponent: int = 10,
) -> st.SearchStrategy[Decimal]:
    """Finite decimals drawn as (sign, coefficient, exponent), kept exactly as drawn.

    ``sign`` is ``"any"``, ``"non-negative"`` (zero included, never ``-0``) or
    ``"positive"``. Up to ``max_digits`` significant digits, plus now and then a few
    trailing zeros (``1.2300``); exponents (``1E+3``) and ``-0`` occur too.
    """

    def build(negative: bool, coefficient: int, zeros: int, exponent: int) -> Decimal:
        digits = tuple(int(d) for d in str(coefficient * 10**zeros))
        return Decimal((int(negative), digits, exponent))

    negative = st.booleans() if sign == "any" else st.just(False)
    low = 1 if sign == "positive" else 0
    coefficients = st.one_of(
        st.integers(low, 9999),  # short amounts: 0.05, 12.30
        st.integers(low, 10**max_digits - 1),  # long ones, past the 28 digits of the context
    )
    trailing_zeros = st.sampled_from([0, 0, 0, 1, 2, 5])
    exponents = st.one_of(
        st.sampled_from([0, -2, -3, -4]),  # whole numbers and money-like amounts
        st.integers(min_exponent, max_exponent),
    )
    return st.builds(build, negative, coefficients, trailing_zeros, exponents)


@cache
def bounded_decimals(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Decimals in ``[low, high]`` with up to 20 places."""
    return st.decimals(
        min_value=low, max_value=high, allow_nan=False, allow_infinity=False, places=None
    ).filter(lambda d: d.as_tuple().exponent >= -20)


@cache
def offsets() -> st.SearchStrategy[timezone]:
    """Fixed UTC offsets in whole minutes from -23:59 to +23:59, UTC itself now and then."""
    return st.one_of(
        st.just(UTC),
        st.sampled_from([-570, -300, 330, 345, 525, 840]).map(
            lambda m: timezone(timedelta(minutes=m))
        ),
        st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m))),
    )


@cache
def timestamps() -> st.SearchStrategy[datetime]:
    """Aware datetimes with microseconds and mostly non-UTC offsets."""
    return st.datetimes(
        min_value=datetime(1900, 1, 2),
        max_value=datetime(2199, 12, 30),
        timezones=offsets(),
    )


@cache
def text(*, min_size: int = 0, max_size: int = 12) -> st.SearchStrategy[str]:
    """Any Unicode text (no surrogates), quotes, backslashes and control characters too."""
    return st.text(min_size=min_size, max_size=max_size)


@cache
def ids() -> st.SearchStrategy[str]:
    """Non-empty identifiers."""
    return st.one_of(
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,11}", fullmatch=True),
        text(min_size=1),
    )


@cache
def optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.one_of(st.none(), strategy)


@cache
def tuples_of(strategy: st.SearchStrategy[T], *, min_size: int = 0, max_size: int = 2) -> Any:
    return st.lists(strategy, min_size=min_size, max_size=max_size).map(tuple)


@cache
def members(enum: type[Enum]) -> Any:
    return st.sampled_from(list(enum))


@cache
def uom_codes() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["EA", "C62", "KGM", "GRM", "LBR", "CMT", "MMT", "INH", "XCS", "XPK"]),
        st.from_regex(r"[A-Z0-9]{2,3}", fullmatch=True),
    )


@cache
def country_codes() -> st.SearchStrategy[str]:
    return st.from_regex(r"[A-Z]{2}", fullmatch=True)


@cache
def digit_strings(n: int) -> st.SearchStrategy[str]:
    return st.from_regex(rf"[0-9]{{{n}}}", fullmatch=True)


def gs1_check_digit(data: str) -> str:
    """GS1 mod-10 check digit, written out here so the tests do not trust the library's."""
    weights = [3, 1] * len(data)
    total = sum(int(d) * w for d, w in zip(reversed(data), weights, strict=False))
    return str(-total % 10)


@cache
def glns() -> st.SearchStrategy[str]:
    return digit_strings(12).map(lambda data: data + gs1_check_digit(data))


@cache
def schema_versions() -> st.SearchStrategy[str]:
    """Any 1.x: a reader at 1.0 must accept documents of later minor versions."""
    return st.one_of(st.just("1.0"), st.integers(0, 99).map(lambda n: f"1.{n}"))


# ---------------------------------------------------------------------------------------
# Parts
# ---------------------------------------------------------------------------------------


@cache
def money(currency: str | st.SearchStrategy[str] | None = None, **kw: Any) -> Any:
    """Money in ``currency`` (a code or a strategy; any currency when None)."""
    if currency is None:
        currency = currencies()
    elif isinstance(currency, str):
        currency = st.just(currency)
    return st.builds(Money, amount=decimals(**kw), currency=currency)


@cache
def quantities(*, sign: str = "any") -> Any:
    return st.builds(Quantity, value=decimals(sign=sign), uom=uom_codes())


@cache
def external_refs() -> Any:
    return st.builds(
        ExternalRef,
        system=text(min_size=1),
        scheme=text(min_size=1),
        value=text(min_size=1),
        scope=optional(text()),
    )


@cache
def addresses() -> Any:
    return st.builds(
        Address,
        name=optional(text()),
        company=optional(text()),
        lines=tuples_of(text(), max_size=3),
        city=optional(text()),
        region=optional(text()),
        postal_code=optional(text()),
        country=country_codes(),
        phone=optional(text()),
        email=optional(text()),
    )


@cache
def parties() -> Any:
    return st.builds(
        Party,
        role=members(PartyRole),
        name=optional(text()),
        email=optional(text()),
        phone=optional(text()),
        tax_id=optional(text()),
        external_refs=tuples_of(external_refs()),
    )


@cache
def customers() -> Any:
    return st.builds(
        Customer,
        role=members(PartyRole),
        name=optional(text()),
        email=optional(text()),
        phone=optional(text()),
        tax_id=optional(text()),
        external_refs=tuples_of(external_refs()),
        customer_id=optional(ids()),
    )


@cache
def tax_lines(currency: str | None = None) -> Any:
    return st.builds(
        TaxLine,
        kind=members(TaxKind),
        title=optional(text()),
        jurisdiction=optional(text()),
        rate=optional(decimals(sign="non-negative")),
        taxable_amount=optional(money(currency)),
        amount=money(currency),
        included_in_price=st.booleans(),
        liability=members(TaxLiability),
        responsible_party=optional(text()),
        vat_category=optional(st.sampled_from(["S", "Z", "E", "AE", "K", "G", "O", "L", "M"])),
    )


@cache
def discounts(currency: str | None = None) -> Any:
    return st.builds(
        Discount,
        amount=money(currency, sign="non-negative"),
        code=optional(text()),
        description=optional(text()),
    )


@cache
def shipping_lines(currency: str | None = None) -> Any:
    return st.builds(
        ShippingLine,
        title=optional(text()),
        carrier=optional(text()),
        service_level=optional(text()),
        price=money(currency),
        discounts=tuples_of(discounts(currency), max_size=1),
        tax_lines=tuples_of(tax_lines(currency), max_size=1),
    )


@cache
def locations() -> Any:
    return st.builds(
        Location,
        location_id=ids(),
        name=text(),
        kind=members(LocationKind),
        gln=optional(glns()),
        address=optional(addresses()),
        latitude=optional(bounded_decimals(-90, 90)),
        longitude=optional(bounded_decimals(-180, 180)),
        timezone=optional(st.sampled_from(["America/Chicago", "Europe/Paris", "Asia/Kolkata"])),
        capabilities=tuples_of(members(LocationCapability), max_size=3),
        external_refs=tuples_of(external_refs()),
    )


@cache
def dimensions() -> Any:
    return st.builds(
        Dimensions,
        length=decimals(sign="non-negative"),
        width=decimals(sign="non-negative"),
        height=decimals(sign="non-negative"),
        uom=uom_codes(),
    )


@cache
def pack_levels() -> Any:
    return st.builds(
        PackLevel,
        uom=st.from_regex(r"X[A-Z0-9]{1,2}", fullmatch=True),
        quantity_of_base=decimals(sign="positive"),
        gtin=optional(digit_strings(14)),
        dimensions=optional(dimensions()),
        weight=optional(quantities(sign="positive")),
    )


@cache
def product_variants() -> Any:
    return st.builds(
        ProductVariant,
        sku=ids(),
        title=optional(text()),
        options=tuples_of(st.tuples(text(), text()), max_size=3),
        identifiers=tuples_of(external_refs()),
        weight=optional(quantities(sign="positive")),
        dimensions=optional(dimensions()),
    )


@cache
def inventory_buckets() -> Any:
    nn = decimals(sign="non-negative")
    return st.builds(
        InventoryBuckets,
        on_hand=nn,
        committed=nn,
        reserved=nn,
        damaged=nn,
        quality_control=nn,
        safety_stock=nn,
        incoming=nn,
    )


@cache
@st.composite
def order_lines(draw: st.DrawFn, currency: str | None = None) -> OrderLine:
    """An order line whose fulfilled and cancelled quantities fit inside the ordered one."""
    currency = currency or draw(currencies())
    fulfilled = draw(decimals(sign="non-negative"))
    cancelled = draw(decimals(sign="non-negative"))
    # Ordered = fulfilled + cancelled + open, added without rounding; often open == 0,
    # so the "may not exceed" boundary is hit exactly.
    still_open = draw(st.one_of(st.just(Decimal(0)), decimals(sign="non-negative")))
    ordered = EXACT.add(EXACT.add(fulfilled, cancelled), still_open)
    if ordered == 0:
        ordered = Decimal(1)
    return OrderLine(
        line_id=draw(ids()),
        source_line_id=draw(optional(ids())),
        sku=draw(ids()),
        item_refs=draw(tuples_of(external_refs())),
        title=draw(optional(text())),
        quantity=Quantity(value=ordered, uom=draw(uom_codes())),
        unit_price=draw(money(currency)),
        discounts=draw(tuples_of(discounts(currency), max_size=1)),
        tax_lines=draw(tuples_of(tax_lines(currency), max_size=2)),
        quantity_fulfilled=fulfilled,
        quantity_cancelled=cancelled,
    )


@cache
def order_totals(currency: str | None = None) -> Any:
    return st.builds(
        OrderTotals,
        subtotal=optional(money(currency)),
        discount=optional(money(currency)),
        shipping=optional(money(currency)),
        tax=optional(money(currency)),
        grand_total=money(currency),
    )


@cache
def holds() -> Any:
    return st.builds(Hold, reason=text(), since=timestamps())


@cache
def fulfillment_lines() -> Any:
    nn = decimals(sign="non-negative")
    return st.builds(
        FulfillmentLine,
        line_id=ids(),
        sales_order_line_id=ids(),
        sku=ids(),
        quantity=quantities(sign="positive"),
        quantity_shipped=nn,
        quantity_cancelled=nn,
        backorder_quantity=nn,
    )


@cache
def shipment_lines() -> Any:
    return st.builds(
        ShipmentLine,
        fulfillment_line_id=ids(),
        sku=ids(),
        quantity=quantities(sign="positive"),
    )


@cache
def packages() -> Any:
    return st.builds(
        Package,
        sscc=optional(digit_strings(18)),
        tracking_number=optional(text()),
        weight=optional(quantities(sign="non-negative")),
    )


@cache
def shipments(status: Any = None) -> Any:
    return st.builds(
        Shipment,
        shipment_id=ids(),
        status=members(ShipmentStatus) if status is None else status,
        source_status=optional(text()),
        carrier=optional(text()),
        service=optional(text()),
        tracking_number=optional(text()),
        tracking_url=optional(text()),
        shipped_at=optional(timestamps()),
        delivered_at=optional(timestamps()),
        lines=tuples_of(shipment_lines()),
        packages=tuples_of(packages()),
        external_refs=tuples_of(external_refs(), max_size=1),
    )


@cache
def return_lines() -> Any:
    return st.builds(
        ReturnLine,
        line_id=ids(),
        sales_order_line_id=ids(),
        sku=ids(),
        quantity_authorized=quantities(sign="positive"),
        quantity_received=decimals(sign="non-negative"),
        reason=members(ReturnReason),
        source_reason=optional(text()),
        disposition=optional(members(Disposition)),
        inspection_note=optional(text()),
    )


@cache
def refunds(status: Any = None) -> Any:
    return st.builds(
        Refund,
        refund_id=optional(ids()),
        status=members(RefundStatus) if status is None else status,
        source_status=optional(text()),
        item_amount=money(sign="non-negative"),
        tax_amount=optional(money(sign="non-negative")),
        shipping_amount=optional(money(sign="non-negative")),
        restocking_fee=optional(money(sign="non-negative")),
        issued_at=optional(timestamps()),
    )


@cache
def transfer_lines() -> Any:
    nn = decimals(sign="non-negative")
    return st.builds(
        TransferLine,
        sku=ids(),
        quantity_requested=quantities(sign="positive"),
        quantity_shipped=nn,
        quantity_received=nn,
        discrepancy_reason=optional(text()),
    )


@cache
def settlement_lines(currency: str | None = None) -> Any:
    return st.builds(
        SettlementLine,
        line_id=ids(),
        amount_type=members(AmountType),
        source_amount_type=optional(text()),
        amount=money(currency),
        posted_at=optional(timestamps()),
        order_id=optional(ids()),
        sku=optional(ids()),
        refs=tuples_of(external_refs()),
    )


@cache
def payouts() -> Any:
    return st.builds(
        Payout,
        payout_id=optional(ids()),
        paid_at=optional(timestamps()),
        trace_id=optional(text()),
        account_tail=optional(st.from_regex(r"[0-9A-Za-z]{2,4}", fullmatch=True)),
    )


# ---------------------------------------------------------------------------------------
# Top-level objects (the eight of retail_canon.models.KINDS)
# ---------------------------------------------------------------------------------------


@cache
def products(status: Any = None) -> Any:
    return st.builds(
        Product,
        schema_version=schema_versions(),
        product_id=ids(),
        sku=ids(),
        title=text(),
        brand=optional(text()),
        description=optional(text(max_size=40)),
        status=members(ProductStatus) if status is None else status,
        source_status=optional(text()),
        identifiers=tuples_of(external_refs()),
        base_uom=uom_codes(),
        pack_levels=tuples_of(pack_levels()),
        variants=tuples_of(product_variants()),
        tax_code=optional(text()),
        hs_code=optional(st.from_regex(r"[0-9]{6,10}", fullmatch=True)),
        country_of_origin=optional(country_codes()),
        weight=optional(quantities(sign="positive")),
        dimensions=optional(dimensions()),
        external_refs=tuples_of(external_refs(), max_size=1),
    )


@cache
def inventory_positions() -> Any:
    return st.builds(
        InventoryPosition,
        schema_version=schema_versions(),
        sku=ids(),
        location_id=ids(),
        uom=uom_codes(),
        buckets=inventory_buckets(),
        as_of=timestamps(),
        source_sequence=optional(st.integers(min_value=0, max_value=2**63)),
        external_refs=tuples_of(external_refs()),
    )


@cache
def inventory_events() -> Any:
    return st.builds(
        InventoryEvent,
        schema_version=schema_versions(),
        event_id=ids(),
        sku=ids(),
        location_id=ids(),
        bucket=members(InventoryBucket),
        delta=decimals(),
        uom=uom_codes(),
        reason=optional(text()),
        idempotency_key=ids(),
        source_sequence=st.integers(min_value=0, max_value=2**63),
        occurred_at=timestamps(),
        external_refs=tuples_of(external_refs()),
    )


@cache
@st.composite
def sales_orders(draw: st.DrawFn, status: Any = None) -> SalesOrder:
    """A consistent order: every amount in the order's currency."""
    currency = draw(currencies())
    return SalesOrder(
        schema_version=draw(schema_versions()),
        order_id=draw(ids()),
        order_number=draw(optional(text())),
        channel=draw(ids()),
        marketplace_id=draw(optional(ids())),
        placed_at=draw(timestamps()),
        updated_at=draw(optional(timestamps())),
        currency=currency,
        prices_include_tax=draw(st.booleans()),
        status=draw(members(OrderStatus) if status is None else status),
        source_status=draw(optional(text())),
        payment_status=draw(members(PaymentStatus)),
        fulfilled_by=draw(members(FulfilledBy)),
        customer=draw(optional(customers())),
        ship_to=draw(optional(addresses())),
        bill_to=draw(optional(addresses())),
        service_level=draw(optional(text())),
        ship_by=draw(optional(timestamps())),
        deliver_by=draw(optional(timestamps())),
        lines=draw(tuples_of(order_lines(currency), min_size=1, max_size=3)),
        shipping_lines=draw(tuples_of(shipping_lines(currency), max_size=1)),
        discounts=draw(tuples_of(discounts(currency), max_size=1)),
        tax_lines=draw(tuples_of(tax_lines(currency), max_size=1)),
        totals=draw(optional(order_totals(currency))),
        hold=draw(optional(holds())),
        external_refs=draw(tuples_of(external_refs(), max_size=1)),
    )


@cache
def fulfillment_orders(status: Any = None) -> Any:
    return st.builds(
        FulfillmentOrder,
        schema_version=schema_versions(),
        fulfillment_order_id=ids(),
        sales_order_id=ids(),
        origin_location_id=ids(),
        destination=optional(addresses()),
        status=members(FulfillmentStatus) if status is None else status,
        source_status=optional(text()),
        service_level=optional(text()),
        fulfill_at=optional(timestamps()),
        ship_by=optional(timestamps()),
        lines=tuples_of(fulfillment_lines(), min_size=1),
        shipments=tuples_of(shipments(), max_size=1),
        external_refs=tuples_of(external_refs(), max_size=1),
    )


@cache
def return_authorizations(status: Any = None) -> Any:
    return st.builds(
        ReturnAuthorization,
        schema_version=schema_versions(),
        rma_id=ids(),
        sales_order_id=ids(),
        channel=optional(text()),
        status=members(ReturnStatus) if status is None else status,
        source_status=optional(text()),
        lines=tuples_of(return_lines(), min_size=1),
        return_carrier=optional(text()),
        return_tracking_number=optional(text()),
        refund=optional(refunds()),
        requested_at=timestamps(),
        authorized_at=optional(timestamps()),
        received_at=optional(timestamps()),
        closed_at=optional(timestamps()),
        external_refs=tuples_of(external_refs(), max_size=1),
    )


@cache
@st.composite
def store_transfers(draw: st.DrawFn, status: Any = None) -> StoreTransfer:
    """A transfer between two different locations."""
    origin = draw(ids())
    destination = draw(ids().filter(lambda d: d != origin))
    return StoreTransfer(
        schema_version=draw(schema_versions()),
        transfer_id=draw(ids()),
        origin_location_id=origin,
        destination_location_id=destination,
        status=draw(members(TransferStatus) if status is None else status),
        source_status=draw(optional(text())),
        lines=draw(tuples_of(transfer_lines(), min_size=1)),
        tracking_numbers=draw(tuples_of(text())),
        sscc=draw(tuples_of(digit_strings(18))),
        requested_at=draw(timestamps()),
        shipped_at=draw(optional(timestamps())),
        received_at=draw(optional(timestamps())),
        external_refs=draw(tuples_of(external_refs(), max_size=1)),
    )


@cache
@st.composite
def settlement_records(draw: st.DrawFn, status: Any = None) -> SettlementRecord:
    """A settlement in one currency whose period does not end before it starts."""
    currency = draw(currencies())
    start = draw(timestamps())
    period_end = None
    if draw(st.booleans()):
        length = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
        period_end = (start + length).astimezone(draw(offsets()))
    return SettlementRecord(
        schema_version=draw(schema_versions()),
        settlement_id=draw(ids()),
        channel=draw(ids()),
        marketplace_id=draw(optional(ids())),
        currency=currency,
        status=draw(members(SettlementStatus) if status is None else status),
        source_status=draw(optional(text())),
        period_start=start,
        period_end=period_end,
        opening_balance=draw(optional(money(currency))),
        total=draw(money(currency)),
        payout=draw(optional(payouts())),
        lines=draw(tuples_of(settlement_lines(currency), max_size=3)),
        external_refs=draw(tuples_of(external_refs(), max_size=1)),
    )


TOP_LEVEL: dict[str, Any] = {
    "product": products,
    "inventory-position": inventory_positions,
    "inventory-event": inventory_events,
    "sales-order": sales_orders,
    "fulfillment-order": fulfillment_orders,
    "return-authorization": return_authorizations,
    "store-transfer": store_transfers,
    "settlement-record": settlement_records,
}
"""A strategy factory for each kind of `retail_canon.models.KINDS`."""

PARTS: dict[type[BaseModel], Any] = {
    Money: money,
    Quantity: quantities,
    ExternalRef: external_refs,
    Address: addresses,
    Party: parties,
    Customer: customers,
    TaxLine: tax_lines,
    Discount: discounts,
    ShippingLine: shipping_lines,
    Location: locations,
    Dimensions: dimensions,
    PackLevel: pack_levels,
    ProductVariant: product_variants,
    InventoryBuckets: inventory_buckets,
    OrderLine: order_lines,
    OrderTotals: order_totals,
    Hold: holds,
    FulfillmentLine: fulfillment_lines,
    ShipmentLine: shipment_lines,
    Package: packages,
    Shipment: shipments,
    ReturnLine: return_lines,
    Refund: refunds,
    TransferLine: transfer_lines,
    SettlementLine: settlement_lines,
    Payout: payouts,
}
"""A strategy factory for each canonical part (non-top-level model)."""

STATEFUL: dict[type[BaseModel], Any] = {
    Product: products,
    SalesOrder: sales_orders,
    FulfillmentOrder: fulfillment_orders,
    Shipment: shipments,
    ReturnAuthorization: return_authorizations,
    Refund: refunds,
    StoreTransfer: store_transfers,
    SettlementRecord: settlement_records,
}
"""Strategy factories of the stateful models; each takes a ``status`` strategy."""


# ---------------------------------------------------------------------------------------
# Round-trip checks shared by the per-object test modules
# ---------------------------------------------------------------------------------------


def assert_lossless_round_trip(obj: BaseModel) -> None:
    """JSON and python-mode round trips give back an equal object, digit for digit.

    Equality alone would let ``1.10`` come back as ``1.1`` or ``+05:30`` as ``Z`` (they
    compare equal), so the JSON texts are compared too.
    """
    model = type(obj)
    text_ = obj.model_dump_json()
    from_json = model.model_validate_json(text_)
    assert from_json == obj
    assert from_json.model_dump_json() == text_

    from_python = model.model_validate(obj.model_dump())
    assert from_python == obj
    assert from_python.model_dump_json() == text_

    # JSON-mode dict (strings for decimals and datetimes) through python validation too.
    from_json_dict = model.model_validate(obj.model_dump(mode="json"))
    assert from_json_dict.model_dump_json() == text_


class _NumberText(str):
    """A decimal's digits, to be written into JSON unquoted, as a number."""


def json_with_numbers(obj: BaseModel) -> str:
    """``obj`` as JSON text with every decimal written as a JSON number, not a string.

    Integral negative zero is written ``-0``, which JSON readers take as the integer 0: the
    sign of a zero is the one thing a JSON number cannot carry. Callers that compare digits
    should skip documents containing it (see `has_integral_negative_zero`).
    """

    def encode(value: Any) -> str:
        if isinstance(value, BaseModel):
            # Dump field by field to keep Decimals as Decimals.
            return encode({name: getattr(value, name) for name in type(value).model_fields})
        if isinstance(value, dict):
            items = (f"{json.dumps(k)}:{encode(v)}" for k, v in value.items())
            return "{" + ",".join(items) + "}"
        if isinstance(value, list | tuple):
            return "[" + ",".join(encode(v) for v in value) + "]"
        if isinstance(value, Decimal):
            return str(value)  # Decimal's str is a valid JSON number for finite values
        if isinstance(value, datetime | date):
            return json.dumps(value.isoformat())
        if isinstance(value, Enum):
            return json.dumps(value.value)
        return json.dumps(value)

    return encode(obj)


def decimals_in(obj: Any) -> list[Decimal]:
    """Every Decimal inside ``obj`` (a model, or its python-mode dump)."""
    if isinstance(obj, BaseModel):
        obj = obj.model_dump()
    if isinstance(obj, Decimal):
        return [obj]
    if isinstance(obj, dict):
        return [d for v in obj.values() for d in decimals_in(v)]
    if isinstance(obj, list | tuple):
        return [d for v in obj for d in decimals_in(v)]
    return []


def has_integral_negative_zero(obj: BaseModel) -> bool:
    return any(str(d) == "-0" for d in decimals_in(obj))
