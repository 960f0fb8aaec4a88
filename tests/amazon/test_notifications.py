"""Notifications: ORDER_CHANGE and FBA_INVENTORY_AVAILABILITY_CHANGES, via SQS or EventBridge."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retail_canon.connectors.amazon import (
    FbaInventoryChange,
    OrderChange,
    parse_notification,
)
from retail_canon.models import FulfilledBy, OrderStatus

ORDER_CHANGE = {
    "NotificationVersion": "1.0",
    "NotificationType": "ORDER_CHANGE",
    "PayloadVersion": "1.0",
    "EventTime": "2026-05-04T10:15:31.112Z",
    "Payload": {
        "OrderChangeNotification": {
            "NotificationLevel": "OrderLevel",
            "SellerId": "A2RCFAKESELLER",
            "AmazonOrderId": "113-4410325-0773100",
            "OrderChangeType": "OrderStatusChange",
            "OrderChangeTrigger": {
                "TimeOfOrderChange": "2026-05-04T10:15:29.000Z",
                "ChangeReason": "Order status changed from Pending to Unshipped",
            },
            "Summary": {
                "MarketplaceId": "ATVPDKIKX0DER",
                "OrderStatus": "Unshipped",
                "PurchaseDate": "2026-05-04T09:58:12.000Z",
                "FulfillmentType": "MFN",
                "OrderType": "StandardOrder",
                "NumberOfItemsShipped": 0,
                "NumberOfItemsUnshipped": 2,
                "OrderItems": [
                    {"OrderItemId": "61129410723842", "SellerSKU": "KETTLE-1", "Quantity": 2}
                ],
            },
        }
    },
    "NotificationMetadata": {
        "ApplicationId": "amzn1.sellerapps.app.rc-test",
        "SubscriptionId": "sub-0c1e",
        "PublishTime": "2026-05-04T10:15:32.004Z",
        "NotificationId": "6a1d0c3e-0b4f-4d4a-9d7e-1f3a2b4c5d6e",
    },
}
INVENTORY = {
    "NotificationVersion": "1.0",
    "NotificationType": "FBA_INVENTORY_AVAILABILITY_CHANGES",
    "PayloadVersion": "1.0",
    "EventTime": "2026-05-05T07:00:00Z",
    "Payload": {
        "SellerId": "A2RCFAKESELLER",
        "FNSKU": "X0012ABCDE",
        "ASIN": "B00551Q3CS",
        "SKU": "KETTLE-1",
        "FulfillmentInventoryByMarketplace": [
            {
                "MarketplaceId": "ATVPDKIKX0DER",
                "FulfillmentInventory": {
                    "InboundQuantityBreakdown": {"Working": 5, "Shipped": 3, "Receiving": 2},
                    "Fulfillable": 40,
                    "Unfulfillable": 6,
                    "Researching": 1,
                    "ReservedQuantityBreakdown": {
                        "PendingCustomerOrder": 4,
                        "PendingTransshipment": 1,
                        "FcProcessing": 1,
                    },
                    "FutureSupplyBuyable": 0,
                    "PendingCustomerOrderInTransit": 0,
                },
            },
            {
                "MarketplaceId": "A2EUQ1WTGCTBG2",
                "FulfillmentInventory": {"Fulfillable": 7},
            },
        ],
    },
    "NotificationMetadata": {
        "ApplicationId": "amzn1.sellerapps.app.rc-test",
        "SubscriptionId": "sub-77aa",
        "PublishTime": "2026-05-05T07:00:02Z",
        "NotificationId": "b2f5c1aa-3f1e-4f7d-8d6e-0a9b8c7d6e5f",
    },
}


def eventbridge(notification: dict) -> dict:
    return {
        "version": "0",
        "id": "9d3e0c48-1f0b-4a7e-b4d5-3a2c1b0e9f8d",
        "detail-type": notification["NotificationType"],
        "source": "aws.partner/sellingpartnerapi.amazon/amzn1.sellerapps.app.rc-test",
        "account": "123456789012",
        "time": "2026-05-04T10:15:32Z",
        "region": "us-east-1",
        "resources": [],
        "detail": notification,
    }


def test_order_change_from_an_sqs_body():
    event = parse_notification(json.dumps(ORDER_CHANGE).encode())
    assert isinstance(event, OrderChange)
    assert event.order_id == "113-4410325-0773100"
    assert (event.status, event.source_status) == (OrderStatus.OPEN, "Unshipped")
    assert event.fulfilled_by is FulfilledBy.SELLER
    assert event.marketplace_id == "ATVPDKIKX0DER"
    assert event.change_type == "OrderStatusChange"
    assert event.changed_at == datetime(2026, 5, 4, 10, 15, 29, tzinfo=UTC)
    assert [(i.order_item_id, i.sku, i.quantity) for i in event.items] == [
        ("61129410723842", "KETTLE-1", Decimal(2))
    ]
    meta = event.meta
    assert meta.notification_id == "6a1d0c3e-0b4f-4d4a-9d7e-1f3a2b4c5d6e"
    assert meta.delivery == "sqs"
    assert meta.event_time == datetime(2026, 5, 4, 10, 15, 31, 112000, tzinfo=UTC)
    assert meta.subscription_id == "sub-0c1e"


def test_the_same_notification_through_eventbridge_is_the_same_event():
    sqs = parse_notification(json.dumps(ORDER_CHANGE))
    bridge = parse_notification(eventbridge(ORDER_CHANGE))
    assert bridge.meta.delivery == "eventbridge"
    assert attrs_equal_but_delivery(sqs, bridge)


def attrs_equal_but_delivery(a, b) -> bool:
    import attrs

    return attrs.evolve(a, meta=attrs.evolve(a.meta, delivery="x")) == attrs.evolve(
        b, meta=attrs.evolve(b.meta, delivery="x")
    )


def test_fba_inventory_change_is_one_position_per_marketplace():
    event = parse_notification(eventbridge(INVENTORY))
    assert isinstance(event, FbaInventoryChange)
    us, de = event.positions
    assert us.location_id == "amazon-fba-ATVPDKIKX0DER"
    b = us.buckets
    assert (b.on_hand, b.reserved, b.damaged, b.quality_control, b.incoming) == (53, 6, 6, 1, 10)
    assert b.on_hand - b.reserved - b.damaged - b.quality_control == 40  # fulfillable
    assert us.as_of == datetime(2026, 5, 5, 7, tzinfo=UTC)
    assert {r.scheme: r.value for r in us.external_refs} == {
        "ASIN": "B00551Q3CS",
        "FNSKU": "X0012ABCDE",
    }
    assert (de.location_id, de.buckets.on_hand) == ("amazon-fba-A2EUQ1WTGCTBG2", 7)
    assert event.meta.notification_id == "b2f5c1aa-3f1e-4f7d-8d6e-0a9b8c7d6e5f"


def test_statuses_and_channels():
    body = json.loads(json.dumps(ORDER_CHANGE))
    summary = body["Payload"]["OrderChangeNotification"]["Summary"]
    summary.update(OrderStatus="Canceled", FulfillmentType="AFN")
    event = parse_notification(body)
    assert (event.status, event.fulfilled_by) == (OrderStatus.CANCELLED, FulfilledBy.MARKETPLACE)
    del body["Payload"]["OrderChangeNotification"]["Summary"]
    bare = parse_notification(body)
    assert (bare.status, bare.fulfilled_by, bare.items) == (None, None, ())


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        ({"NotificationType": "REPORT_PROCESSING_FINISHED"}, "REPORT_PROCESSING_FINISHED"),
        ({**ORDER_CHANGE, "NotificationMetadata": {}}, "NotificationId"),
        ({**ORDER_CHANGE, "Payload": None}, "Payload is missing"),
        ({**ORDER_CHANGE, "Payload": {"OrderChangeNotification": {}}}, "AmazonOrderId"),
        ({**INVENTORY, "Payload": {"FulfillmentInventoryByMarketplace": []}}, "SKU"),
    ],
)
def test_unreadable_notifications_are_value_errors_naming_the_problem(body, match):
    with pytest.raises(ValueError, match=match):
        parse_notification(body)


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_raise_value_error(body):
    with contextlib.suppress(ValueError):
        parse_notification(body)


def test_events_as_workflow_envelopes():
    from retail_canon.connectors.amazon import notification_envelopes
    from retail_canon.workflow import Envelope

    (order,) = notification_envelopes(parse_notification(ORDER_CHANGE))
    assert order.id == order.idempotency_key == "amazon:6a1d0c3e-0b4f-4d4a-9d7e-1f3a2b4c5d6e"
    assert order.subject == "113-4410325-0773100"
    assert order.data["status"] == "OPEN"
    again = Envelope.from_json(order.to_json())
    assert again.data == order.data
    positions = notification_envelopes(parse_notification(eventbridge(INVENTORY)))
    assert [e.subject for e in positions] == [
        "KETTLE-1@amazon-fba-ATVPDKIKX0DER",
        "KETTLE-1@amazon-fba-A2EUQ1WTGCTBG2",
    ]
    assert len({e.idempotency_key for e in positions}) == 2
    redelivered = notification_envelopes(parse_notification(json.dumps(INVENTORY)))
    assert [e.id for e in redelivered] == [e.id for e in positions]
    assert '"on_hand":"53"' in positions[0].to_json()
