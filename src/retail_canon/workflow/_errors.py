"""The errors of the workflow building blocks, each with a stable ``code``.

```
RetailCanonError
└── WorkflowError
    ├── InvalidEnvelope (ValueError)    an envelope that breaks CloudEvents 1.0 or our rules
    ├── ClaimInProgress                 the key is claimed, its outcome not recorded yet
    ├── NotClaimed                      recording an outcome for a key nobody holds
    ├── UnknownExceptionRecord (KeyError)
    ├── InvalidPipeline (ValueError)    steps with clashing names, or a step name not found
    ├── StepFailed                      a pipeline step refuses the order, with a reason code
    └── PipelineIncomplete              a replayed order stopped at a step again
```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from retail_canon._exceptions import RetailCanonError

__all__ = [
    "ClaimInProgress",
    "InvalidEnvelope",
    "InvalidPipeline",
    "NotClaimed",
    "PipelineIncomplete",
    "StepFailed",
    "UnknownExceptionRecord",
    "WorkflowError",
]


class WorkflowError(RetailCanonError):
    """Root of the errors of `retail_canon.workflow`."""

    code = "workflow_error"


class InvalidEnvelope(WorkflowError, ValueError):
    """An envelope (or its JSON) that is not a valid CloudEvents 1.0 structured event."""

    code = "invalid_envelope"


class ClaimInProgress(WorkflowError):
    """Another worker holds the idempotency key and has not recorded its outcome yet."""

    code = "idempotency_claim_in_progress"

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"idempotency key {key!r} is claimed and its outcome not recorded yet")


class NotClaimed(WorkflowError):
    """An outcome recorded (or a claim released) for a key that is not pending."""

    code = "idempotency_not_claimed"

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"idempotency key {key!r} is not claimed (or already has an outcome)")


class UnknownExceptionRecord(WorkflowError, KeyError):
    """No exception record with that id in the queue."""

    code = "unknown_exception_record"

    def __init__(self, record_id: int) -> None:
        self.record_id = record_id
        super().__init__(f"no exception record {record_id}")


class InvalidPipeline(WorkflowError, ValueError):
    """A pipeline whose steps clash (two steps of one name), or a step name it lacks."""

    code = "invalid_pipeline"


class StepFailed(WorkflowError):
    """Raised by a pipeline step that cannot process the order.

    The pipeline catches it, queues the order with ``reason`` and runs no later step.

    Attributes:
        reason: the exception queue's reason code (a `ReasonCode` value).
        detail: JSON details for the audit trail (no personal data).
    """

    code = "step_failed"

    def __init__(
        self, reason: str, message: str, *, detail: Mapping[str, Any] | None = None
    ) -> None:
        self.reason = reason
        self.detail: dict[str, Any] = dict(detail or {})
        super().__init__(message)


class PipelineIncomplete(WorkflowError):
    """A replayed order stopped at a step again: the exception record stays open.

    Attributes:
        step: the step that failed.
        reason: its reason code.
    """

    code = "pipeline_incomplete"

    def __init__(self, step: str, reason: str, message: str) -> None:
        self.step = step
        self.reason = reason
        super().__init__(f"step {step!r} failed again ({reason}): {message}")
