"""The append-only audit trail and `trace`, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from retail_canon.workflow import Envelope, SQLiteAuditTrail

STEPS = ["ingested", "erp_posted", "warehouse_released", "shipment_confirmed", "settled"]


def test_trace_returns_every_step_of_one_order_in_order(backend, clock):
    audit = backend.audit(clock=clock)
    order = Envelope.new("/channels/shopify", "order.received", {"n": 1})
    other = Envelope.new("/channels/amazon", "order.received", {"n": 2})
    event = order
    for step in STEPS:
        audit.record(event, step, detail={"step": step})
        audit.record(other, "ingested")
        event = event.caused("/runtime", f"order.{step}")
    trace = audit.trace(order.correlation_id)
    assert [e.step for e in trace] == STEPS
    assert {e.correlation_id for e in trace} == {order.correlation_id}
    assert trace[0].event_id == order.id
    assert trace[0].event_type == "order.received"
    assert trace[1].detail == {"step": "erp_posted"}
    assert [e.recorded_at for e in trace] == sorted(e.recorded_at for e in trace)
    assert len(audit.entries()) == 10
    assert audit.trace("unknown") == []


def test_a_bare_correlation_id_and_a_status(backend):
    audit = backend.audit()
    entry = audit.record("corr-1", "tax_validation", "failed", {"reason": "tax_mismatch"})
    assert (entry.status, entry.event_id, entry.detail) == (
        "failed",
        None,
        {"reason": "tax_mismatch"},
    )


@pytest.mark.parametrize(
    "sql", ["UPDATE workflow_audit SET status = 'ok'", "DELETE FROM workflow_audit"]
)
def test_the_trail_is_append_only(backend, sql):
    backend.audit().record("corr-1", "ingested")
    with pytest.raises(backend.database_error, match="append-only"):
        backend.execute(sql)
    assert backend.execute("SELECT count(*) FROM workflow_audit") == [(1,)]


def test_in_memory_default():
    with SQLiteAuditTrail() as audit:
        audit.record("c", "s")
        assert [e.step for e in audit.trace("c")] == ["s"]
