"""Pure mapping between canonical objects and NetSuite REST / SuiteQL shapes (no network).

- `external_id`: a channel order id → the sales order's ``externalId`` (what the upsert
  ``PUT /record/v1/salesOrder/eid:<externalId>`` is keyed on).
- `sales_order_body`: a `SalesOrder` → the JSON body of that upsert.
- `receivables_query`, `inventory_query`, `items_query`: the SuiteQL the connector sends,
  each with a unique ``ORDER BY`` so offset paging neither repeats nor skips rows.
- `receivable_from_row`: a posted invoice (``CustInvc``) or credit memo (``CustCred``) row
  → `SettlementLine`.
- `position_from_row`: an item's balance in one location → `InventoryPosition`.
- `record_id_from_location`: the record id in a ``Location`` header (create answers 204).
- `error_details`: the ``o:errorDetails`` of an error body.

Identifiers: the channel order id is the sales order's ``otherRefNum`` (invoices and credit
memos created from the order carry it on) and, made safe for NetSuite, its ``externalId``;
a line's SKU is the item's ``itemid`` (its "Name/Number").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

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
    "TIMESTAMP_FORMAT",
    "ErrorDetail",
    "error_details",
    "external_id",
    "inventory_query",
    "items_query",
    "json_ready",
    "position_from_row",
    "receivable_from_row",
    "receivables_query",
    "record_id_from_location",
    "sales_order_body",
    "sql_string",
]

_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_-]+")
_EXTERNAL_ID_MAX = 100
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
"""How timestamps travel in our SuiteQL (``TO_CHAR``/``TO_TIMESTAMP`` ``YYYY-MM-DD HH24:MI:SS``)."""


def external_id(order_id: str) -> str:
    """The ``externalId`` of a channel order: the id itself if NetSuite allows it.

    External ids may hold letters, digits, ``_`` and ``-`` only. Any other id becomes its
    allowed characters (others as ``_``) plus ``-`` and 12 hex digits of its SHA-256, so
    two different order ids never share an external id.

    >>> external_id("SHOP-1001")
    'SHOP-1001'
    >>> external_id("amazon:113-1234567-1234567")
    'amazon_113-1234567-1234567-481d137f822f'
    """
    if _EXTERNAL_ID.fullmatch(order_id) and len(order_id) <= _EXTERNAL_ID_MAX:
        return order_id
    digest = hashlib.sha256(order_id.encode("utf-8")).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", order_id)[: _EXTERNAL_ID_MAX - 13]
    return f"{safe}-{digest}"


def sales_order_body(
    order: SalesOrder,
    *,
    items: Mapping[str, str],
    customer: str,
    location: str | None = None,
    order_status: str | None = None,
    currencies: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The body of ``PUT /record/v1/salesOrder/eid:<external_id(order)>``.

    Args:
        order: the channel order.
        items: internal item id per SKU (every line's SKU must be there).
        customer: internal id of the customer the order is booked to.
        location: internal id of the fulfilling location, if set.
        order_status: ``"A"`` (pending approval) or ``"B"`` (pending fulfillment).
        currencies: internal currency id per ISO code; an order whose currency is listed
            gets it, others take the customer's.

    Each line is ``{item, quantity, rate, amount}`` with ``amount`` its subtotal less its
    discounts; shipping lines add up to ``shippingCost``. Taxes are left to NetSuite.

    Raises:
        KeyError: a line's SKU is not in ``items``.
    """
    lines = []
    for line in order.lines:
        amount = line.subtotal().amount - sum((d.amount.amount for d in line.discounts), Decimal(0))
        values: dict[str, Any] = {
            "item": {"id": items[line.sku]},
            "quantity": line.quantity.value,
            "rate": line.unit_price.amount,
            "amount": amount,
        }
        if line.title:
            values["description"] = line.title[:4000]
        lines.append(values)
    body: dict[str, Any] = {
        "externalId": external_id(order.order_id),
        "entity": {"id": customer},
        "tranDate": order.placed_at.astimezone(UTC).date().isoformat(),
        "otherRefNum": order.order_id,
        "memo": f"{order.channel} {order.order_number or order.order_id}"[:999],
        "item": {"items": lines},
    }
    if order.shipping_lines:
        body["shippingCost"] = sum((s.price.amount for s in order.shipping_lines), Decimal(0))
    if location is not None:
        body["location"] = {"id": location}
    if order_status is not None:
        body["orderStatus"] = {"id": order_status}
    currency = (currencies or {}).get(order.currency)
    if currency is not None:
        body["currency"] = {"id": currency}
    result: dict[str, Any] = json_ready(body)
    return result


