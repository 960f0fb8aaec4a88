"""`OrderPipeline`: composable steps, idempotent, audited, failing into the exception queue."""

from __future__ import annotations

from collections import Counter

import pytest

from retail_canon.connectors import RateLimited, SkippableRecordError, WriteReport, WriteResult
from retail_canon.models import Address, Customer, Money, OrderLine, Quantity, SalesOrder
from retail_canon.workflow import (
    ClaimInProgress,
    Envelope,
    ExceptionStatus,
    FunctionStep,
    InvalidPipeline,
    OrderContext,
    OrderPipeline,
    PipelineStatus,
    ReasonCode,
    SQLiteAuditTrail,
    SQLiteExceptionQueue,
    SQLiteIdempotencyStore,
    StepFailed,
    StepOutcome,
    classify_error,
)


def make_order(order_id: str = "shopify-1001", sku: str = "MUG") -> SalesOrder:
    return SalesOrder(
        order_id=order_id,
        channel="shopify",
        placed_at="2026-11-20T17:04:11Z",
        currency="USD",
        customer=Customer(name="  Avery   Example ", email="Avery@Example.COM"),
        ship_to=Address(
            name="Avery Example",
            lines=("12  Sample  Street",),
            city="Springfield",
            region="il",
            postal_code="627011234",
            country="US",
        ),
        lines=(
            OrderLine(
                line_id="1",
                sku=sku,
                quantity=Quantity(value=2),
                unit_price=Money(amount="12.50", currency="USD"),
            ),
        ),
    )


def delivery(order: SalesOrder, n: int = 1) -> Envelope:
    return Envelope.new(
        "/channels/shopify",
        "com.example.order.received",
        order,
        idempotency_key=f"shopify:{order.order_id}",
        id_factory=lambda: f"delivery-{n}",
    )


