"""The audit trail: an append-only log of the steps of each business flow.

Every step writes one entry under the envelope's correlation id; `AuditTrail.trace` returns
them in the order they were written: one order from ingestion through ERP posting,
warehouse release, shipment confirmation and settlement. The table refuses updates and
deletes (triggers on both engines), so the trail is evidence, not state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from retail_canon._storage import Database, Migration
from retail_canon.workflow._envelope import Envelope

__all__ = ["AuditEntry", "AuditTrail", "PostgresAuditTrail", "SQLiteAuditTrail"]

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _schema(dialect: Literal["sqlite", "postgres"]) -> list[str]:
    table = """CREATE TABLE workflow_audit (
        id {ident},
        correlation_id TEXT NOT NULL CHECK (correlation_id <> ''),
        step TEXT NOT NULL CHECK (step <> ''),
        status TEXT NOT NULL CHECK (status <> ''),
        recorded_at TEXT NOT NULL,
        event_id TEXT,
        event_type TEXT,
        detail TEXT NOT NULL
    )"""
    index = "CREATE INDEX workflow_audit_by_correlation ON workflow_audit (correlation_id, id)"
    if dialect == "sqlite":
        return [
            table.format(ident="INTEGER PRIMARY KEY"),
            index,
            "CREATE TRIGGER workflow_audit_no_update BEFORE UPDATE ON workflow_audit "
            "BEGIN SELECT RAISE(ABORT, 'workflow_audit is append-only'); END",
            "CREATE TRIGGER workflow_audit_no_delete BEFORE DELETE ON workflow_audit "
            "BEGIN SELECT RAISE(ABORT, 'workflow_audit is append-only'); END",
        ]
    return [
        table.format(ident="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        index,
        "CREATE FUNCTION workflow_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'workflow_audit is append-only'; END $$",
        "CREATE TRIGGER workflow_audit_append_only BEFORE UPDATE OR DELETE ON workflow_audit "
        "FOR EACH ROW EXECUTE FUNCTION workflow_audit_append_only()",
    ]


MIGRATIONS: tuple[Migration, ...] = ((1, _schema),)
_COLUMNS = "id, correlation_id, step, status, recorded_at, event_id, event_type, detail"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One step of one flow: what ran, how it ended, on which event, with what detail."""

    id: int
    correlation_id: str
    step: str
    status: str
    recorded_at: datetime
    event_id: str | None
    event_type: str | None
    detail: dict[str, Any]


def _entry(row: Sequence[Any]) -> AuditEntry:
    return AuditEntry(
        id=int(row[0]),
        correlation_id=row[1],
        step=row[2],
        status=row[3],
        recorded_at=datetime.strptime(row[4], _FORMAT).replace(tzinfo=UTC),
        event_id=row[5],
        event_type=row[6],
        detail=json.loads(row[7]),
    )


class AuditTrail:
    """Append-only audit trail; use `SQLiteAuditTrail` or `PostgresAuditTrail`."""

    def __init__(
        self, db: Database, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._db = db
        self._clock = clock
        db.migrate("workflow_audit", MIGRATIONS)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> AuditTrail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(
        self,
        event: Envelope | str,
        step: str,
        status: str = "ok",
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry for ``event`` (an envelope, or a bare correlation id)."""
        if isinstance(event, Envelope):
            correlation, event_id, event_type = event.correlation_id, event.id, event.type
        else:
            correlation, event_id, event_type = event, None, None
        when = self._clock().astimezone(UTC).strftime(_FORMAT)
        text = json.dumps(detail or {}, sort_keys=True, separators=(",", ":"))
        with self._db.transaction() as sql:
            rows = sql(
                "INSERT INTO workflow_audit (correlation_id, step, status, recorded_at, "
                f"event_id, event_type, detail) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                (correlation, step, status, when, event_id, event_type, text),
            )
        return _entry(rows[0])

    def trace(self, correlation_id: str) -> list[AuditEntry]:
        """Every entry of one flow, in the order written."""
        with self._db.transaction() as sql:
            rows = sql(
                f"SELECT {_COLUMNS} FROM workflow_audit WHERE correlation_id = ? ORDER BY id",
                (correlation_id,),
            )
        return [_entry(row) for row in rows]

    def entries(self) -> list[AuditEntry]:
        """The whole trail, in the order written (for KPIs and exports)."""
        with self._db.transaction() as sql:
            rows = sql(f"SELECT {_COLUMNS} FROM workflow_audit ORDER BY id")
        return [_entry(row) for row in rows]


class SQLiteAuditTrail(AuditTrail):
    """The embedded default: a SQLite file or ``":memory:"``."""

    def __init__(self, path: str = ":memory:", **options: Any) -> None:
        db = Database.sqlite(path)
        try:
            super().__init__(db, **options)
        except BaseException:
            db.close()
            raise


class PostgresAuditTrail(AuditTrail):
    """The shared production trail on PostgreSQL (needs ``retail-canon[postgres]``)."""

    def __init__(self, dsn: str, **options: Any) -> None:
        db = Database.postgres(dsn)
        try:
            super().__init__(db, **options)
        except BaseException:
            db.close()
            raise
