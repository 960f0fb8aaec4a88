"""Walmart wire shapes (`_dto`) to canonical objects; the only place that maps them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from retail_canon.connectors.walmart import _dto
from retail_canon.models import (
    Address,
    AmountType,
    Customer,
    ExternalRef,
    FulfillmentOrder,
    InventoryBuckets,
    InventoryPosition,
    Money,
    OrderLine,
    OrderStatus,
    Payout,
    Product,
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
    ShippingLine,
    TaxLine,
)
from retail_canon.normalize.dates import from_epoch_millis, parse_timestamp
from retail_canon.normalize.status import WALMART_ORDER_LINE_STATUS, StatusTable, map_status

__all__ = [
    "cancellation_request",
    "CHANNEL",
    "COUNTRIES",
    "inventory_feed",
    "inventory_position",
    "listing_item",
    "listing_request",
    "ListingFieldError",
    "order_id",
    "order_status",
    "RECON_AMOUNT_TYPES",
    "recon_date",
    "ReconIntegrityError",
    "REQUIRED_ORDERABLE",
    "return_authorization",
    "return_id",
    "return_modified",
    "RETURN_REASONS",
    "sales_order",
    "sellable_quantity",
    "settlement_id",
    "settlement_record",
    "shipment_request",
    "WALMART_RETURN_EVENT",
    "WALMART_RETURN_STATUS",
]

CHANNEL = "walmart"

_DONE = frozenset({OrderStatus.FULFILLED})


def order_id(purchase_order_id: str) -> str:
    """The canonical order id of a Walmart purchase order (``walmart-<purchaseOrderId>``)."""
    return f"{CHANNEL}-{purchase_order_id}"


def order_status(line_statuses: list[OrderStatus]) -> OrderStatus:
    """The order's status from its lines' (Walmart keeps statuses per line).

    All cancelled → ``CANCELLED``; all others fulfilled → ``FULFILLED``; some fulfilled →
    ``PARTIALLY_FULFILLED``; any acknowledged → ``OPEN``; all created → ``PENDING``.
    """
    live = [s for s in line_statuses if s is not OrderStatus.CANCELLED]
    if not live:
        return OrderStatus.CANCELLED
    if all(s in _DONE for s in live):
        return OrderStatus.FULFILLED
    if any(s in _DONE for s in live):
        return OrderStatus.PARTIALLY_FULFILLED
    if all(s is OrderStatus.PENDING for s in live):
        return OrderStatus.PENDING
    if any(s is OrderStatus.OPEN for s in live):
        return OrderStatus.OPEN
    return OrderStatus.OTHER


def _money(value: _dto.Money) -> Money:
    return Money(amount=value.amount, currency=value.currency)


def _line(po: str, line: _dto.OrderLine) -> tuple[OrderLine, list[ShippingLine], list[str]]:
    quantity = line.order_line_quantity.amount
    products = [c for c in line.charges if c.charge_type == "PRODUCT"]
    if not products:
        msg = f"order line {line.line_number} has no PRODUCT charge"
        raise ValueError(msg)
    total = sum((c.charge_amount.amount for c in products), Decimal(0))
    unit = total / quantity
    if unit * quantity != total:
        msg = f"order line {line.line_number}: {total} does not divide into {quantity} units"
        raise ValueError(msg)
    currency = products[0].charge_amount.currency
    taxes = [
        TaxLine(title=c.tax.tax_name, amount=_money(c.tax.tax_amount))
        for c in products
        if c.tax is not None
    ]
    shipping = [
        ShippingLine(
            title=c.charge_name,
            price=_money(c.charge_amount),
            tax_lines=()
            if c.tax is None
            else (TaxLine(title=c.tax.tax_name, amount=_money(c.tax.tax_amount)),),
        )
        for c in line.charges
        if c.charge_type == "SHIPPING"
    ]
    fulfilled = cancelled = Decimal(0)
    raws = []
    for status in line.order_line_statuses:
        raws.append(status.status)
        amount = status.status_quantity.amount
        if status.status in ("Shipped", "Delivered"):
            fulfilled += amount
        elif status.status == "Cancelled":
            cancelled += amount
    canonical = OrderLine(
        line_id=f"{CHANNEL}-{po}-{line.line_number}",
        source_line_id=line.line_number,
        sku=line.item.sku,
        title=line.item.product_name,
        quantity=Quantity(value=quantity),
        unit_price=Money(amount=unit, currency=currency),
        tax_lines=tuple(taxes),
        quantity_fulfilled=fulfilled,
        quantity_cancelled=cancelled,
    )
    return canonical, shipping, raws


COUNTRIES: Mapping[str, str] = MappingProxyType(
    {
        "USA": "US",
        "PRI": "PR",
        "GUM": "GU",
        "VIR": "VI",
        "ASM": "AS",
        "MNP": "MP",
        "UMI": "UM",
    }
)
"""ISO 3166 alpha-3 → alpha-2 for what Walmart US ships to (``postalAddress.country``)."""


def _country(value: str, po: str) -> str:
    code = value.strip().upper()
    if code in COUNTRIES:
        return COUNTRIES[code]
    if re.fullmatch(r"[A-Z]{2}", code):
        return code
    msg = (
        f"purchase order {po}: shippingInfo.postalAddress.country {value!r} is not a country "
        f"Walmart US ships to ({', '.join(COUNTRIES)}) nor an ISO 3166 alpha-2 code"
    )
    raise ValueError(msg)


def _address(info: _dto.ShippingInfo, po: str) -> Address | None:
    """``postalAddress`` and ``phone`` as an `Address` (none without one, or a country)."""
    postal = info.postal_address
    if postal is None or not postal.country:
        return None
    return Address(
        name=postal.name or None,
        lines=tuple(line for line in (postal.address1, postal.address2) if line),
        city=postal.city or None,
        region=postal.state or None,
        postal_code=postal.postal_code or None,
        country=_country(postal.country, po),
        phone=info.phone or None,
    )


def sales_order(order: _dto.Order) -> SalesOrder:
    """A Walmart purchase order as a `SalesOrder`; line statuses decide the order's status.

    ``shippingInfo.postalAddress`` (with ``shippingInfo.phone``) gives ``ship_to``, its
    alpha-3 ``country`` read by `COUNTRIES`; ``customerEmailId`` (a relay address) gives
    the `Customer`'s email. Walmart sends no buyer name nor billing address: absent parts
    stay `None`.

    Raises:
        ValueError: a line without a product charge or with an amount that does not divide
            by its quantity, an unreadable timestamp, or an unknown ship-to country (the
            read skips and reports it).
    """
    po = order.purchase_order_id
    lines: list[OrderLine] = []
    shipping: list[ShippingLine] = []
    raws: list[str] = []
    for line in order.order_lines:
        canonical, ship, line_raws = _line(po, line)
        lines.append(canonical)
        shipping.extend(ship)
        raws.extend(line_raws)
    statuses = [map_status(WALMART_ORDER_LINE_STATUS, raw).status for raw in raws]
    stamps = [line.status_date for line in order.order_lines if line.status_date is not None]
    info = order.shipping_info or _dto.ShippingInfo()
    return SalesOrder(
        order_id=order_id(po),
        order_number=order.customer_order_id,
        channel=CHANNEL,
        placed_at=from_epoch_millis(order.order_date, field="orderDate"),
        updated_at=from_epoch_millis(max([order.order_date, *stamps]), field="statusDate"),
        currency=lines[0].unit_price.currency,
        status=order_status(statuses) if statuses else OrderStatus.OTHER,
        source_status=",".join(sorted(set(raws))) or None,
        customer=None if not order.customer_email_id else Customer(email=order.customer_email_id),
        ship_to=_address(info, po),
        service_level=info.method_code,
        ship_by=None
        if info.estimated_ship_date is None
        else from_epoch_millis(info.estimated_ship_date, field="estimatedShipDate"),
        deliver_by=None
        if info.estimated_delivery_date is None
        else from_epoch_millis(info.estimated_delivery_date, field="estimatedDeliveryDate"),
        lines=tuple(lines),
        shipping_lines=tuple(shipping),
        external_refs=(ExternalRef(system=CHANNEL, scheme="purchase_order_id", value=po),),
    )


def inventory_position(node: _dto.InventoryNode, *, as_of: datetime) -> InventoryPosition:
    """One SKU at one ship node: ``inputQty`` → on hand, ``reservedQty`` → committed."""
    reserved = node.reserved_qty.amount if node.reserved_qty is not None else Decimal(0)
    return InventoryPosition(
        sku=node.sku,
        location_id=node.ship_node,
        buckets=InventoryBuckets(on_hand=node.input_qty.amount, committed=reserved),
        as_of=as_of,
    )


def sellable_quantity(position: InventoryPosition) -> int:
    """What Walmart may sell: on hand less committed, reserved and unsellable, at least 0."""
    b = position.buckets
    held = b.committed + b.reserved + b.damaged + b.quality_control + b.safety_stock
    return max(int(b.on_hand - held), 0)


CARRIERS = frozenset({"UPS", "USPS", "FedEx", "OnTrac", "DHL", "LS", "UDS", "Airborne"})
"""Carriers sent as ``carrierName.carrier``; others go as ``otherCarrier`` with a URL."""


def shipment_request(order: FulfillmentOrder) -> tuple[str, dict[str, Any]]:
    """The purchase order id and ``orderShipment`` body for the latest shipment.

    A Walmart purchase order is its own fulfillment order: ``sales_order_id`` is
    ``walmart-<purchaseOrderId>``; each line's ``sales_order_line_id`` ends in
    ``-<lineNumber>``. The shipment's lines (or every line) are marked ``Shipped``.

    Raises:
        ValueError: no shipment, no ``shipped_at``, no tracking number, an unknown carrier
            without a tracking URL, or a shipment line that is not on the order.
    """
    if not order.shipments:
        msg = f"{order.fulfillment_order_id}: no shipment to confirm"
        raise ValueError(msg)
    shipment = order.shipments[-1]
    if shipment.shipped_at is None:
        msg = f"{order.fulfillment_order_id}: the shipment needs shipped_at (shipDateTime)"
        raise ValueError(msg)
    if not shipment.tracking_number or not shipment.carrier:
        msg = f"{order.fulfillment_order_id}: carrier and tracking number are required"
        raise ValueError(msg)
    if shipment.carrier in CARRIERS:
        carrier: dict[str, str] = {"carrier": shipment.carrier}
    elif shipment.tracking_url:
        carrier = {"otherCarrier": shipment.carrier}
    else:
        msg = f"{order.fulfillment_order_id}: carrier {shipment.carrier!r} needs a tracking URL"
        raise ValueError(msg)
    by_id = {line.line_id: line for line in order.lines}
    shipped = (
        [(by_id[s.fulfillment_line_id], s.quantity.value) for s in shipment.lines]
        if shipment.lines
        else [(line, line.quantity.value) for line in order.lines]
    )
    po = order.sales_order_id.removeprefix(f"{CHANNEL}-")
    tracking: dict[str, Any] = {
        "shipDateTime": int(shipment.shipped_at.timestamp() * 1000),
        "carrierName": carrier,
        "methodCode": shipment.service or order.service_level or "Standard",
        "trackingNumber": shipment.tracking_number,
    }
    if shipment.tracking_url:
        tracking["trackingURL"] = shipment.tracking_url
    lines = [
        {
            "lineNumber": line.sales_order_line_id.rsplit("-", 1)[-1],
            "orderLineStatuses": {
                "orderLineStatus": [
                    {
                        "status": "Shipped",
                        "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(quantity)},
                        "trackingInfo": tracking,
                    }
                ]
            },
        }
        for line, quantity in shipped
    ]
    return po, {"orderShipment": {"orderLines": {"orderLine": lines}}}


def cancellation_request(
    line_id: str, quantity: Decimal, reason: str
) -> tuple[str, dict[str, Any]]:
    """The purchase order id and ``orderCancellation`` body cancelling part of one line.

    ``line_id`` is the canonical line id, ``walmart-<purchaseOrderId>-<lineNumber>``.

    Raises:
        ValueError: not a Walmart line id, or a quantity that is not a positive whole number.
    """
    prefix, _, rest = line_id.partition("-")
    po, _, number = rest.rpartition("-")
    if prefix != CHANNEL or not po or not number:
        msg = f"not a Walmart order line id: {line_id!r}"
        raise ValueError(msg)
    if quantity <= 0 or quantity != quantity.to_integral_value():
        msg = f"{line_id}: cancel a positive whole quantity, not {quantity}"
        raise ValueError(msg)
    status = {
        "status": "Cancelled",
        "cancellationReason": reason,
        "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(int(quantity))},
    }
    line = {"lineNumber": number, "orderLineStatuses": {"orderLineStatus": [status]}}
    return po, {"orderCancellation": {"orderLines": {"orderLine": [line]}}}


# -- bulk inventory feed ------------------------------------------------------------------


def inventory_feed(positions: Iterable[InventoryPosition]) -> dict[str, Any]:
    """The JSON body of an ``inventory`` feed (spec 1.4: one ship node per feed)."""
    return {
        "InventoryHeader": {"version": "1.4"},
        "Inventory": [
            {"sku": p.sku, "quantity": {"unit": "EACH", "amount": sellable_quantity(p)}}
            for p in positions
        ],
    }


# -- reconciliation report ----------------------------------------------------------------


class ReconIntegrityError(ValueError):
    """A reconciliation report whose lines do not add up to its ``Total Payable``."""


_RECON_DATE = re.compile(r"^(\d{2})(\d{2})(\d{4})$")
_MANGLED = re.compile(r"^\d+(\.\d+)?[eE]\+\d+$")

RECON_AMOUNT_TYPES: Mapping[str, AmountType] = MappingProxyType(
    {
        "Product Price": AmountType.PRINCIPAL,
        "Product price": AmountType.PRINCIPAL,
        "Product Tax": AmountType.TAX,
        "Product tax": AmountType.TAX,
        "Shipping Price": AmountType.SHIPPING,
        "Shipping price": AmountType.SHIPPING,
        "Shipping Tax": AmountType.TAX,
        "Shipping tax": AmountType.TAX,
        "Gift Wrap Price": AmountType.GIFT_WRAP,
        "Gift wrap price": AmountType.GIFT_WRAP,
        "Gift Wrap Tax": AmountType.TAX,
        "Gift wrap tax": AmountType.TAX,
        "Commission on Product": AmountType.COMMISSION,
        "Commission on Shipping": AmountType.COMMISSION,
        "Commission on Gift Wrap": AmountType.COMMISSION,
        "Fee/Reimbursement": AmountType.FEE,
        "WFS Fulfillment fee": AmountType.FULFILLMENT_FEE,
        "Reserve": AmountType.RESERVE,
    }
)
"""Recon ``Amount Type`` values → `AmountType` (withheld taxes and disputes by rule)."""


def recon_date(report_date: str) -> date:
    """A recon report date as Walmart lists it (``MMDDYYYY``) as a `date`.

    >>> recon_date("07012026")
    datetime.date(2026, 7, 1)

    Raises:
        ValueError: not an ``MMDDYYYY`` date.
    """
    match = _RECON_DATE.match(report_date)
    if match is None:
        msg = f"recon report date {report_date!r} is not MMDDYYYY"
        raise ValueError(msg)
    month, day, year = (int(g) for g in match.groups())
    return date(year, month, day)


def settlement_id(report_date: str) -> str:
    """The canonical settlement id of a recon report (``walmart-recon-YYYYMMDD``)."""
    return f"{CHANNEL}-recon-{recon_date(report_date):%Y%m%d}"


def _cell(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    text = "" if value is None else str(value).strip()
    return "" if text in ('""', "''") else text


def _recon_amount(row: Mapping[str, Any], name: str, where: str) -> Decimal:
    text = _cell(row, name).replace(",", "").replace("$", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        msg = f"{where}: {name} {text!r} is not a number"
        raise ValueError(msg) from None


def _recon_day(row: Mapping[str, Any], name: str) -> datetime | None:
    text = _cell(row, name)
    return parse_timestamp(text, dayfirst=False, tz="UTC", field=name) if text else None


def _recon_type(row: Mapping[str, Any]) -> AmountType:
    kind = _cell(row, "Amount Type")
    transaction = _cell(row, "Transaction Type")
    if "withheld" in kind.lower():
        return AmountType.TAX_WITHHELD
    if transaction.startswith("Dispute"):
        return AmountType.CHARGEBACK
    found = RECON_AMOUNT_TYPES.get(kind)
    if found is not None:
        return found
    if transaction.startswith("Adjust"):
        return AmountType.ADJUSTMENT
    if "commission" in kind.lower():
        return AmountType.COMMISSION
    if "fee" in kind.lower():
        return AmountType.FEE
    return AmountType.OTHER


def _recon_id(row: Mapping[str, Any], name: str, where: str) -> str | None:
    text = _cell(row, name)
    if _MANGLED.match(text):
        msg = f"{where}: {name} {text!r} was mangled into a float by a spreadsheet"
        raise ValueError(msg)
    return text or None


_RECON_REFS = (
    ("Customer Order #", "customer_order_id"),
    ("Customer Order line #", "customer_order_line"),
    ("Purchase Order line #", "purchase_order_line"),
    ("Transaction Key", "transaction_key"),
    ("Partner GTIN", "gtin"),
)


def settlement_record(report_date: str, rows: Sequence[Mapping[str, Any]]) -> SettlementRecord:
    """A reconciliation report (``reconFileJson`` rows) as a `SettlementRecord`.

    The ``PaymentSummary`` row gives the period, currency and ``Total Payable``; every other
    row is a `SettlementLine` (``Amount`` exact, signed as Walmart writes it). The record is
    ``PAID`` when the summary says the money was deposited, else ``CLOSED``.

    Raises:
        ValueError: no or several ``PaymentSummary`` rows, an amount that is not a number,
            an id a spreadsheet turned into a float, or a date that cannot be read.
        ReconIntegrityError: the lines do not add up to ``Total Payable``.
    """
    sid = settlement_id(report_date)
    summaries = [r for r in rows if _cell(r, "Transaction Type") == "PaymentSummary"]
    if len(summaries) != 1:
        msg = f"{sid}: {len(summaries)} PaymentSummary rows, expected one"
        raise ValueError(msg)
    summary = summaries[0]
    currency = _cell(summary, "Currency") or "USD"
    total = _recon_amount(summary, "Total Payable", f"{sid} PaymentSummary")
    start = _recon_day(summary, "Period Start Date")
    end = _recon_day(summary, "Period End Date")
    if start is None:
        msg = f"{sid}: the PaymentSummary row has no Period Start Date"
        raise ValueError(msg)
    lines = []
    number = 0
    for row in rows:
        if row is summary or not any(_cell(row, k) for k in row):
            continue
        number += 1
        where = f"{sid} row {number} ({_cell(row, 'Transaction Key') or 'no key'})"
        refs = [
            ExternalRef(system=CHANNEL, scheme=scheme, value=value)
            for column, scheme in _RECON_REFS
            if (value := _recon_id(row, column, where))
        ]
        source = "/".join(
            _cell(row, k) for k in ("Transaction Type", "Amount Type", "Transaction Description")
        )
        lines.append(
            SettlementLine(
                line_id=f"{sid}-{number}",
                amount_type=_recon_type(row),
                source_amount_type=source or None,
                amount=Money(
                    amount=_recon_amount(row, "Amount", where),
                    currency=_cell(row, "Currency") or currency,
                ),
                posted_at=_recon_day(row, "Transaction Posted Timestamp"),
                order_id=_recon_id(row, "Purchase Order #", where),
                sku=_cell(row, "Partner Item Id") or None,
                refs=tuple(refs),
            )
        )
    record = SettlementRecord(
        settlement_id=sid,
        channel=CHANNEL,
        currency=currency,
        status=SettlementStatus.PAID
        if "deposited" in _cell(summary, "Transaction Description").lower()
        else SettlementStatus.CLOSED,
        source_status=_cell(summary, "Transaction Description") or None,
        period_start=start,
        period_end=end,
        total=Money(amount=total, currency=currency),
        payout=Payout(paid_at=_recon_day(summary, "Transaction Posted Timestamp")),
        lines=tuple(lines),
        external_refs=(ExternalRef(system=CHANNEL, scheme="report_date", value=report_date),),
    )
    if record.lines_total().amount != total:
        msg = (
            f"{sid}: the report's {len(lines)} lines add up to {record.lines_total().amount}, "
            f"its Total Payable is {total}"
        )
        raise ReconIntegrityError(msg)
    return record


# -- returns ------------------------------------------------------------------------------

WALMART_RETURN_EVENT = StatusTable(
    name="walmart.returns.eventTag",
    enum=ReturnStatus,
    source="Returns API, returnOrderLines[].returnTrackingDetail[].eventTag (latest per line)",
    values={
        "RETURN_INITIATED": ReturnStatus.AUTHORIZED,
        "RETURN_IN_TRANSIT": ReturnStatus.IN_TRANSIT,
        "DELIVERED_AT_RETURN_CENTER": ReturnStatus.RECEIVED,
        "REFUND_INITIATED": ReturnStatus.CLOSED,
        "REFUND_ISSUED": ReturnStatus.CLOSED,
        "INTRANSIT_AFTER_INVOICE": ReturnStatus.CLOSED,
        "DELIVERED_AFTER_INVOICE": ReturnStatus.CLOSED,
        "RETURN_CANCELLED": ReturnStatus.CANCELLED,
    },
    notes={
        "RETURN_INITIATED": "Walmart authorises a return when the buyer starts it (label issued).",
        "REFUND_INITIATED": "Line status COMPLETED: the refund is under way; the RMA is done.",
        "INTRANSIT_AFTER_INVOICE": "Refunded before the item arrived: closed for the seller.",
    },
)
"""The detailed status of a return line (``eventTag``) → `ReturnStatus`."""

WALMART_RETURN_STATUS = StatusTable(
    name="walmart.returns.status",
    enum=ReturnStatus,
    source="Returns API, returnOrderLines[].status (when a line has no tracking detail)",
    values={
        "INITIATED": ReturnStatus.AUTHORIZED,
        "DELIVERED": ReturnStatus.RECEIVED,
        "COMPLETED": ReturnStatus.CLOSED,
        "CANCELLED": ReturnStatus.CANCELLED,
    },
)
"""A return line's ``status`` → `ReturnStatus`, used when it has no ``eventTag``."""

