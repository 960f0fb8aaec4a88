"""The errors of the workflow building blocks, each with a stable ``code``.

```
RetailCanonError
└── WorkflowError
    ├── InvalidEnvelope (ValueError)    an envelope that breaks CloudEvents 1.0 or our rules
    ├── ClaimInProgress                 the key is claimed, its outcome not recorded yet
    ├── NotClaimed                      recording an outcome for a key nobody holds
    └── UnknownExceptionRecord (KeyError)
```
"""

from __future__ import annotations

from retail_canon._exceptions import RetailCanonError

__all__ = [
    "ClaimInProgress",
    "InvalidEnvelope",
    "NotClaimed",
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
