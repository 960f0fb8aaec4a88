"""Random instances: no constraint violations, exact optimum on small orders, properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_canon.models import LocationKind
from retail_canon.sourcing import (
    Capacity,
    Eligibility,
    FulfillmentNode,
    GeoPoint,
    Method,
    Network,
    OrderRequest,
    RequestLine,
    SourcingPolicy,
    Split,
    SplitMode,
    StockTable,
    source_batch,
    source_order,
)
from sourcing._reference import Instance, brute_force, violations

SKUS = ["A", "B", "C", "D", "E"]
KINDS = [LocationKind.WAREHOUSE, LocationKind.STORE, LocationKind.DROPSHIP]


@st.composite
def instances(draw, max_nodes=7, max_lines=4):
    count = draw(st.integers(1, max_nodes))
    nodes = []
    for k in range(count):
        kind = draw(st.sampled_from(KINDS))
        located = draw(st.booleans()) or draw(st.booleans())
        point = GeoPoint(draw(st.floats(40, 44)), draw(st.floats(-92, -84))) if located else None
        nodes.append(
            FulfillmentNode(
                f"n{k}",
                kind,
                point,
                ships=draw(st.booleans()) or draw(st.booleans()),
                pickup=kind is LocationKind.STORE,
                priority=draw(st.integers(0, 3)),
            )
        )
    ids = [n.node_id for n in nodes]
    stock = {
        sku: {
            n: draw(st.integers(-1, 4)) for n in draw(st.lists(st.sampled_from(ids), unique=True))
        }
        for sku in SKUS
    }
    mode = draw(st.sampled_from(list(SplitMode)))
    policy = SourcingPolicy(
        eligibility=Eligibility(
            ship_from_store=draw(st.booleans()) or draw(st.booleans()),
            ship_from_store_off=frozenset(draw(st.lists(st.sampled_from(ids), max_size=1))),
            hazmat_skus=frozenset(draw(st.lists(st.sampled_from(SKUS), max_size=1))),
            radius_km=draw(
                st.sampled_from(
                    [{}, {LocationKind.STORE: Decimal(150)}, {LocationKind.DROPSHIP: 300}]
                )
            ),
            excluded_nodes=frozenset(draw(st.lists(st.sampled_from(ids), max_size=1))),
            safety_stock=dict.fromkeys(draw(st.lists(st.sampled_from(ids), max_size=2)), 1),
        ),
        capacity=Capacity(orders_per_day_by_kind={LocationKind.STORE: 2}),
        split=Split(
            mode=mode,
            min_order_value=Decimal(30) if mode is SplitMode.ABOVE_VALUE else None,
            allow_partial=draw(st.booleans()) or draw(st.booleans()),
        ),
    )
    today = {n: draw(st.integers(0, 2)) for n in draw(st.lists(st.sampled_from(ids), unique=True))}
    lines = tuple(
        RequestLine(
            str(j), sku, draw(st.integers(1, 3)), unit_value=Decimal(draw(st.integers(1, 20)))
        )
        for j, sku in enumerate(
            draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=max_lines))
        )
    )
    destination = draw(st.none() | st.builds(GeoPoint, st.floats(40, 44), st.floats(-92, -84)))
    return Instance(nodes, stock, policy, today), OrderRequest("o", lines, destination=destination)


@given(instances())
def test_plans_break_no_rule_and_are_optimal(case):
    inst, request = case
    plan = source_order(
        request, StockTable(inst.stock), Network(inst.nodes), inst.policy, orders_today=inst.today
    )
    assert violations(inst, request, plan) == []
    assert all(d.method in {Method.EXACT, Method.SINGLE_NODE} for d in plan.decisions)
    assert (plan.units, plan.packages, plan.cost_micros) == brute_force(inst, request)


@given(instances(max_nodes=6, max_lines=8))
def test_large_orders_stay_valid(case):
    inst, request = case
    policy = inst.policy.model_copy(update={"exact_max_lines": 1, "heuristic_budget": 3})
    inst.policy = policy
    plan = source_order(request, StockTable(inst.stock), Network(inst.nodes), policy)
    inst.today = {}
    assert violations(inst, request, plan) == []
    best = brute_force(inst, request)
    # Bounded search: never better than the optimum, and it fills as much.
    assert (-plan.units, plan.packages, plan.cost_micros) >= (-best[0], best[1], best[2])
    assert plan.units == best[0]


@given(instances())
def test_never_ships_more_than_the_stock_it_saw(case):
    inst, request = case
    plan = source_order(request, StockTable(inst.stock), Network(inst.nodes), inst.policy)
    by_pair: dict[tuple[str, str], int] = {}
    for a in plan.allocations:
        by_pair[(a.sku, a.node_id)] = by_pair.get((a.sku, a.node_id), 0) + a.quantity
    for (sku, node), units in by_pair.items():
        assert units <= inst.stock[sku][node]


@given(instances())
def test_no_split_policy_never_splits(case):
    inst, request = case
    policy = inst.policy.model_copy(update={"split": Split(mode=SplitMode.NONE)})
    plan = source_order(request, StockTable(inst.stock), Network(inst.nodes), policy)
    assert len(plan.nodes) <= 1
    assert plan.packages <= 1


@given(instances(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(case, rnd):
    inst, request = case
    shuffled_nodes = list(inst.nodes)
    rnd.shuffle(shuffled_nodes)
    shuffled_stock = {}
    for sku, row in inst.stock.items():
        items = list(row.items())
        rnd.shuffle(items)
        shuffled_stock[sku] = dict(items)
    a = source_order(request, StockTable(inst.stock), Network(inst.nodes), inst.policy)
    b = source_order(request, StockTable(shuffled_stock), Network(shuffled_nodes), inst.policy)
    assert a == b
    assert a.trace() == b.trace()


@settings(max_examples=25)
@given(st.lists(instances(), min_size=1, max_size=1), st.integers(2, 6))
def test_batches_respect_stock_and_capacity(cases, copies):
    inst, request = cases[0]
    requests = [
        OrderRequest(f"o{k}", request.lines, destination=request.destination) for k in range(copies)
    ]
    result = source_batch(requests, StockTable(inst.stock), Network(inst.nodes), inst.policy)
    shipped: dict[tuple[str, str], int] = {}
    orders: dict[str, int] = {}
    for plan in result.plans:
        for a in plan.allocations:
            shipped[(a.sku, a.node_id)] = shipped.get((a.sku, a.node_id), 0) + a.quantity
        for node in plan.nodes:
            orders[node] = orders.get(node, 0) + 1
    safety = inst.policy.eligibility.safety_stock
    for (sku, node), units in shipped.items():
        assert units <= inst.stock[sku][node] - safety.get(node, 0)
        assert result.inventory.available(sku)[node] == inst.stock[sku][node] - units
    stores = {n.node_id for n in inst.nodes if n.kind is LocationKind.STORE}
    for node, count in orders.items():
        if node in stores:
            assert count <= 2
    assert dict(result.orders_today) == orders


@pytest.mark.parametrize("seed", range(3))
def test_validator_catches_a_broken_plan(seed):
    # The validator must be able to fail: hand it a plan that ships from a node with no stock.
    import attrs

    nodes = [FulfillmentNode("w", LocationKind.WAREHOUSE), FulfillmentNode("s", LocationKind.STORE)]
    stock = {"A": {"w": 1}}
    inst = Instance(nodes, stock, SourcingPolicy())
    request = OrderRequest("o", (RequestLine("1", "A", 1 + seed),))
    plan = source_order(request, StockTable(stock), Network(nodes))
    assert violations(inst, request, plan) == []
    broken = attrs.evolve(
        plan,
        allocations=(attrs.evolve(plan.allocations[0], node_id="s"),),
    )
    assert any("usable stock" in v for v in violations(inst, request, broken))