RETURN_REASONS: Mapping[str, ReturnReason] = MappingProxyType(
    {
        "DAMAGED": ReturnReason.DAMAGED,
        "SHIPPING_BOX_DAMAGED": ReturnReason.DAMAGED,
        "DEFECTIVE": ReturnReason.DEFECTIVE,
        "MISSING_PARTS": ReturnReason.DEFECTIVE,
        "INADEQUATE_QUALITY": ReturnReason.DEFECTIVE,
        "INCORRECT_ITEM": ReturnReason.WRONG_ITEM,
        "NOT_AS_DESCRIBED": ReturnReason.NOT_AS_DESCRIBED,
        "WRONG_SIZE/POOR_FIT": ReturnReason.SIZE_OR_FIT,
        "WRONG_SIZE_POOR_FIT": ReturnReason.SIZE_OR_FIT,
        "BOUGHT_ANOTHER_SIZE_OR_COLOR": ReturnReason.SIZE_OR_FIT,
        "ARRIVED_LATE": ReturnReason.LATE_DELIVERY,
        "NO_LONGER_WANTED": ReturnReason.UNWANTED,
        "BOUGHT_SOMEWHERE_ELSE": ReturnReason.UNWANTED,
        "LOWER_PRICE": ReturnReason.UNWANTED,
        "DUPLICATE_ITEM": ReturnReason.UNWANTED,
        "TRIED_TO_CANCEL": ReturnReason.UNWANTED,
    }
)
"""Walmart ``returnReason`` codes → `ReturnReason`; others (``LOST_IN_TRANSIT``, ...) OTHER."""

