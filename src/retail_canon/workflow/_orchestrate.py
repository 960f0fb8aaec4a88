"""`OrderPipeline`: order orchestration as composable, idempotent, audited steps.

A pipeline is an ordered tuple of steps. Each step is any object with a ``name`` and a
``__call__(context)`` that returns a `StepOutcome` (or ``None``). The pipeline gives every
step the same guarantees, whatever it does:

- **Idempotent.** A step runs under the idempotency key
  ``{pipeline}:{envelope idempotency key}:{step}``. Its outcome is stored; a rerun of the
  same order (a redelivery, a replay after a fix) restores the outcome of every step that
  finished, order changes included, and runs only the steps that did not.
- **Audited.** Each step that runs appends one entry to the audit trail under the
  envelope's correlation id: its name, ``ok`` and its ``detail``, or ``failed`` and the
  reason. The first run of an order also appends ``ingested``.
- **No half-done orders.** A step that raises stops the pipeline: no later step runs, the
  step's claim is released, and the envelope goes to the exception queue with a reason
  code (`StepFailed` carries its own; other errors are classified by `classify_error`).

Steps are composed, not subclassed: `OrderPipeline.replace`, `insert_before`,
`insert_after` and `remove` return a new pipeline. The built-in steps live in
``retail_canon.workflow._steps``.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from retail_canon.workflow._envelope import Envelope
from retail_canon.workflow._errors import (
    ClaimInProgress,
    InvalidPipeline,
    PipelineIncomplete,
    StepFailed,
)
from retail_canon.workflow._exception_queue import ReasonCode

if TYPE_CHECKING:
    from retail_canon.models import SalesOrder
    from retail_canon.workflow._audit import AuditTrail
    from retail_canon.workflow._exception_queue import (
        ExceptionQueue,
        ExceptionRecord,
        ReplayReport,
    )
    from retail_canon.workflow._idempotency import IdempotencyStore

__all__ = [
    "FunctionStep",
    "OrderContext",
    "OrderPipeline",
    "PipelineResult",
    "PipelineStatus",
    "Step",
    "StepOutcome",
    "classify_error",
]

INGESTED = "ingested"
"""The audit step written once, on the first run of an order."""

_CODES: Mapping[str, ReasonCode] = {
    "rate_limited": ReasonCode.RATE_LIMITED,
    "transport_failure": ReasonCode.TIMEOUT,
    "server_error": ReasonCode.VENDOR_REJECTED,
    "malformed_response": ReasonCode.VENDOR_REJECTED,
    "bad_request": ReasonCode.VENDOR_REJECTED,
    "conflict": ReasonCode.VENDOR_REJECTED,
    "not_found": ReasonCode.VENDOR_REJECTED,
    "auth_error": ReasonCode.VENDOR_REJECTED,
    "skippable_record": ReasonCode.VENDOR_REJECTED,
    "insufficient_stock": ReasonCode.OVERSELL_RISK,
}


def classify_error(exc: Exception) -> ReasonCode:
    """The reason code for an error a step raised.

    `StepFailed` names its own; connector errors map by their ``code`` (``rate_limited``
    → `ReasonCode.RATE_LIMITED`, ``transport_failure`` → `ReasonCode.TIMEOUT`, a refused
    write or request → `ReasonCode.VENDOR_REJECTED`); anything else is
    `ReasonCode.OTHER`.

    >>> classify_error(StepFailed("unknown_sku", "SKU X has no cross-reference"))
    <ReasonCode.UNKNOWN_SKU: 'unknown_sku'>
    >>> classify_error(ZeroDivisionError())
    <ReasonCode.OTHER: 'other'>
    """
    if isinstance(exc, StepFailed):
        try:
            return ReasonCode(exc.reason)
        except ValueError:
            return ReasonCode.OTHER
    return _CODES.get(str(getattr(exc, "code", "")), ReasonCode.OTHER)


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What a step did.

    Attributes:
        detail: a JSON object for the audit trail (no personal data: it is evidence kept
            forever).
        data: a JSON object later steps read with `OrderContext.data` (stored with the
            outcome, not written to the audit trail).
        order: the order as the step left it, for the steps after it (normalisation);
            ``None`` keeps the order as it was.
        restored: true when the step did not run now and this is its stored outcome.
    """

    detail: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    order: SalesOrder | None = None
    restored: bool = False

    def _stored(self) -> dict[str, Any]:
        order = None if self.order is None else self.order.model_dump(mode="json")
        return {"detail": dict(self.detail), "data": dict(self.data), "order": order}

    @classmethod
    def _restore(cls, stored: Mapping[str, Any]) -> StepOutcome:
        order = None
        if stored.get("order") is not None:
            from retail_canon.models import SalesOrder

            order = SalesOrder.model_validate(stored["order"])
        return cls(stored.get("detail", {}), stored.get("data", {}), order, restored=True)


