"""SP-API notifications (``ORDER_CHANGE``, ``FBA_INVENTORY_AVAILABILITY_CHANGES``) → events.

Amazon delivers a notification to an SQS queue (the message body is the notification) or
to Amazon EventBridge (the notification is the event's ``detail``). `parse_notification`
takes either — the raw body, or the already decoded JSON — and returns:

- ``ORDER_CHANGE`` → `OrderChange`: the order id, its new status (canonical and Amazon's),
  fulfillment channel, what triggered the change and the items; the notification does not
  carry the order itself — read it (``read_orders``) when you need prices and addresses;
- ``FBA_INVENTORY_AVAILABILITY_CHANGES`` → `FbaInventoryChange`: one `InventoryPosition`
  per marketplace, with the same buckets and location as ``read_inventory``.

`notification_envelopes` wraps an event as workflow `Envelope`s (CloudEvents). Each event
keeps the notification's id (``NotificationMetadata.NotificationId``): the same
for every redelivery of a notification, so it is the idempotency key to deduplicate by.

The payload shapes follow Amazon's Notifications API documentation (payload version
1.0), not the shared reference models, which do not describe them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from retail_canon.connectors.amazon.mapping._inventory import fba_location
from retail_canon.connectors.amazon.mapping._orders import CHANNEL
from retail_canon.models import (
    ExternalRef,
    FulfilledBy,
    InventoryBuckets,
    InventoryPosition,
    OrderStatus,
)
from retail_canon.normalize.dates import parse_timestamp
from retail_canon.normalize.status import AMAZON_ORDER_STATUS_V0, map_status

if TYPE_CHECKING:
    from retail_canon.workflow import Envelope

__all__ = [
    "NOTIFICATION_TYPES",
    "FbaInventoryChange",
    "NotificationMeta",
    "OrderChange",
    "OrderChangeItem",
    "notification_envelopes",
    "parse_notification",
]

NOTIFICATION_TYPES = frozenset({"ORDER_CHANGE", "FBA_INVENTORY_AVAILABILITY_CHANGES"})
"""The notification types `parse_notification` reads."""


@attrs.frozen(slots=True)
class NotificationMeta:
    """Where a notification came from.

    Attributes:
        notification_id: Amazon's id, the same for every redelivery (idempotency key).
        notification_type: ``ORDER_CHANGE`` or ``FBA_INVENTORY_AVAILABILITY_CHANGES``.
        event_time: when the change happened (aware UTC).
        publish_time: when Amazon published it, if it said.
        subscription_id: the subscription that delivered it.
        application_id: the application subscribed.
        delivery: ``"sqs"`` (the body was the notification) or ``"eventbridge"``.
    """

    notification_id: str
    notification_type: str
    event_time: datetime
    publish_time: datetime | None
    subscription_id: str | None
    application_id: str | None
    delivery: str


@attrs.frozen(slots=True)
class OrderChangeItem:
    """One item of an ``ORDER_CHANGE`` summary."""

    order_item_id: str
    sku: str | None
    quantity: Decimal | None


@attrs.frozen(slots=True)
class OrderChange:
    """An ``ORDER_CHANGE`` notification: an order's status changed (or the buyer asked).

    Attributes:
        meta: the notification's id, type and times.
        order_id: the Amazon order id (as `SalesOrder.order_id`).
        seller_id: the selling partner.
        marketplace_id: the marketplace.
        status: the canonical status (`None` when the summary has none).
        source_status: Amazon's ``OrderStatus`` (Orders v0 spelling).
        fulfilled_by: ``MARKETPLACE`` for AFN, ``SELLER`` for MFN, `None` if not said.
        change_type: ``OrderStatusChange``, ``BuyerRequestedChange``, ...
        change_reason: the trigger's ``ChangeReason``.
        changed_at: the trigger's ``TimeOfOrderChange`` (else the event time).
        items: the summary's items.
        external_refs: the order id and seller as references.
    """

    meta: NotificationMeta
    order_id: str
    seller_id: str | None
    marketplace_id: str | None
    status: OrderStatus | None
    source_status: str | None
    fulfilled_by: FulfilledBy | None
    change_type: str | None
    change_reason: str | None
    changed_at: datetime
    items: tuple[OrderChangeItem, ...] = ()
    external_refs: tuple[ExternalRef, ...] = ()


@attrs.frozen(slots=True)
class FbaInventoryChange:
    """An ``FBA_INVENTORY_AVAILABILITY_CHANGES`` notification: one SKU's FBA quantities.

    Attributes:
        meta: the notification's id, type and times.
        sku: the seller SKU.
        positions: one per marketplace, at ``amazon-fba-<marketplaceId>``, ``as_of`` the
            event time.
    """

    meta: NotificationMeta
    sku: str
    positions: tuple[InventoryPosition, ...]


def _decode(message: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(message, Mapping):
        return message
    try:
        decoded = json.loads(message, parse_float=Decimal)
    except ValueError as exc:
        msg = f"notification: the body is not JSON ({exc})"
        raise ValueError(msg) from None
    if not isinstance(decoded, Mapping):
        msg = "notification: the body is not a JSON object"
        raise ValueError(msg)
    return decoded


def _unwrap(message: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    """The notification inside an EventBridge event, or the SQS body itself."""
    detail = message.get("detail")
    if isinstance(detail, Mapping) and "detail-type" in message:
        return detail, "eventbridge"
    return message, "sqs"


def _meta(notification: Mapping[str, Any], delivery: str) -> NotificationMeta:
    meta = notification.get("NotificationMetadata") or {}
    kind = str(notification.get("NotificationType") or "")
    event_time = notification.get("EventTime") or meta.get("PublishTime")
    if not event_time:
        msg = f"{kind or 'notification'}: EventTime is missing"
        raise ValueError(msg)
    publish = meta.get("PublishTime")
    notification_id = meta.get("NotificationId")
    if not notification_id:
        msg = f"{kind or 'notification'}: NotificationMetadata.NotificationId is missing"
        raise ValueError(msg)
    return NotificationMeta(
        notification_id=str(notification_id),
        notification_type=kind,
        event_time=parse_timestamp(event_time, field="EventTime", tz="UTC"),
        publish_time=parse_timestamp(publish, field="PublishTime", tz="UTC") if publish else None,
        subscription_id=meta.get("SubscriptionId"),
        application_id=meta.get("ApplicationId"),
        delivery=delivery,
    )


def _quantity(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(str(value))


def _order_change(meta: NotificationMeta, payload: Mapping[str, Any]) -> OrderChange:
    change = payload["OrderChangeNotification"]
    summary = change.get("Summary") or {}
    trigger = change.get("OrderChangeTrigger") or {}
    source_status = summary.get("OrderStatus")
    channel = summary.get("FulfillmentType")
    fulfilled_by = {"AFN": FulfilledBy.MARKETPLACE, "MFN": FulfilledBy.SELLER}.get(channel or "")
    stamp = trigger.get("TimeOfOrderChange")
    order_id = str(change["AmazonOrderId"])
    seller = change.get("SellerId")
    refs = [ExternalRef(system=CHANNEL, scheme="AmazonOrderId", value=order_id)]
    if seller:
        refs.append(ExternalRef(system=CHANNEL, scheme="SellerId", value=str(seller)))
    return OrderChange(
        meta=meta,
        order_id=order_id,
        seller_id=seller,
        marketplace_id=summary.get("MarketplaceId"),
        status=map_status(AMAZON_ORDER_STATUS_V0, source_status).status if source_status else None,
        source_status=source_status,
        fulfilled_by=fulfilled_by,
        change_type=change.get("OrderChangeType"),
        change_reason=trigger.get("ChangeReason"),
        changed_at=(
            parse_timestamp(stamp, field="TimeOfOrderChange", tz="UTC")
            if stamp
            else meta.event_time
        ),
        items=tuple(
            OrderChangeItem(
                order_item_id=str(item["OrderItemId"]),
                sku=item.get("SellerSKU"),
                quantity=None if item.get("Quantity") is None else _quantity(item["Quantity"]),
            )
            for item in summary.get("OrderItems") or ()
        ),
        external_refs=tuple(refs),
    )


def _inventory_change(meta: NotificationMeta, payload: Mapping[str, Any]) -> FbaInventoryChange:
    sku = str(payload["SKU"])
    refs = [
        ExternalRef(system=CHANNEL, scheme=scheme, value=str(payload[key]))
        for key, scheme in (("ASIN", "ASIN"), ("FNSKU", "FNSKU"))
        if payload.get(key)
    ]
    positions = []
    for entry in payload.get("FulfillmentInventoryByMarketplace") or ():
        inventory = entry.get("FulfillmentInventory") or {}
        reserved = sum(
            (_quantity(v) for v in (inventory.get("ReservedQuantityBreakdown") or {}).values()),
            Decimal(0),
        )
        inbound = sum(
            (_quantity(v) for v in (inventory.get("InboundQuantityBreakdown") or {}).values()),
            Decimal(0),
        )
        fulfillable = _quantity(inventory.get("Fulfillable"))
        unfulfillable = _quantity(inventory.get("Unfulfillable"))
        researching = _quantity(inventory.get("Researching"))
        positions.append(
            InventoryPosition(
                sku=sku,
                location_id=fba_location(str(entry["MarketplaceId"])),
                buckets=InventoryBuckets(
                    on_hand=fulfillable + reserved + unfulfillable + researching,
                    reserved=reserved,
                    damaged=unfulfillable,
                    quality_control=researching,
                    incoming=inbound,
                ),
                as_of=meta.event_time,
                external_refs=tuple(refs),
            )
        )
    return FbaInventoryChange(meta=meta, sku=sku, positions=tuple(positions))


def parse_notification(
    message: bytes | str | Mapping[str, Any],
) -> OrderChange | FbaInventoryChange:
    """An SP-API notification — an SQS message body or an EventBridge event — as an event.

    Args:
        message: the raw body (bytes or text) or its decoded JSON.

    Raises:
        ValueError: not JSON, not a notification, a type this function does not parse
            (named), or a payload missing a field it needs (named).
    """
    notification, delivery = _unwrap(_decode(message))
    kind = str(notification.get("NotificationType") or "")
    if kind not in NOTIFICATION_TYPES:
        known = ", ".join(sorted(NOTIFICATION_TYPES))
        msg = f"notification type {kind or '(none)'!r} is not parsed (parsed: {known})"
        raise ValueError(msg)
    meta = _meta(notification, delivery)
    payload = notification.get("Payload")
    if not isinstance(payload, Mapping):
        msg = f"{kind} {meta.notification_id}: Payload is missing"
        raise ValueError(msg)
    try:
        if kind == "ORDER_CHANGE":
            return _order_change(meta, payload)
        return _inventory_change(meta, payload)
    except (KeyError, TypeError, ArithmeticError) as exc:
        msg = f"{kind} {meta.notification_id}: unreadable payload ({type(exc).__name__}: {exc})"
        raise ValueError(msg) from exc


ORDER_CHANGED = "com.amazon.sellingpartner.order.changed"
INVENTORY_CHANGED = "com.amazon.sellingpartner.fba_inventory.changed"


def notification_envelopes(
    event: OrderChange | FbaInventoryChange, *, source: str = "/channels/amazon"
) -> list[Envelope]:
    """The event as workflow envelopes: one for an order change, one per FBA position.

    The envelope id and idempotency key derive from the notification id, so a redelivered
    notification gives the same envelopes (the idempotency store drops it); ``data`` is
    the `InventoryPosition`, or for an order change a JSON object of its fields.
    """
    from retail_canon.workflow import Envelope  # the workflow layer, only when asked

    meta = event.meta
    key = f"amazon:{meta.notification_id}"
    if isinstance(event, OrderChange):
        data = {
            "order_id": event.order_id,
            "marketplace_id": event.marketplace_id,
            "status": None if event.status is None else event.status.value,
            "source_status": event.source_status,
            "fulfilled_by": None if event.fulfilled_by is None else event.fulfilled_by.value,
            "change_type": event.change_type,
            "change_reason": event.change_reason,
            "changed_at": event.changed_at.isoformat(),
            "items": [
                {
                    "order_item_id": i.order_item_id,
                    "sku": i.sku,
                    "quantity": None if i.quantity is None else str(i.quantity),
                }
                for i in event.items
            ],
        }
        return [
            Envelope(
                id=key,
                source=source,
                type=ORDER_CHANGED,
                data=data,
                subject=event.order_id,
                time=event.changed_at,
                idempotency_key=key,
            )
        ]
    return [
        Envelope(
            id=f"{key}:{position.location_id}",
            source=source,
            type=INVENTORY_CHANGED,
            data=position,
            subject=f"{position.sku}@{position.location_id}",
            time=meta.event_time,
            idempotency_key=f"{key}:{position.location_id}",
        )
        for position in event.positions
    ]
