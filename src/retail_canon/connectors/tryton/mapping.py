"""Pure mapping between canonical objects and Tryton 8.2 records (no network).

- `sale_values`: a canonical `SalesOrder` → the values of a ``sale.sale`` create, lines
  included (RPC runs no ``on_change``: unit, unit price and addresses are sent explicitly).
- `party_values`: the order's customer and ship-to address → a ``party.party`` create.
- `receivable_from_invoice`: a posted customer invoice or credit note → `SettlementLine`.
- `product_from_record`: a ``product.product`` record (with its template's fields) → a
  canonical `Product`.

Identifiers: the channel order id is the sale's ``reference`` (what makes posting
idempotent); a line's SKU is the Tryton product ``code``; a customer is a party whose
``code`` is ``party_code(order)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from retail_canon.models import (
    Address,
    AmountType,
    ExternalRef,
    Money,
    Product,
    ProductStatus,
    SalesOrder,
    SettlementLine,
)

__all__ = [
    "UOM_CODES",
    "ProductRef",
    "party_code",
    "party_values",
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


def _address(address: Address) -> dict[str, Any]:
    values: dict[str, Any] = {
        "street": "\n".join(address.lines) or None,
        "city": address.city,
        "postal_code": address.postal_code,
    }
    if address.name:
        values["party_name"] = address.name
    return {k: v for k, v in values.items() if v is not None}


def party_values(order: SalesOrder) -> dict[str, Any]:
    """A ``party.party`` create for the order's buyer, with its ship-to address."""
    customer = order.customer
    address = order.ship_to or order.bill_to
    name = (customer.name if customer else None) or (address.name if address else None)
    values: dict[str, Any] = {
        "name": name or f"{order.channel} customer",
        "code": party_code(order),
    }
    values["addresses"] = [["create", [_address(address) if address else {}]]]
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
