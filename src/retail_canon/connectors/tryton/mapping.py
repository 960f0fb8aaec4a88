"""Pure mapping between canonical objects and Tryton 8.2 records (no network).

- `sale_values`: a canonical `SalesOrder` → the values of a ``sale.sale`` create, lines
  included (RPC runs no ``on_change``: unit, unit price and addresses are sent explicitly).
- `party_values`: the order's customer and ship-to address → a ``party.party`` create.
- `receivable_from_invoice`: a posted customer invoice or credit note → `SettlementLine`.
- `product_from_record`: a ``product.product`` record (with its template's fields) → a
  canonical `Product`.
- `position_from_record`: a product's quantities in a warehouse → `InventoryPosition`.
- `fulfillment_from_shipment`: a done ``stock.shipment.out`` → `FulfillmentOrder` with its
  `Shipment`.
- `credit_note_values`: a `ReturnAuthorization` and the lines of the invoice it credits →
  the values of an ``account.invoice`` create (a credit note: negative quantities).

Identifiers: the channel order id is the sale's ``reference`` (what makes posting
idempotent); a line's SKU is the Tryton product ``code``; a customer is a party whose
``code`` is ``party_code(order)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from retail_canon.models import (
    Address,
    AmountType,
    ExternalRef,
    FulfillmentLine,
    FulfillmentOrder,
    FulfillmentStatus,
    InventoryBuckets,
    InventoryPosition,
    Money,
    Product,
    ProductStatus,
    Quantity,
    ReturnAuthorization,
    SalesOrder,
    SettlementLine,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)

__all__ = [
    "INVENTORY_FIELDS",
    "INVOICE_FIELDS",
    "INVOICE_LINE_FIELDS",
    "PRODUCT_FIELDS",
    "SHIPMENT_FIELDS",
    "UOM_CODES",
    "ProductRef",
    "address_digest",
    "address_matches",
    "address_values",
    "credit_note_description",
    "credit_note_values",
    "fulfillment_from_shipment",
    "party_code",
    "party_values",
    "position_from_record",
    "product_from_record",
    "receivable_from_invoice",
    "sale_values",
]

UOM_CODES: Mapping[str, str] = {"u": "EA", "kg": "KGM", "g": "GRM", "l": "LTR", "m": "MTR"}
"""Tryton unit symbols → UN/ECE Rec 20 codes (anything else: ``EA``)."""

ProductRef = tuple[int, int]
"""A Tryton product: ``(product.product id, its sale unit id)``."""


def party_code(order: SalesOrder) -> str:
    """The Tryton party code of the order's buyer: its customer id, else one per order.

    Explicit codes also avoid Tryton's sequence clash under concurrent writers.
    """
    customer = order.customer
    if customer is not None and customer.customer_id:
        return f"{order.channel}:{customer.customer_id}"[:100]
    return f"{order.channel}:order:{order.order_id}"[:100]


def address_values(address: Address) -> dict[str, Any]:
    """A ``party.address`` create (without its party) for a canonical address."""
    values: dict[str, Any] = {
        "street": "\n".join(address.lines) or None,
        "city": address.city,
        "postal_code": address.postal_code,
    }
    if address.name:
        values["party_name"] = address.name
    return {k: v for k, v in values.items() if v is not None}


_ADDRESS_KEYS = ("street", "city", "postal_code", "party_name")


def address_matches(record: Mapping[str, Any], address: Address) -> bool:
    """Whether a ``party.address`` record is ``address`` (empty and missing are the same).

    The record is read with its street, city, postal code and party name.
    """
    wanted = address_values(address)
    return all((record.get(k) or None) == wanted.get(k) for k in _ADDRESS_KEYS)


def address_digest(address: Address) -> str:
    """A short stable digest of the address fields Tryton stores (the xref id suffix)."""
    wanted = address_values(address)
    text = "\0".join(str(wanted.get(k) or "") for k in _ADDRESS_KEYS)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def party_values(order: SalesOrder) -> dict[str, Any]:
    """A ``party.party`` create for the order's buyer, with its ship-to address."""
    customer = order.customer
    address = order.ship_to or order.bill_to
    name = (customer.name if customer else None) or (address.name if address else None)
    values: dict[str, Any] = {
        "name": name or f"{order.channel} customer",
        "code": party_code(order),
    }
    values["addresses"] = [["create", [address_values(address) if address else {}]]]
    return values


