"""Exception records, replay and dead-lettering, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from retail_canon.workflow import (
    Envelope,
    ExceptionStatus,
    ReasonCode,
    SQLiteExceptionQueue,
    UnknownExceptionRecord,
)


def _order(n: int) -> Envelope:
    return Envelope.new(
        "/channels/walmart", "order.received", {"order": n}, idempotency_key=f"wm:{n}"
    )


def test_add_records_the_envelope_and_reason(backend, clock):
    queue = backend.queue(clock=clock)
    env = _order(1)
    rec = queue.add(env, ReasonCode.UNKNOWN_SKU, "SKU X-1 has no xref")
    assert rec.reason is ReasonCode.UNKNOWN_SKU
    assert rec.status is ExceptionStatus.OPEN
    assert rec.attempts == 0
    assert rec.envelope == env
    assert rec.correlation_id == env.correlation_id
    assert queue.get(rec.id) == rec


def test_a_redelivery_does_not_duplicate_the_exception(backend):
    queue = backend.queue()
    first = queue.add(_order(1), "unknown_sku", "no xref")
    again = queue.add(_order(1), ReasonCode.UNKNOWN_SKU, "no xref (redelivered)")
    assert again.id == first.id
    other_reason = queue.add(_order(1), ReasonCode.TAX_MISMATCH, "tax")
    assert other_reason.id != first.id
    assert len(queue.records()) == 2


def test_replay_resolves_what_the_handler_accepts(backend, clock):
    queue = backend.queue(clock=clock)
    ids = [queue.add(_order(n), ReasonCode.RATE_LIMITED, "429").id for n in range(3)]
    seen = []
    report = queue.replay(lambda rec: seen.append(rec.envelope.data["order"]))
    assert report.resolved == ids
    assert seen == [0, 1, 2]
    assert all(r.status is ExceptionStatus.RESOLVED for r in queue.records())
    assert all(r.resolved_at > r.created_at for r in queue.records())
    # replay is idempotent: nothing is handed out twice
    assert queue.replay(lambda rec: seen.append(rec.id)).attempted == 0
    assert seen == [0, 1, 2]


def test_failures_count_attempts_and_dead_letter_at_the_limit(backend):
    queue = backend.queue(max_attempts=3)
    rec = queue.add(_order(1), ReasonCode.VENDOR_REJECTED, "400")

    def reject(_):
        raise ValueError("still rejected")

    assert queue.replay(reject).failed == [rec.id]
    assert queue.replay(reject).failed == [rec.id]
    assert queue.replay(reject).dead_lettered == [rec.id]
    dead = queue.get(rec.id)
    assert (dead.status, dead.attempts) == (ExceptionStatus.DEAD, 3)
    assert dead.last_error == "ValueError: still rejected"
    assert queue.replay(reject).attempted == 0
    assert queue.records(ExceptionStatus.DEAD) == [dead]


def test_one_replay_tries_each_record_once_and_respects_the_limit(backend):
    queue = backend.queue()
    for n in range(5):
        queue.add(_order(n), ReasonCode.TIMEOUT, "timeout")
    assert queue.replay(lambda _: None, limit=2).attempted == 2
    calls = []

    def fail(rec):
        calls.append(rec.id)
        raise RuntimeError

    assert len(queue.replay(fail).failed) == 3
    assert len(calls) == 3


def test_a_crashed_replay_lets_the_lease_expire(backend, clock):
    queue = backend.queue(clock=clock, lease=timedelta(seconds=10))
    rec = queue.add(_order(1), ReasonCode.OTHER, "x")

    class Crash(BaseException):
        pass

    def crash(_):
        raise Crash  # not an Exception: the process "dies" mid-handler

    with pytest.raises(Crash):
        queue.replay(crash)
    assert queue.get(rec.id).status is ExceptionStatus.REPLAYING
    assert queue.replay(lambda _: None).attempted == 0  # still leased
    for _ in range(10):
        clock()
    assert queue.replay(lambda _: None).resolved == [rec.id]


def test_records_filter_and_manual_resolution(backend):
    queue = backend.queue()
    a = queue.add(_order(1), ReasonCode.INVALID_ADDRESS, "zip")
    b = queue.add(_order(2), ReasonCode.OVERSELL_RISK, "ats 0")
    queue.resolve(a.id)
    assert [r.id for r in queue.records("open")] == [b.id]
    assert [r.id for r in queue.records(correlation_id=a.correlation_id)] == [a.id]
    with pytest.raises(UnknownExceptionRecord) as info:
        queue.get(999)
    assert info.value.code == "unknown_exception_record"
    with pytest.raises(UnknownExceptionRecord):
        queue.resolve(999)


def test_reason_codes_are_stable():
    assert {c.value for c in ReasonCode} >= {
        "unknown_sku",
        "xref_conflict",
        "tax_mismatch",
        "oversell_risk",
        "invalid_address",
        "duplicate",
        "vendor_rejected",
        "rate_limited",
        "payout_integrity",
    }
    with pytest.raises(ValueError, match="max_attempts"):
        SQLiteExceptionQueue(max_attempts=0)
