"""Shopify wire shapes (`_dto`) to canonical objects; the only place that maps them."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from retail_canon.connectors.shopify import _dto
from retail_canon.models import (
    Address,
    AmountType,
    Customer,
    Discount,
    ExternalRef,
    FulfillmentOrder,
    InventoryBuckets,
    InventoryPosition,
    Money,
    OrderLine,
    OrderTotals,
    Payout,
    Product,
    ProductStatus,
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
    TaxLiability,
    TaxLine,
)
from retail_canon.normalize.dates import parse_timestamp
from retail_canon.normalize.status import (
    SHOPIFY_FINANCIAL_STATUS,
    SHOPIFY_PAYOUT_STATUS,
    SHOPIFY_RETURN_STATUS,
    map_status,
    shopify_order_status,
)

__all__ = [
    "CHANNEL",
    "BUCKET_NAMES",
    "fulfillment_input",
    "gid_number",
    "inventory_position",
    "order_id",
    "PayoutIntegrityError",
    "payout_id",
    "PRODUCT_ID_METAFIELD",
    "PRODUCT_STATUS",
    "product_handle",
    "product_set_input",
    "RETURN_REASONS",
    "refund_authorization",
    "refund_rma_id",
    "return_authorization",
    "return_id",
    "sales_order",
    "settlement_record",
]

CHANNEL = "shopify"

BUCKET_NAMES: dict[str, str] = {
    "on_hand": "on_hand",
    "committed": "committed",
    "reserved": "reserved",
    "incoming": "incoming",
    "damaged": "damaged",
    "safety_stock": "safety_stock",
    "quality_control": "quality_control",
}
"""Shopify quantity name → `InventoryBuckets` field (``available`` is derived, not stored)."""


def gid_number(gid: str) -> str:
    """The numeric tail of a global id: ``gid://shopify/Order/1001`` → ``1001``."""
    tail = gid.rsplit("/", 1)[-1]
    if not tail:
        msg = f"not a Shopify global id: {gid!r}"
        raise ValueError(msg)
    return tail


def order_id(gid: str) -> str:
    """The canonical order id of a Shopify order GID (``shopify-1001``)."""
    return f"{CHANNEL}-{gid_number(gid)}"


def _money(bag: _dto.MoneyBag | None, presentment: bool) -> Money | None:
    if bag is None:
        return None
    picked = bag.pick(presentment)
    return Money(amount=picked.amount, currency=picked.currency_code)


def _need(bag: _dto.MoneyBag, presentment: bool) -> Money:
    picked = bag.pick(presentment)
    return Money(amount=picked.amount, currency=picked.currency_code)


_LIABILITY = {
    True: TaxLiability.MARKETPLACE,
    False: TaxLiability.SELLER,
    None: TaxLiability.UNKNOWN,
}
"""A tax line's ``channelLiable`` → who remits it (unknown when Shopify does not say)."""


def _line(item: _dto.LineItem, presentment: bool) -> OrderLine:
    if not item.sku:
        msg = f"line item {item.id} has no SKU"
        raise ValueError(msg)
    discounts: tuple[Discount, ...] = ()
    discount = _money(item.total_discount_set, presentment)
    if discount is not None and discount.amount != 0:
        discounts = (Discount(amount=discount),)
    cancelled = Decimal(0)
    if item.current_quantity is not None and item.current_quantity < item.quantity:
        cancelled = Decimal(item.quantity - item.current_quantity)
    return OrderLine(
        line_id=f"{CHANNEL}-{gid_number(item.id)}",
        source_line_id=item.id,
        sku=item.sku,
        title=item.title,
        quantity=Quantity(value=Decimal(item.quantity)),
        unit_price=_need(item.original_unit_price_set, presentment),
        discounts=discounts,
        tax_lines=tuple(
            TaxLine(
                title=tax.title,
                rate=tax.rate,
                amount=_need(tax.price_set, presentment),
                liability=_LIABILITY[tax.channel_liable],
            )
            for tax in item.tax_lines
        ),
        quantity_cancelled=cancelled,
    )