_RETURN_PROGRESS = (
    ReturnStatus.AUTHORIZED,
    ReturnStatus.IN_TRANSIT,
    ReturnStatus.RECEIVED,
    ReturnStatus.CLOSED,
)
_RECEIVED_TAGS = frozenset({"DELIVERED_AT_RETURN_CENTER", "DELIVERED_AFTER_INVOICE"})
_ISSUED_TAGS = frozenset({"REFUND_ISSUED", "INTRANSIT_AFTER_INVOICE", "DELIVERED_AFTER_INVOICE"})


def return_id(return_order_id: str) -> str:
    """The canonical RMA id of a Walmart return order (``walmart-<returnOrderId>``)."""
    return f"{CHANNEL}-{return_order_id}"


def _latest_event(line: _dto.ReturnLine) -> _dto.TrackingEvent | None:
    events = sorted(
        line.return_tracking_detail,
        key=lambda e: (e.sequence_no if e.sequence_no is not None else -1, e.event_time or ""),
    )
    return events[-1] if events else None


def _line_status(line: _dto.ReturnLine) -> tuple[ReturnStatus, str]:
    event = _latest_event(line)
    if event is not None:
        return map_status(WALMART_RETURN_EVENT, event.event_tag).status, event.event_tag
    return map_status(WALMART_RETURN_STATUS, line.status).status, line.status