def sale_values(
    order: SalesOrder,
    *,
    party: int,
    address: int,
    products: Mapping[str, ProductRef],
    payment_term: int | None = None,
) -> dict[str, Any]:
    """A ``sale.sale`` create for ``order``; ``products`` maps each line's SKU.

    Quantities are floats (Tryton's quantity type), prices Decimals.
    """
    lines = []
    for line in order.lines:
        product, unit = products[line.sku]
        values: dict[str, Any] = {
            "type": "line",
            "product": product,
            "unit": unit,
            "quantity": float(line.quantity.value),
            "unit_price": Decimal(line.unit_price.amount),
        }
        if line.title:
            values["description"] = line.title
        lines.append(values)
    sale: dict[str, Any] = {
        "party": party,
        "invoice_address": address,
        "shipment_address": address,
        "reference": order.order_id,
        "description": f"{order.channel} {order.order_number or order.order_id}"[:200],
        "sale_date": order.placed_at.date(),
        "lines": [["create", lines]],
    }
    if payment_term is not None:
        sale["payment_term"] = payment_term
    return sale


def product_from_record(record: Mapping[str, Any], uom_symbol: str | None) -> Product:
    """A ``product.product`` record read with `PRODUCT_FIELDS` → a canonical `Product`."""
    code = record.get("code") or f"tryton-{record['id']}"
    active = record.get("active", True)
    identifiers = (ExternalRef(system="tryton", scheme="product.product", value=str(record["id"])),)
    return Product(
        product_id=f"tryton-{record['id']}",
        sku=code,
        title=record.get("name") or code,
        description=record.get("description") or None,
        status=ProductStatus.ACTIVE if active else ProductStatus.DISCONTINUED,
        source_status="active" if active else "inactive",
        base_uom=UOM_CODES.get(uom_symbol or "", "EA"),
        external_refs=identifiers,
    )


PRODUCT_FIELDS = ("code", "name", "description", "active", "default_uom")
"""The ``product.product`` fields `product_from_record` reads."""


INVOICE_FIELDS = (
    "number",
    "reference",
    "state",
    "type",
    "invoice_date",
    "total_amount",
    "currency.code",
    "sales.reference",
    "description",
    "write_date",
)
"""The ``account.invoice`` fields `receivable_from_invoice` reads."""


def _currency(record: Mapping[str, Any]) -> str:
    nested = record.get("currency.")
    if isinstance(nested, Mapping) and nested.get("code"):
        return str(nested["code"])
    return str(record["currency.code"])


def receivable_from_invoice(record: Mapping[str, Any]) -> SettlementLine:
    """A posted customer invoice or credit note → an open receivable (`SettlementLine`).

    Credit notes have negative totals in Tryton: they become ``REFUND`` lines. The channel
    order id is the ``reference`` of the invoice's sale (the order id `sale_values` wrote),
    else the invoice's own ``reference``; each sale is also in ``refs``.
    """
    total = Decimal(record["total_amount"])
    written = record["write_date"]
    posted = written.replace(tzinfo=UTC) if isinstance(written, datetime) else None
    refs = [ExternalRef(system="tryton", scheme="account.invoice", value=str(record["id"]))]
    if record.get("number"):
        refs.append(ExternalRef(system="tryton", scheme="invoice_number", value=record["number"]))
    sales = [s for s in record.get("sales.") or () if isinstance(s, Mapping)]
    refs.extend(ExternalRef(system="tryton", scheme="sale.sale", value=str(s["id"])) for s in sales)
    rma = _rma_of(record.get("description"))
    if rma is not None:
        refs.append(ExternalRef(system="tryton", scheme="rma_id", value=rma))
    references = {s["reference"] for s in sales if s.get("reference")}
    order_id = references.pop() if len(references) == 1 else record.get("reference") or None
    return SettlementLine(
        line_id=f"tryton-invoice-{record['id']}",
        amount_type=AmountType.REFUND if total < 0 else AmountType.PRINCIPAL,
        source_amount_type="credit_note" if total < 0 else "invoice",
        amount=Money(amount=total, currency=_currency(record)),
        posted_at=posted,
        order_id=order_id,
        refs=tuple(refs),
    )


def _number(value: Any, what: str, record: Mapping[str, Any]) -> Decimal:
    """A Tryton float quantity as an exact Decimal (its shortest repr)."""
    if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
        msg = f"{what} of Tryton record {record.get('id')} is not a number: {value!r}"
        raise ValueError(msg)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


