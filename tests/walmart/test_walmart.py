"""Walmart connector behaviour: mapping, headers, token refresh, 429 throttling, acknowledge."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from retail_canon.connectors import Checkpoint
from retail_canon.connectors.walmart import LineCancellation, WalmartConnector, _dto, mapping
from retail_canon.models import OrderStatus
from retail_canon.testing import FakeClock, FaultKind, FaultRule
from retail_canon.testing.walmart import CLIENT_ID, CLIENT_SECRET, WalmartFake
from walmart.samples import START, make_orders, make_positions, make_shipments


def _connector(fake: WalmartFake, **settings: object) -> WalmartConnector:
    options = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **settings}
    return WalmartConnector(transport=fake, clock=fake.clock, **options)


def _status(status: str, amount: str = "1") -> dict[str, object]:
    return {"status": status, "statusQuantity": {"unitOfMeasurement": "EACH", "amount": amount}}


def _record(*line_statuses: list[dict[str, object]], amount: object = 19.99) -> object:
    text = json.dumps(
        {
            "purchaseOrderId": "1796277083022",
            "customerOrderId": "5281956426648",
            "orderDate": 1703462400363,
            "shippingInfo": {
                "methodCode": "Standard",
                "estimatedShipDate": 1703548800000,
                "estimatedDeliveryDate": 1703808000000,
            },
            "orderLines": {
                "orderLine": [
                    {
                        "lineNumber": str(n),
                        "item": {"productName": "Mug", "sku": f"MUG-{n}"},
                        "charges": {
                            "charge": [
                                {
                                    "chargeType": "PRODUCT",
                                    "chargeName": "ItemPrice",
                                    "chargeAmount": {"currency": "USD", "amount": amount},
                                    "tax": {
                                        "taxName": "Tax1",
                                        "taxAmount": {"currency": "USD", "amount": 1.45},
                                    },
                                },
                                {
                                    "chargeType": "SHIPPING",
                                    "chargeName": "Shipping",
                                    "chargeAmount": {"currency": "USD", "amount": 0},
                                    "tax": None,
                                },
                            ]
                        },
                        "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": "1"},
                        "statusDate": 1703470000000,
                        "orderLineStatuses": {"orderLineStatus": statuses},
                        "fulfillment": {"fulfillmentOption": "S2H"},
                    }
                    for n, statuses in enumerate(line_statuses, start=1)
                ]
            },
        }
    )
    return json.loads(text, parse_float=Decimal)  # as the connector decodes bodies


def _map(record: object):
    return mapping.sales_order(_dto.structure(record, _dto.Order))


def test_an_order_maps_with_epoch_millisecond_dates_and_exact_money():
    order = _map(_record([_status("Created")]))
    assert order.order_id == "walmart-1796277083022"
    assert order.order_number == "5281956426648"
    assert order.placed_at.isoformat() == "2023-12-25T00:00:00.363000+00:00"
    assert order.ship_by is not None
    assert order.ship_by.isoformat() == "2023-12-26T00:00:00+00:00"
    assert order.service_level == "Standard"
    [line] = order.lines
    assert line.unit_price.amount == Decimal("19.99")
    assert str(line.unit_price.amount) == "19.99"
    assert line.tax_lines[0].amount.amount == Decimal("1.45")
    assert order.shipping_lines[0].price.amount == 0
    assert order.status is OrderStatus.PENDING
    assert order.source_status == "Created"


@pytest.mark.parametrize("amount", [19.99, "19.99", 20])
def test_numeric_and_text_amounts_are_read_exactly(amount):
    line = _map(_record([_status("Created")], amount=amount)).lines[0]
    assert line.unit_price.amount == Decimal(str(amount))


def test_a_line_total_is_divided_into_a_unit_price():
    record = _record([_status("Created", "3")], amount=59.97)
    record["orderLines"]["orderLine"][0]["orderLineQuantity"]["amount"] = "3"
    line = _map(record).lines[0]
    assert line.unit_price.amount == Decimal("19.99")
    assert line.quantity.value == 3


@pytest.mark.parametrize(
    ("lines", "status"),
    [
        ([[_status("Created")]], OrderStatus.PENDING),
        ([[_status("Acknowledged")]], OrderStatus.OPEN),
        ([[_status("Shipped")]], OrderStatus.FULFILLED),
        ([[_status("Delivered")]], OrderStatus.FULFILLED),
        ([[_status("Cancelled")]], OrderStatus.CANCELLED),
        ([[_status("Shipped")], [_status("Acknowledged")]], OrderStatus.PARTIALLY_FULFILLED),
        ([[_status("Shipped")], [_status("Cancelled")]], OrderStatus.FULFILLED),
        ([[_status("Created")], [_status("Acknowledged")]], OrderStatus.OPEN),
    ],
)
def test_line_statuses_decide_the_order_status(lines, status):
    order = _map(_record(*lines))
    assert order.status is status


def test_line_quantities_follow_shipped_and_cancelled_statuses():
    record = _record([_status("Shipped", "1"), _status("Cancelled", "1")])
    record["orderLines"]["orderLine"][0]["orderLineQuantity"]["amount"] = "2"
    record["orderLines"]["orderLine"][0]["charges"]["charge"][0]["chargeAmount"]["amount"] = 40
    [line] = _map(record).lines
    assert (line.quantity_fulfilled, line.quantity_cancelled) == (1, 1)
    assert line.unit_price.amount == 20


def test_an_unknown_line_status_maps_to_other_with_a_warning():
    with pytest.warns(UserWarning, match="Backordered"):
        order = _map(_record([_status("Backordered")]))
    assert order.status is OrderStatus.OTHER
    assert order.source_status == "Backordered"


def test_every_call_carries_the_walmart_headers_and_a_unique_correlation_id():
    fake = WalmartFake(clock=FakeClock())
    fake.put("orders", make_orders(12))
    walmart = _connector(fake, page_size=5)
    assert len(list(walmart.read_orders())) == 12
    assert fake.tokens_issued == 1
    assert len(fake.correlation_ids) == 4  # the token request and three pages
    assert len(set(fake.correlation_ids)) == 4


def test_the_token_is_refreshed_before_it_expires():
    clock = FakeClock()
    fake = WalmartFake(clock=clock)
    fake.put("orders", make_orders(4))
    walmart = _connector(fake)
    list(walmart.read_orders())
    clock.advance(800)  # within the refresh margin of the 15-minute token
    list(walmart.read_orders())
    assert fake.tokens_issued == 2
    assert 401 not in fake.statuses()


def test_reads_resume_from_checkpoints_and_filter_on_order_date():
    fake = WalmartFake(clock=FakeClock())
    fake.put("orders", make_orders(12))
    walmart = _connector(fake, page_size=5)
    since = START.replace(hour=3)
    assert [o.order_id for o in walmart.read_orders(since=since)] == [
        f"walmart-{108000000 + i}" for i in range(6, 12)
    ]
    records = walmart.read_orders()
    first = [o.order_id for _, o in zip(range(7), records, strict=False)]
    assert records.checkpoint is not None
    resumed = Checkpoint.from_json(records.checkpoint.to_json())
    rest = [o.order_id for o in walmart.read_orders(checkpoint=resumed)]
    assert first + rest == [f"walmart-{108000000 + i}" for i in range(12)]


def test_429s_with_token_count_headers_are_waited_out_and_nothing_is_lost():
    clock = FakeClock()
    fake = WalmartFake(clock=clock)
    fake.rate_limit(rate=0.5, burst=2, key="orders")
    fake.put("orders", make_orders(40))
    ids = [o.order_id for o in _connector(fake, page_size=4).read_orders()]
    assert ids == [f"walmart-{108000000 + i}" for i in range(40)]
    throttled = fake.statuses().count(429)
    assert throttled <= 2  # the limiter learns from the headers


def test_acknowledge_moves_orders_out_of_the_released_list():
    fake = WalmartFake(clock=FakeClock())
    fake.put("orders", make_orders(3))
    walmart = _connector(fake)
    report = walmart.acknowledge_orders(["walmart-108000000", "walmart-999"])
    assert [w.key for w in report.written] == ["walmart-108000000"]
    assert [e.record_id for e in report.skipped] == ["walmart-999"]
    assert [o.order_id for o in walmart.read_orders()] == ["walmart-108000001", "walmart-108000002"]
    everything = _connector(fake, orders="all").read_orders()
    statuses = {o.order_id: o.status for o in everything}
    assert statuses["walmart-108000000"] is OrderStatus.OPEN


def test_inventory_writes_the_sellable_quantity_per_ship_node():
    fake = WalmartFake(clock=FakeClock())
    positions = make_positions(3)
    assert _connector(fake).write_inventory(positions).ok
    assert fake.inventory == {
        ("SKU-0", "node-1"): 10,
        ("SKU-1", "node-2"): 11,
        ("SKU-2", "node-1"): 12,
    }
    read = {(p.sku, p.location_id): p.buckets.on_hand for p in _connector(fake).read_inventory()}
    assert read == fake.inventory


def test_shipping_marks_lines_shipped_with_carrier_and_tracking():
    fake = WalmartFake(clock=FakeClock(), autocreate=False)
    [order] = make_orders(1)
    fake.put("orders", [order])
    walmart = _connector(fake)
    walmart.acknowledge_orders([order.order_id])
    [one] = make_shipments(1)
    report = walmart.write_shipments([one])
    assert report.ok
    [stored] = fake.get("shipments")
    assert stored.fulfillment_order_id == "walmart-108000000"
    assert stored.lines[0].quantity_shipped == 2
    assert stored.shipments[0].carrier == "Acme Freight"  # sent as otherCarrier with its URL
    line = fake.orders["108000000"]["orderLines"]["orderLine"][0]
    info = line["orderLineStatuses"]["orderLineStatus"][-1]["trackingInfo"]
    assert info["carrierName"] == {"otherCarrier": "Acme Freight"}
    assert info["shipDateTime"] == 1777593600000
    [read] = list(_connector(fake, orders="all").read_orders())
    assert read.status is OrderStatus.FULFILLED


def test_a_shipment_the_mapping_refuses_is_reported_and_not_sent():
    fake = WalmartFake(clock=FakeClock())
    [bad] = make_shipments(1)
    bad = bad.model_copy(
        update={"shipments": (bad.shipments[0].model_copy(update={"tracking_url": None}),)}
    )
    report = _connector(fake).write_shipments([bad])
    [skipped] = report.skipped
    assert "needs a tracking URL" in skipped.message
    assert fake.exchanges == []


def test_cancelling_units_of_a_line_updates_its_statuses():
    fake = WalmartFake(clock=FakeClock())
    [order] = make_orders(1)
    fake.put("orders", [order])
    walmart = _connector(fake, orders="all")
    report = walmart.cancel_lines([LineCancellation("walmart-108000000-1", Decimal(1))])
    assert report.ok
    [read] = list(walmart.read_orders())
    assert read.lines[0].quantity_cancelled == 1
    assert read.status is OrderStatus.PENDING  # one unit still to ship
    walmart.cancel_lines([LineCancellation("walmart-108000000-1")])
    [read] = list(walmart.read_orders())
    assert read.status is OrderStatus.CANCELLED
    too_many = walmart.cancel_lines([LineCancellation("walmart-108000000-1")])
    assert too_many.skipped[0].vendor_code == "INVALID_REQUEST_CONTENT"


def test_a_malformed_cancellation_is_refused_before_anything_is_sent():
    fake = WalmartFake(clock=FakeClock())
    with pytest.raises(ValueError, match="not a Walmart order line id"):
        _connector(fake).cancel_lines([LineCancellation("shopify-1")])
    assert fake.exchanges == []


def test_each_retry_gets_its_own_correlation_id():
    fake = WalmartFake(
        clock=FakeClock(), faults=[FaultRule(FaultKind.SERVER_ERROR, every=2, limit=1)]
    )
    fake.put("orders", make_orders(2))
    assert len(list(_connector(fake).read_orders())) == 2
    assert fake.statuses() == [200, 503, 200]  # token, failed read, retried read
    assert len(fake.correlation_ids) == len(set(fake.correlation_ids)) == 3


def test_the_connector_is_found_by_name():
    import retail_canon.connectors as connectors

    assert connectors.available()["walmart"].target == (
        "retail_canon.connectors.walmart:WalmartConnector"
    )
    walmart = connectors.get("walmart", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    assert isinstance(walmart, WalmartConnector)
