"""Finances v0 financial events and 2024-06-19 transactions → `SettlementLine`.

Both APIs describe one money movement as a tree; each leaf amount becomes one line, so
the lines of an event (or a transaction) add up to what it moved. Money is read exactly:
Finances v0 writes ``{"CurrencyCode", "CurrencyAmount": <number>}``, 2024-06-19
``{"currencyCode", "currencyAmount": <number>}``; numbers arrive as `Decimal` (never a
float) from the connector's JSON decoding.

Lines get a stable ``line_id``: a transaction's id and the leaf's position, or, for v0
events (which have no id), a digest of the event's list, order, item, component, type,
date and amount.

Event lists the mapping does not know become `UnmappedEvent` records: the read reports
them as skipped (named by list), never drops them silently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from retail_canon.connectors.amazon.mapping._orders import CHANNEL
from retail_canon.models import (
    AmountType,
    ExternalRef,
    Money,
    Payout,
    SettlementLine,
    SettlementRecord,
    SettlementStatus,
)
from retail_canon.normalize.dates import parse_timestamp

__all__ = [
    "FUND_TRANSFER_PAID",
    "LineDraft",
    "UnmappedEvent",
    "charge_type",
    "event_lines",
    "fee_type",
    "financial_event_group",
    "settlement_line_of",
    "transaction_lines",
]

_SHIPMENT_SHAPED = {
    "ShipmentEventList": None,
    "ShipmentSettleEventList": None,
    "RefundEventList": None,
    "GuaranteeClaimEventList": AmountType.ADJUSTMENT,
    "ChargebackEventList": AmountType.CHARGEBACK,
}
"""Event lists sharing the ShipmentEvent shape, with an amount type forced on all lines."""

_ORDER_COMPONENTS = (
    "OrderChargeList",
    "OrderChargeAdjustmentList",
    "ShipmentFeeList",
    "ShipmentFeeAdjustmentList",
    "OrderFeeList",
    "OrderFeeAdjustmentList",
    "DirectPaymentList",
)
_ITEM_COMPONENTS = (
    "ItemChargeList",
    "ItemChargeAdjustmentList",
    "ItemFeeList",
    "ItemFeeAdjustmentList",
    "PromotionList",
    "PromotionAdjustmentList",
)
_CHARGES = {
    "Principal": AmountType.PRINCIPAL,
    "ShippingCharge": AmountType.SHIPPING,
    "Giftwrap": AmountType.GIFT_WRAP,
    "Discount": AmountType.PROMOTION,
}


def charge_type(name: str) -> AmountType:
    """The amount type of a ``ChargeType``.

    >>> charge_type("MarketplaceFacilitatorTax-Principal"), charge_type("ShippingCharge")
    (<AmountType.TAX: 'TAX'>, <AmountType.SHIPPING: 'SHIPPING'>)
    """
    if name in _CHARGES:
        return _CHARGES[name]
    if "Tax" in name or name.startswith("TCS-"):
        return AmountType.TAX
    return AmountType.OTHER


def fee_type(name: str) -> AmountType:
    """The amount type of a ``FeeType`` (an open set).

    >>> [fee_type(n).value for n in ("Commission", "FBAPerUnitFulfillmentFee", "FixedClosingFee")]
    ['COMMISSION', 'FULFILLMENT_FEE', 'FEE']
    """
    if name in ("Commission", "RefundCommission"):
        return AmountType.COMMISSION
    if name.startswith("FBA") or "Fulfillment" in name:
        return AmountType.FULFILLMENT_FEE
    return AmountType.FEE


@dataclass(frozen=True, slots=True)
class LineDraft:
    """One leaf amount, before it is validated into a `SettlementLine`."""

    line_id: str
    amount_type: AmountType
    source_amount_type: str
    money: Mapping[str, Any]
    posted_at: str | None = None
    order_id: str | None = None
    sku: str | None = None
    refs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class UnmappedEvent:
    """An event (or transaction) the mapping cannot turn into lines; reported as skipped."""

    record_id: str
    reason: str
    record: Any = field(default=None, repr=False)


def _money(value: Mapping[str, Any]) -> Money:
    if "CurrencyAmount" in value:
        amount, currency = value["CurrencyAmount"], value["CurrencyCode"]
    else:
        amount, currency = value["currencyAmount"], value["currencyCode"]
    if isinstance(amount, float):  # never: the decoder reads fractions as Decimal
        msg = f"amount {amount!r} arrived as a float"
        raise TypeError(msg)
    return Money(
        amount=Decimal(str(amount)) if isinstance(amount, int) else amount, currency=currency
    )


def _digest(*parts: Any) -> str:
    text = json.dumps(parts, default=str, sort_keys=True)
    return "fe-" + hashlib.sha256(text.encode()).hexdigest()[:24]


def _components(entries: Any, kind: str) -> Iterator[tuple[str, Mapping[str, Any], AmountType]]:
    for entry in entries or ():
        if kind.startswith(("OrderCharge", "ItemCharge")):
            name = str(entry.get("ChargeType") or "")
            yield name, entry["ChargeAmount"], charge_type(name)
        elif "Fee" in kind:
            name = str(entry.get("FeeType") or "")
            yield name, entry["FeeAmount"], fee_type(name)
        elif kind.startswith("Promotion"):
            name = str(entry.get("PromotionType") or entry.get("PromotionId") or "")
            yield name, entry["PromotionAmount"], AmountType.PROMOTION
        elif kind == "DirectPaymentList":
            name = str(entry.get("DirectPaymentType") or "")
            yield name, entry["DirectPaymentAmount"], AmountType.OTHER


def _shipment_event(
    list_name: str, event: Mapping[str, Any], group: str | None
) -> Iterator[LineDraft]:
    forced = _SHIPMENT_SHAPED[list_name]
    order = event.get("AmazonOrderId")
    posted = event.get("PostedDate")
    seen: dict[str, int] = {}

    def draft(
        component: str, name: str, money: Mapping[str, Any], kind: AmountType, item: Any
    ) -> LineDraft:
        refs: list[tuple[str, str]] = []
        sku = None
        item_key = None
        if item is not None:
            sku = item.get("SellerSKU")
            for key, scheme in (
                ("OrderItemId", "order-item-code"),
                ("OrderAdjustmentItemId", "adjustment-item-id"),
            ):
                if item.get(key):
                    refs.append((scheme, str(item[key])))
            item_key = item.get("OrderAdjustmentItemId") or item.get("OrderItemId")
        if group:
            refs.append(("financial-event-group-id", group))
        basis = (list_name, order, posted, item_key, component, name, str(money))
        n = seen.get(repr(basis), 0)
        seen[repr(basis)] = n + 1
        return LineDraft(
            line_id=_digest(*basis, n),
            amount_type=forced or kind,
            source_amount_type=f"{list_name}/{component}/{name}",
            money=money,
            posted_at=posted,
            order_id=order,
            sku=sku,
            refs=tuple(refs),
        )

    for component in _ORDER_COMPONENTS:
        for name, money, kind in _components(event.get(component), component):
            yield draft(component, name, money, kind, None)
    for items in ("ShipmentItemList", "ShipmentItemAdjustmentList"):
        for item in event.get(items) or ():
            for component in _ITEM_COMPONENTS:
                for name, money, kind in _components(item.get(component), component):
                    yield draft(component, name, money, kind, item)
            for withheld in item.get("ItemTaxWithheldList") or ():
                model = str(withheld.get("TaxCollectionModel") or "")
                for entry in withheld.get("TaxesWithheld") or ():
                    name = f"{model}:{entry.get('ChargeType') or ''}"
                    yield draft(
                        "ItemTaxWithheldList",
                        name,
                        entry["ChargeAmount"],
                        AmountType.TAX_WITHHELD,
                        item,
                    )
            for points in ("CostOfPointsGranted", "CostOfPointsReturned"):
                if item.get(points):
                    yield draft(points, points, item[points], AmountType.OTHER, item)


def event_lines(
    events: Mapping[str, Any], group: str | None = None
) -> Iterator[LineDraft | UnmappedEvent]:
    """The leaf amounts of a ``FinancialEvents`` object, list by list, event by event.

    Shipment-shaped lists (shipments, refunds, guarantee claims, chargebacks), service
    fees and adjustments are mapped; events of any other non-empty list are
    `UnmappedEvent`.
    """
    for list_name, found in events.items():
        if not isinstance(found, list):
            continue
        for index, event in enumerate(found):
            if list_name in _SHIPMENT_SHAPED:
                yield from _shipment_event(list_name, event, group)
            elif list_name == "ServiceFeeEventList":
                refs = (("financial-event-group-id", group),) if group else ()
                for n, fee in enumerate(event.get("FeeList") or ()):
                    name = str(fee.get("FeeType") or "")
                    yield LineDraft(
                        line_id=_digest(list_name, event.get("AmazonOrderId"), name, fee, n, event),
                        amount_type=AmountType.FEE,
                        source_amount_type=f"{list_name}/{event.get('FeeReason') or ''}/{name}",
                        money=fee["FeeAmount"],
                        order_id=event.get("AmazonOrderId"),
                        sku=event.get("SellerSKU"),
                        refs=refs,
                    )
            elif list_name == "ProductAdsPaymentEventList":  # lowerCamel fields
                yield LineDraft(
                    line_id=_digest(list_name, event),
                    amount_type=AmountType.FEE,
                    source_amount_type=f"{list_name}/{event.get('transactionType') or ''}",
                    money=event["transactionValue"],  # baseValue + taxValue
                    posted_at=event.get("postedDate"),
                    refs=(("invoice-id", str(event.get("invoiceId") or "")),)
                    + ((("financial-event-group-id", group),) if group else ()),
                )
            elif list_name == "AdjustmentEventList":
                items = event.get("AdjustmentItemList") or ()
                skus = {i.get("SellerSKU") for i in items if i.get("SellerSKU")}
                yield LineDraft(
                    line_id=_digest(list_name, event),
                    amount_type=AmountType.ADJUSTMENT,
                    source_amount_type=f"{list_name}/{event.get('AdjustmentType') or ''}",
                    money=event["AdjustmentAmount"],
                    posted_at=event.get("PostedDate"),
                    sku=skus.pop() if len(skus) == 1 else None,
                    refs=(("financial-event-group-id", group),) if group else (),
                )
            else:
                yield UnmappedEvent(
                    _digest(list_name, event),
                    f"financial event list {list_name} is not mapped (event {index})",
                    event,
                )


_BREAKDOWNS = (
    ("withheld", AmountType.TAX_WITHHELD),
    ("facilitator", AmountType.TAX_WITHHELD),
    ("tax", AmountType.TAX),
    ("commission", AmountType.COMMISSION),
    ("referral", AmountType.COMMISSION),
    ("fba", AmountType.FULFILLMENT_FEE),
    ("fulfil", AmountType.FULFILLMENT_FEE),
    ("fee", AmountType.FEE),
    ("shipping", AmountType.SHIPPING),
    ("promotion", AmountType.PROMOTION),
    ("discount", AmountType.PROMOTION),
    ("giftwrap", AmountType.GIFT_WRAP),
    ("principal", AmountType.PRINCIPAL),
    ("productcharges", AmountType.PRINCIPAL),
    ("reserve", AmountType.RESERVE),
)


def _breakdown_type(name: str, transaction_type: str) -> AmountType:
    if transaction_type.lower().startswith("chargeback"):
        return AmountType.CHARGEBACK
    key = name.lower().replace("_", "").replace(" ", "")
    for word, kind in _BREAKDOWNS:
        if word in key:
            return kind
    return AmountType.OTHER


def _leaves(
    breakdowns: Sequence[Mapping[str, Any]], path: str
) -> Iterator[tuple[str, Mapping[str, Any], str]]:
    for index, breakdown in enumerate(breakdowns):
        name = str(breakdown.get("breakdownType") or "")
        where = f"{path}/{name or index}"
        children = breakdown.get("breakdowns") or ()
        if children:
            yield from _leaves(children, where)
        else:
            yield name, breakdown["breakdownAmount"], where


def transaction_lines(transaction: Mapping[str, Any]) -> list[LineDraft] | UnmappedEvent:
    """The leaf breakdowns of one 2024-06-19 transaction (its total when it has none).

    The leaves must add up to ``totalAmount``, else the transaction is `UnmappedEvent`.
    """
    tid = str(transaction.get("transactionId") or _digest(transaction))
    kind = str(transaction.get("transactionType") or "")
    related = {
        str(r.get("relatedIdentifierName")): str(r.get("relatedIdentifierValue"))
        for r in transaction.get("relatedIdentifiers") or ()
    }
    order = related.get("ORDER_ID")
    refs = tuple(
        (name.lower().replace("_", "-"), value)
        for name, value in sorted(related.items())
        if name != "ORDER_ID"
    )
    if transaction.get("transactionStatus"):
        # SettlementLine has no status field: DEFERRED / RELEASED travels as a reference.
        refs += (("transaction-status", str(transaction["transactionStatus"])),)
    sku = None
    for context in transaction.get("contexts") or ():
        sku = sku or context.get("sku")
    posted = transaction.get("postedDate")
    total = transaction["totalAmount"]
    leaves = list(_leaves(transaction.get("breakdowns") or (), ""))
    if not leaves:
        default = AmountType.TRANSFER if kind.lower() in ("transfer", "disbursement") else None
        return [
            LineDraft(
                line_id=f"{tid}-0",
                amount_type=default or _breakdown_type(kind, kind),
                source_amount_type=f"{kind}/{transaction.get('description') or ''}",
                money=total,
                posted_at=posted,
                order_id=order,
                sku=sku,
                refs=refs,
            )
        ]
    try:
        expected = _money(total)
        added = sum((_money(m).amount for _, m, _ in leaves), Decimal(0))
    except (KeyError, TypeError, ValueError) as exc:
        return UnmappedEvent(tid, f"transaction {tid}: unreadable amounts ({exc})", transaction)
    if added != expected.amount:
        reason = (
            f"transaction {tid}: breakdowns add up to {added}, totalAmount is {expected.amount}"
        )
        return UnmappedEvent(tid, reason, transaction)
    return [
        LineDraft(
            line_id=f"{tid}-{n}",
            amount_type=_breakdown_type(name, kind),
            source_amount_type=f"{kind}{where}",
            money=money,
            posted_at=posted,
            order_id=order,
            sku=sku,
            refs=refs,
        )
        for n, (name, money, where) in enumerate(leaves)
    ]


def settlement_line_of(draft: LineDraft) -> SettlementLine:
    """A `LineDraft` as a validated `SettlementLine`."""
    return SettlementLine(
        line_id=draft.line_id,
        amount_type=draft.amount_type,
        source_amount_type=draft.source_amount_type,
        amount=_money(draft.money),
        posted_at=None if not draft.posted_at else parse_timestamp(draft.posted_at, tz="UTC"),
        order_id=draft.order_id or None,
        sku=draft.sku or None,
        refs=tuple(ExternalRef(system=CHANNEL, scheme=s, value=v) for s, v in draft.refs if v),
    )


FUND_TRANSFER_PAID = frozenset(
    {"Succeeded", "SUCCEEDED", "Transferred", "TRANSFERED", "TRANSFERRED"}
)
"""``FundTransferStatus`` values of a group whose money reached the bank."""


def financial_event_group(
    group: Mapping[str, Any], lines: Sequence[SettlementLine]
) -> SettlementRecord:
    """A ``FinancialEventGroup`` (one settlement period) with its lines.

    ``Open`` groups are ``OPEN``; ``Closed`` ones ``PAID`` once the fund transfer
    succeeded, ``FAILED`` if it failed, else ``CLOSED``. ``total`` is ``OriginalTotal``
    (an open group has none yet: the sum of its lines so far).
    """
    processing = str(group.get("ProcessingStatus") or "")
    transfer = str(group.get("FundTransferStatus") or "")
    if processing.lower() == "open":
        status = SettlementStatus.OPEN
    elif transfer in FUND_TRANSFER_PAID:
        status = SettlementStatus.PAID
    elif transfer.lower() == "failed":
        status = SettlementStatus.FAILED
    elif processing.lower() in ("closed", "processed"):
        status = SettlementStatus.CLOSED
    else:
        status = SettlementStatus.OTHER
    original = group.get("OriginalTotal")
    opening = group.get("BeginningBalance")
    if original:
        total = _money(original)
    elif lines:
        total = Money(
            amount=sum((x.amount.amount for x in lines), Decimal(0)),
            currency=lines[0].amount.currency,
        )
    elif opening:
        total = Money.zero(_money(opening).currency)
    else:
        msg = "a group with neither OriginalTotal, BeginningBalance nor lines has no currency"
        raise ValueError(msg)
    group_id = str(group["FinancialEventGroupId"])

    def when(name: str) -> Any:
        value = group.get(name)
        return parse_timestamp(value, tz="UTC") if value else None

    paid = when("FundTransferDate")
    payout = None
    if paid is not None or group.get("TraceId") or group.get("AccountTail"):
        tail = str(group.get("AccountTail") or "")[-4:] or None
        payout = Payout(paid_at=paid, trace_id=group.get("TraceId"), account_tail=tail)
    return SettlementRecord(
        settlement_id=group_id,
        channel=CHANNEL,
        currency=total.currency,
        status=status,
        source_status=f"{processing}/{transfer}".strip("/") or None,
        period_start=when("FinancialEventGroupStart"),
        period_end=when("FinancialEventGroupEnd"),
        opening_balance=_money(opening) if opening else None,
        total=total,
        payout=payout,
        lines=tuple(lines),
        external_refs=(
            ExternalRef(system=CHANNEL, scheme="FinancialEventGroupId", value=group_id),
        ),
    )