INVENTORY_FIELDS = ("code", "quantity", "forecast_quantity", "default_uom.symbol")
"""The ``product.product`` fields `position_from_record` reads (with a location context)."""


def position_from_record(
    record: Mapping[str, Any],
    *,
    location_id: str,
    location: int,
    uom_symbol: str | None,
    as_of: datetime,
) -> InventoryPosition:
    """A product read with `INVENTORY_FIELDS` in one warehouse's context → a position.

    ``quantity`` (done moves, and assigned moves out) is ``on_hand``; the difference to
    ``forecast_quantity`` (draft and planned moves too) is ``committed`` when the forecast
    is lower and ``incoming`` when it is higher. A negative quantity cannot be a position:
    `ValueError` (the read reports the record as skipped).
    """
    on_hand = _number(record.get("quantity"), "quantity", record)
    forecast = _number(record.get("forecast_quantity"), "forecast_quantity", record)
    if on_hand < 0:
        msg = (
            f"product {record.get('code') or record['id']} has a negative quantity "
            f"{on_hand} in Tryton location {location}"
        )
        raise ValueError(msg)
    return InventoryPosition(
        sku=record.get("code") or f"tryton-{record['id']}",
        location_id=location_id,
        uom=UOM_CODES.get(uom_symbol or "", "EA"),
        buckets=InventoryBuckets(
            on_hand=on_hand,
            committed=max(on_hand - forecast, Decimal(0)),
            incoming=max(forecast - on_hand, Decimal(0)),
        ),
        as_of=as_of,
        external_refs=(
            ExternalRef(system="tryton", scheme="product.product", value=str(record["id"])),
            ExternalRef(system="tryton", scheme="stock.location", value=str(location)),
        ),
    )


SHIPMENT_FIELDS = (
    "number",
    "reference",
    "state",
    "effective_date",
    "write_date",
    "warehouse",
    "warehouse.code",
    "outgoing_moves.quantity",
    "outgoing_moves.origin",
    "outgoing_moves.product.code",
    "outgoing_moves.sale.reference",
)
"""The ``stock.shipment.out`` fields `fulfillment_from_shipment` reads."""

_SHIPMENT_STATUS = {
    "shipped": ShipmentStatus.IN_TRANSIT,
    "done": ShipmentStatus.DELIVERED,
    "cancelled": ShipmentStatus.CANCELLED,
}


def _aware(value: Any) -> datetime | None:
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) else None


def fulfillment_from_shipment(record: Mapping[str, Any]) -> FulfillmentOrder:
    """A customer shipment (``stock.shipment.out``) → a `FulfillmentOrder` with its `Shipment`.

    ``sales_order_id`` is the reference of the moves' sale (the channel order id the
    connector posted). A done shipment is ``CLOSED`` and its shipment ``DELIVERED``
    (Tryton's *done*: delivered to the customer), ``delivered_at`` its last write. One line
    per outgoing move, ``sales_order_line_id`` the Tryton sale line (``sale.line,<id>``).

    Raises:
        ValueError: no move belongs to a sale, or moves of several sales (skipped by reads).
    """
    moves = [m for m in record.get("outgoing_moves.") or () if isinstance(m, Mapping)]
    sales: set[str] = set()
    for move in moves:
        sale = move.get("sale.")
        if isinstance(sale, Mapping) and sale.get("reference"):
            sales.add(str(sale["reference"]))
    name = record.get("number") or str(record["id"])
    if len(sales) != 1:
        what = "no sale" if not sales else f"several sales ({', '.join(sorted(sales))})"
        msg = f"Tryton shipment {name}: its moves belong to {what}"
        raise ValueError(msg)
    (order_id,) = sales
    lines, shipped = [], []
    for move in moves:
        sku = (move.get("product.") or {}).get("code") or f"tryton-move-{move['id']}"
        quantity = _number(move.get("quantity"), "quantity", move)
        line_id = f"tryton-move-{move['id']}"
        origin = move.get("origin") or line_id
        lines.append(
            FulfillmentLine(
                line_id=line_id,
                sales_order_line_id=str(origin),
                sku=sku,
                quantity=Quantity(value=quantity),
                quantity_shipped=quantity if record.get("state") == "done" else Decimal(0),
            )
        )
        shipped.append(
            ShipmentLine(fulfillment_line_id=line_id, sku=sku, quantity=Quantity(value=quantity))
        )
    state = str(record.get("state"))
    written = _aware(record.get("write_date"))
    warehouse = record.get("warehouse.") or {}
    ref = ExternalRef(system="tryton", scheme="stock.shipment.out", value=str(record["id"]))
    shipment = Shipment(
        shipment_id=f"tryton-shipment-{record['id']}",
        status=_SHIPMENT_STATUS.get(state, ShipmentStatus.OTHER),
        source_status=state,
        delivered_at=written if state == "done" else None,
        lines=tuple(shipped),
        external_refs=(ref,),
    )
    return FulfillmentOrder(
        fulfillment_order_id=f"tryton-shipment-{record['id']}",
        sales_order_id=str(order_id),
        origin_location_id=str(
            warehouse.get("code") or f"tryton-location-{record.get('warehouse')}"
        ),
        status=FulfillmentStatus.CLOSED if state == "done" else FulfillmentStatus.IN_PROGRESS,
        source_status=state,
        lines=tuple(lines),
        shipments=(shipment,),
        external_refs=(
            ref,
            *(
                [ExternalRef(system="tryton", scheme="shipment_number", value=str(name))]
                if record.get("number")
                else []
            ),
        ),
    )


