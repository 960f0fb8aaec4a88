"""Exception records with reason codes, and the queue that replays them.

A step that cannot finish puts the envelope it was handling into the queue with a reason
code instead of leaving a half-done order. `ExceptionQueue.replay` hands each open record
to a handler: success resolves it, failure counts an attempt, and after ``max_attempts``
failures the record is dead-lettered. A record is leased while a handler runs, so replays
running at the same time (threads or processes) never hand one record out twice, and a
resolved record is never handed out again: replaying is idempotent.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from retail_canon._storage import Database, Migration
from retail_canon.workflow._envelope import Envelope
from retail_canon.workflow._errors import UnknownExceptionRecord

__all__ = [
    "ExceptionQueue",
    "ExceptionRecord",
    "ExceptionStatus",
    "PostgresExceptionQueue",
    "ReasonCode",
    "ReplayReport",
    "SQLiteExceptionQueue",
]


class ReasonCode(enum.StrEnum):
    """Why a record is in the queue; stable values, safe to store and to alert on."""

    UNKNOWN_SKU = "unknown_sku"
    XREF_CONFLICT = "xref_conflict"
    TAX_MISMATCH = "tax_mismatch"
    OVERSELL_RISK = "oversell_risk"
    INVALID_ADDRESS = "invalid_address"
    DUPLICATE = "duplicate"
    VENDOR_REJECTED = "vendor_rejected"
    RATE_LIMITED = "rate_limited"
    PAYOUT_INTEGRITY = "payout_integrity"
    FRAUD_SUSPECTED = "fraud_suspected"
    TIMEOUT = "timeout"
    OTHER = "other"


class ExceptionStatus(enum.StrEnum):
    """Where a record is: waiting, being replayed, done, or given up on."""

    OPEN = "open"
    REPLAYING = "replaying"
    RESOLVED = "resolved"
    DEAD = "dead"


def _ts(when: datetime) -> str:
    """A fixed-width UTC text timestamp, so text order is time order on both engines."""
    if when.tzinfo is None:
        raise ValueError("timestamps must be time-zone aware")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dt(text: str | None) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) if text else None


def _schema(dialect: Literal["sqlite", "postgres"]) -> list[str]:
    ident = (
        "INTEGER PRIMARY KEY"
        if dialect == "sqlite"
        else "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    )
    return [
        f"""CREATE TABLE workflow_exceptions (
            id {ident},
            dedupe_key TEXT NOT NULL UNIQUE,
            reason TEXT NOT NULL CHECK (reason <> ''),
            message TEXT NOT NULL,
            correlation_id TEXT NOT NULL,
            envelope TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('open', 'replaying', 'resolved', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            last_error TEXT,
            lease_until TEXT,
            created_at TEXT NOT NULL,
            resolved_at TEXT
        )""",
        "CREATE INDEX workflow_exceptions_by_status ON workflow_exceptions (status, id)",
        "CREATE INDEX workflow_exceptions_by_correlation "
        "ON workflow_exceptions (correlation_id, id)",
    ]


MIGRATIONS: tuple[Migration, ...] = ((1, _schema),)
_COLUMNS = (
    "id, reason, message, correlation_id, envelope, status, attempts, last_error, "
    "created_at, resolved_at"
)


@dataclass(frozen=True, slots=True)
class ExceptionRecord:
    """One envelope that a step could not process, and what happened to it since."""

    id: int
    reason: ReasonCode
    message: str
    correlation_id: str
    envelope: Envelope
    status: ExceptionStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    resolved_at: datetime | None


def _record(row: Sequence[Any]) -> ExceptionRecord:
    created = _dt(row[8])
    assert created is not None
    return ExceptionRecord(
        id=int(row[0]),
        reason=ReasonCode(row[1]),
        message=row[2],
        correlation_id=row[3],
        envelope=Envelope.from_json(row[4]),
        status=ExceptionStatus(row[5]),
        attempts=int(row[6]),
        last_error=row[7],
        created_at=created,
        resolved_at=_dt(row[9]),
    )


@dataclass
class ReplayReport:
    """What one `ExceptionQueue.replay` call did, by record id."""

    resolved: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dead_lettered: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return len(self.resolved) + len(self.failed) + len(self.dead_lettered)


class ExceptionQueue:
    """The exception queue; use `SQLiteExceptionQueue` or `PostgresExceptionQueue`.

    Args:
        db: the database.
        max_attempts: failed replays after which a record is dead-lettered.
        lease: how long a replay may hold a record before another replay may take it
            (a replay that crashed mid-handler does not hold it forever).
        clock: the current time (time-zone aware); injectable for tests.
    """

    def __init__(
        self,
        db: Database,
        *,
        max_attempts: int = 5,
        lease: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._db = db
        self.max_attempts = max_attempts
        self._lease = lease
        self._clock = clock
        db.migrate("workflow_exceptions", MIGRATIONS)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ExceptionQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, envelope: Envelope, reason: ReasonCode | str, message: str) -> ExceptionRecord:
        """Queue ``envelope`` with a reason code, and return its record.

        Adding the same event (source and idempotency key) for the same reason again is a
        no-op that returns the existing record: a redelivery does not duplicate exceptions.
        """
        code = ReasonCode(reason)
        dedupe = f"{code.value}|{envelope.source}|{envelope.idempotency_key}"
        with self._db.transaction() as sql:
            sql(
                "INSERT INTO workflow_exceptions (dedupe_key, reason, message, correlation_id, "
                "envelope, status, created_at) VALUES (?, ?, ?, ?, ?, 'open', ?) "
                "ON CONFLICT (dedupe_key) DO NOTHING",
                (
                    dedupe,
                    code.value,
                    message,
                    envelope.correlation_id,
                    envelope.to_json(),
                    _ts(self._clock()),
                ),
            )
            rows = sql(
                f"SELECT {_COLUMNS} FROM workflow_exceptions WHERE dedupe_key = ?", (dedupe,)
            )
        return _record(rows[0])

    def get(self, record_id: int) -> ExceptionRecord:
        with self._db.transaction() as sql:
            rows = sql(f"SELECT {_COLUMNS} FROM workflow_exceptions WHERE id = ?", (record_id,))
        if not rows:
            raise UnknownExceptionRecord(record_id)
        return _record(rows[0])

    def records(
        self, status: ExceptionStatus | str | None = None, *, correlation_id: str | None = None
    ) -> list[ExceptionRecord]:
        """Records in id order, optionally of one status and/or one correlation id."""
        where, params = [], []
        if status is not None:
            where.append("status = ?")
            params.append(ExceptionStatus(status).value)
        if correlation_id is not None:
            where.append("correlation_id = ?")
            params.append(correlation_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._db.transaction() as sql:
            rows = sql(f"SELECT {_COLUMNS} FROM workflow_exceptions{clause} ORDER BY id", params)
        return [_record(row) for row in rows]

    def resolve(self, record_id: int) -> None:
        """Mark a record resolved by hand (fixed outside the queue)."""
        self._finish(record_id, ExceptionStatus.RESOLVED, None)

    def _take(self, after: int) -> ExceptionRecord | None:
        now = self._clock()
        lock = " FOR UPDATE SKIP LOCKED" if self._db.dialect == "postgres" else ""
        with self._db.transaction() as sql:
            rows = sql(
                f"SELECT {_COLUMNS} FROM workflow_exceptions WHERE id > ? AND (status = 'open' "
                "OR (status = 'replaying' AND lease_until < ?)) ORDER BY id LIMIT 1" + lock,
                (after, _ts(now)),
            )
            if not rows:
                return None
            sql(
                "UPDATE workflow_exceptions SET status = 'replaying', lease_until = ? WHERE id = ?",
                (_ts(now + self._lease), rows[0][0]),
            )
        return _record(rows[0])

    def _finish(self, record_id: int, status: ExceptionStatus, error: str | None) -> None:
        with self._db.transaction() as sql:
            if status is ExceptionStatus.RESOLVED:
                done = sql(
                    "UPDATE workflow_exceptions SET status = 'resolved', resolved_at = ?, "
                    "lease_until = NULL WHERE id = ? RETURNING id",
                    (_ts(self._clock()), record_id),
                )
            else:
                done = sql(
                    "UPDATE workflow_exceptions SET status = ?, attempts = attempts + 1, "
                    "last_error = ?, lease_until = NULL WHERE id = ? RETURNING id",
                    (status.value, error, record_id),
                )
        if not done:
            raise UnknownExceptionRecord(record_id)

    def replay(
        self, handler: Callable[[ExceptionRecord], object], *, limit: int | None = None
    ) -> ReplayReport:
        """Hand each open record to ``handler`` once, in id order.

        A handler that returns resolves the record; one that raises counts an attempt, and
        the record is dead-lettered at ``max_attempts``. Make the handler's side effects
        idempotent too (e.g. with `IdempotencyStore.run` keyed by the envelope's
        idempotency key): a replay that crashes after the side effect and before the record
        is resolved will hand the record out again once its lease expires.
        """
        report = ReplayReport()
        after = 0
        while limit is None or report.attempted < limit:
            record = self._take(after)
            if record is None:
                break
            after = record.id
            try:
                handler(record)
            except Exception as exc:  # the handler's failure is data here
                dead = record.attempts + 1 >= self.max_attempts
                status = ExceptionStatus.DEAD if dead else ExceptionStatus.OPEN
                self._finish(record.id, status, f"{type(exc).__name__}: {exc}")
                (report.dead_lettered if dead else report.failed).append(record.id)
            else:
                self._finish(record.id, ExceptionStatus.RESOLVED, None)
                report.resolved.append(record.id)
        return report


class SQLiteExceptionQueue(ExceptionQueue):
    """The embedded default: a SQLite file (shared by processes) or ``":memory:"``."""

    def __init__(self, path: str = ":memory:", **options: Any) -> None:
        db = Database.sqlite(path)
        try:
            super().__init__(db, **options)
        except BaseException:
            db.close()
            raise


class PostgresExceptionQueue(ExceptionQueue):
    """The shared production queue on PostgreSQL (needs ``retail-canon[postgres]``)."""

    def __init__(self, dsn: str, **options: Any) -> None:
        db = Database.postgres(dsn)
        try:
            super().__init__(db, **options)
        except BaseException:
            db.close()
            raise