def _address(address: _dto.MailingAddress | None) -> Address | None:
    """A ``MailingAddress`` as an `Address` (none without one, or without a country)."""
    if address is None or not address.country_code_v2:
        return None
    return Address(
        name=address.name or None,
        company=address.company or None,
        lines=tuple(line for line in (address.address1, address.address2) if line),
        city=address.city or None,
        region=address.province_code or address.province or None,
        postal_code=address.zip or None,
        country=address.country_code_v2.upper(),
        phone=address.phone or None,
    )


def _customer(order: _dto.Order, shop: str) -> Customer | None:
    """The order's customer: ``customer`` (id, name) and the order's ``email`` / ``phone``."""
    customer = order.customer
    if customer is None and not order.email and not order.phone:
        return None
    if customer is None:
        return Customer(email=order.email or None, phone=order.phone or None)
    return Customer(
        customer_id=customer.id,
        name=customer.display_name or None,
        email=order.email or None,
        phone=order.phone or None,
        external_refs=(
            ExternalRef(system=CHANNEL, scheme="customer_gid", value=customer.id, scope=shop),
        ),
    )


def sales_order(order: _dto.Order, *, shop: str, presentment: bool = False) -> SalesOrder:
    """A Shopify order as a `SalesOrder`, amounts in shop currency (or presentment currency).

    ``shippingAddress`` gives ``ship_to``, ``billingAddress`` ``bill_to`` (an address
    without ``countryCodeV2`` is none; ``region`` is ``provinceCode``, else ``province``),
    and ``customer`` with the order's ``email`` and ``phone`` the `Customer`
    (``customer_id`` = the customer's GID). Absent parts stay `None`.

    Raises:
        ValueError: a line without a SKU, or an unreadable timestamp (the read skips and
            reports the order).
    """
    if presentment and order.presentment_currency_code:
        currency = order.presentment_currency_code
    else:
        currency = order.currency_code
    status = shopify_order_status(
        order.display_fulfillment_status,
        display_financial_status=order.display_financial_status,
        closed=order.closed,
        cancelled=order.cancelled_at is not None,
    )
    payment = (
        map_status(SHOPIFY_FINANCIAL_STATUS, order.display_financial_status).status
        if order.display_financial_status
        else None
    )
    totals = None
    grand_total = _money(order.total_price_set, presentment)
    if grand_total is not None:
        totals = OrderTotals(
            subtotal=_money(order.subtotal_price_set, presentment),
            discount=_money(order.total_discounts_set, presentment),
            shipping=_money(order.total_shipping_price_set, presentment),
            tax=_money(order.total_tax_set, presentment),
            grand_total=grand_total,
        )
    extra = {} if payment is None else {"payment_status": payment}
    return SalesOrder(
        order_id=order_id(order.id),
        order_number=order.name,
        channel=CHANNEL,
        placed_at=parse_timestamp(order.processed_at or order.created_at, field="processedAt"),
        updated_at=parse_timestamp(order.updated_at, field="updatedAt"),
        currency=currency,
        prices_include_tax=order.taxes_included,
        status=status.status,
        source_status=status.raw,
        customer=_customer(order, shop),
        ship_to=_address(order.shipping_address),
        bill_to=_address(order.billing_address),
        lines=tuple(_line(item, presentment) for item in order.line_items),
        totals=totals,
        external_refs=(
            ExternalRef(system=CHANNEL, scheme="order_gid", value=order.id, scope=shop),
        ),
        **extra,
    )


def inventory_position(level: _dto.InventoryLevel) -> InventoryPosition:
    """One inventory level as an `InventoryPosition` (location id = the location's number).

    Raises:
        ValueError: the inventory item has no SKU.
    """
    if not level.sku:
        msg = f"inventory item {level.item_id} has no SKU"
        raise ValueError(msg)
    values = {q.name: q.quantity for q in level.quantities}
    buckets = {
        field: max(values[name], 0) for name, field in BUCKET_NAMES.items() if name in values
    }
    return InventoryPosition(
        sku=level.sku,
        location_id=gid_number(level.location_id),
        buckets=InventoryBuckets(**buckets),
        as_of=parse_timestamp(level.updated_at, field="updatedAt"),
        external_refs=(
            ExternalRef(system=CHANNEL, scheme="inventory_item_gid", value=level.item_id),
        ),
    )