INVOICE_LINE_FIELDS = (
    "invoice",
    "type",
    "product",
    "product.code",
    "quantity",
    "unit",
    "unit_price",
    "account",
    "taxes",
    "description",
)
"""The ``account.invoice.line`` fields `credit_note_values` reads."""

CREDIT_NOTE_PREFIX = "RMA "


def credit_note_description(rma_id: str) -> str:
    """The ``description`` of the credit note of a return (what makes it idempotent)."""
    return f"{CREDIT_NOTE_PREFIX}{rma_id}"


def _rma_of(description: Any) -> str | None:
    if isinstance(description, str) and description.startswith(CREDIT_NOTE_PREFIX):
        return description[len(CREDIT_NOTE_PREFIX) :] or None
    return None


def credit_note_values(
    rma: ReturnAuthorization,
    invoice: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """An ``account.invoice`` create crediting ``rma``'s lines of a posted ``invoice``.

    ``invoice`` is read with ``party``, ``invoice_address``, ``account``, ``journal``,
    ``currency``, ``payment_term``; ``lines`` are its lines read with `INVOICE_LINE_FIELDS`.
    Each return line takes the price, unit, account and taxes of the invoice line of its
    SKU, with the negated authorized quantity; its ``origin`` is that invoice line (as
    Tryton's own credit does). The credit note's ``reference`` is the sales order id (so
    receivables carry the order), its ``description`` ``RMA <rma_id>``.

    Raises:
        ValueError: a SKU not on the invoice, or more returned than invoiced.
    """
    by_sku: dict[str, Mapping[str, Any]] = {}
    for line in lines:
        code = (line.get("product.") or {}).get("code")
        if line.get("type") == "line" and code and code not in by_sku:
            by_sku[code] = line
    credit_lines = []
    for item in rma.lines:
        source = by_sku.get(item.sku)
        if source is None:
            msg = f"return {rma.rma_id} line {item.line_id}: SKU {item.sku} is not invoiced"
            raise ValueError(msg)
        quantity = item.quantity_authorized.value
        invoiced = _number(source.get("quantity"), "quantity", source)
        if quantity > invoiced:
            msg = (
                f"return {rma.rma_id} line {item.line_id}: {quantity} returned but {invoiced} "
                f"of SKU {item.sku} invoiced"
            )
            raise ValueError(msg)
        credit_lines.append(
            {
                "type": "line",
                "product": source["product"],
                "quantity": -float(quantity),
                "unit": source["unit"],
                "unit_price": Decimal(source["unit_price"]),
                "account": source["account"],
                "taxes": [["add", list(source.get("taxes") or [])]],
                "description": source.get("description") or item.sku,
                "origin": f"account.invoice.line,{source['id']}",
            }
        )
    values: dict[str, Any] = {
        "type": "out",
        "party": invoice["party"],
        "invoice_address": invoice["invoice_address"],
        "account": invoice["account"],
        "journal": invoice["journal"],
        "currency": invoice["currency"],
        "reference": rma.sales_order_id,
        "description": credit_note_description(rma.rma_id),
        "lines": [["create", credit_lines]],
    }
    if invoice.get("payment_term"):
        values["payment_term"] = invoice["payment_term"]
    return values
