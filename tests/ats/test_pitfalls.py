"""The pitfalls of algorithms.md §5, one named test each (10 is settlement's; its ATS twin)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ats.strategies import T0, baselines, rules
from retail_canon.ats import (
    Baseline,
    Bucket,
    Change,
    Channel,
    Delta,
    DriftReason,
    Eligibility,
    Engine,
    InsufficientStock,
    InvalidAtsInput,
    Node,
    Pool,
    Position,
    Publisher,
    Reservation,
    Reserve,
    Rules,
    SafetyStock,
    Snapshot,
    Threshold,
    compute,
    positions_from_canonical,
)
from retail_canon.models import InventoryBuckets, InventoryPosition

NODES = [Node("DC1", "DC"), Node("DC2", "DC"), Node("S1", "STORE", {"SHIP", "PICKUP"})]
WEB = Rules(nodes=NODES, channels=[Channel("web", {"SHIP", "PICKUP"})])


def sale(key, sku, node, qty, seq=1):
    return Delta(
        key=key,
        source="pos",
        sequence=seq,
        sku=sku,
        node=node,
        bucket=Bucket.ON_HAND,
        quantity=-qty,
        occurred_at=T0 + timedelta(minutes=seq),
    )


def test_pitfall_01_clamp_per_node_before_summing():
    # DC1 is oversold by 4 (an ERP overwrite, a backorder); DC2 has 6. Saleor and Medusa sum
    # first and would offer 2; the oversold node must not eat DC2's stock.
    stock = [Position("MUG", "DC1", on_hand=-4), Position("MUG", "DC2", on_hand=6)]
    assert compute(stock, [], WEB, as_of=T0)["web", "MUG"] == 6
    engine = Engine(WEB, Baseline(positions=[Position("MUG", "DC2", on_hand=6)], as_of=T0))
    engine.apply(sale("s", "MUG", "DC1", 4))
    assert engine.ats("web", "MUG") == 6
    explained = engine.explain("web", "MUG")
    assert "DC1: net -4 counts as 0 (clamped before the sum)" in str(explained)


def test_pitfall_02_aggregate_over_the_deduplicated_node_set():
    # DC1 reaches "web" three ways (all nodes, its type, a node rule) and also feeds a pool
    # and another channel: each channel still counts it once (Medusa #3682).
    rs = Rules(
        nodes=NODES,
        channels=[Channel("web", node_types={"DC"}), Channel("app")],
        pools=[Pool("mkt", [("amz", 100)])],
        eligibility=[
            Eligibility("web", True, node="DC1"),
            Eligibility("web", True, node_type="DC"),
        ],
    )
    result = compute([Position("MUG", "DC1", on_hand=5)], [], rs, as_of=T0)
    assert dict(result) == {("web", "MUG"): 5, ("app", "MUG"): 5, ("amz", "MUG"): 5}


@given(rules(), baselines(), st.data())
def test_pitfall_03_confirm_and_reserve_use_the_same_node_selection(rs, base, data):
    # Whenever the aggregate says "yes", the reservation succeeds, split over the nodes
    # if no single node can hold it (Medusa #14987 reserved at location_ids[0]).
    engine = Engine(rs, base)
    channel = data.draw(st.sampled_from(["web", "app", "mkt_a", "mkt_b"]))
    sku = data.draw(st.sampled_from(["A", "B", "C", "D"]))
    available = engine.ats(channel, sku)
    if available == 0:
        with pytest.raises(InsufficientStock):
            engine.reserve(channel, sku, 1, reservation_id="R")
        return
    wanted = data.draw(st.integers(1, available))
    parts = engine.reserve(
        channel, sku, wanted, reservation_id="R", expires_at=T0 + timedelta(hours=1)
    )
    assert sum(p.quantity for p in parts) == wanted
    assert len({p.node for p in parts}) == len(parts)
    assert engine.audit() == []


def test_pitfall_03_split_when_no_single_node_is_enough():
    base = Baseline(
        positions=[Position("MUG", "DC1", on_hand=6), Position("MUG", "S1", on_hand=4)], as_of=T0
    )
    engine = Engine(WEB, base)
    with pytest.raises(InsufficientStock) as error:
        engine.reserve("web", "MUG", 11, reservation_id="R")
    assert (error.value.requested, error.value.available, error.value.code) == (
        11,
        10,
        "insufficient_stock",
    )
    parts = engine.reserve("web", "MUG", 10, reservation_id="R")
    assert [(p.reservation_id, p.node, p.quantity) for p in parts] == [
        ("R@DC1", "DC1", 6),
        ("R@S1", "S1", 4),
    ]
    assert engine.ats("web", "MUG") == 0
    engine.apply(sale("return", "MUG", "DC1", -3))
    with pytest.raises(InvalidAtsInput, match="taken"):
        engine.reserve("web", "MUG", 1, reservation_id="R@DC1")


def test_pitfall_04_moving_a_reservation_checks_the_destination_for_all_of_it():
    # Medusa #16488 checked only the difference and drove the destination negative.
    base = Baseline(
        positions=[Position("MUG", "DC1", on_hand=10), Position("MUG", "DC2", on_hand=3)],
        reservations=[Reservation("R1", "MUG", "DC1", 5)],
        as_of=T0,
    )
    engine = Engine(WEB, base)
    with pytest.raises(InsufficientStock, match="DC2 can give web 3 of MUG; the hold is 5"):
        engine.move_reservation("R1", "DC2", channel="web")
    assert len(engine.ledger) == 0
    assert engine.ats("web", "MUG") == 8
    engine.apply(
        Delta(
            key="rcv",
            source="wms",
            sequence=1,
            sku="MUG",
            node="DC2",
            bucket=Bucket.ON_HAND,
            quantity=2,
            occurred_at=T0 + timedelta(minutes=1),
        )
    )
    release, reserve = engine.move_reservation("R1", "DC2", channel="web")
    assert (release.reservation_id, reserve.reservation_id, reserve.quantity) == ("R1", "R1>DC2", 5)
    assert engine.ats("web", "MUG") == 10
    assert engine.explain("web", "MUG").nodes[1].held == 5


def test_pitfall_05_counters_are_rederivable_from_the_ledger():
    base = Baseline(positions=[Position("MUG", "DC1", on_hand=10)], as_of=T0)
    engine = Engine(WEB, base)
    engine.apply_all([sale("a", "MUG", "DC1", 2), sale("b", "MUG", "S1", 1, seq=2)])
    assert engine.audit() == []
    drifted = engine._position("MUG", "DC1")
    assert drifted is not None
    drifted.net += 3  # a denormalised counter drifts (Saleor quantity_allocated)
    found = engine.audit()
    assert {(d.what, d.key, d.engine, d.ledger) for d in found} == {
        ("bucket", ("MUG", "DC1", "on_hand"), 11, 8),
    }
    repaired = Engine.restore(WEB, engine.snapshot())
    assert repaired.audit() == []
    assert repaired.ats("web", "MUG") == 8


def test_pitfall_06_feeds_say_which_quantity_state_they_carry():
    # An ERP pushing salable stock read as physical deducts committed units twice (Magento
    # reservations + ERP); the state of the feed must be stated, and then both agree.
    buckets = {"on_hand": Decimal(7), "committed": Decimal(3)}
    physical = InventoryPosition(
        sku="MUG",
        location_id="DC1",
        buckets=InventoryBuckets(**{**buckets, "on_hand": Decimal(10)}),
        as_of=T0,
    )
    salable = InventoryPosition(
        sku="MUG", location_id="DC1", buckets=InventoryBuckets(**buckets), as_of=T0
    )
    from_wms = positions_from_canonical([physical], quantity_state="physical")
    from_erp = positions_from_canonical([salable], quantity_state="salable")
    misread = positions_from_canonical([salable], quantity_state="physical")
    ats = [compute(rows, [], WEB, as_of=T0)["web", "MUG"] for rows in (from_wms, from_erp, misread)]
    assert ats == [7, 7, 4]


def test_pitfall_07_publications_carry_the_compare_and_swap_value():
    # Shopify's inventorySetQuantities needs changeFromQuantity: every push names the value
    # it replaces, so a channel that changed meanwhile refuses it instead of being overwritten.
    base = Baseline(positions=[Position("MUG", "DC1", on_hand=20)], as_of=T0)
    engine = Engine(WEB, base)
    shop = {"MUG": 20}

    def push(change: Change) -> None:
        if shop[change.sku] != change.old:
            raise AssertionError("CHANGE_FROM_QUANTITY_STALE")
        shop[change.sku] = change.new

    publisher = Publisher(low_stock=5, published=engine.values())
    for i in range(1, 19):
        engine.apply(sale(f"s{i}", "MUG", "DC1", 1, seq=i))
        for change in publisher.offer(engine.changes()):
            push(change)
    assert shop["MUG"] == 5  # crossing the low-stock level went out at once
    for change in publisher.flush():
        push(change)
    assert shop["MUG"] == engine.ats("web", "MUG") == 2
    shop["MUG"] = 9  # someone else changed the channel
    engine.apply(sale("s19", "MUG", "DC1", 2, seq=19))
    (change,) = publisher.offer(engine.changes())  # 2 → 0 crosses zero: urgent
    with pytest.raises(AssertionError, match="STALE"):
        push(change)


def test_pitfall_08_reservation_expiry_is_lazy():
    # Nothing has to run for expired holds to give their stock back (Saleor filters on
    # reserved_until; a cleanup job is optional).
    holds = [Reservation("R1", "MUG", "DC1", 4, T0 + timedelta(minutes=15))]
    stock = [Position("MUG", "DC1", on_hand=10)]
    assert compute(stock, holds, WEB, as_of=T0)["web", "MUG"] == 6
    assert compute(stock, holds, WEB, as_of=T0 + timedelta(minutes=15))["web", "MUG"] == 10
    engine = Engine(WEB, Baseline(positions=stock, as_of=T0))
    engine.apply(
        Reserve(
            key="r",
            source="web",
            sequence=1,
            reservation_id="R1",
            sku="MUG",
            node="DC1",
            quantity=4,
            occurred_at=T0,
            expires_at=T0 + timedelta(minutes=15),
        )
    )
    assert engine.ats("web", "MUG", as_of=T0 + timedelta(minutes=14)) == 6
    assert engine.ats("web", "MUG", as_of=T0 + timedelta(minutes=16)) == 10
    assert [type(e).__name__ for e in engine.ledger] == ["Reserve"]


def test_pitfall_09_tie_breaks_are_total_and_deterministic():
    # Equal stock: the node id decides, whatever order the rules list the nodes in (and no
    # list.index per comparison); equal pool remainders go to the earlier share.
    stock = [Position("MUG", n, on_hand=3) for n in ("S1", "DC2", "DC1")]
    splits = set()
    for seed in range(6):
        nodes = list(NODES)
        random.Random(seed).shuffle(nodes)
        engine = Engine(
            Rules(nodes=nodes, channels=[Channel("web", {"SHIP", "PICKUP"})]),
            Baseline(positions=stock, as_of=T0),
        )
        parts = engine.reserve("web", "MUG", 5, reservation_id="R")
        splits.add(tuple((p.node, p.quantity) for p in parts))
    assert splits == {(("DC1", 3), ("DC2", 2))}
    pooled = Rules(nodes=NODES, pools=[Pool("p", [("b", 25), ("a", 25), ("c", 50)])])
    result = compute([Position("MUG", "DC1", on_hand=2)], [], pooled, as_of=T0)
    assert [result[c, "MUG"] for c in ("b", "a", "c")] == [1, 0, 1]


def test_pitfall_10_ledger_continuity_is_proven_before_drift_is_attributed():
    # Settlement's pitfall 10 (prove the file foots before matching) has an ATS twin: prove
    # the ledger has every sequence up to the snapshot's watermark before calling a
    # difference shrink. A gap is fetched and attributed, or reported, never guessed.
    engine = Engine(
        WEB,
        Baseline(positions=[Position("MUG", "DC1", on_hand=10)], watermarks={"pos": 0}, as_of=T0),
    )
    lost = sale("s2", "MUG", "DC1", 3, seq=2)
    engine.apply_all([sale("s1", "MUG", "DC1", 1), sale("s3", "MUG", "DC1", 1, seq=3)])
    snapshot = Snapshot("erp", T0 + timedelta(minutes=3), {"pos": 3}, {("MUG", "DC1"): 5})
    blind = engine.reconcile(snapshot)
    assert blind.gaps == {"pos": (2,)}
    informed = engine.reconcile(snapshot, replay=lambda source, seqs: [lost] if 2 in seqs else [])
    assert informed.gaps == {}
    assert [(i.reason, i.quantity) for i in informed.items] == [(DriftReason.MISSED_EVENT, -3)]


def test_safety_stock_and_thresholds_still_bound_a_reservation():
    rs = Rules(
        nodes=NODES,
        channels=[Channel("web")],
        safety_stock=[SafetyStock(2)],
        thresholds=[Threshold("web", 3)],
    )
    engine = Engine(rs, Baseline(positions=[Position("MUG", "DC1", on_hand=10)], as_of=T0))
    assert engine.ats("web", "MUG") == 5
    with pytest.raises(InsufficientStock):
        engine.reserve("web", "MUG", 6, reservation_id="R")