def _gid(kind: str, canonical_id: str) -> str:
    return f"gid://shopify/{kind}/{canonical_id.removeprefix(f'{CHANNEL}-')}"


def fulfillment_input(order: FulfillmentOrder) -> dict[str, Any]:
    """``FulfillmentInput`` for the latest shipment of a fulfillment order.

    Ids: ``fulfillment_order_id`` ``shopify-<n>`` is ``FulfillmentOrder/<n>``, a line's
    ``line_id`` ``shopify-<m>`` is ``FulfillmentOrderLineItem/<m>``. The shipment's lines
    (or, without a shipment, every line) give the quantities; its carrier, tracking number
    and URL the tracking info. Customers are not notified.

    Raises:
        ValueError: the shipment names a line the fulfillment order does not have.
    """
    shipment = order.shipments[-1] if order.shipments else None
    by_id = {line.line_id: line for line in order.lines}
    if shipment is not None and shipment.lines:
        items = []
        for shipped in shipment.lines:
            if shipped.fulfillment_line_id not in by_id:
                where = order.fulfillment_order_id
                msg = f"shipment line {shipped.fulfillment_line_id!r} is not on {where}"
                raise ValueError(msg)
            items.append((shipped.fulfillment_line_id, shipped.quantity.value))
    else:
        items = [(line.line_id, line.quantity.value) for line in order.lines]
    tracking: dict[str, Any] = {}
    if shipment is not None:
        tracking = {
            "company": shipment.carrier,
            "number": shipment.tracking_number,
            "url": shipment.tracking_url,
        }
    return {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": _gid("FulfillmentOrder", order.fulfillment_order_id),
                "fulfillmentOrderLineItems": [
                    {"id": _gid("FulfillmentOrderLineItem", line_id), "quantity": int(quantity)}
                    for line_id, quantity in items
                ],
            }
        ],
        "trackingInfo": {k: v for k, v in tracking.items() if v is not None},
        "notifyCustomer": False,
    }


# -- Shopify Payments ---------------------------------------------------------------------


class PayoutIntegrityError(ValueError):
    """A payout's balance transactions do not account for its net amount.

    Raised (and so reported on `Records.skipped`, the read going on) when the lines of a
    payout do not add up to its signed ``net``, when a balance transaction breaks
    ``net = amount − fee``, or when one is in another currency than the payout.

    Attributes:
        payout_id: the payout's GID.
        expected: the payout's signed net amount.
        found: what its balance transactions add up to (`None` for a per-transaction fault).
    """

    def __init__(
        self, message: str, *, payout_id: str, expected: Decimal, found: Decimal | None = None
    ) -> None:
        self.payout_id = payout_id
        self.expected = expected
        self.found = found
        super().__init__(message)


_DISPUTE = frozenset({"DISPUTE_WITHDRAWAL", "DISPUTE_REVERSAL", "DISPUTE"})


def _transaction_amount_type(transaction_type: str, source_type: str | None) -> AmountType:
    """Shopify's open ``ShopifyPaymentsTransactionType`` → `AmountType`."""
    kind = transaction_type.upper()
    if kind == "CHARGE":
        return AmountType.PRINCIPAL
    if kind == "REFUND" or kind.startswith("REFUND_"):
        return AmountType.REFUND
    if kind in _DISPUTE or kind.startswith("DISPUTE") or "CHARGEBACK" in kind:
        return AmountType.CHARGEBACK
    if "RESERVE" in kind:
        return AmountType.RESERVE
    if kind.startswith("TRANSFER"):
        return AmountType.TRANSFER
    if "ADJUSTMENT" in kind or (source_type or "").upper().endswith("ADJUSTMENT"):
        return AmountType.ADJUSTMENT
    if kind.endswith("_FEE") or kind == "FEE":
        return AmountType.FEE
    return AmountType.OTHER


