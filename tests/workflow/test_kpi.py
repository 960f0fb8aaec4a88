"""KPIs computed from envelopes, audit entries and exception records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from retail_canon.workflow import (
    DurationStats,
    Envelope,
    ReasonCode,
    ReplayReport,
    SQLiteAuditTrail,
    SQLiteExceptionQueue,
    duplicate_rate,
    exception_resolution_time,
    interface_failure_rate,
    inventory_freshness,
    replay_volume,
    step_latency,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def test_duration_stats():
    stats = DurationStats.of(timedelta(seconds=s) for s in [4, 1, 3, 2])
    assert stats == DurationStats(
        4, timedelta(seconds=2.5), timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=4)
    )
    assert DurationStats.of([]).count == 0


def test_order_latency_and_failure_rate_from_the_audit_trail():
    now = iter(T0 + timedelta(seconds=s) for s in [0, 1, 5, 30, 32, 40])
    with SQLiteAuditTrail(clock=lambda: next(now)) as audit:
        audit.record("o1", "ingested")  # t=0
        audit.record("o2", "ingested")  # t=1
        audit.record("o1", "erp_posted")  # t=5
        audit.record("o2", "erp_posted", "failed")  # t=30
        audit.record("o2", "erp_posted")  # t=32
        audit.record("o3", "ingested")  # t=40, not posted yet
        trail = audit.entries()
    latency = step_latency(trail, "ingested", "erp_posted")
    assert latency.count == 2
    assert latency.max == timedelta(seconds=31)
    assert latency.p50 == timedelta(seconds=5)
    assert interface_failure_rate(trail) == 1 / 6
    assert interface_failure_rate([]) == 0.0


def test_duplicate_rate_and_inventory_freshness():
    a = Envelope.new("/shopify", "order.received", idempotency_key="SO-1", time=T0)
    redelivered = Envelope.new("/shopify", "order.received", idempotency_key="SO-1", time=T0)
    b = Envelope.new("/amazon", "order.received", idempotency_key="SO-1", time=T0)
    assert duplicate_rate([a, redelivered, b, a]) == 0.5
    assert duplicate_rate([]) == 0.0
    stock = [
        Envelope.new("/wms", "inventory.snapshot", subject="DC1", time=T0),
        Envelope.new("/wms", "inventory.snapshot", subject="DC1", time=T0 + timedelta(hours=1)),
        Envelope.new("/pos", "inventory.snapshot", subject="S001", time=T0),
    ]
    fresh = inventory_freshness([*stock, a], T0 + timedelta(hours=2), type_prefix="inventory.")
    assert fresh == {("/pos", "S001"): timedelta(hours=2), ("/wms", "DC1"): timedelta(hours=1)}


def test_replay_volume_and_exception_resolution_time():
    now = iter(T0 + timedelta(minutes=m) for m in range(100))
    with SQLiteExceptionQueue(clock=lambda: next(now)) as queue:
        for n in range(3):
            queue.add(Envelope.new("/s", "t", {"n": n}), ReasonCode.RATE_LIMITED, "429")

        def fail_first(rec):
            if rec.envelope.data["n"] == 0:
                raise RuntimeError

        reports = [queue.replay(fail_first), queue.replay(lambda _: None)]
        records = queue.records()
    assert replay_volume(reports) == 4
    assert replay_volume([ReplayReport()]) == 0
    stats = exception_resolution_time(records)
    assert stats.count == 3
    assert stats.max > stats.p50 > timedelta(0)