def sql_string(value: str) -> str:
    """A SuiteQL string literal.

    >>> sql_string("O'Brien")
    "'O''Brien'"
    """
    return "'" + value.replace("'", "''") + "'"


def receivables_query(since: datetime | None, zone: tzinfo) -> str:
    """Posted, unvoided customer invoices and credit memos, oldest change first.

    ``since`` (aware) is converted to the account's time zone ``zone``, in which SuiteQL
    compares and returns ``lastmodifieddate``.
    """
    where = "t.type IN ('CustInvc', 'CustCred') AND t.posting = 'T' AND t.voided = 'F'"
    if since is not None:
        local = since.astimezone(zone).strftime(TIMESTAMP_FORMAT)
        where += (
            f" AND t.lastmodifieddate >= TO_TIMESTAMP({sql_string(local)}, 'YYYY-MM-DD HH24:MI:SS')"
        )
    return (
        "SELECT t.id, t.type, t.tranid, t.otherrefnum, t.foreigntotal, c.symbol AS currency, "
        "TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodified "
        "FROM transaction t JOIN currency c ON c.id = t.currency "
        f"WHERE {where} ORDER BY t.lastmodifieddate, t.id"
    )


def inventory_query() -> str:
    """Quantities on hand and available per item and location (bins and lots summed)."""
    return (
        "SELECT ib.item AS item, i.itemid AS sku, ib.location AS location, "
        "l.name AS location_name, SUM(ib.quantityonhand) AS onhand, "
        "SUM(ib.quantityavailable) AS available "
        "FROM inventorybalance ib JOIN item i ON i.id = ib.item "
        "JOIN location l ON l.id = ib.location "
        "GROUP BY ib.item, i.itemid, ib.location, l.name ORDER BY ib.item, ib.location"
    )


def items_query(skus: Iterable[str]) -> str:
    """The internal ids of the items whose ``itemid`` is one of ``skus``."""
    listed = ", ".join(sql_string(s) for s in sorted(set(skus)))
    return f"SELECT i.id, i.itemid FROM item i WHERE i.itemid IN ({listed}) ORDER BY i.id"


def _decimal(value: Any, what: str, row: Mapping[str, Any]) -> Decimal:
    if isinstance(value, bool) or value is None:
        msg = f"{what} of NetSuite row {row.get('id', '?')} is not a number: {value!r}"
        raise ValueError(msg)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(value) if isinstance(value, int | Decimal) else Decimal(str(value))
    except ArithmeticError:
        msg = f"{what} of NetSuite row {row.get('id', '?')} is not a number: {value!r}"
        raise ValueError(msg) from None


def local_timestamp(text: str, zone: tzinfo) -> datetime:
    """A ``YYYY-MM-DD HH:MM:SS`` SuiteQL timestamp in the account's zone → aware UTC."""
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=zone).astimezone(UTC)


_KINDS = {
    "CustInvc": ("invoice", AmountType.PRINCIPAL),
    "CustCred": ("creditmemo", AmountType.REFUND),
}


def receivable_from_row(row: Mapping[str, Any], zone: tzinfo) -> SettlementLine:
    """A `receivables_query` row → an open receivable (`SettlementLine`).

    Invoices are positive ``PRINCIPAL`` lines, credit memos negative ``REFUND`` lines (the
    sign is set here, whatever sign SuiteQL gives ``foreigntotal``). ``line_id`` is
    ``netsuite-invoice-<id>`` / ``netsuite-creditmemo-<id>``, ``order_id`` the
    ``otherrefnum`` (the channel order id `sales_order_body` wrote), ``posted_at`` the last
    change.

    Raises:
        ValueError: an unknown transaction type, a total or timestamp that does not parse.
    """
    kind = _KINDS.get(str(row.get("type")))
    if kind is None:
        msg = f"NetSuite transaction {row.get('id')}: type {row.get('type')!r} is not a receivable"
        raise ValueError(msg)
    name, amount_type = kind
    total = abs(_decimal(row.get("foreigntotal"), "foreigntotal", row))
    refs = [ExternalRef(system="netsuite", scheme="transaction", value=str(row["id"]))]
    if row.get("tranid"):
        refs.append(ExternalRef(system="netsuite", scheme="tranid", value=str(row["tranid"])))
    return SettlementLine(
        line_id=f"netsuite-{name}-{row['id']}",
        amount_type=amount_type,
        source_amount_type=str(row["type"]),
        amount=Money(
            amount=total if amount_type is AmountType.PRINCIPAL else -total,
            currency=str(row["currency"]),
        ),
        posted_at=local_timestamp(str(row["lastmodified"]), zone),
        order_id=str(row["otherrefnum"]) if row.get("otherrefnum") else None,
        refs=tuple(refs),
    )