def payout_id(gid: str) -> str:
    """The canonical settlement id of a payout GID (``shopify-payout-<n>``)."""
    return f"{CHANNEL}-payout-{gid_number(gid)}"


def settlement_record(payout: _dto.Payout, *, shop: str) -> SettlementRecord:
    """A Shopify Payments payout and its balance transactions as a `SettlementRecord`.

    Each balance transaction gives one line for its ``amount`` (signed as Shopify signs
    it: what the balance gains) and, when its ``fee`` is not zero, a ``FEE`` line of
    ``−fee``; so the lines of a transaction add up to its ``net``. The transaction of type
    ``PAYOUT`` (the transfer itself) is not a line: it must carry ``−net`` of the payout.
    The lines must add up to the payout's ``net`` (negated for a ``WITHDRAWAL``).

    Raises:
        PayoutIntegrityError: the transactions do not account for the payout.
        ValueError: an unreadable timestamp.
    """
    currency = payout.net.currency_code
    expected = payout.net.amount if payout.transaction_type != "WITHDRAWAL" else -payout.net.amount
    lines: list[SettlementLine] = []
    found = Decimal(0)
    stamps = []
    for tx in payout.transactions:
        for money in (tx.amount, tx.fee, tx.net):
            if money.currency_code != currency:
                msg = (
                    f"payout {payout.id}: balance transaction {tx.id} is in "
                    f"{money.currency_code}, the payout in {currency}"
                )
                raise PayoutIntegrityError(msg, payout_id=payout.id, expected=expected)
        if tx.amount.amount - tx.fee.amount != tx.net.amount:
            msg = (
                f"payout {payout.id}: balance transaction {tx.id}: net {tx.net.amount} is not "
                f"amount {tx.amount.amount} - fee {tx.fee.amount}"
            )
            raise PayoutIntegrityError(msg, payout_id=payout.id, expected=expected)
        posted = parse_timestamp(tx.transaction_date, field="transactionDate")
        if tx.type.upper() == "PAYOUT":
            if tx.net.amount != -expected:
                msg = (
                    f"payout {payout.id}: its PAYOUT transaction {tx.id} moves "
                    f"{tx.net.amount}, the payout's net is {expected}"
                )
                raise PayoutIntegrityError(msg, payout_id=payout.id, expected=expected)
            continue
        stamps.append(posted)
        order = order_id(tx.associated_order.id) if tx.associated_order else None
        refs = [ExternalRef(system=CHANNEL, scheme="balance_transaction_gid", value=tx.id)]
        if tx.source_id and (tx.source_type or "").upper() == "REFUND":
            refs.append(ExternalRef(system=CHANNEL, scheme="refund_id", value=tx.source_id))
        elif tx.source_id:
            scheme = f"{(tx.source_type or 'source').lower()}_id"
            refs.append(ExternalRef(system=CHANNEL, scheme=scheme, value=tx.source_id))
        if tx.source_order_transaction_id:
            refs.append(
                ExternalRef(
                    system=CHANNEL,
                    scheme="order_transaction_id",
                    value=tx.source_order_transaction_id,
                )
            )
        source = tx.type if not tx.adjustment_reason else f"{tx.type}/{tx.adjustment_reason}"
        number = gid_number(tx.id)
        lines.append(
            SettlementLine(
                line_id=f"{CHANNEL}-bt-{number}",
                amount_type=_transaction_amount_type(tx.type, tx.source_type),
                source_amount_type=source,
                amount=Money(amount=tx.amount.amount, currency=currency),
                posted_at=posted,
                order_id=order,
                refs=tuple(refs),
            )
        )
        if tx.fee.amount != 0:
            lines.append(
                SettlementLine(
                    line_id=f"{CHANNEL}-bt-{number}-fee",
                    amount_type=AmountType.FEE,
                    source_amount_type=f"{tx.type}/fee",
                    amount=Money(amount=-tx.fee.amount, currency=currency),
                    posted_at=posted,
                    order_id=order,
                    refs=tuple(refs),
                )
            )
        found += tx.net.amount
    if found != expected:
        msg = (
            f"payout {payout.id}: its {len(lines)} lines add up to {found} {currency}, "
            f"the payout's net is {expected} {currency}"
        )
        raise PayoutIntegrityError(msg, payout_id=payout.id, expected=expected, found=found)
    issued = parse_timestamp(payout.issued_at, field="issuedAt")
    status = map_status(SHOPIFY_PAYOUT_STATUS, payout.status)
    refs = [ExternalRef(system=CHANNEL, scheme="payout_gid", value=payout.id, scope=shop)]
    if payout.legacy_resource_id:
        refs.append(
            ExternalRef(system=CHANNEL, scheme="payout_id", value=str(payout.legacy_resource_id))
        )
    return SettlementRecord(
        settlement_id=payout_id(payout.id),
        channel=CHANNEL,
        marketplace_id=shop,
        currency=currency,
        status=status.status,
        source_status=status.raw,
        period_start=min([*stamps, issued]),
        period_end=max([*stamps, issued]),
        total=Money(amount=expected, currency=currency),
        payout=Payout(
            payout_id=payout.id,
            paid_at=issued if status.status == SettlementStatus.PAID else None,
            trace_id=payout.external_trace_id,
        ),
        lines=tuple(lines),
        external_refs=tuple(refs),
    )