def return_modified(order: _dto.ReturnOrder) -> datetime:
    """When a return last changed: its latest line ``statusTime``, else its creation."""
    stamps = [parse_timestamp(order.return_order_date, field="returnOrderDate")]
    for line in order.return_order_lines:
        if line.status_time:
            stamps.append(parse_timestamp(line.status_time, field="statusTime"))
        for event in line.return_tracking_detail:
            if event.event_time:
                stamps.append(parse_timestamp(event.event_time, field="eventTime"))
    return max(stamps)


def _event_time(order: _dto.ReturnOrder, tags: frozenset[str]) -> datetime | None:
    times = [
        parse_timestamp(e.event_time, field="eventTime")
        for line in order.return_order_lines
        for e in line.return_tracking_detail
        if e.event_tag in tags and e.event_time
    ]
    return max(times) if times else None


def _totals(order: _dto.ReturnOrder, name: str) -> Money | None:
    found = [
        t.value
        for line in order.return_order_lines
        for t in line.charge_totals
        if t.name == name and t.value.currency_amount != 0
    ]
    if not found:
        return None
    amount = sum((abs(m.currency_amount) for m in found), Decimal(0))
    return Money(amount=amount, currency=found[0].currency_unit)


def return_authorization(order: _dto.ReturnOrder) -> ReturnAuthorization:
    """A Walmart return order as a `ReturnAuthorization`.

    Each line's latest ``returnTrackingDetail.eventTag`` (else its ``status``) maps through
    `WALMART_RETURN_EVENT` (`WALMART_RETURN_STATUS`); the return's status is its least
    advanced live line (all cancelled: ``CANCELLED``; an unknown value: ``OTHER``). The
    sales order is the first line's purchase order; every purchase order and the
    customer order are in ``external_refs``. The refund (unless cancelled) comes from
    the lines' ``lineSubTotal``, ``lineTotalTaxes`` and ``lineRestockingFee``, else from
    ``totalRefundAmount``.

    Raises:
        ValueError: a return without lines or with an unreadable timestamp.
    """
    if not order.return_order_lines:
        msg = f"return {order.return_order_id} has no lines"
        raise ValueError(msg)
    rma = return_id(order.return_order_id)
    lines: list[ReturnLine] = []
    statuses: list[ReturnStatus] = []
    raws: list[str] = []
    for line in order.return_order_lines:
        status, raw = _line_status(line)
        statuses.append(status)
        raws.append(raw)
        received = any(e.event_tag in _RECEIVED_TAGS for e in line.return_tracking_detail)
        quantity = line.quantity.measurement_value
        reason = line.return_reason or None
        lines.append(
            ReturnLine(
                line_id=f"{rma}-{line.return_order_line_number}",
                sales_order_line_id=f"{CHANNEL}-{line.purchase_order_id}-"
                f"{line.purchase_order_line_number}",
                sku=line.item.sku,
                quantity_authorized=Quantity(value=quantity),
                quantity_received=quantity if received else Decimal(0),
                reason=RETURN_REASONS.get(reason or "", ReturnReason.OTHER),
                source_reason=reason,
            )
        )
    live = [s for s in statuses if s is not ReturnStatus.CANCELLED]
    if not live:
        status = ReturnStatus.CANCELLED
    elif any(s not in _RETURN_PROGRESS for s in live):
        status = ReturnStatus.OTHER
    else:
        status = min(live, key=_RETURN_PROGRESS.index)
    refund = None
    if status is not ReturnStatus.CANCELLED:
        item = _totals(order, "lineSubTotal")
        if item is None and order.total_refund_amount is not None:
            total = order.total_refund_amount
            item = Money(amount=abs(total.currency_amount), currency=total.currency_unit)
        if item is not None:
            issued = _event_time(order, _ISSUED_TAGS)
            done = status is ReturnStatus.CLOSED and issued is not None
            refund_status = next(
                (
                    ln.current_refund_status
                    for ln in order.return_order_lines
                    if ln.current_refund_status
                ),
                None,
            )
            refund = Refund(
                status=RefundStatus.ISSUED if done else RefundStatus.PENDING,
                source_status=refund_status,
                item_amount=item,
                tax_amount=_totals(order, "lineTotalTaxes"),
                restocking_fee=_totals(order, "lineRestockingFee"),
                issued_at=issued,
            )
    created = parse_timestamp(order.return_order_date, field="returnOrderDate")
    purchase_orders = sorted({line.purchase_order_id for line in order.return_order_lines})
    refs = [ExternalRef(system=CHANNEL, scheme="return_order_id", value=order.return_order_id)]
    refs += [
        ExternalRef(system=CHANNEL, scheme="purchase_order_id", value=po) for po in purchase_orders
    ]
    if order.customer_order_id:
        refs.append(
            ExternalRef(system=CHANNEL, scheme="customer_order_id", value=order.customer_order_id)
        )
    closed = status in (ReturnStatus.CLOSED, ReturnStatus.CANCELLED)
    return ReturnAuthorization(
        rma_id=rma,
        sales_order_id=order_id(order.return_order_lines[0].purchase_order_id),
        channel=CHANNEL,
        status=status,
        source_status=",".join(sorted(set(raws))),
        lines=tuple(lines),
        refund=refund,
        requested_at=created,
        authorized_at=created,
        received_at=_event_time(order, _RECEIVED_TAGS),
        closed_at=return_modified(order) if closed else None,
        external_refs=tuple(refs),
    )


