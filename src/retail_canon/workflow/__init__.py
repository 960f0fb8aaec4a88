"""Workflow building blocks: make an integration runtime observable and safe.

- `Envelope`: a CloudEvents 1.0 event (JSON structured mode) around a canonical object,
  with idempotency key, correlation id and causation id.
- `IdempotencyStore`: claim a key, record the outcome, return it on a repeat.
- `ExceptionQueue`: exception records with reason codes, replay, dead-lettering.
- `AuditTrail`: append-only steps per correlation id; `trace` one order.
- `OrderPipeline`: order orchestration as composable steps (`NormalizeParties`,
  `ResolveItems`, `ValidateTax`, `ScreenFraud`, `SourceOrder`, `PostToErp`,
  `ShipFulfillments`, `ConfirmToChannel`, or your own `Step`), each idempotent and
  audited, a failing step queueing the order with a reason code.
- KPIs: `step_latency`, `interface_failure_rate`, `duplicate_rate`, `replay_volume`,
  `exception_resolution_time`, `inventory_freshness`.

Each store has a SQLite implementation (the embedded default) and a PostgreSQL one
(``pip install 'retail-canon[postgres]'``; psycopg is imported only when one is created).
"""

from __future__ import annotations

from retail_canon.workflow._audit import (
    AuditEntry,
    AuditTrail,
    PostgresAuditTrail,
    SQLiteAuditTrail,
)
from retail_canon.workflow._envelope import Envelope
from retail_canon.workflow._errors import (
    ClaimInProgress,
    InvalidEnvelope,
    InvalidPipeline,
    NotClaimed,
    PipelineIncomplete,
    StepFailed,
    UnknownExceptionRecord,
    WorkflowError,
)
from retail_canon.workflow._exception_queue import (
    ExceptionQueue,
    ExceptionRecord,
    ExceptionStatus,
    PostgresExceptionQueue,
    ReasonCode,
    ReplayReport,
    SQLiteExceptionQueue,
)
from retail_canon.workflow._idempotency import (
    Claim,
    IdempotencyStore,
    PostgresIdempotencyStore,
    SQLiteIdempotencyStore,
)
from retail_canon.workflow._kpi import (
    DurationStats,
    duplicate_rate,
    exception_resolution_time,
    interface_failure_rate,
    inventory_freshness,
    replay_volume,
    step_latency,
)
from retail_canon.workflow._orchestrate import (
    FunctionStep,
    OrderContext,
    OrderPipeline,
    PipelineResult,
    PipelineStatus,
    Step,
    StepOutcome,
    classify_error,
)
from retail_canon.workflow._steps import (
    ConfirmToChannel,
    NormalizeParties,
    PostToErp,
    ResolveItems,
    ScreenFraud,
    ShipFulfillments,
    SourceOrder,
    ValidateTax,
)

__all__ = [
    "AuditEntry",
    "AuditTrail",
    "Claim",
    "ClaimInProgress",
    "ConfirmToChannel",
    "DurationStats",
    "Envelope",
    "ExceptionQueue",
    "ExceptionRecord",
    "ExceptionStatus",
    "FunctionStep",
    "IdempotencyStore",
    "InvalidEnvelope",
    "InvalidPipeline",
    "NormalizeParties",
    "NotClaimed",
    "OrderContext",
    "OrderPipeline",
    "PipelineIncomplete",
    "PipelineResult",
    "PipelineStatus",
    "PostToErp",
    "PostgresAuditTrail",
    "PostgresExceptionQueue",
    "PostgresIdempotencyStore",
    "ReasonCode",
    "ReplayReport",
    "ResolveItems",
    "SQLiteAuditTrail",
    "SQLiteExceptionQueue",
    "SQLiteIdempotencyStore",
    "ScreenFraud",
    "ShipFulfillments",
    "SourceOrder",
    "Step",
    "StepFailed",
    "StepOutcome",
    "UnknownExceptionRecord",
    "ValidateTax",
    "WorkflowError",
    "classify_error",
    "duplicate_rate",
    "exception_resolution_time",
    "interface_failure_rate",
    "inventory_freshness",
    "replay_volume",
    "step_latency",
]
