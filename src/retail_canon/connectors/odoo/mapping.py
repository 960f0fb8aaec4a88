"""Pure mapping between canonical objects and Odoo records (no network).

- `sale_order_values`: a `SalesOrder` → the values of a ``sale.order`` create, its lines as
  x2many command tuples ``[0, 0, {...}]``.
- `receivable_from_move`: a posted ``account.move`` (``out_invoice`` / ``out_refund``) →
  `SettlementLine`.
- `position_from_quants`: the ``stock.quant`` rows of one product in one internal location
  → `InventoryPosition`.
- `odoo_datetime` / `parse_odoo_datetime`: Odoo's UTC ``YYYY-MM-DD HH:MM:SS`` strings.

Identifiers: the channel order id is the sale order's ``client_order_ref`` (what makes
posting idempotent: it is searched before every create; Odoo copies it to the invoice's
``ref``); a line's SKU is the product's ``default_code`` (Internal Reference).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from retail_canon.connectors._json import json_ready
from retail_canon.models import (
    AmountType,
    ExternalRef,
    InventoryBuckets,
    InventoryPosition,
    Money,
    SalesOrder,
    SettlementLine,
)

__all__ = [
    "MOVE_FIELDS",
    "QUANT_FIELDS",
    "json_ready",
    "many2one",
    "odoo_datetime",
    "parse_odoo_datetime",
    "position_from_quants",
    "receivable_from_move",
    "sale_order_values",
]

_FORMAT = "%Y-%m-%d %H:%M:%S"

MOVE_FIELDS = (
    "name",
    "move_type",
    "state",
    "ref",
    "invoice_origin",
    "amount_total",
    "currency_id",
    "write_date",
)
"""The ``account.move`` fields `receivable_from_move` reads."""

QUANT_FIELDS = ("product_id", "location_id", "quantity", "reserved_quantity")
"""The ``stock.quant`` fields `position_from_quants` reads."""


def odoo_datetime(value: datetime) -> str:
    """An aware datetime as Odoo's UTC string (microseconds dropped).

    >>> from datetime import timezone, timedelta
    >>> odoo_datetime(datetime(2026, 5, 1, 11, 30, tzinfo=timezone(timedelta(hours=2))))
    '2026-05-01 09:30:00'
    """
    return value.astimezone(UTC).strftime(_FORMAT)


def parse_odoo_datetime(text: str) -> datetime:
    """Odoo's UTC ``YYYY-MM-DD HH:MM:SS`` (fractions allowed) → aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def many2one(value: Any) -> tuple[int, str] | None:
    """A many2one as read (``[id, display name]`` or ``false``) → ``(id, name)``.

    >>> many2one([7, "WH/Stock"]), many2one(False)
    ((7, 'WH/Stock'), None)
    """
    if isinstance(value, list | tuple) and len(value) == 2:
        return int(value[0]), str(value[1])
    if isinstance(value, int) and not isinstance(value, bool):
        return value, str(value)
    return None


def sale_order_values(
    order: SalesOrder,
    *,
    partner: int,
    products: Mapping[str, int],
    warehouse: int | None = None,
    shipping_product: int | None = None,
) -> dict[str, Any]:
    """A ``sale.order`` create for ``order``; ``products`` maps each line's SKU to its id.

    A line's ``price_unit`` is its unit price less its discounts spread over the quantity
    (refused if that is not exact); shipping lines become one line of ``shipping_product``
    when one is configured.

    Raises:
        KeyError: a line's SKU is not in ``products``.
        ValueError: a price a JSON number cannot carry exactly.
    """
    lines = []
    for line in order.lines:
        discount = sum((d.amount.amount for d in line.discounts), Decimal(0))
        quantity = line.quantity.value
        price = line.unit_price.amount - discount / quantity if discount else line.unit_price.amount
        values: dict[str, Any] = {
            "product_id": products[line.sku],
            "product_uom_qty": quantity,
            "price_unit": price,
        }
        if line.title:
            values["name"] = line.title
        lines.append([0, 0, values])
    if shipping_product is not None and order.shipping_lines:
        shipping = sum((s.price.amount for s in order.shipping_lines), Decimal(0))
        lines.append(
            [0, 0, {"product_id": shipping_product, "product_uom_qty": 1, "price_unit": shipping}]
        )
    values = {
        "partner_id": partner,
        "client_order_ref": order.order_id,
        "origin": f"{order.channel} {order.order_number or order.order_id}",
        "date_order": odoo_datetime(order.placed_at),
        "order_line": lines,
    }
    if warehouse is not None:
        values["warehouse_id"] = warehouse
    result: dict[str, Any] = json_ready(values)
    return result