# -- returns and refunds ------------------------------------------------------------------

RETURN_REASONS: dict[str, ReturnReason] = {
    "DEFECTIVE": ReturnReason.DEFECTIVE,
    "NOT_AS_DESCRIBED": ReturnReason.NOT_AS_DESCRIBED,
    "WRONG_ITEM": ReturnReason.WRONG_ITEM,
    "SIZE_TOO_LARGE": ReturnReason.SIZE_OR_FIT,
    "SIZE_TOO_SMALL": ReturnReason.SIZE_OR_FIT,
    "COLOR": ReturnReason.UNWANTED,
    "STYLE": ReturnReason.UNWANTED,
    "UNWANTED": ReturnReason.UNWANTED,
}
"""Shopify ``ReturnReason`` → `ReturnReason` (``OTHER``, ``UNKNOWN`` and new values: OTHER)."""


def return_id(gid: str) -> str:
    """The canonical RMA id of a Shopify return GID (``shopify-return-<n>``)."""
    return f"{CHANNEL}-return-{gid_number(gid)}"


def refund_rma_id(gid: str) -> str:
    """The canonical RMA id of a refund without a return (``shopify-refund-<n>``)."""
    return f"{CHANNEL}-refund-{gid_number(gid)}"


def _sum(bags: list[_dto.MoneyBag | None], presentment: bool) -> Money | None:
    total: Money | None = None
    for bag in bags:
        money = _money(bag, presentment)
        if money is not None:
            total = money if total is None else total + money
    return total


def _refund(refunds: list[_dto.Refund], presentment: bool) -> Refund | None:
    """The refunds of one return as one `Refund` (amounts summed, the latest one's id)."""
    if not refunds:
        return None
    lines = [line for refund in refunds for line in refund.refund_line_items]
    items = _sum([line.subtotal_set for line in lines], presentment)
    if items is None:
        items = _sum([refund.total_refunded_set for refund in refunds], presentment)
    if items is None:
        msg = f"refund {refunds[-1].id} has no amounts"
        raise ValueError(msg)
    latest = max(refunds, key=lambda r: parse_timestamp(r.created_at, field="createdAt"))
    return Refund(
        refund_id=latest.id,
        status=RefundStatus.ISSUED,
        source_status="REFUNDED",
        item_amount=items,
        tax_amount=_sum([line.total_tax_set for line in lines], presentment),
        issued_at=parse_timestamp(latest.created_at, field="createdAt"),
    )


def _line_sku(item: _dto.RefLineItem, where: str) -> str:
    if not item.sku:
        msg = f"{where}: line item {item.id} has no SKU"
        raise ValueError(msg)
    return item.sku


