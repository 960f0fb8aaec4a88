"""The seed's scenarios and the policy knobs, one behaviour per test."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest

from retail_canon.models import (
    Address,
    FulfillmentStatus,
    Location,
    LocationCapability,
    LocationKind,
    Money,
    OrderLine,
    Quantity,
    SalesOrder,
)
from retail_canon.sourcing import (
    Basis,
    Capacity,
    Eligibility,
    FulfillmentNode,
    GeoPoint,
    Goal,
    InvalidNetwork,
    InventoryRule,
    Method,
    Network,
    NodeSort,
    OrderRequest,
    Outcome,
    Reason,
    RequestLine,
    SourcingPolicy,
    Split,
    SplitMode,
    StockTable,
    UnfilledAction,
    UnknownNode,
    UnsourceableOrder,
    source_order,
)

K = LocationKind
SPRINGFIELD = GeoPoint(39.7817, -89.6501)
STORE_ADDRESS = Address(lines=("1 Main St",), city="Springfield", country="US")


def network() -> Network:
    return Network(
        [
            FulfillmentNode("wh-midwest", K.WAREHOUSE, GeoPoint(41.85, -87.65)),
            FulfillmentNode("wh-east", K.WAREHOUSE, GeoPoint(40.71, -74.01)),
            FulfillmentNode(
                "store-springfield",
                K.STORE,
                GeoPoint(39.80, -89.64),
                pickup=True,
                address=STORE_ADDRESS,
            ),
            FulfillmentNode("store-peoria", K.STORE, GeoPoint(40.69, -89.59), ships=False),
            FulfillmentNode("store-denver", K.STORE, GeoPoint(39.74, -104.99)),
        ]
    )


STOCK = {
    "MUG-BLUE": {"wh-midwest": 40, "wh-east": 3, "store-springfield": 0},
    "LAMP-OAK": {"store-springfield": 2, "store-peoria": 1, "store-denver": 5},
}
POLICY = SourcingPolicy(eligibility=Eligibility(radius_km={K.STORE: 300}))


def sales_order() -> SalesOrder:
    def line(line_id: str, sku: str, price: str) -> OrderLine:
        return OrderLine(
            line_id=line_id,
            sku=sku,
            quantity=Quantity(value=1),
            unit_price=Money(amount=price, currency="USD"),
        )

    return SalesOrder(
        order_id="amazon-113-1",
        channel="amazon",
        placed_at="2026-11-20T17:04:11Z",
        currency="USD",
        ship_to=Address(name="Avery", city="Springfield", country="US"),
        lines=(line("1", "MUG-BLUE", "12.99"), line("2", "LAMP-OAK", "49.00")),
    )


def request(*lines: tuple[str, int], **kwargs) -> OrderRequest:
    kwargs.setdefault("destination", SPRINGFIELD)
    return OrderRequest(
        "o-1",
        tuple(RequestLine(str(k + 1), sku, qty) for k, (sku, qty) in enumerate(lines)),
        **kwargs,
    )


def candidates(plan, line_id: str) -> dict[str, tuple[Outcome, Reason | None]]:
    trace = next(t for t in plan.trace() if t.line_id == line_id)
    return {c.node_id: (c.outcome, c.reason) for c in trace.candidates}


# -- the seed's two-item scenario -------------------------------------------------------------


def test_seed_two_items_warehouse_and_store():
    plan = source_order(
        sales_order(), StockTable(STOCK), network(), POLICY, destination=SPRINGFIELD
    )
    assert plan.nodes == ("store-springfield", "wh-midwest")
    assert plan.packages == 2
    assert plan.unfilled == ()
    # wh-midwest: package 6 + 1 unit at zone 2 (1.00); store: package 9 + 1 unit at zone 1 (0.50)
    assert plan.cost == Decimal("16.50")
    orders = {fo.origin_location_id: fo for fo in plan.fulfillment_orders()}
    assert set(orders) == {"wh-midwest", "store-springfield"}
    wms = orders["wh-midwest"]
    assert wms.fulfillment_order_id == "amazon-113-1:wh-midwest"
    assert wms.sales_order_id == "amazon-113-1"
    assert wms.status is FulfillmentStatus.OPEN
    assert wms.destination == sales_order().ship_to
    assert [(fl.sku, fl.quantity.value) for fl in wms.lines] == [("MUG-BLUE", 1)]
    assert [fl.sku for fl in orders["store-springfield"].lines] == ["LAMP-OAK"]


def test_seed_trace_names_candidates_rejections_and_the_winner():
    plan = source_order(
        sales_order(), StockTable(STOCK), network(), POLICY, destination=SPRINGFIELD
    )
    assert candidates(plan, "1") == {
        "wh-midwest": (Outcome.CHOSEN, None),
        "wh-east": (Outcome.NOT_CHOSEN, None),
        "store-springfield": (Outcome.REJECTED, Reason.NO_STOCK),
    }
    assert candidates(plan, "2") == {
        "store-springfield": (Outcome.CHOSEN, None),
        "store-peoria": (Outcome.REJECTED, Reason.NOT_ELIGIBLE),
        "store-denver": (Outcome.REJECTED, Reason.OUTSIDE_RADIUS),
    }
    (decision,) = plan.decisions
    assert decision.method is Method.EXACT
    assert decision.basis is Basis.LOWER_COST
    assert decision.runner_up is not None
    assert decision.runner_up.nodes == ("store-springfield", "wh-east")
    assert decision.runner_up.cost == Decimal("17.25")
    lamp = plan.trace()[1]
    denver = next(c for c in lamp.candidates if c.node_id == "store-denver")
    assert denver.distance_km == pytest.approx(1310, abs=1)
    assert "beyond the 300 km radius" in denver.detail
    assert "lowest cost" in lamp.why
    text = plan.explain()
    assert "store does not offer ship-from-store" in text
    assert "next best is {store-springfield, wh-east}" in text


def test_one_node_holding_everything_wins_on_packages():
    stock = {
        "MUG-BLUE": {"wh-midwest": 5, "wh-east": 5},
        "LAMP-OAK": {"wh-east": 1, "store-springfield": 1},
    }
    plan = source_order(
        request(("MUG-BLUE", 1), ("LAMP-OAK", 1)), StockTable(stock), network(), POLICY
    )
    assert plan.nodes == ("wh-east",)
    assert plan.decisions[0].basis is Basis.FEWER_PACKAGES
    assert plan.decisions[0].runner_up.packages == 2


def test_cost_first_objective_prefers_two_cheap_packages():
    nodes = Network(
        [
            FulfillmentNode("far", K.WAREHOUSE, GeoPoint(34.05, -118.24)),
            FulfillmentNode("near-a", K.WAREHOUSE, GeoPoint(39.9, -89.6)),
            FulfillmentNode("near-b", K.WAREHOUSE, GeoPoint(39.7, -89.7)),
        ]
    )
    stock = {"A": {"far": 9, "near-a": 9}, "B": {"far": 9, "near-b": 9}}
    order = request(("A", 5), ("B", 5))
    packages_first = source_order(order, StockTable(stock), nodes)
    assert packages_first.nodes == ("far",)  # 6 + 10 × 2.50 = 31.00
    cost_first = source_order(
        order, StockTable(stock), nodes, SourcingPolicy(objective=(Goal.FILL, Goal.COST))
    )
    assert cost_first.nodes == ("near-a", "near-b")  # 2 × (6 + 5 × 0.50) = 17.00
    assert cost_first.cost == Decimal("17.00")


# -- store pickup ---------------------------------------------------------------------------------


def test_pickup_store_serves_what_it_has_and_a_warehouse_ships_the_rest_to_it():
    plan = source_order(
        sales_order(), StockTable(STOCK), network(), POLICY, pickup_at="store-springfield"
    )
    assert {a.line_id: a.node_id for a in plan.allocations} == {
        "1": "wh-midwest",
        "2": "store-springfield",
    }
    assert [d.method for d in plan.decisions] == [Method.PICKUP, Method.EXACT]
    assert plan.decisions[0].basis is Basis.PICKUP_STORE
    # Pickup costs nothing here; the warehouse ships 290 km to the store (zone 2).
    assert plan.cost == Decimal("7.00")
    orders = {fo.origin_location_id: fo for fo in plan.fulfillment_orders()}
    assert orders["store-springfield"].service_level == "PICKUP"
    assert orders["store-springfield"].destination is None
    assert orders["wh-midwest"].destination == STORE_ADDRESS


def test_pickup_store_with_everything_is_a_single_fulfilment_order():
    stock = {
        "MUG-BLUE": {"store-springfield": 1, "wh-midwest": 9},
        "LAMP-OAK": {"store-springfield": 1},
    }
    plan = source_order(
        request(("MUG-BLUE", 1), ("LAMP-OAK", 1)),
        StockTable(stock),
        network(),
        POLICY,
        pickup_at="store-springfield",
    )
    assert plan.nodes == ("store-springfield",)
    assert len(plan.decisions) == 1


def test_pickup_without_ship_to_store_backorders_the_rest():
    policy = SourcingPolicy(eligibility=Eligibility(ship_to_store=False))
    plan = source_order(
        request(("MUG-BLUE", 1), ("LAMP-OAK", 1)),
        StockTable(STOCK),
        network(),
        policy,
        pickup_at="store-springfield",
    )
    assert plan.nodes == ("store-springfield",)
    (gap,) = plan.unfilled
    assert (gap.line_id, gap.quantity, gap.action) == ("1", 1, UnfilledAction.BACKORDER)


def test_pickup_at_a_store_without_pickup_is_rejected_in_the_trace():
    plan = source_order(
        request(("LAMP-OAK", 1)),
        StockTable(STOCK),
        network(),
        SourcingPolicy(eligibility=Eligibility(ship_to_store=False)),
        pickup_at="store-peoria",
    )
    assert plan.allocations == ()
    assert candidates(plan, "1") == {"store-peoria": (Outcome.REJECTED, Reason.NOT_ELIGIBLE)}


def test_unknown_pickup_store_raises():
    with pytest.raises(UnknownNode, match="store-x") as info:
        source_order(request(("MUG-BLUE", 1)), StockTable(STOCK), network(), pickup_at="store-x")
    assert info.value.code == "unknown_node"


# -- eligibility reasons ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "today", "reason"),
    [
        (
            SourcingPolicy(eligibility=Eligibility(excluded_nodes=frozenset({"wh-east"}))),
            {},
            Reason.EXCLUDED,
        ),
        (
            SourcingPolicy(
                eligibility=Eligibility(
                    hazmat_skus=frozenset({"MUG-BLUE"}), hazmat_node_kinds=frozenset({K.STORE})
                )
            ),
            {},
            Reason.HAZMAT,
        ),
        (
            SourcingPolicy(eligibility=Eligibility(safety_stock={"wh-east": 3})),
            {},
            Reason.BELOW_SAFETY_STOCK,
        ),
        (
            SourcingPolicy(capacity=Capacity(orders_per_day={"wh-east": 4})),
            {"wh-east": 4},
            Reason.OVER_CAPACITY,
        ),
        (
            SourcingPolicy(rules=(InventoryRule(name="stores", node_kinds=frozenset({K.STORE})),)),
            {},
            Reason.RULE_FILTER,
        ),
    ],
)
def test_each_rejection_reason_is_reported(policy, today, reason):
    stock = {"MUG-BLUE": {"wh-east": 3}}
    plan = source_order(
        request(("MUG-BLUE", 1)), StockTable(stock), network(), policy, orders_today=today
    )
    assert plan.allocations == ()
    assert candidates(plan, "1") == {"wh-east": (Outcome.REJECTED, reason)}
    assert plan.unfilled[0].reason == "no eligible node has stock"


def test_ship_from_store_switches():
    stock = {"LAMP-OAK": {"store-springfield": 1}}
    order = request(("LAMP-OAK", 1))
    assert source_order(order, StockTable(stock), network()).nodes == ("store-springfield",)
    for eligibility in (
        Eligibility(ship_from_store=False),
        Eligibility(ship_from_store_off=frozenset({"store-springfield"})),
    ):
        plan = source_order(
            order, StockTable(stock), network(), SourcingPolicy(eligibility=eligibility)
        )
        assert plan.nodes == ()
        assert candidates(plan, "1")["store-springfield"][1] is Reason.NOT_ELIGIBLE


def test_radius_rejects_nodes_when_the_destination_is_unknown():
    plan = source_order(
        request(("LAMP-OAK", 1), destination=None), StockTable(STOCK), network(), POLICY
    )
    assert plan.nodes == ()
    trace = plan.trace()[0]
    assert {c.reason for c in trace.candidates} == {Reason.OUTSIDE_RADIUS, Reason.NOT_ELIGIBLE}
    assert any("no coordinates" in c.detail for c in trace.candidates)


def test_negative_stock_counts_as_zero_at_that_node_only():
    stock = {"MUG-BLUE": {"wh-east": -5, "wh-midwest": 2}}
    plan = source_order(request(("MUG-BLUE", 2)), StockTable(stock), network())
    assert plan.nodes == ("wh-midwest",)
    assert candidates(plan, "1")["wh-east"] == (Outcome.REJECTED, Reason.NO_STOCK)


def test_nodes_unknown_to_the_network_are_reported_not_used():
    plan = source_order(
        request(("MUG-BLUE", 1)), StockTable({"MUG-BLUE": {"amazon-fc": 9}}), network()
    )
    assert plan.nodes == ()
    assert candidates(plan, "1") == {"amazon-fc": (Outcome.REJECTED, Reason.UNKNOWN_NODE)}


# -- split policy, partial fills, unfilled lines ----------------------------------------------


def test_split_allowed_splits_a_line_when_no_node_holds_it_all():
    stock = {"MUG-BLUE": {"wh-midwest": 2, "wh-east": 2}}
    plan = source_order(request(("MUG-BLUE", 3)), StockTable(stock), network())
    assert sorted((a.node_id, a.quantity) for a in plan.allocations) == [
        ("wh-east", 1),
        ("wh-midwest", 2),
    ]


def test_no_split_ships_from_one_node_or_backorders():
    stock = {"MUG-BLUE": {"wh-midwest": 1}, "LAMP-OAK": {"store-springfield": 1}}
    order = request(("MUG-BLUE", 1), ("LAMP-OAK", 1))
    policy = SourcingPolicy(split=Split(mode=SplitMode.NONE), unfilled=UnfilledAction.REJECT)
    plan = source_order(order, StockTable(stock), network(), policy)
    assert len(plan.nodes) == 1
    assert plan.decisions[-1].method is Method.SINGLE_NODE
    (gap,) = plan.unfilled
    assert gap.action is UnfilledAction.REJECT
    assert "no split" in gap.reason


def test_no_split_without_partial_ships_nothing():
    stock = {"MUG-BLUE": {"wh-midwest": 1}, "LAMP-OAK": {"store-springfield": 1}}
    policy = SourcingPolicy(split=Split(mode=SplitMode.NONE, allow_partial=False))
    plan = source_order(
        request(("MUG-BLUE", 1), ("LAMP-OAK", 1)), StockTable(stock), network(), policy
    )
    assert plan.allocations == ()
    assert {u.line_id for u in plan.unfilled} == {"1", "2"}
    assert all("partial shipment is off" in u.reason for u in plan.unfilled)


def test_split_above_value_depends_on_the_order_value():
    stock = {"MUG-BLUE": {"wh-midwest": 1}, "LAMP-OAK": {"store-springfield": 1}}
    policy = SourcingPolicy(split=Split(mode=SplitMode.ABOVE_VALUE, min_order_value=Decimal(50)))

    def order(price: str) -> OrderRequest:
        return OrderRequest(
            "o",
            (
                RequestLine("1", "MUG-BLUE", 1, unit_value=Decimal(price)),
                RequestLine("2", "LAMP-OAK", 1, unit_value=Decimal(price)),
            ),
            destination=SPRINGFIELD,
        )

    assert source_order(order("25"), StockTable(stock), network(), policy).packages == 2
    assert source_order(order("24.99"), StockTable(stock), network(), policy).packages == 1


def test_lines_of_the_same_sku_share_stock():
    order = OrderRequest(
        "o",
        (RequestLine("1", "MUG-BLUE", 2), RequestLine("2", "MUG-BLUE", 2)),
        destination=SPRINGFIELD,
    )
    plan = source_order(order, StockTable({"MUG-BLUE": {"wh-east": 3}}), network())
    assert [(a.line_id, a.quantity) for a in plan.allocations] == [("1", 2), ("2", 1)]
    assert [(u.line_id, u.quantity) for u in plan.unfilled] == [("2", 1)]
    assert "only 3 units" in plan.unfilled[0].reason


# -- rule cascades and sorts -------------------------------------------------------------------


def test_rule_cascade_tries_nearby_stores_first_then_warehouses():
    policy = SourcingPolicy(
        rules=(
            InventoryRule(
                name="near stores",
                node_kinds=frozenset({K.STORE}),
                radius_km=Decimal(50),
                single_node=True,
            ),
            InventoryRule(name="warehouses", node_kinds=frozenset({K.WAREHOUSE})),
        )
    )
    stock = {
        "MUG-BLUE": {"wh-midwest": 9, "store-springfield": 1},
        "LAMP-OAK": {"store-springfield": 1},
    }
    both = source_order(
        request(("MUG-BLUE", 1), ("LAMP-OAK", 1)), StockTable(stock), network(), policy
    )
    assert both.nodes == ("store-springfield",)
    assert [d.rule for d in both.decisions] == ["near stores"]
    # The store cannot ship both any more: the single-node rule passes, the warehouses ship
    # what they hold, and the lamp stays unfilled (the second rule has no store).
    stock["MUG-BLUE"]["store-springfield"] = 0
    split = source_order(
        request(("MUG-BLUE", 1), ("LAMP-OAK", 1)), StockTable(stock), network(), policy
    )
    assert [d.rule for d in split.decisions] == ["near stores", "warehouses"]
    assert split.decisions[0].basis is Basis.NOTHING
    assert split.nodes == ("wh-midwest",)
    assert [u.line_id for u in split.unfilled] == ["2"]


def test_a_node_used_by_an_earlier_rule_adds_no_package():
    policy = SourcingPolicy(
        rules=(
            InventoryRule(name="east", nodes=frozenset({"wh-east"})),
            InventoryRule(name="all"),
        )
    )
    stock = {
        "MUG-BLUE": {"wh-east": 1, "wh-midwest": 5},
        "LAMP-OAK": {"wh-east": 1, "wh-midwest": 5},
    }
    # "east" ships 1 of each; "all" must add 1 more of each: wh-midwest is one new package.
    plan = source_order(
        request(("MUG-BLUE", 2), ("LAMP-OAK", 2)), StockTable(stock), network(), policy
    )
    assert plan.packages == 2
    assert plan.decisions[1].packages == 1


def test_sorts_break_cost_ties():
    nodes = Network(
        [
            FulfillmentNode("a", K.WAREHOUSE, GeoPoint(40.0, -89.0), priority=2),
            FulfillmentNode("b", K.WAREHOUSE, GeoPoint(40.1, -89.0), priority=1),
        ]
    )
    stock = {"X": {"a": 1, "b": 5}}
    order = OrderRequest("o", (RequestLine("1", "X", 1),), destination=GeoPoint(40.0, -89.0))
    assert source_order(order, StockTable(stock), nodes).nodes == ("a",)
    for sort, winner in (
        (NodeSort.PRIORITY, "b"),
        (NodeSort.INVENTORY_BALANCE, "b"),
        (NodeSort.PROXIMITY, "a"),
    ):
        policy = SourcingPolicy(rules=(InventoryRule(name="r", sorts=(sort,)),))
        plan = source_order(order, StockTable(stock), nodes, policy)
        assert plan.nodes == (winner,), sort
        assert plan.decisions[0].basis is Basis.TIE_BREAK


# -- inputs, outputs and errors -----------------------------------------------------------------


def test_sales_order_open_quantity_is_sourced():
    order = sales_order().model_copy(
        update={
            "lines": (
                sales_order()
                .lines[0]
                .model_copy(
                    update={"quantity": Quantity(value=3), "quantity_fulfilled": Decimal(1)}
                ),
            )
        }
    )
    plan = source_order(order, StockTable(STOCK), network(), POLICY, destination=SPRINGFIELD)
    assert plan.units == 2


def test_fractional_quantities_are_refused():
    line = sales_order().lines[0].model_copy(update={"quantity": Quantity(value="1.5", uom="KGM")})
    order = sales_order().model_copy(update={"lines": (line,)})
    with pytest.raises(UnsourceableOrder, match=r"1\.5 KGM") as info:
        source_order(order, StockTable(STOCK), network())
    assert info.value.code == "unsourceable_order"
    with pytest.raises(UnsourceableOrder):
        RequestLine("1", "X", 0)
    with pytest.raises(UnsourceableOrder, match="unique"):
        OrderRequest("o", (RequestLine("1", "X", 1), RequestLine("1", "Y", 1)))


def test_network_from_locations_and_duplicates():
    locations = [
        Location(
            location_id="dc", name="DC", kind=K.WAREHOUSE, latitude="41.85", longitude="-87.65"
        ),
        Location(
            location_id="st", name="Store", kind=K.STORE, capabilities=(LocationCapability.PICKUP,)
        ),
        Location(
            location_id="st2",
            name="Store 2",
            kind=K.STORE,
            capabilities=(LocationCapability.SHIP_FROM_STORE,),
        ),
        Location(location_id="afn", name="FBA", kind=K.MARKETPLACE_FULFILLED),
    ]
    net = Network(locations)
    assert [(n.node_id, n.ships, n.pickup) for n in net] == [
        ("afn", False, False),
        ("dc", True, False),
        ("st", False, True),
        ("st2", True, False),
    ]
    assert net["dc"].location == GeoPoint(41.85, -87.65)
    with pytest.raises(UnknownNode):
        net["nope"]
    with pytest.raises(InvalidNetwork, match="twice"):
        Network([*locations, locations[0]])
    plan = source_order(request(("X", 1)), StockTable({"X": {"dc": 1}}), locations)
    assert plan.nodes == ("dc",)


def test_plans_pickle_with_their_trace():
    plan = source_order(
        sales_order(), StockTable(STOCK), network(), POLICY, destination=SPRINGFIELD
    )
    again = pickle.loads(pickle.dumps(plan))
    assert again == plan
    assert again.trace() == plan.trace()
    assert pickle.loads(pickle.dumps(network())).nodes == network().nodes


def test_same_inputs_same_plan():
    one = source_order(sales_order(), StockTable(STOCK), network(), POLICY, destination=SPRINGFIELD)
    two = source_order(sales_order(), StockTable(STOCK), network(), POLICY, destination=SPRINGFIELD)
    assert one == two
    assert one.explain() == two.explain()
