"""Shopify connector behaviour: mapping, cost-based throttling, typed errors, CAS writes."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from retail_canon.connectors import Checkpoint, RateLimited
from retail_canon.connectors.shopify import (
    InventoryConflict,
    ShopifyConnector,
    ShopifyUserError,
    _dto,
    mapping,
)
from retail_canon.connectors.shopify._graphql import graphql_error
from retail_canon.models import InventoryBuckets, InventoryPosition, OrderStatus, PaymentStatus
from retail_canon.testing import FakeClock, FaultKind, FaultRule
from retail_canon.testing.shopify import ACCESS_TOKEN, SHOP, ShopifyFake
from shopify.samples import START, make_fulfillment_orders, make_orders


def _connector(fake: ShopifyFake, **settings: object) -> ShopifyConnector:
    options = {"shop": SHOP, "access_token": ACCESS_TOKEN, **settings}
    return ShopifyConnector(transport=fake, clock=fake.clock, **options)


def _money(amount: str, currency: str, presentment: str | None = None, pcur: str = "EUR"):
    bag = {"shopMoney": {"amount": amount, "currencyCode": currency}}
    if presentment is not None:
        bag["presentmentMoney"] = {"amount": presentment, "currencyCode": pcur}
    return bag


def _node(**fields: object) -> dict[str, object]:
    node: dict[str, object] = {
        "id": "gid://shopify/Order/7001",
        "name": "#7001",
        "createdAt": "2026-05-01T10:00:00Z",
        "processedAt": "2026-05-01T09:59:00Z",
        "updatedAt": "2026-05-02T10:00:00Z",
        "cancelledAt": None,
        "closed": False,
        "currencyCode": "USD",
        "presentmentCurrencyCode": "EUR",
        "taxesIncluded": False,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "totalPriceSet": _money("43.30", "USD", "40.00"),
        "subtotalPriceSet": _money("39.98", "USD", "36.90"),
        "totalTaxSet": _money("3.32", "USD", "3.10"),
        "totalDiscountsSet": _money("2.00", "USD", "1.85"),
        "totalShippingPriceSet": _money("0.00", "USD", "0.00"),
        "lineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/9001",
                    "sku": "MUG-1",
                    "title": "Mug",
                    "quantity": 2,
                    "currentQuantity": 1,
                    "originalUnitPriceSet": _money("19.99", "USD", "18.45"),
                    "totalDiscountSet": _money("2.00", "USD", "1.85"),
                    "taxLines": [
                        {
                            "title": "State tax",
                            "rate": 0.0725,
                            "priceSet": _money("2.90", "USD", "2.68"),
                        }
                    ],
                    "someNewField": True,
                }
            ]
        },
    }
    node.update(fields)
    return node


def _map(node: dict[str, object], presentment: bool = False):
    return mapping.sales_order(_dto.structure(node, _dto.Order), shop="s", presentment=presentment)


def test_an_order_maps_in_shop_currency_with_taxes_discounts_and_removed_quantity():
    order = _map(_node())
    assert order.order_id == "shopify-7001"
    assert order.order_number == "#7001"
    assert order.currency == "USD"
    assert order.placed_at.isoformat() == "2026-05-01T09:59:00+00:00"
    line = order.lines[0]
    assert line.unit_price.amount == Decimal("19.99")
    assert line.tax_lines[0].amount.amount == Decimal("2.90")
    assert line.tax_lines[0].rate == Decimal("0.0725")
    assert line.discounts[0].amount.amount == Decimal("2.00")
    assert line.quantity_cancelled == 1
    assert order.totals is not None
    assert order.totals.grand_total.amount == Decimal("43.30")
    assert order.status is OrderStatus.OPEN
    assert order.payment_status is PaymentStatus.PAID
    assert order.external_refs[0].value == "gid://shopify/Order/7001"


def test_presentment_currency_is_chosen_by_configuration():
    order = _map(_node(), presentment=True)
    assert order.currency == "EUR"
    assert order.lines[0].unit_price.amount == Decimal("18.45")
    assert order.totals is not None
    assert order.totals.grand_total.amount == Decimal("40.00")


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"displayFulfillmentStatus": "FULFILLED"}, OrderStatus.FULFILLED),
        ({"displayFulfillmentStatus": "PARTIALLY_FULFILLED"}, OrderStatus.PARTIALLY_FULFILLED),
        ({"displayFinancialStatus": "AUTHORIZED"}, OrderStatus.PENDING),
        ({"cancelledAt": "2026-05-03T00:00:00Z"}, OrderStatus.CANCELLED),
        ({"closed": True, "displayFulfillmentStatus": "FULFILLED"}, OrderStatus.CLOSED),
    ],
)
def test_statuses_map_through_the_shared_tables(fields, status):
    order = _map(_node(**fields))
    assert order.status is status
    assert order.source_status == _node(**fields)["displayFulfillmentStatus"]


def test_an_order_line_without_sku_is_skipped_and_reported():
    fake = ShopifyFake(clock=FakeClock())
    good, bad = make_orders(2)
    fake.put_order(good)
    node = fake.put_order(bad)
    node["lineItems"]["nodes"][0]["sku"] = None
    records = _connector(fake).read_orders()
    assert [o.order_id for o in records] == ["shopify-1000"]
    assert [e.record_id for e in records.skipped] == ["gid://shopify/Order/1001"]


def test_reads_filter_on_updated_at_inclusively_and_resume_from_checkpoints():
    fake = ShopifyFake(clock=FakeClock())
    fake.put("orders", make_orders(12))
    shop = _connector(fake, page_size=5)
    since = START.replace(hour=2)
    assert [o.order_id for o in shop.read_orders(since=since)] == [
        f"shopify-{1000 + i}" for i in range(4, 12)
    ]
    records = shop.read_orders()
    first = [o.order_id for _, o in zip(range(7), records, strict=False)]
    stored = records.checkpoint
    assert stored is not None
    rest = [o.order_id for o in shop.read_orders(checkpoint=Checkpoint.from_json(stored.to_json()))]
    assert first + rest == [f"shopify-{1000 + i}" for i in range(12)]


def test_the_cost_budget_throttles_and_nothing_is_lost_or_repeated():
    clock = FakeClock()
    fake = ShopifyFake(clock=clock, maximum_available=600, restore_rate=50)
    fake.put("orders", make_orders(200))
    shop = _connector(fake, page_size=25, lines_per_order=20)  # 552 points a page
    start = clock.monotonic()
    ids = [o.order_id for o in shop.read_orders()]
    assert ids == [f"shopify-{1000 + i}" for i in range(200)]
    elapsed = clock.monotonic() - start
    # 8 pages of 552 requested points (refunded to 2 + 25*3 = 77 actual) at 50 points/s
    assert fake.points_spent == 8 * 77
    assert fake.throttled == 0  # the limiter follows throttleStatus instead of hammering
    assert elapsed < 60


def test_a_throttled_answer_with_http_200_is_retried():
    fake = ShopifyFake(clock=FakeClock(), faults=[FaultRule(FaultKind.RATE_LIMIT, every=2)])
    fake.put("orders", make_orders(20))
    ids = [o.order_id for o in _connector(fake, page_size=5).read_orders()]
    assert ids == [f"shopify-{1000 + i}" for i in range(20)]
    assert fake.throttled >= 2


def test_throttled_becomes_rate_limited_with_the_wait_from_throttle_status():
    body = (
        b'{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],'
        b'"extensions":{"cost":{"requestedQueryCost":552,"actualQueryCost":null,'
        b'"throttleStatus":{"maximumAvailable":1000,"currentlyAvailable":52,"restoreRate":100}}}}'
    )
    error = graphql_error(body, "Orders", 200)
    assert isinstance(error, RateLimited)
    assert error.vendor_code == "THROTTLED"
    assert error.retry_after == pytest.approx(5.0)


def test_user_errors_become_typed_errors_naming_the_field():
    body = (
        b'{"data":{"inventorySetQuantities":{"inventoryAdjustmentGroup":null,"userErrors":'
        b'[{"field":["input","quantities","0","quantity"],"message":"Negative",'
        b'"code":"INVALID_QUANTITY_NEGATIVE"}]}}}'
    )
    error = graphql_error(body, "InventorySet", 200)
    assert isinstance(error, ShopifyUserError)
    assert error.field == ("input", "quantities", "0", "quantity")
    assert error.vendor_code == "INVALID_QUANTITY_NEGATIVE"
    assert "input.quantities.0.quantity" in error.message


def _position(sku: str, on_hand: int) -> InventoryPosition:
    return InventoryPosition(
        sku=sku, location_id="7", buckets=InventoryBuckets(on_hand=on_hand), as_of=START
    )


def test_inventory_reads_every_named_quantity():
    fake = ShopifyFake(clock=FakeClock())
    fake.put(
        "inventory",
        [
            InventoryPosition(
                sku="MUG-1",
                location_id="7",
                buckets=InventoryBuckets(
                    on_hand=20, committed=3, reserved=1, damaged=2, safety_stock=4, incoming=9
                ),
                as_of=START,
            )
        ],
    )
    [position] = list(_connector(fake).read_inventory())
    assert position.buckets == InventoryBuckets(
        on_hand=20, committed=3, reserved=1, damaged=2, safety_stock=4, incoming=9
    )


def test_inventory_writes_compare_and_swap_and_retry_after_a_stale_read():
    fake = ShopifyFake(clock=FakeClock())
    fake.put("inventory", [_position("MUG-1", 5)])
    fake.race("MUG-1", "7", times=1)  # another writer changes on_hand once
    report = _connector(fake).write_inventory([_position("MUG-1", 12)])
    assert report.ok
    [stored] = fake.get("inventory")
    assert stored.buckets.on_hand == 12
    sets = list(fake.idempotency.values())
    assert len(sets) == 2  # the stale attempt and the retry, each with its own key


def test_a_conflict_that_persists_is_reported_with_the_current_value():
    fake = ShopifyFake(clock=FakeClock())
    fake.put("inventory", [_position("MUG-1", 5)])
    fake.race("MUG-1", "7", times=5)
    report = _connector(fake, cas_attempts=2).write_inventory([_position("MUG-1", 12)])
    [skipped] = report.skipped
    assert skipped.vendor_code == "CHANGE_FROM_QUANTITY_STALE"
    conflict = skipped.__cause__
    assert isinstance(conflict, InventoryConflict)
    assert conflict.current == 7
    assert fake.get("inventory")[0].buckets.on_hand == 7  # two foreign writes, none of ours


def test_a_repeated_write_with_the_same_key_is_applied_once():
    fake = ShopifyFake(clock=FakeClock(), faults=[FaultRule(FaultKind.TIMEOUT, every=2, limit=1)])
    fake.put("inventory", [_position("MUG-1", 5)])
    report = _connector(fake).write_inventory([_position("MUG-1", 8)])
    assert report.ok
    assert fake.get("inventory")[0].buckets.on_hand == 8


def test_many_shops_in_one_process_share_nothing():
    one, two = ShopifyFake(clock=FakeClock()), ShopifyFake(clock=FakeClock())
    one.put("orders", make_orders(2))
    two.put("orders", make_orders(3))
    a = ShopifyConnector(shop="one", access_token=ACCESS_TOKEN, transport=one, clock=one.clock)
    b = ShopifyConnector(
        shop="two", access_token=ACCESS_TOKEN, api_version="2026-07", transport=two, clock=two.clock
    )
    assert len(list(a.read_orders())) == 2
    assert len(list(b.read_orders())) == 3
    assert {e.path for e in two.exchanges} == {"/admin/api/2026-07/graphql.json"}
    assert a.config.base_url == "https://one.myshopify.com/admin/api/2026-10"


def test_a_shipment_creates_a_fulfillment_with_tracking_for_its_lines():
    fake = ShopifyFake(clock=FakeClock(), autostock=False)
    [fo] = make_fulfillment_orders(1)
    fake.put("shipments", [fo])
    report = _connector(fake).write_shipments([fo])
    assert report.ok
    assert report.written[0].vendor_id == "gid://shopify/Fulfillment/1"
    [stored] = fake.get("shipments")
    assert stored.status.value == "CLOSED"
    assert stored.lines[0].quantity_shipped == 2
    assert stored.shipments[0].tracking_number == "1Z00000000"
    assert stored.shipments[0].carrier == "UPS"


def test_a_refused_shipment_is_reported_with_the_field_shopify_named():
    fake = ShopifyFake(clock=FakeClock(), autostock=False)
    [fo] = make_fulfillment_orders(1)
    fake.put("shipments", [fo])
    shop = _connector(fake)
    assert shop.write_shipments([fo]).ok
    report = shop.write_shipments([fo])  # nothing left open
    [skipped] = report.skipped
    assert "fulfillment: Fulfillment order is already closed" in skipped.message


def test_a_bulk_operation_backfills_every_order_with_its_lines():
    fake = ShopifyFake(clock=FakeClock())
    fake.put("orders", make_orders(40))
    bad = fake.orders["gid://shopify/Order/1039"]
    bad["lineItems"]["nodes"][0]["sku"] = None
    shop = _connector(fake)
    started = fake.clock.monotonic()
    result = shop.bulk_orders(poll_interval=10.0)
    assert [o.order_id for o in result.orders] == [f"shopify-{1000 + i}" for i in range(39)]
    assert all(len(o.lines) == 1 for o in result.orders)
    assert [e.record_id for e in result.skipped] == ["gid://shopify/Order/1039"]
    assert fake.clock.monotonic() - started >= fake.bulk_seconds  # it polled, then read
    assert result.operation_id.startswith("gid://shopify/BulkOperation/")


def test_a_bulk_operation_filters_on_updated_at_and_runs_async():
    fake = ShopifyFake(clock=FakeClock())
    fake.put("orders", make_orders(10))
    since = START.replace(hour=3)
    result = asyncio.run(_connector(fake).abulk_orders(since=since, poll_interval=10.0))
    assert [o.order_id for o in result.orders] == [f"shopify-{1000 + i}" for i in range(6, 10)]
    empty = _connector(fake).bulk_orders(since=START.replace(year=2030))
    assert empty.orders == []


def test_the_connector_is_found_by_name():
    import retail_canon.connectors as connectors

    assert connectors.available()["shopify"].target == (
        "retail_canon.connectors.shopify:ShopifyConnector"
    )
    shop = connectors.get("shopify", shop="fjordline", access_token=ACCESS_TOKEN)
    assert isinstance(shop, ShopifyConnector)