def return_authorization(
    ret: _dto.Return,
    *,
    order_gid: str,
    refunds: Sequence[_dto.Refund] = (),
    shop: str,
    presentment: bool = False,
) -> ReturnAuthorization:
    """A Shopify return (and the refunds made for it) as a `ReturnAuthorization`.

    Status by `SHOPIFY_RETURN_STATUS` (``REQUESTED``, ``OPEN`` → ``AUTHORIZED``,
    ``CLOSED``, ``DECLINED``, ``CANCELED`` → ``CANCELLED``); a line's
    ``sales_order_line_id`` is ``shopify-<n>`` of the order's ``LineItem/<n>``, as in
    `sales_order`. Several refunds of one return are summed into one `Refund`.

    Raises:
        ValueError: a line without SKU, a refund without amounts, an unreadable timestamp.
    """
    status = map_status(SHOPIFY_RETURN_STATUS, ret.status)
    lines = tuple(
        ReturnLine(
            line_id=f"{CHANNEL}-{gid_number(item.id)}",
            sales_order_line_id=f"{CHANNEL}-{gid_number(item.fulfillment_line_item.line_item.id)}",
            sku=_line_sku(item.fulfillment_line_item.line_item, ret.id),
            quantity_authorized=Quantity(value=Decimal(item.quantity)),
            reason=RETURN_REASONS.get(item.return_reason or "", ReturnReason.OTHER),
            source_reason=item.return_reason,
            inspection_note=item.return_reason_note or None,
        )
        for item in ret.return_line_items
    )
    refs = [ExternalRef(system=CHANNEL, scheme="return_gid", value=ret.id, scope=shop)]
    if ret.name:
        refs.append(ExternalRef(system=CHANNEL, scheme="return_name", value=ret.name, scope=shop))
    refs += [
        ExternalRef(system=CHANNEL, scheme="refund_gid", value=r.id, scope=shop) for r in refunds
    ]
    return ReturnAuthorization(
        rma_id=return_id(ret.id),
        sales_order_id=order_id(order_gid),
        channel=CHANNEL,
        status=status.status,
        source_status=status.raw,
        lines=lines,
        refund=_refund(list(refunds), presentment),
        requested_at=parse_timestamp(ret.created_at, field="createdAt"),
        authorized_at=None
        if ret.request_approved_at is None
        else parse_timestamp(ret.request_approved_at, field="requestApprovedAt"),
        closed_at=None
        if ret.closed_at is None
        else parse_timestamp(ret.closed_at, field="closedAt"),
        external_refs=tuple(refs),
    )


def refund_authorization(
    refund: _dto.Refund, *, order_gid: str, shop: str, presentment: bool = False
) -> ReturnAuthorization:
    """A refund of items made without a Shopify return, as a closed `ReturnAuthorization`.

    Its lines are the refund's line items (``quantity_received`` = the quantity when
    Shopify restocked it as a return); status ``CLOSED``, ``source_status``
    ``"REFUNDED"``.

    Raises:
        ValueError: the refund has no line items (not a return), a line without SKU.
    """
    if not refund.refund_line_items:
        msg = f"refund {refund.id} refunds no line items: not a return"
        raise ValueError(msg)
    number = gid_number(refund.id)
    at = parse_timestamp(refund.created_at, field="createdAt")
    lines = tuple(
        ReturnLine(
            line_id=f"{CHANNEL}-refund-{number}-{index}",
            sales_order_line_id=f"{CHANNEL}-{gid_number(item.line_item.id)}",
            sku=_line_sku(item.line_item, refund.id),
            quantity_authorized=Quantity(value=Decimal(item.quantity)),
            quantity_received=Decimal(item.quantity)
            if (item.restock_type or "").upper() == "RETURN"
            else Decimal(0),
            source_reason=refund.note or None,
        )
        for index, item in enumerate(refund.refund_line_items, start=1)
    )
    return ReturnAuthorization(
        rma_id=refund_rma_id(refund.id),
        sales_order_id=order_id(order_gid),
        channel=CHANNEL,
        status=ReturnStatus.CLOSED,
        source_status="REFUNDED",
        lines=lines,
        refund=_refund([refund], presentment),
        requested_at=at,
        closed_at=at,
        external_refs=(
            ExternalRef(system=CHANNEL, scheme="refund_gid", value=refund.id, scope=shop),
        ),
    )


