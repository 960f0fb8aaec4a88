"""source_batch: order of processing, decrementing stock and capacity, the view after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from retail_canon.models import LocationKind
from retail_canon.sourcing import (
    AllocatedInventory,
    Capacity,
    FulfillmentNode,
    GeoPoint,
    InventoryView,
    Network,
    OrderRequest,
    RequestLine,
    SourcingPolicy,
    StockTable,
    source_batch,
)

NET = Network(
    [
        FulfillmentNode("dc", LocationKind.WAREHOUSE, GeoPoint(41.0, -88.0)),
        FulfillmentNode("st", LocationKind.STORE, GeoPoint(40.0, -89.0)),
    ]
)
HERE = GeoPoint(40.0, -89.0)


def order(order_id, qty=1, **kwargs):
    return OrderRequest(order_id, (RequestLine("1", "X", qty),), destination=HERE, **kwargs)


def test_priority_then_promise_date_then_placement_then_id():
    day = datetime(2026, 11, 20, tzinfo=UTC)
    orders = [
        order("d"),
        order("c", placed_at=day),
        order("b", promise_date=datetime(2026, 11, 22, tzinfo=UTC)),
        order("a", promise_date=datetime(2026, 11, 21)),  # naive: read as UTC
        order("z", priority=5),
    ]
    result = source_batch(orders, StockTable({"X": {"st": 3}}), NET)
    assert [p.order_id for p in result.plans] == ["z", "a", "b", "c", "d"]
    assert [p.units for p in result.plans] == [1, 1, 1, 0, 0]


def test_stock_decrements_and_the_input_view_is_untouched():
    stock = StockTable({"X": {"st": 2, "dc": 1}})
    result = source_batch([order("o1", 2), order("o2", 2)], stock, NET)
    first, second = result.plans
    assert [(a.node_id, a.quantity) for a in first.allocations] == [("st", 2)]
    assert [(a.node_id, a.quantity) for a in second.allocations] == [("dc", 1)]
    assert second.units_unfilled == 1
    assert dict(stock.available("X")) == {"st": 2, "dc": 1}
    assert dict(result.inventory.available("X")) == {"st": 0, "dc": 0}
    assert {k: dict(v) for k, v in result.inventory.allocated.items()} == {"X": {"st": 2, "dc": 1}}
    assert isinstance(result.inventory, InventoryView)


def test_daily_capacity_counts_orders_per_node():
    policy = SourcingPolicy(capacity=Capacity(orders_per_day={"st": 2}))
    stock = StockTable({"X": {"st": 10, "dc": 1}})
    result = source_batch(
        [order(f"o{k}") for k in range(4)], stock, NET, policy, orders_today={"st": 1}
    )
    # The warehouse is cheaper but holds one unit; the store has room for one more order.
    assert [p.nodes for p in result.plans] == [("dc",), ("st",), (), ()]
    assert result.orders_today == {"st": 2, "dc": 1}
    assert result.plans[2].trace()[0].candidates[1].reason.value == "over_capacity"


def test_batches_chain_through_the_allocated_view():
    stock = StockTable({"X": {"st": 3}})
    first = source_batch([order("o1")], stock, NET)
    second = source_batch([order("o2", 3)], first.inventory, NET)
    assert second.plans[0].units == 2
    assert second.inventory.base is stock
    assert dict(second.inventory.allocated["X"]) == {"st": 3}
    assert dict(AllocatedInventory(stock, {"X": {"st": 1}}).available("X")) == {"st": 2}


def test_sales_orders_are_accepted():
    from retail_canon.models import Money, OrderLine, Quantity, SalesOrder

    sales = SalesOrder(
        order_id="so",
        channel="web",
        placed_at="2026-11-20T10:00:00Z",
        currency="EUR",
        lines=(
            OrderLine(
                line_id="1",
                sku="X",
                quantity=Quantity(value=1),
                unit_price=Money(amount="5", currency="EUR"),
            ),
        ),
    )
    result = source_batch([sales], StockTable({"X": {"dc": 1}}), NET)
    assert result.plans[0].nodes == ("dc",)


@pytest.mark.parametrize("workers", [1, 2])
def test_partitions_give_the_same_plans_as_one_batch(workers):
    # What a Spark/Dask/Ray map over partitions does: orders on disjoint SKUs, same result.
    stock = StockTable({"X": {"st": 5}, "Y": {"dc": 5}})
    orders = [order("x1"), OrderRequest("y1", (RequestLine("1", "Y", 2),), destination=HERE)]
    whole = source_batch(orders, stock, NET)
    parts = [source_batch(orders[k::workers], stock, NET) for k in range(workers)]
    by_id = {p.order_id: p for part in parts for p in part.plans}
    assert [by_id[p.order_id] for p in whole.plans] == list(whole.plans)