class Recorder:
    """Steps that count their calls and can be told to fail."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.failing: dict[str, Exception] = {}

    def step(self, name: str, **data: object) -> FunctionStep:
        def run(context: OrderContext) -> StepOutcome:
            self.calls[name] += 1
            if name in self.failing:
                raise self.failing[name]
            return StepOutcome(detail={"step": name}, data=data)

        return FunctionStep(name, run)


@pytest.fixture
def stores():
    with (
        SQLiteIdempotencyStore() as keys,
        SQLiteAuditTrail() as audit,
        SQLiteExceptionQueue(max_attempts=3) as queue,
    ):
        yield keys, audit, queue


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def pipeline(stores, recorder) -> OrderPipeline:
    keys, audit, queue = stores
    steps = [recorder.step(n) for n in ("normalized", "sourced", "erp_posted", "confirmed")]
    return OrderPipeline(steps, idempotency=keys, audit=audit, exceptions=queue)


def test_every_step_runs_once_and_is_audited(pipeline, recorder):
    env = delivery(make_order())
    result = pipeline.run(env)
    assert result.status is PipelineStatus.COMPLETED
    assert result.ran == ("normalized", "sourced", "erp_posted", "confirmed")
    assert recorder.calls == Counter(normalized=1, sourced=1, erp_posted=1, confirmed=1)
    trace = pipeline.audit.trace(env.correlation_id)
    assert [(e.step, e.status) for e in trace] == [
        ("ingested", "ok"),
        ("normalized", "ok"),
        ("sourced", "ok"),
        ("erp_posted", "ok"),
        ("confirmed", "ok"),
    ]
    assert trace[2].detail == {"step": "sourced"}
    assert pipeline.exceptions.records() == []


def test_a_failing_step_queues_the_order_and_no_later_step_runs(pipeline, recorder):
    recorder.failing["sourced"] = StepFailed(ReasonCode.OVERSELL_RISK, "no stock of MUG")
    env = delivery(make_order())
    result = pipeline.run(env)
    assert result.status is PipelineStatus.EXCEPTION
    assert not result.completed
    assert (result.failed_step, result.reason) == ("sourced", ReasonCode.OVERSELL_RISK)
    assert result.ran == ("normalized",)
    assert recorder.calls == Counter(normalized=1, sourced=1)  # no ERP post, no confirmation
    [record] = pipeline.exceptions.records()
    assert record.id == result.exception.id
    assert record.reason is ReasonCode.OVERSELL_RISK
    assert record.message == "sourced: no stock of MUG"
    assert record.correlation_id == env.correlation_id
    trace = pipeline.audit.trace(env.correlation_id)
    assert [(e.step, e.status) for e in trace][-1] == ("sourced", "failed")
    assert trace[-1].detail == {"reason": "oversell_risk", "error": "StepFailed"}
    # the failed step's claim is released: it is neither done nor pending
    assert pipeline.idempotency.outcome(pipeline.key(env, "sourced")) is None


def test_a_rerun_after_the_fix_resumes_without_repeating_done_steps(pipeline, recorder):
    recorder.failing["erp_posted"] = StepFailed(ReasonCode.VENDOR_REJECTED, "ERP down")
    first = pipeline.run(delivery(make_order(), 1))
    assert first.failed_step == "erp_posted"
    del recorder.failing["erp_posted"]
    again = pipeline.run(delivery(make_order(), 2))  # the channel redelivers
    assert again.status is PipelineStatus.COMPLETED
    assert again.restored == ("normalized", "sourced")
    assert again.ran == ("erp_posted", "confirmed")
    assert recorder.calls == Counter(normalized=1, sourced=1, erp_posted=2, confirmed=1)
    [record] = pipeline.exceptions.records()
    assert record.status is ExceptionStatus.RESOLVED  # the order went through


def test_replay_resumes_through_the_pipeline_and_counts_failed_attempts(pipeline, recorder):
    recorder.failing["confirmed"] = RateLimited("throttled", operation="createFulfillment")
    result = pipeline.run(delivery(make_order()))
    assert result.reason is ReasonCode.RATE_LIMITED
    report = pipeline.replay()  # still throttled
    assert (report.resolved, len(report.failed)) == ([], 1)
    record = pipeline.exceptions.get(result.exception.id)
    assert (record.status, record.attempts) == (ExceptionStatus.OPEN, 1)
    assert "confirmed" in record.last_error
    del recorder.failing["confirmed"]
    report = pipeline.replay()
    assert report.resolved == [record.id]
    assert pipeline.replay().attempted == 0  # replaying is idempotent
    assert recorder.calls == Counter(normalized=1, sourced=1, erp_posted=1, confirmed=3)


def test_a_repeat_delivery_of_a_finished_order_does_nothing_twice(pipeline, recorder):
    pipeline.run(delivery(make_order(), 1))
    result = pipeline.run(delivery(make_order(), 2))
    assert result.status is PipelineStatus.DUPLICATE
    assert result.completed
    assert result.ran == ()
    assert len(result.restored) == 4
    assert sum(recorder.calls.values()) == 4
    [record] = pipeline.exceptions.records()
    assert (record.reason, record.status) == (ReasonCode.DUPLICATE, ExceptionStatus.RESOLVED)
    pipeline.run(delivery(make_order(), 3))
    assert len(pipeline.exceptions.records()) == 1  # one record per duplicated order


def test_changes_a_step_made_to_the_order_are_restored_on_a_rerun(stores):
    keys, audit, queue = stores
    seen: list[str] = []

    def rename(context: OrderContext) -> StepOutcome:
        line = context.order.lines[0].model_copy(update={"sku": "MUG-BLUE"})
        return StepOutcome(order=context.order.model_copy(update={"lines": (line,)}))

    def post(context: OrderContext) -> StepOutcome:
        seen.append(context.order.lines[0].sku)
        if len(seen) == 1:
            raise StepFailed(ReasonCode.VENDOR_REJECTED, "try later")
        return StepOutcome()

    steps = [FunctionStep("renamed", rename), FunctionStep("posted", post)]
    pipeline = OrderPipeline(steps, idempotency=keys, audit=audit, exceptions=queue)
    pipeline.run(delivery(make_order()))
    result = pipeline.run(delivery(make_order(), 2))
    assert result.restored == ("renamed",)
    assert seen == ["MUG-BLUE", "MUG-BLUE"]
    assert result.order.lines[0].sku == "MUG-BLUE"


def test_steps_can_be_inserted_replaced_and_removed(pipeline, recorder):
    custom = pipeline.insert_before("erp_posted", recorder.step("credit_checked"))
    custom = custom.replace("confirmed", recorder.step("acknowledged"))
    custom = custom.insert_after("normalized", recorder.step("enriched")).remove("sourced")
    assert custom.step_names == (
        "normalized",
        "enriched",
        "credit_checked",
        "erp_posted",
        "acknowledged",
    )
    assert pipeline.step_names == ("normalized", "sourced", "erp_posted", "confirmed")
    result = custom.run(delivery(make_order()))
    assert result.ran == custom.step_names
    assert "sourced" not in recorder.calls


def test_a_replaced_step_takes_over_for_orders_that_failed_there(pipeline, recorder):
    recorder.failing["sourced"] = StepFailed(ReasonCode.OVERSELL_RISK, "no stock")
    pipeline.run(delivery(make_order()))
    fixed = pipeline.replace("sourced", FunctionStep("sourced", lambda ctx: StepOutcome()))
    assert fixed.replay().resolved
    assert recorder.calls == Counter(normalized=1, sourced=1, erp_posted=1, confirmed=1)


def test_bad_compositions_are_refused(pipeline, recorder):
    with pytest.raises(InvalidPipeline, match="unique"):
        pipeline.insert_after("sourced", recorder.step("normalized"))
    with pytest.raises(InvalidPipeline, match="unique"):
        pipeline.insert_after("sourced", recorder.step("ingested"))
    with pytest.raises(InvalidPipeline, match="has no step 'shipped'"):
        pipeline.replace("shipped", recorder.step("x"))
    with pytest.raises(InvalidPipeline, match="has not run"):
        OrderContext(delivery(make_order()), make_order()).data("sourced")


def test_unexpected_errors_are_classified(pipeline, recorder):
    recorder.failing["erp_posted"] = ZeroDivisionError("boom")
    result = pipeline.run(delivery(make_order()))
    assert result.reason is ReasonCode.OTHER
    assert result.exception.message == "erp_posted: boom"
    assert classify_error(SkippableRecordError("bad")) is ReasonCode.VENDOR_REJECTED
    assert classify_error(StepFailed("not-a-code", "x")) is ReasonCode.OTHER


class Crash(BaseException):
    """The process dies mid-step."""


def test_a_crash_mid_step_releases_the_claim_and_propagates(pipeline, recorder):
    recorder.failing["erp_posted"] = Crash()  # type: ignore[assignment]
    env = delivery(make_order())
    with pytest.raises(Crash):
        pipeline.run(env)
    assert pipeline.idempotency.outcome(pipeline.key(env, "erp_posted")) is None
    assert pipeline.exceptions.records() == []
    del recorder.failing["erp_posted"]
    assert pipeline.run(env).ran == ("erp_posted", "confirmed")


def test_a_step_held_by_another_worker_raises_claim_in_progress(pipeline):
    env = delivery(make_order())
    assert pipeline.idempotency.claim(pipeline.key(env, "normalized"), "worker-2").won
    with pytest.raises(ClaimInProgress):
        pipeline.run(env)


def test_the_envelope_may_carry_the_order_as_json(pipeline):
    order = make_order()
    env = Envelope.from_json(delivery(order).to_json())  # data is a dict now
    assert isinstance(env.data, dict)
    assert pipeline.run(env).order == order


def test_write_reports_are_what_the_sinks_return():
    # the built-in sink steps read WriteReport.ok / written / skipped
    report = WriteReport([WriteResult("shopify-1001", 201, "SO/1")])
    assert report.ok


def test_a_crash_between_erp_posting_and_channel_confirmation_does_not_post_twice(
    pipeline, recorder
):
    recorder.failing["confirmed"] = Crash()  # type: ignore[assignment]
    with pytest.raises(Crash):
        pipeline.run(delivery(make_order(), 1))
    del recorder.failing["confirmed"]
    result = pipeline.run(delivery(make_order(), 2))  # the channel redelivers
    assert result.status is PipelineStatus.COMPLETED
    assert result.restored == ("normalized", "sourced", "erp_posted")
    assert recorder.calls == Counter(normalized=1, sourced=1, erp_posted=1, confirmed=2)