# -- item feed (MP_ITEM) -----------------------------------------------------------------


class ListingFieldError(ValueError):
    """A product that cannot become a Walmart item: names the SKU and the field."""

    def __init__(self, sku: str, field: str, problem: str) -> None:
        self.sku = sku
        self.field = field
        super().__init__(f"{sku}: {field}: {problem}")


_ID_TYPES = {"gtin": "GTIN", "upc": "UPC", "ean": "EAN", "isbn": "ISBN"}
_WEIGHT_LB = {
    "LBR": Decimal(1),
    "KGM": Decimal("2.20462262185"),
    "GRM": Decimal("0.00220462262185"),
    "ONZ": Decimal("0.0625"),
}


def listing_item(product: Product) -> dict[str, Any]:
    """The ``MPItem`` entry a product starts as, before the enrichment hook.

    ``Orderable``: ``sku``, ``productIdentifiers`` (the first GTIN, UPC, EAN or ISBN of
    ``identifiers``), ``productName`` (title), ``brand``, ``ShippingWeight`` (pounds);
    ``Visible``: empty, for the hook to fill with the category's attributes.
    """
    orderable: dict[str, Any] = {"sku": product.sku, "productName": product.title}
    for ref in product.identifiers:
        kind = _ID_TYPES.get(ref.scheme.lower())
        if kind is not None:
            orderable["productIdentifiers"] = {"productIdType": kind, "productId": ref.value}
            break
    if product.brand:
        orderable["brand"] = product.brand
    if product.weight is not None and product.weight.uom in _WEIGHT_LB:
        pounds = (product.weight.value * _WEIGHT_LB[product.weight.uom]).quantize(Decimal("0.001"))
        orderable["ShippingWeight"] = pounds.normalize()
    return {"Orderable": orderable, "Visible": {}}