# -- listings -----------------------------------------------------------------------------

PRODUCT_STATUS: dict[ProductStatus, str] = {
    ProductStatus.ACTIVE: "ACTIVE",
    ProductStatus.DRAFT: "DRAFT",
    ProductStatus.INACTIVE: "DRAFT",
    ProductStatus.DISCONTINUED: "ARCHIVED",
    ProductStatus.OTHER: "DRAFT",
}
"""`ProductStatus` → Shopify ``ProductStatus`` (an inactive product is hidden as a draft)."""

PRODUCT_ID_METAFIELD = ("retail_canon", "product_id")
"""Namespace and key of the metafield that carries the canonical ``product_id``."""

_HANDLE = re.compile(r"[^a-z0-9]+")


def product_handle(product_id: str) -> str:
    """The Shopify handle of a canonical product id: lower case, ``-`` between words.

    >>> product_handle("MUG Blue/12oz")
    'mug-blue-12oz'
    """
    handle = _HANDLE.sub("-", product_id.lower()).strip("-")
    if not handle:
        msg = f"product id {product_id!r} gives an empty handle"
        raise ValueError(msg)
    return handle


def _gtin(identifiers: Sequence[ExternalRef]) -> str | None:
    return next((r.value for r in identifiers if r.scheme.lower() in ("gtin", "barcode")), None)


def product_set_input(product: Product) -> dict[str, Any]:
    """The ``ProductSetInput`` of a `Product`.

    Title, description, vendor, status, options, variants (SKU in ``inventoryItem``,
    GTIN as ``barcode``) and the ``product_id`` metafield; the product is identified by
    its handle (`product_handle`).

    Prices are not part of `Product`: set them (``variants[i]["price"]``) in the
    enrichment hook of `ShopifyConnector.write_listings`.

    Raises:
        ValueError: several variants without options, or variants with different option
            names.
    """
    variants = product.variants
    if not variants:
        options: list[str] = ["Title"]
        rows: list[tuple[str, tuple[str, ...], str | None]] = [
            (product.sku, ("Default Title",), _gtin(product.identifiers))
        ]
    else:
        options = [name for name, _ in variants[0].options]
        if not options:
            if len(variants) > 1:
                msg = f"product {product.product_id}: {len(variants)} variants without options"
                raise ValueError(msg)
            options = ["Title"]
        rows = []
        for variant in variants:
            names = [name for name, _ in variant.options] or ["Title"]
            if names != options:
                msg = (
                    f"product {product.product_id}: variant {variant.sku} has options "
                    f"{names}, the first variant {options}"
                )
                raise ValueError(msg)
            values = tuple(value for _, value in variant.options) or ("Default Title",)
            rows.append((variant.sku, values, _gtin(variant.identifiers)))
    product_options = [
        {
            "name": name,
            "position": index,
            "values": [{"name": v} for v in dict.fromkeys(row[1][index - 1] for row in rows)],
        }
        for index, name in enumerate(options, start=1)
    ]
    variant_inputs = []
    for sku, values, gtin in rows:
        entry: dict[str, Any] = {
            "optionValues": [
                {"optionName": name, "name": value}
                for name, value in zip(options, values, strict=True)
            ],
            "inventoryItem": {"sku": sku},
        }
        if gtin:
            entry["barcode"] = gtin
        variant_inputs.append(entry)
    namespace, key = PRODUCT_ID_METAFIELD
    payload: dict[str, Any] = {
        "handle": product_handle(product.product_id),
        "title": product.title,
        "status": PRODUCT_STATUS[ProductStatus(product.status)],
        "productOptions": product_options,
        "variants": variant_inputs,
        "metafields": [
            {
                "namespace": namespace,
                "key": key,
                "type": "single_line_text_field",
                "value": product.product_id,
            }
        ],
    }
    if product.description:
        payload["descriptionHtml"] = html.escape(product.description)
    if product.brand:
        payload["vendor"] = product.brand
    return payload