_MOVE_TYPES = {
    "out_invoice": ("invoice", AmountType.PRINCIPAL),
    "out_refund": ("refund", AmountType.REFUND),
}
_REVERSAL = "Reversal of"


def receivable_from_move(record: Mapping[str, Any]) -> SettlementLine:
    """A posted customer invoice or credit note (``account.move``) → `SettlementLine`.

    ``line_id`` is ``odoo-move-<id>``; invoices are positive ``PRINCIPAL`` lines, credit
    notes negative ``REFUND`` lines; ``order_id`` is the move's ``ref`` (Odoo copies the sale
    order's ``client_order_ref`` there when it invoices the order) unless the ref is a
    reversal note; the move's name and ``invoice_origin`` (the sale order's name) are refs.

    Raises:
        ValueError: not a customer invoice or credit note, or no currency.
    """
    kind = _MOVE_TYPES.get(str(record.get("move_type")))
    if kind is None:
        msg = (
            f"Odoo move {record.get('id')}: move_type {record.get('move_type')!r} "
            "is not a receivable"
        )
        raise ValueError(msg)
    source, amount_type = kind
    total = abs(_decimal(record.get("amount_total"), record))
    currency = many2one(record.get("currency_id"))
    if currency is None:
        msg = f"Odoo move {record.get('id')} has no currency"
        raise ValueError(msg)
    refs = [ExternalRef(system="odoo", scheme="account.move", value=str(record["id"]))]
    if record.get("name") and record["name"] != "/":
        refs.append(ExternalRef(system="odoo", scheme="move_name", value=str(record["name"])))
    if record.get("invoice_origin"):
        refs.append(
            ExternalRef(
                system="odoo", scheme="sale_order_name", value=str(record["invoice_origin"])
            )
        )
    ref = record.get("ref")
    order_id = str(ref) if ref and not str(ref).startswith(_REVERSAL) else None
    written = record.get("write_date")
    return SettlementLine(
        line_id=f"odoo-move-{record['id']}",
        amount_type=amount_type,
        source_amount_type=str(record["move_type"]),
        amount=Money(amount=total if source == "invoice" else -total, currency=currency[1]),
        posted_at=parse_odoo_datetime(str(written)) if written else None,
        order_id=order_id,
        refs=tuple(refs),
    )


def _decimal(value: Any, record: Mapping[str, Any]) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        msg = f"Odoo record {record.get('id')}: {value!r} is not a number"
        raise ValueError(msg)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def position_from_quants(
    quants: Sequence[Mapping[str, Any]], *, sku: str, as_of: datetime
) -> InventoryPosition:
    """The quants of one product in one internal location (lots, packages summed).

    ``on_hand`` is the sum of ``quantity``, ``committed`` of ``reserved_quantity``;
    ``location_id`` the location's full name (``WH/Stock``).

    Raises:
        ValueError: no quants, a quantity that is not a number, or a negative total.
    """
    if not quants:
        msg = "no quants"
        raise ValueError(msg)
    product = many2one(quants[0].get("product_id"))
    location = many2one(quants[0].get("location_id"))
    if product is None or location is None:
        msg = f"Odoo quant {quants[0].get('id')} has no product or location"
        raise ValueError(msg)
    on_hand = sum((_decimal(q.get("quantity"), q) for q in quants), Decimal(0))
    reserved = sum((_decimal(q.get("reserved_quantity") or 0, q) for q in quants), Decimal(0))
    if on_hand < 0:
        msg = f"product {sku} has a negative quantity {on_hand} in Odoo location {location[1]}"
        raise ValueError(msg)
    return InventoryPosition(
        sku=sku,
        location_id=location[1],
        buckets=InventoryBuckets(
            on_hand=on_hand, committed=min(max(reserved, Decimal(0)), on_hand)
        ),
        as_of=as_of,
        external_refs=(
            ExternalRef(system="odoo", scheme="product.product", value=str(product[0])),
            ExternalRef(system="odoo", scheme="stock.location", value=str(location[0])),
        ),
    )