def _price(sku: str, value: Any) -> Decimal:
    if isinstance(value, Money):
        if value.currency != "USD":
            raise ListingFieldError(sku, "price", f"Walmart US sells in USD, not {value.currency}")
        value = value.amount
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise ListingFieldError(sku, "price", f"give a Money, Decimal or str, not {value!r}")
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise ListingFieldError(sku, "price", f"{value!r} is not a number") from None
    if not price.is_finite() or price <= 0 or price != price.quantize(Decimal("0.01")):
        raise ListingFieldError(sku, "price", f"{value} is not a positive amount in cents")
    return price


REQUIRED_ORDERABLE = ("sku", "productIdentifiers", "productName", "brand", "price")
"""``Orderable`` fields every item needs (the category adds its own in ``Visible``)."""


def listing_request(
    product: Product, enrich: Callable[[Product, dict[str, Any]], Any] | None
) -> dict[str, Any]:
    """A product as its checked ``MPItem`` entry: `listing_item`, then ``enrich``.

    ``enrich(product, item)`` adds what the catalogue does not hold — at least the price,
    as ``item["Orderable"]["price"]`` (a `Money` in USD, a `Decimal` or a numeric string)
    — and returns the item (or `None` after changing it in place).

    Raises:
        ListingFieldError: a required ``Orderable`` field is missing, or the price is not
            a positive USD amount in cents.
    """
    item = listing_item(product)
    if enrich is not None:
        changed = enrich(product, item)
        if changed is not None:
            item = dict(changed)
    orderable = item.get("Orderable")
    if not isinstance(orderable, dict):
        raise ListingFieldError(product.sku, "Orderable", "missing")
    for name in REQUIRED_ORDERABLE:
        if orderable.get(name) in (None, "", {}):
            hint = " (supply it from the enrichment hook)" if name == "price" else ""
            raise ListingFieldError(product.sku, name, f"required{hint}")
    if orderable["sku"] != product.sku:
        raise ListingFieldError(product.sku, "sku", "the hook must not change the SKU")
    orderable["price"] = _price(product.sku, orderable["price"])
    return item
