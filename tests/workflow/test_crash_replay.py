"""A crash between "posted to ERP" and "acknowledged to channel": replay does not post twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from retail_canon.workflow import Envelope, ExceptionStatus, ReasonCode


class Crash(BaseException):
    """The process dies: not an `Exception`, so nothing in the library catches it."""


def test_replay_after_a_crash_does_not_post_twice(backend, clock):
    keys = backend.idempotency()
    queue = backend.queue(clock=clock, lease=timedelta(seconds=30))
    audit = backend.audit(clock=clock)
    order = Envelope.new("/channels/shopify", "order.received", {"order": "SO-1"})
    posted: list[str] = []
    acked: list[str] = []
    crash_on_ack = [True]

    def post_to_erp() -> str:
        posted.append(order.idempotency_key)
        return "ERP/0001"

    def handle(rec) -> None:
        env = rec.envelope
        erp_id = keys.run(f"erp-post:{env.idempotency_key}", post_to_erp)
        audit.record(env, "erp_posted", detail={"erp": erp_id})
        if crash_on_ack[0]:
            raise Crash
        keys.run(f"channel-ack:{env.idempotency_key}", lambda: acked.append(erp_id) or "ok")
        audit.record(env, "channel_confirmed")

    queue.add(order, ReasonCode.TIMEOUT, "channel ack timed out")
    with pytest.raises(Crash):
        queue.replay(handle)
    assert posted == [order.idempotency_key]
    assert acked == []

    crash_on_ack[0] = False
    for _ in range(30):  # the crashed replay's lease runs out
        clock()
    report = queue.replay(handle)
    assert len(report.resolved) == 1
    assert posted == [order.idempotency_key]  # not posted twice
    assert acked == ["ERP/0001"]
    assert queue.records(ExceptionStatus.OPEN) == []
    assert [e.step for e in audit.trace(order.correlation_id)] == [
        "erp_posted",
        "erp_posted",
        "channel_confirmed",
    ]
    assert [e.detail for e in audit.trace(order.correlation_id)][:2] == [{"erp": "ERP/0001"}] * 2