@dataclass(slots=True)
class OrderContext:
    """What a step sees: the envelope, the order so far, and the earlier steps' outcomes.

    Attributes:
        envelope: the delivery being processed (its ``data`` is the order as received).
        order: the order as the earlier steps left it.
        outcomes: the outcome of each earlier step, by step name.
    """

    envelope: Envelope
    order: SalesOrder
    outcomes: dict[str, StepOutcome] = field(default_factory=dict)

    def data(self, step: str) -> Mapping[str, Any]:
        """The ``data`` an earlier step left; `InvalidPipeline` if it has not run."""
        outcome = self.outcomes.get(step)
        if outcome is None:
            msg = f"step {step!r} has not run before this one; check the pipeline's order"
            raise InvalidPipeline(msg)
        return outcome.data


@runtime_checkable
class Step(Protocol):
    """One step of an `OrderPipeline`: a name, and a call on the `OrderContext`.

    Raise `StepFailed` (with a `ReasonCode`) to refuse the order; return a `StepOutcome`
    (or ``None``) when done. The name is part of the step's idempotency key and of the
    audit trail: keep it stable once orders have run through it.
    """

    name: str

    def __call__(self, context: OrderContext) -> StepOutcome | None:
        """Process the order."""
        ...


@dataclass(frozen=True, slots=True)
class FunctionStep:
    """A step made of a name and a function (``FunctionStep("fraud_screened", screen)``)."""

    name: str
    function: Callable[[OrderContext], StepOutcome | None]

    def __call__(self, context: OrderContext) -> StepOutcome | None:
        """Call the function."""
        return self.function(context)


class PipelineStatus(enum.StrEnum):
    """How a run ended."""

    COMPLETED = "completed"
    """Every step has finished (now or on an earlier run)."""
    DUPLICATE = "duplicate"
    """Every step had finished before: a repeat delivery, nothing ran."""
    EXCEPTION = "exception"
    """A step failed; the order is in the exception queue."""


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """What `OrderPipeline.run` did with one envelope.

    Attributes:
        status: completed, duplicate or exception.
        correlation_id: the envelope's correlation id (for `AuditTrail.trace`).
        order: the order as the last step that finished left it.
        ran: the steps that ran now and finished.
        restored: the steps that had finished on an earlier run and did not run again.
        failed_step: the step that failed, if one did.
        reason: its reason code.
        message: its message.
        exception: the exception record, when the run queued one.
        outcomes: every finished step's outcome, by name.
    """

    status: PipelineStatus
    correlation_id: str
    order: SalesOrder
    ran: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    failed_step: str | None = None
    reason: ReasonCode | None = None
    message: str | None = None
    exception: ExceptionRecord | None = None
    outcomes: Mapping[str, StepOutcome] = field(default_factory=dict)

    @property
    def completed(self) -> bool:
        """Whether every step has finished (``COMPLETED`` or ``DUPLICATE``)."""
        return self.status is not PipelineStatus.EXCEPTION


def _order_of(envelope: Envelope) -> SalesOrder:
    from retail_canon.models import SalesOrder

    data = envelope.data
    if isinstance(data, SalesOrder):
        return data
    return SalesOrder.model_validate(data)


