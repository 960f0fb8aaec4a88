"""The incremental engine: always equal to a full recompute of its baseline and ledger."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ats.strategies import T0, baselines, events, rules
from retail_canon.ats import (
    Baseline,
    Bucket,
    Change,
    Channel,
    ClockWentBackwards,
    Count,
    Delta,
    Demand,
    Engine,
    EngineSnapshot,
    InvalidAtsInput,
    Kit,
    MemoryLedgerStore,
    Node,
    Pool,
    Position,
    Reserve,
    Rules,
    SafetyStock,
    SQLiteLedgerStore,
    Threshold,
    UnknownChannel,
    _core,
    compiled_path_available,
    replay,
)


def delta(key, sku, node, quantity, *, source="pos", sequence=1, minute=1, bucket=Bucket.ON_HAND):
    return Delta(
        key=key,
        source=source,
        sequence=sequence,
        sku=sku,
        node=node,
        bucket=bucket,
        quantity=quantity,
        occurred_at=T0 + timedelta(minutes=minute),
    )


def simple_rules(**extra) -> Rules:
    return Rules(
        nodes=[Node("DC1", "DC"), Node("DC2", "DC"), Node("S1", "STORE", {"SHIP", "PICKUP"})],
        channels=[Channel("web", {"SHIP", "PICKUP"}), Channel("mkt", node_types={"DC"})],
        **extra,
    )


@given(rules(), baselines(), events(), st.randoms(use_true_random=False), st.integers(0, 70))
def test_incremental_equals_full_recompute_after_any_event_order(rs, base, stream, rnd, later):
    # Duplicates (same key) and any arrival order: the engine equals the recompute of the
    # unique events, however they arrived and wherever the clock stops.
    arrived = stream + rnd.sample(stream, k=len(stream) // 3)
    rnd.shuffle(arrived)
    engine = Engine(rs, base)
    cut = rnd.randrange(len(arrived) + 1)
    engine.apply_all(arrived[:cut])
    engine.changes()
    engine.apply_all(arrived[cut:])
    when = T0 + timedelta(minutes=later)
    engine.advance(when)
    expected = replay(rs, base, stream, as_of=when)
    assert engine.values() == dict(expected)
    for channel, sku in list(expected)[:6]:
        assert engine.ats(channel, sku) == expected[channel, sku]
        assert engine.explain(channel, sku).ats == expected[channel, sku]


@given(rules(), baselines(), events(max_size=20), st.randoms(use_true_random=False))
def test_published_changes_rebuild_the_current_values(rs, base, stream, rnd):
    # Applying every change, in order, to the values at the start gives the values now,
    # and each change's old value is what the previous one published (a CAS chain).
    engine = Engine(rs, base)
    replica = engine.values()
    for event in stream:
        engine.apply(event)
        if rnd.random() < 0.5:
            for change in engine.changes():
                assert replica.get((change.channel, change.sku), 0) == change.old
                assert change.old != change.new
                replica[change.channel, change.sku] = change.new
    for change in engine.changes():
        assert replica.get((change.channel, change.sku), 0) == change.old
        replica[change.channel, change.sku] = change.new
    # SKUs first seen in an event start from 0: a channel has not been told anything yet
    assert {k: replica.get(k, 0) for k in engine.values()} == engine.values()
    assert engine.changes() == []


def test_duplicate_keys_are_ignored_and_reported():
    engine = Engine(
        simple_rules(), Baseline(positions=[Position("MUG", "DC1", on_hand=5)], as_of=T0)
    )
    sale = delta("k1", "MUG", "DC1", -2)
    assert engine.apply(sale) is True
    assert engine.apply(sale) is False
    assert engine.apply_all([sale, delta("k2", "MUG", "DC1", -1, sequence=2)]) == 1
    assert engine.ats("web", "MUG") == 2
    assert len(engine.ledger) == 2


def test_out_of_order_delta_before_a_count_is_absorbed_by_the_count():
    # WMS counts 10 at sequence 5; a pick with sequence 4 arriving later is already in it,
    # a pick with sequence 6 is not.
    engine = Engine(
        simple_rules(), Baseline(positions=[Position("MUG", "DC1", on_hand=3)], as_of=T0)
    )
    count = Count(
        key="c",
        source="wms",
        sequence=5,
        sku="MUG",
        node="DC1",
        bucket=Bucket.ON_HAND,
        quantity=10,
        occurred_at=T0 + timedelta(minutes=5),
    )
    engine.apply(delta("p6", "MUG", "DC1", -1, source="wms", sequence=6, minute=6))
    engine.apply(count)
    assert engine.ats("web", "MUG") == 9
    engine.apply(delta("p4", "MUG", "DC1", -2, source="wms", sequence=4, minute=4))
    assert engine.ats("web", "MUG") == 9
    # A count from another source that occurred earlier does not replace the later one.
    older = Count(
        key="c2",
        source="erp",
        sequence=1,
        sku="MUG",
        node="DC1",
        bucket=Bucket.ON_HAND,
        quantity=50,
        occurred_at=T0 + timedelta(minutes=2),
    )
    engine.apply(older)
    assert engine.ats("web", "MUG") == 9


def test_events_each_touch_only_the_sources_of_their_node():
    engine = Engine(
        simple_rules(), Baseline(positions=[Position("MUG", "S1", on_hand=5)], as_of=T0)
    )
    engine.apply(delta("k", "MUG", "S1", -1))
    assert engine.changes() == [Change("web", "MUG", 5, 4)]  # the store is not a mkt node


def test_clock_moves_forward_only_and_expires_holds_lazily():
    base = Baseline(positions=[Position("MUG", "DC1", on_hand=5)], as_of=T0)
    engine = Engine(simple_rules(), base)
    engine.apply(
        Reserve(
            key="r",
            source="oms",
            sequence=1,
            reservation_id="R1",
            sku="MUG",
            node="DC1",
            quantity=3,
            occurred_at=T0,
            expires_at=T0 + timedelta(minutes=15),
        )
    )
    assert engine.ats("web", "MUG") == 2
    assert engine.ats("web", "MUG", as_of=T0 + timedelta(minutes=15)) == 5
    assert len(engine.ledger) == 1  # no expiry event was needed
    with pytest.raises(ClockWentBackwards):
        engine.advance(T0)


def test_reserve_after_expiry_time_never_counts():
    engine = Engine(
        simple_rules(), Baseline(positions=[Position("MUG", "DC1", on_hand=5)], as_of=T0)
    )
    engine.advance(T0 + timedelta(hours=1))
    engine.apply(
        Reserve(
            key="r",
            source="oms",
            sequence=1,
            reservation_id="R1",
            sku="MUG",
            node="DC1",
            quantity=3,
            occurred_at=T0,
            expires_at=T0 + timedelta(minutes=15),
        )
    )
    assert engine.ats("web", "MUG") == 5


def test_demand_for_unknown_channel_is_refused_before_the_ledger():
    engine = Engine(simple_rules())
    bad = Demand(
        key="d", source="oms", sequence=1, channel="nope", sku="MUG", quantity=1, occurred_at=T0
    )
    with pytest.raises(UnknownChannel, match="nope"):
        engine.apply(bad)
    assert len(engine.ledger) == 0
    with pytest.raises(UnknownChannel):
        engine.ats("nope", "MUG")
    assert engine.ats("web", "never-seen") == 0


def test_a_baseline_holds_one_position_per_sku_and_node():
    with pytest.raises(InvalidAtsInput, match="two positions for the same SKU and node"):
        Baseline(positions=[Position("A", "DC1", on_hand=1), Position("A", "DC1", on_hand=2)])


def test_naive_timestamps_are_refused():
    engine = Engine(simple_rules())
    naive = attrs.evolve(delta("k", "MUG", "DC1", 1), occurred_at=T0.replace(tzinfo=None))
    with pytest.raises(InvalidAtsInput, match="time zone"):
        engine.apply(naive)
    with pytest.raises(InvalidAtsInput):
        engine.advance(T0.replace(tzinfo=None))


def test_watermarks_and_gaps_per_source():
    engine = Engine(simple_rules(), Baseline(watermarks={"wms": 10}, as_of=T0))
    for seq in (11, 12, 14, 17):
        engine.apply(delta(f"w{seq}", "MUG", "DC1", 1, source="wms", sequence=seq, minute=seq))
    assert engine.watermarks()["wms"] == 12
    assert engine.gaps() == {"wms": (13, 15, 16)}
    engine.apply(delta("w13", "MUG", "DC1", 1, source="wms", sequence=13, minute=13))
    assert engine.watermarks()["wms"] == 14


def test_rule_change_recomputes_only_affected_positions():
    rs = simple_rules(safety_stock=[SafetyStock(1, sku="A", node="DC1")])
    positions = [Position(s, n, on_hand=10) for s in "ABCDEFGH" for n in ("DC1", "DC2", "S1")]
    engine = Engine(rs, Baseline(positions=positions, as_of=T0))
    edited = simple_rules(safety_stock=[SafetyStock(4, sku="A", node="DC1")])
    assert engine.update_rules(edited) == 1
    assert engine.values() == dict(replay(edited, engine.baseline, [], as_of=T0))
    by_node = simple_rules(
        safety_stock=[SafetyStock(4, sku="A", node="DC1"), SafetyStock(2, node="DC2")]
    )
    assert engine.update_rules(by_node) == 8
    assert engine.values() == dict(replay(by_node, engine.baseline, [], as_of=T0))
    changes = {(c.channel, c.sku): (c.old, c.new) for c in engine.changes()}
    assert changes[("web", "A")] == (29, 24)
    assert changes[("mkt", "C")] == (20, 18)
    # thresholds change no position, only numbers
    thresholds = simple_rules(
        safety_stock=by_node.safety_stock, thresholds=[Threshold("web", 5, sku="B")]
    )
    assert engine.update_rules(thresholds) == 0
    assert engine.ats("web", "B") == 23
    # a new channel changes the structure: everything is recomputed
    wider = Rules(
        nodes=by_node.nodes,
        channels=[*by_node.channels, Channel("app")],
        kits=[Kit("K", [("A", 1)])],
    )
    assert engine.update_rules(wider) == len(positions)
    assert engine.values() == dict(replay(wider, engine.baseline, [], as_of=T0))


@given(rules(), rules(), baselines(), events(max_size=15))
def test_any_rule_change_ends_equal_to_a_recompute(before, after, base, stream):
    engine = Engine(before, base)
    engine.apply_all(stream)
    engine.update_rules(after)
    assert engine.values() == dict(replay(after, base, stream, as_of=T0))


@given(rules(), baselines(), events(max_size=20))
def test_snapshot_and_restore_continue_exactly(rs, base, stream):
    half = len(stream) // 2
    engine = Engine(rs, base)
    engine.apply_all(stream[:half])
    engine.advance(T0 + timedelta(minutes=10))
    restored = Engine.restore(rs, EngineSnapshot.from_json(engine.snapshot().to_json()))
    assert restored.values() == engine.values()
    assert restored.changes() == []
    for e in (engine, restored):
        e.apply_all(stream[half:])
    assert restored.values() == engine.values()
    assert restored.audit() == []


def test_sqlite_store_makes_the_ledger_durable(tmp_path):
    rs = simple_rules()
    base = Baseline(positions=[Position("MUG", "DC1", on_hand=9)], as_of=T0)
    path = tmp_path / "ledger.db"
    store = SQLiteLedgerStore(path)
    engine = Engine(rs, base, store=store)
    engine.apply_all([delta("a", "MUG", "DC1", -2), delta("b", "MUG", "DC1", -3, sequence=2)])
    engine.apply(delta("a", "MUG", "DC1", -2))  # duplicate: not stored twice
    store.close()
    reopened = SQLiteLedgerStore(path)
    assert len(reopened) == 2
    again = Engine.from_store(rs, base, reopened, as_of=T0)
    assert again.ats("web", "MUG") == 4
    again.apply(delta("c", "MUG", "DC1", -1, sequence=3))
    assert [e.key for e in reopened.read()] == ["a", "b", "c"]
    assert [e.key for e in reopened.read(2)] == ["c"]
    reopened.close()


def test_memory_store_and_a_failing_store_leaves_state_unchanged():
    class Broken(MemoryLedgerStore):
        def append(self, events):
            raise OSError("disk full")

    engine = Engine(
        simple_rules(),
        Baseline(positions=[Position("MUG", "DC1", on_hand=9)], as_of=T0),
        store=Broken(),
    )
    with pytest.raises(OSError, match="disk full"):
        engine.apply(delta("a", "MUG", "DC1", -2))
    assert engine.ats("web", "MUG") == 9
    assert len(engine.ledger) == 0
    engine._store = MemoryLedgerStore()
    assert engine.apply(delta("a", "MUG", "DC1", -2)) is True  # not marked seen by the failure


def test_pool_members_and_kits_follow_events():
    rs = Rules(
        nodes=[Node("DC1", "DC")],
        pools=[Pool("mkt", [("amz", 60), ("ebay", 40)])],
        kits=[Kit("SET", [("MUG", 2)])],
    )
    engine = Engine(rs, Baseline(positions=[Position("MUG", "DC1", on_hand=10)], as_of=T0))
    assert engine.ats("amz", "MUG") == 6
    assert engine.ats("amz", "SET") == 3
    engine.apply(delta("s", "MUG", "DC1", -5))
    changes = {(c.channel, c.sku): (c.old, c.new) for c in engine.changes()}
    assert changes == {
        ("amz", "MUG"): (6, 3),
        ("ebay", "MUG"): (4, 2),
        ("amz", "SET"): (3, 1),
        ("ebay", "SET"): (2, 1),
    }


def test_on_hand_deltas_across_safety_stock_and_zero_match_a_replay():
    # An on_hand delta takes a straight line while net stock stays above every fixed
    # safety stock, and the clamped path when it crosses one, zero, or a percentage.
    rs = simple_rules(
        safety_stock=[SafetyStock(3, channel="web"), SafetyStock(percent=10, node="DC2")]
    )
    base = Baseline(
        positions=[Position("MUG", "DC1", on_hand=5), Position("MUG", "DC2", on_hand=40)],
        as_of=T0,
    )
    engine = Engine(rs, base)
    steps = [(-1, "DC1"), (-1, "DC1"), (-4, "DC1"), (+9, "DC1"), (-7, "DC2"), (+2, "GHOST")]
    steps += [(-30, "DC2"), (+1, "S1"), (+5, "S1"), (-2, "DC1")]
    stream = []
    for i, (qty, node) in enumerate(steps, 1):
        event = delta(f"k{i}", "MUG", node, qty, sequence=i, minute=i)
        stream.append(event)
        assert engine.apply(event) is True
        assert engine.values() == dict(replay(rs, base, stream, as_of=T0))
    assert engine.audit() == []


# -- the compiled path ---------------------------------------------------------------------


def test_the_engine_uses_the_compiled_path_only_where_it_may(apply_path):
    rules = Rules(nodes=[Node("DC1", "DC")], channels=[Channel("web")])
    compiled = apply_path == "compiled"
    assert compiled_path_available() is compiled
    assert Engine(rules).accelerated is compiled
    assert Engine(rules, accelerate=False).accelerated is False
    assert Engine(rules, store=MemoryLedgerStore()).accelerated is False
    engine = Engine(rules, Baseline(as_of=T0))
    engine.apply(delta("a", "MUG", "DC1", 4))
    restored = Engine.restore(rules, engine.snapshot(), store=MemoryLedgerStore())
    assert restored.accelerated is False
    assert Engine.restore(rules, engine.snapshot()).accelerated is compiled


@given(rules(), baselines(), events(max_size=30), st.randoms(use_true_random=False))
def test_compiled_and_python_paths_keep_identical_state(rs, base, stream, rnd):
    """Everything the two paths keep (ledger, journal, sums, marks) is the same."""
    stream = stream + [stream[i] for i in range(0, len(stream), 3)]
    rnd.shuffle(stream)
    fast, slow = Engine(rs, base), Engine(rs, base, accelerate=False)
    for event in stream:
        outcome = _outcome(fast.apply, event)
        assert outcome == _outcome(slow.apply, event)
    assert fast.values() == slow.values()
    assert fast.ledger[:] == slow.ledger[:]
    assert fast._journal == slow._journal
    assert fast.changes() == slow.changes()
    assert fast.audit() == []


def _outcome(apply, event):
    try:
        return apply(event)
    except Exception as exc:  # the same error, from either path
        return type(exc), str(exc)


def test_a_build_of_another_abi_is_ignored(monkeypatch):
    monkeypatch.setattr(_core, "_SPEEDUPS_ABI", -1)
    assert _core._load_speedups() is None
    monkeypatch.setenv("RETAIL_CANON_NO_EXTENSIONS", "1")
    monkeypatch.setattr(_core, "_SPEEDUPS_ABI", _core._SPEEDUPS_ABI)
    assert _core._load_speedups() is None
