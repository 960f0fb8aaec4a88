"""Full recompute: the formula, every rule, the result API and the numpy path."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ats.strategies import T0, positions, reservations, rules, unassigned
from retail_canon.ats import (
    NEVER,
    AtsResult,
    Channel,
    Eligibility,
    InvalidAtsInput,
    InvalidRules,
    Kit,
    Node,
    Pool,
    Position,
    PositionTable,
    Reservation,
    ReservationTable,
    Rules,
    SafetyStock,
    Threshold,
    UnknownChannel,
    compute,
    epoch_us,
)

HAS_NUMPY = importlib.util.find_spec("numpy") is not None

NODES = [
    Node("DC1", "DC"),
    Node("DC2", "DC"),
    Node("S1", "STORE", {"SHIP", "PICKUP"}),
    Node("S2", "STORE", {"PICKUP"}),
]


def run(stock, rules, holds=(), **kwargs):
    return compute(stock, list(holds), rules, as_of=T0, **kwargs)


def net_rules(**extra):
    return Rules(nodes=NODES, channels=[Channel("web", {"SHIP", "PICKUP"})], **extra)


# -- the per-position formula ----------------------------------------------------------


def test_net_takes_every_unavailable_bucket_and_live_holds_off():
    stock = [
        Position(
            "MUG",
            "DC1",
            on_hand=50,
            committed=5,
            reserved=4,
            damaged=3,
            quality_control=2,
            safety_stock=1,
            incoming=100,
        ),
    ]
    holds = [
        Reservation("R1", "MUG", "DC1", 6, T0 + timedelta(minutes=1)),
        Reservation("R2", "MUG", "DC1", 7, T0),  # expires at as_of: no longer counts
        Reservation("R3", "MUG", "DC1", 2, None),
        Reservation("R4", "MUG", "DC2", 9, None),  # no position there: nothing to hold
    ]
    assert run(stock, net_rules(), holds)["web", "MUG"] == 50 - 5 - 4 - 3 - 2 - 1 - 6 - 2


def test_incoming_is_never_part_of_ats_now():
    assert run([Position("MUG", "DC1", incoming=40)], net_rules())["web", "MUG"] == 0


@given(rules(), positions(), reservations(), unassigned())
def test_ats_is_never_negative(rs, stock, holds, demand):
    result = compute(stock, holds, rs, as_of=T0, unassigned=demand)
    assert all(v >= 0 for v in result.values())


@given(rules(), positions(), reservations(), st.sampled_from(["A", "B"]), st.integers(-50, 0))
def test_an_oversold_node_never_lowers_anything(rs, stock, holds, sku, on_hand):
    # Adding a node whose net stock is negative changes no number (clamp per node).
    free = [
        n
        for n in ("DC1", "DC2", "S1", "S2", "GHOST")
        if (sku, n) not in {(p.sku, p.node) for p in stock}
    ]
    if not free:
        return
    before = compute(stock, holds, rs, as_of=T0)
    after = compute([*stock, Position(sku, free[0], on_hand=on_hand)], holds, rs, as_of=T0)
    for key, value in before.items():
        assert after[key] == value


@given(rules(), positions(), reservations(), unassigned())
def test_pools_never_hand_out_more_than_they_hold(rs, stock, holds, demand):
    result = compute(stock, holds, rs, as_of=T0, unassigned=demand)
    for sku in result.skus:
        if sku == "KIT":
            continue
        assert result["mkt_a", sku] + result["mkt_b", sku] <= result.total("mkt", sku)


@given(rules(), positions(), reservations(), unassigned())
def test_every_explanation_adds_up_to_its_number(rs, stock, holds, demand):
    result = compute(stock, holds, rs, as_of=T0, unassigned=demand)
    for channel, sku in result:
        e = result.explain(channel, sku)
        assert e.ats == result[channel, sku]
        assert e.node_total == sum(t.contribution for t in e.nodes)
        assert all(t.contribution == 0 for t in e.nodes if not t.eligible or t.net <= 0)
        assert str(e).startswith(f"ATS of {sku} on {channel}")


@pytest.mark.skipif(not HAS_NUMPY, reason="numpy is not installed")
@given(rules(), positions(), reservations(), unassigned(), st.booleans())
def test_numpy_path_equals_pure_python(rs, stock, holds, demand, as_table):
    table = PositionTable.from_rows(stock)
    rtable = ReservationTable.from_rows(holds) if as_table else holds
    pure = compute(table, rtable, rs, as_of=T0, unassigned=demand, accelerate=False)
    fast = compute(table, rtable, rs, as_of=T0, unassigned=demand, accelerate=True)
    assert dict(fast) == dict(pure)
    for source in ("web", "app", "mkt"):
        assert [fast.total(source, s) for s in pure.skus] == [
            pure.total(source, s) for s in pure.skus
        ]


# -- safety stock ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([], 100),
        ([SafetyStock(1)], 99),
        ([SafetyStock(1), SafetyStock(2, channel="web")], 98),
        ([SafetyStock(2, channel="web"), SafetyStock(3, node_type="DC")], 97),
        ([SafetyStock(3, node_type="DC"), SafetyStock(4, node="DC1")], 96),
        ([SafetyStock(4, node="DC1"), SafetyStock(5, sku="MUG", node="DC1")], 95),
        (
            [SafetyStock(5, sku="MUG", node="DC1"), SafetyStock(1)],
            95,
        ),  # order of levels is irrelevant
        (
            [SafetyStock(5, node="DC1"), SafetyStock(6, node="DC1")],
            94,
        ),  # same level: the later wins
        ([SafetyStock(percent="12.5", node="DC1")], 87),  # 12.5 rounds up to 13
        ([SafetyStock(percent=100)], 0),
        (
            [SafetyStock(0, sku="MUG", node="DC1"), SafetyStock(50)],
            100,
        ),  # 0 at SKU × node still wins
        ([SafetyStock(3, sku="TEA", node="DC1")], 100),
        ([SafetyStock(3, node="DC2")], 100),
    ],
)
def test_safety_stock_precedence(rules, expected):
    assert (
        run([Position("MUG", "DC1", on_hand=100)], net_rules(safety_stock=rules))["web", "MUG"]
        == expected
    )


def test_safety_stock_per_channel_and_the_rule_is_named():
    rs = Rules(
        nodes=NODES,
        channels=[Channel("web"), Channel("app")],
        safety_stock=[SafetyStock(5, channel="web", rule_id="web-buffer")],
    )
    result = run([Position("MUG", "DC1", on_hand=7)], rs)
    assert (result["web", "MUG"], result["app", "MUG"]) == (2, 7)
    assert result.breakdown("web", "MUG")[0].safety_stock_rule == "channel rule web-buffer"


def test_safety_stock_larger_than_stock_gives_zero_not_less():
    rs = net_rules(safety_stock=[SafetyStock(10, node="DC1")])
    assert (
        run([Position("MUG", "DC1", on_hand=4), Position("MUG", "S1", on_hand=3)], rs)["web", "MUG"]
        == 3
    )


# -- eligibility -----------------------------------------------------------------------


def test_eligibility_by_mode_type_node_and_sku():
    rs = Rules(
        nodes=NODES,
        channels=[
            Channel("web", {"SHIP", "PICKUP"}),
            Channel("ship", {"SHIP"}),
            Channel("market", node_types={"DC"}),
            Channel("dc2", nodes={"DC2"}),
        ],
        eligibility=[
            Eligibility("web", False, node="S1", mode="SHIP"),  # S1 still picks up for web
            Eligibility("ship", False, node_type="STORE"),
            Eligibility("ship", True, node="S1", sku="MUG"),
            Eligibility("market", False, node="DC2", sku="TEE"),
        ],
    )
    stock = [Position(s, n, on_hand=1) for s in ("MUG", "TEE") for n in ("DC1", "DC2", "S1", "S2")]
    result = run(stock, rs)
    assert result.column("web") == {"MUG": 4, "TEE": 4}
    assert result.column("ship") == {"MUG": 3, "TEE": 2}  # S2 only picks up
    assert result.column("market") == {"MUG": 2, "TEE": 1}
    assert result.column("dc2") == {"MUG": 1, "TEE": 1}
    why = {t.node: t.eligibility for t in result.breakdown("ship", "TEE")}
    assert "excluded by rule eligibility[1]" in why["S1"]
    assert "offers none of its modes" in why["S2"]


def test_positions_at_nodes_not_in_the_rules_count_nowhere():
    result = run([Position("MUG", "XX", on_hand=9), Position("MUG", "DC1", on_hand=1)], net_rules())
    assert result["web", "MUG"] == 1
    ghost = next(t for t in result.breakdown("web", "MUG") if t.node == "XX")
    assert (ghost.eligible, ghost.eligibility) == (False, "node is not in the rules")


# -- demand, thresholds, pools, kits -------------------------------------------------------


def test_unassigned_demand_and_thresholds():
    rs = net_rules(thresholds=[Threshold("web", 2), Threshold("web", 5, sku="TEA")])
    stock = [Position("MUG", "DC1", on_hand=10), Position("TEA", "DC1", on_hand=10)]
    result = run(stock, rs, unassigned={("web", "MUG"): 3, ("web", "TEA"): -4})
    assert result.column("web") == {"MUG": 5, "TEA": 5}  # negative demand counts as none
    with pytest.raises(UnknownChannel, match="zzz"):
        run(stock, rs, unassigned={("zzz", "MUG"): 1})


def test_pool_split_by_largest_remainder_in_priority_order():
    rs = Rules(
        nodes=NODES,
        pools=[Pool("mkt", [("amz", 30), ("ebay", 20), ("etsy", "0")], node_types={"DC"})],
        thresholds=[Threshold("mkt", 1), Threshold("ebay", 1, sku="MUG")],
    )
    stock = [
        Position("MUG", "DC1", on_hand=8),
        Position("MUG", "DC2", on_hand=6),
        Position("MUG", "S1", on_hand=50),
    ]
    result = run(stock, rs, unassigned={("amz", "MUG"): 2})
    # pool: 14 − 2 (demand of a member) − 1 (pool threshold) = 11; 30 % = 3.3, 20 % = 2.2;
    # floor(50 % × 11) = 5 units: 3 + 2; ebay's own threshold then takes 1
    assert result.total("mkt", "MUG") == 11
    assert (result["amz", "MUG"], result["ebay", "MUG"], result["etsy", "MUG"]) == (3, 1, 0)
    equal = Rules(nodes=NODES, pools=[Pool("p", [("first", 50), ("second", 50)])])
    assert [run([Position("X", "DC1", on_hand=1)], equal)[c, "X"] for c in ("first", "second")] == [
        1,
        0,
    ]


def test_ring_fenced_pools_need_disjoint_nodes():
    fenced = Pool("fba", [("amz", 100)], nodes={"DC2"}, ring_fenced=True)
    rs = Rules(nodes=NODES, channels=[Channel("web", nodes={"DC1", "S1"})], pools=[fenced])
    result = run([Position("MUG", "DC1", on_hand=5), Position("MUG", "DC2", on_hand=7)], rs)
    assert (result["web", "MUG"], result["amz", "MUG"]) == (5, 7)
    with pytest.raises(InvalidRules, match="ring-fenced pool 'fba' shares nodes \\['DC2'\\]"):
        Rules(nodes=NODES, channels=[Channel("web")], pools=[fenced])
    with pytest.raises(InvalidRules, match="shares nodes"):
        Rules(
            nodes=NODES,
            channels=[Channel("web", nodes={"DC1"})],
            pools=[fenced],
            eligibility=[Eligibility("web", True, node="DC2", sku="MUG")],
        )


def test_kits_take_the_minimum_over_components_plus_own_stock():
    rs = net_rules(
        kits=[Kit("SET", [("MUG", 2), ("TEA", 3)]), Kit("GIFT", [("MUG", 1), ("NONE", 1)])]
    )
    stock = [
        Position("MUG", "DC1", on_hand=9),
        Position("TEA", "DC1", on_hand=10),
        Position("SET", "DC2", on_hand=1),
    ]
    result = run(stock, rs)
    assert result["web", "SET"] == 1 + min(9 // 2, 10 // 3)
    assert result["web", "GIFT"] == 0
    kit = result.explain("web", "SET").kit
    assert kit is not None
    assert (kit.own, kit.buildable, kit.components[1]) == (1, 3, ("TEA", 3, 10, 3))


# -- the result object -------------------------------------------------------------------


def test_result_is_a_mapping_with_breakdowns():
    result = run([Position("MUG", "DC1", on_hand=3)], net_rules())
    assert isinstance(result, AtsResult)
    assert list(result) == [("web", "MUG")]
    assert len(result) == 1
    assert result == {("web", "MUG"): 3}
    assert result.get(("web", "TEA"), -1) == -1
    with pytest.raises(KeyError):
        result["app", "MUG"]
    with pytest.raises(UnknownChannel):
        result.column("app")
    with pytest.raises(UnknownChannel):
        result.total("app", "MUG")
    assert result.total("web", "TEA") == 0
    assert "1 channels × 1 SKUs" in repr(result)
    (term,) = result.breakdown("web", "MUG")
    assert (term.node, term.net, term.contribution) == ("DC1", 3, 3)
    with pytest.raises(UnknownChannel):
        result.explain("app", "MUG")


def test_tables_and_rows_give_the_same_result():
    stock = [Position("MUG", "DC1", on_hand=9, committed=1), Position("TEA", "S1", on_hand=4)]
    holds = [
        Reservation("R", "MUG", "DC1", 2, T0 + timedelta(hours=1)),
        Reservation("N", "TEA", "S1", 1),
    ]
    table = PositionTable.from_rows(stock)
    rtable = ReservationTable.from_rows(holds)
    assert list(table.rows()) == stock
    assert rtable.expires_at_us == [epoch_us(T0 + timedelta(hours=1)), NEVER]
    assert [r.expires_at for r in rtable.rows()] == [T0 + timedelta(hours=1), None]
    expected = run(stock, net_rules(), holds)
    assert dict(compute(table, rtable, net_rules(), as_of=T0, accelerate=False)) == dict(expected)
    assert expected == {("web", "MUG"): 6, ("web", "TEA"): 3}


def test_bad_inputs_are_refused():
    with pytest.raises(InvalidAtsInput, match="two positions"):
        PositionTable.from_rows([Position("A", "DC1"), Position("A", "DC1")])
    with pytest.raises(InvalidAtsInput, match="different lengths"):
        PositionTable(["A"], ["DC1"], [0], [0], [1, 2], [0], [0], [0], [0], [0])
    with pytest.raises(InvalidAtsInput, match="different lengths"):
        ReservationTable(["A"], ["DC1"], [0], [0], [1], [])
    with pytest.raises(InvalidAtsInput, match="time zone"):
        compute([], [], net_rules(), as_of=T0.replace(tzinfo=None))
    naive = Reservation("R", "A", "DC1", 1, T0.replace(tzinfo=None))
    with pytest.raises(InvalidAtsInput, match="time zone"):
        compute([Position("A", "DC1", on_hand=1)], [naive], net_rules(), as_of=T0)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SafetyStock(), "exactly one of quantity and percent"),
        (lambda: SafetyStock(1, percent=5), "exactly one of quantity and percent"),
        (lambda: SafetyStock(-1), "at least 0"),
        (lambda: SafetyStock(percent=0.5), "binary float"),
        (lambda: SafetyStock(percent="101"), "between 0 and 100"),
        (lambda: SafetyStock(percent="abc"), "not a number"),
        (lambda: SafetyStock(1, sku="MUG"), "is not a level"),
        (lambda: SafetyStock(1, channel="web", node="DC1"), "is not a level"),
        (lambda: Eligibility("web", True), "exactly one of node_type and node"),
        (lambda: Eligibility("web", True, sku="MUG", node_type="DC"), "exactly one of node_type"),
        (lambda: Threshold("web", -1), "at least 0"),
        (lambda: Kit("K", []), "no components"),
        (lambda: Kit("K", [("A", 1), ("A", 2)]), "repeat"),
        (lambda: Kit("K", [("A", 0)]), "at least 1"),
        (lambda: Channel("web", nodes="DC1"), "the string"),
        (lambda: Rules(nodes=[Node("A", "DC"), Node("A", "DC")]), "node defined more than once"),
        (
            lambda: Rules(nodes=NODES, channels=[Channel("w")], pools=[Pool("w", [("x", 1)])]),
            "more than once",
        ),
        (lambda: Rules(nodes=NODES, pools=[Pool("p", [("x", 60), ("y", 41)])]), "more than 100"),
        (
            lambda: Rules(nodes=NODES, channels=[Channel("x")], pools=[Pool("p", [("x", 1)])]),
            "is a channel",
        ),
        (
            lambda: Rules(nodes=NODES, pools=[Pool("p", [("x", 1)]), Pool("q", [("x", 1)])]),
            "at most one pool",
        ),
        (lambda: Rules(nodes=NODES, channels=[Channel("w", nodes={"ZZ"})]), "unknown nodes"),
        (lambda: net_rules(safety_stock=[SafetyStock(1, node="ZZ")]), "unknown node 'ZZ'"),
        (lambda: net_rules(safety_stock=[SafetyStock(1, node_type="VAN")]), "no node has"),
        (lambda: net_rules(safety_stock=[SafetyStock(1, channel="app")]), "not a channel or pool"),
        (
            lambda: Rules(
                nodes=NODES,
                pools=[Pool("p", [("x", 1)])],
                safety_stock=[SafetyStock(1, channel="x")],
            ),
            "name the pool",
        ),
        (lambda: net_rules(eligibility=[Eligibility("app", True, node="DC1")]), "not a channel"),
        (lambda: net_rules(thresholds=[Threshold("app", 1)]), "unknown channel"),
        (lambda: net_rules(kits=[Kit("K", [("A", 1)]), Kit("K", [("B", 1)])]), "kit defined more"),
        (lambda: net_rules(kits=[Kit("K", [("A", 1)]), Kit("L", [("K", 1)])]), "flatten"),
    ],
)
def test_rules_that_contradict_themselves_are_refused(build, message):
    with pytest.raises(InvalidRules, match=message):
        build()


def test_rules_compile_once_and_percentages_stay_exact():
    rs = net_rules(safety_stock=[SafetyStock(percent=Decimal("33.333"))])
    first = run([Position("A", "DC1", on_hand=3000)], rs)
    assert first["web", "A"] == 3000 - 1000  # 999.99 rounds up to 1000
    assert rs._compiled is not None
    assert run([Position("A", "DC1", on_hand=3)], rs)["web", "A"] == 2  # 0.99999 rounds up to 1