class OrderPipeline:
    """Runs orders through steps, once each, audited, failing into the exception queue.

    Args:
        steps: the steps, in order (names must be unique).
        idempotency: where step outcomes are stored.
        audit: where each step's entry is written.
        exceptions: where failed orders go.
        name: the pipeline's name, the first part of every idempotency key.
        owner: who claims the keys (e.g. a worker id), for diagnosis.
        classify: the reason code of an error a step raised (`classify_error`).
        report_duplicates: queue a repeat delivery of a finished order as a
            `ReasonCode.DUPLICATE` record, resolved at once (it needs no action; it shows
            in the queue and in the resolution-time KPI).

    Raises:
        InvalidPipeline: two steps share a name, or a step is named ``ingested``.
    """

    def __init__(
        self,
        steps: Iterable[Step],
        *,
        idempotency: IdempotencyStore,
        audit: AuditTrail,
        exceptions: ExceptionQueue,
        name: str = "order",
        owner: str = "",
        classify: Callable[[Exception], ReasonCode] = classify_error,
        report_duplicates: bool = True,
    ) -> None:
        self._steps = tuple(steps)
        names = [step.name for step in self._steps]
        clashes = sorted({n for n in names if names.count(n) > 1 or n == INGESTED})
        if clashes:
            msg = f"pipeline {name!r}: step names must be unique and not {INGESTED!r}: {clashes}"
            raise InvalidPipeline(msg)
        if not name:
            raise InvalidPipeline("a pipeline needs a name")
        self.name = name
        self.idempotency = idempotency
        self.audit = audit
        self.exceptions = exceptions
        self.owner = owner
        self.classify = classify
        self.report_duplicates = report_duplicates

    # -- composition ------------------------------------------------------------------------

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps, in order."""
        return self._steps

    @property
    def step_names(self) -> tuple[str, ...]:
        """The steps' names, in order."""
        return tuple(step.name for step in self._steps)

    def with_steps(self, steps: Iterable[Step]) -> OrderPipeline:
        """The same pipeline (stores, name, options) with other steps."""
        return OrderPipeline(
            steps,
            idempotency=self.idempotency,
            audit=self.audit,
            exceptions=self.exceptions,
            name=self.name,
            owner=self.owner,
            classify=self.classify,
            report_duplicates=self.report_duplicates,
        )

    def _index(self, name: str) -> int:
        names = self.step_names
        if name not in names:
            msg = f"pipeline {self.name!r} has no step {name!r}; it has {list(names)}"
            raise InvalidPipeline(msg)
        return names.index(name)

    def replace(self, name: str, step: Step) -> OrderPipeline:
        """A pipeline with the step ``name`` replaced by ``step``."""
        i = self._index(name)
        return self.with_steps((*self._steps[:i], step, *self._steps[i + 1 :]))

    def insert_before(self, name: str, step: Step) -> OrderPipeline:
        """A pipeline with ``step`` inserted before the step ``name``."""
        i = self._index(name)
        return self.with_steps((*self._steps[:i], step, *self._steps[i:]))

    def insert_after(self, name: str, step: Step) -> OrderPipeline:
        """A pipeline with ``step`` inserted after the step ``name``."""
        i = self._index(name) + 1
        return self.with_steps((*self._steps[:i], step, *self._steps[i:]))

    def remove(self, name: str) -> OrderPipeline:
        """A pipeline without the step ``name``."""
        i = self._index(name)
        return self.with_steps((*self._steps[:i], *self._steps[i + 1 :]))

    # -- running ----------------------------------------------------------------------------

    def key(self, envelope: Envelope, step: str) -> str:
        """The idempotency key of ``step`` for ``envelope``."""
        return f"{self.name}:{envelope.idempotency_key}:{step}"

    def run(self, envelope: Envelope, *, queue_failures: bool = True) -> PipelineResult:
        """Run the order in ``envelope`` (its ``data``: a `SalesOrder` or its JSON).

        Steps that finished on an earlier run are restored, not run. A redelivery (same
        idempotency key, another event id) takes the correlation id of the first delivery,
        so `AuditTrail.trace` shows the whole order. On success, open exception records
        of this order are resolved: the order went through.

        Args:
            envelope: the delivery.
            queue_failures: put a failed order in the exception queue (`replay` turns it
                off: the record being replayed stays the one that counts attempts).

        Raises:
            ClaimInProgress: another worker is running a step of this order right now.
        """
        order = _order_of(envelope)
        ingested = self.idempotency.claim(self.key(envelope, INGESTED), self.owner)
        if ingested.won:
            self.audit.record(
                envelope, INGESTED, detail={"source": envelope.source, "order": order.order_id}
            )
            first = {"order": order.order_id, "correlation_id": envelope.correlation_id}
            self.idempotency.record(ingested.key, first)
        elif ingested.done:
            # A redelivery joins the flow of the first delivery: one trace per order.
            correlation = ingested.outcome.get("correlation_id") or envelope.correlation_id
            if correlation != envelope.correlation_id:
                envelope = dataclasses.replace(envelope, correlation_id=correlation)
        context = OrderContext(envelope, order)
        ran: list[str] = []
        restored: list[str] = []
        for step in self._steps:
            key = self.key(envelope, step.name)
            claim = self.idempotency.claim(key, self.owner)
            if claim.done:
                outcome = StepOutcome._restore(claim.outcome)
                restored.append(step.name)
            elif not claim.won:
                raise ClaimInProgress(key)
            else:
                try:
                    outcome = step(context) or StepOutcome()
                except Exception as exc:  # the step's failure is data here
                    self.idempotency.release(key)
                    return self._failed(context, step.name, exc, ran, restored, queue_failures)
                except BaseException:
                    self.idempotency.release(key)
                    raise
                self.idempotency.record(key, outcome._stored())
                self.audit.record(envelope, step.name, "ok", dict(outcome.detail))
                ran.append(step.name)
            context.outcomes[step.name] = outcome
            if outcome.order is not None:
                context.order = outcome.order
        status = PipelineStatus.COMPLETED
        if not ran and not ingested.won:
            status = PipelineStatus.DUPLICATE
            if self.report_duplicates:
                record = self.exceptions.add(
                    envelope,
                    ReasonCode.DUPLICATE,
                    f"order {order.order_id} delivered again after it was processed; "
                    "nothing was done twice",
                )
                if record.status.value == "open":
                    self.exceptions.resolve(record.id)
                self.audit.record(envelope, "duplicate_ignored", "duplicate", {"id": envelope.id})
        else:
            self._resolve_open(envelope)
        return PipelineResult(
            status,
            envelope.correlation_id,
            context.order,
            tuple(ran),
            tuple(restored),
            outcomes=dict(context.outcomes),
        )

    def _failed(
        self,
        context: OrderContext,
        step: str,
        exc: Exception,
        ran: list[str],
        restored: list[str],
        queue_failures: bool,
    ) -> PipelineResult:
        reason = self.classify(exc)
        message = str(exc) or type(exc).__name__
        detail: dict[str, Any] = {"reason": reason.value, "error": type(exc).__name__}
        if isinstance(exc, StepFailed):
            detail.update(exc.detail)
        self.audit.record(context.envelope, step, "failed", detail)
        record = None
        if queue_failures:
            record = self.exceptions.add(context.envelope, reason, f"{step}: {message}")
        return PipelineResult(
            PipelineStatus.EXCEPTION,
            context.envelope.correlation_id,
            context.order,
            tuple(ran),
            tuple(restored),
            step,
            reason,
            message,
            record,
            dict(context.outcomes),
        )

    def _resolve_open(self, envelope: Envelope) -> None:
        for record in self.exceptions.records("open", correlation_id=envelope.correlation_id):
            if record.envelope.idempotency_key == envelope.idempotency_key:
                self.exceptions.resolve(record.id)

    def replay(
        self,
        *,
        limit: int | None = None,
        on_result: Callable[[PipelineResult], object] | None = None,
    ) -> ReplayReport:
        """Replay the open records of the exception queue through this pipeline.

        Each record's envelope runs again; the steps that had finished are restored, so
        nothing is done twice. An order that fails again keeps its record open (one more
        attempt, dead-lettered at the queue's ``max_attempts``). ``on_result`` sees the
        `PipelineResult` of each replayed order.
        """

        def replay_one(record: ExceptionRecord) -> None:
            result = self.run(record.envelope, queue_failures=False)
            if on_result is not None:
                on_result(result)
            self._raise_if_incomplete(result)

        return self.exceptions.replay(replay_one, limit=limit)

    @staticmethod
    def _raise_if_incomplete(result: PipelineResult) -> None:
        if not result.completed:
            reason = (result.reason or ReasonCode.OTHER).value
            raise PipelineIncomplete(result.failed_step or "", reason, result.message or "")