def position_from_row(
    row: Mapping[str, Any], *, as_of: datetime, location_key: str = "name"
) -> InventoryPosition:
    """An `inventory_query` row → an `InventoryPosition`.

    ``on_hand`` is the quantity on hand; what is on hand but not available is
    ``committed``. ``location_id`` is the location's name (``location_key="name"``) or
    ``netsuite-location-<id>`` (``"id"``).

    Raises:
        ValueError: a quantity that does not parse, or a negative on-hand quantity.
    """
    on_hand = _decimal(row.get("onhand"), "onhand", row)
    available = (
        _decimal(row.get("available"), "available", row)
        if row.get("available") is not None
        else on_hand
    )
    if on_hand < 0:
        msg = (
            f"item {row.get('sku')} has a negative quantity on hand {on_hand} "
            f"at NetSuite location {row.get('location')}"
        )
        raise ValueError(msg)
    if location_key == "id" or not row.get("location_name"):
        location_id = f"netsuite-location-{row['location']}"
    else:
        location_id = str(row["location_name"])
    return InventoryPosition(
        sku=str(row.get("sku") or f"netsuite-item-{row['item']}"),
        location_id=location_id,
        buckets=InventoryBuckets(on_hand=on_hand, committed=max(on_hand - available, Decimal(0))),
        as_of=as_of,
        external_refs=(
            ExternalRef(system="netsuite", scheme="item", value=str(row["item"])),
            ExternalRef(system="netsuite", scheme="location", value=str(row["location"])),
        ),
    )


def record_id_from_location(location: str | None) -> str | None:
    """The record id at the end of a ``Location`` header, if it is one.

    >>> record_id_from_location("https://1-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/salesOrder/647")
    '647'
    """
    if not location:
        return None
    last = urlsplit(location).path.rstrip("/").rpartition("/")[2]
    return last if last.isdigit() else None


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of ``o:errorDetails``.

    Attributes:
        detail: what NetSuite says went wrong.
        code: ``o:errorCode`` (``INVALID_CONTENT``, ``USER_ERROR``, ...).
        path: ``o:errorPath``: the body field at fault, e.g. ``item.items[0].item``.
        query_param: ``o:errorQueryParam``: the query parameter at fault.
        header: ``o:errorHeader``: the header at fault.
    """

    detail: str
    code: str | None = None
    path: str | None = None
    query_param: str | None = None
    header: str | None = None

    @property
    def where(self) -> str | None:
        """The field, query parameter or header at fault, named for a message."""
        if self.path:
            return f"field {self.path}"
        if self.query_param:
            return f"query parameter {self.query_param}"
        if self.header:
            return f"header {self.header}"
        return None


def error_details(body: str | bytes | None) -> tuple[ErrorDetail, ...]:
    """The ``o:errorDetails`` of a NetSuite error body (empty if it has none).

    >>> error_details(b'{"status": 400, "o:errorDetails": [{"detail": "Invalid value.",'
    ...               b' "o:errorCode": "USER_ERROR", "o:errorPath": "entity"}]}')[0].where
    'field entity'
    """
    if not body:
        return ()
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ()
    entries = data.get("o:errorDetails") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        return ()
    out = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        out.append(
            ErrorDetail(
                detail=str(entry.get("detail") or data.get("title") or ""),
                code=_opt(entry.get("o:errorCode")),
                path=_opt(entry.get("o:errorPath")),
                query_param=_opt(entry.get("o:errorQueryParam")),
                header=_opt(entry.get("o:errorHeader")),
            )
        )
    return tuple(out)


def _opt(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
