"""`IdempotencyStore`: claim a key, record its outcome, get the stored outcome on a repeat.

One implementation over `retail_canon._storage.Database`, so SQLite and PostgreSQL run the
same SQL: a claim is an ``INSERT ... ON CONFLICT DO NOTHING RETURNING``, which exactly one
of any number of concurrent claimers (threads or processes) wins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from retail_canon._storage import Database, Migration
from retail_canon.workflow._errors import ClaimInProgress, NotClaimed

__all__ = ["Claim", "IdempotencyStore", "PostgresIdempotencyStore", "SQLiteIdempotencyStore"]


def _schema(dialect: Literal["sqlite", "postgres"]) -> list[str]:
    return [
        """CREATE TABLE workflow_idempotency (
            key TEXT PRIMARY KEY CHECK (key <> ''),
            state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
            owner TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            recorded_at TEXT,
            outcome TEXT
        )"""
    ]


MIGRATIONS: tuple[Migration, ...] = ((1, _schema),)


@dataclass(frozen=True, slots=True)
class Claim:
    """The answer to `IdempotencyStore.claim`.

    Attributes:
        key: the idempotency key.
        won: this call claimed the key: do the work, then `IdempotencyStore.record`.
        done: an outcome is recorded (``outcome`` holds it): do not do the work again.
        outcome: the recorded outcome (a JSON value), or ``None``.
        owner: who claimed the key.
    """

    key: str
    won: bool
    done: bool
    outcome: Any
    owner: str


def _now() -> str:
    return datetime.now(UTC).isoformat()


class IdempotencyStore:
    """Claims and outcomes per idempotency key (outcomes are JSON values).

    Use `SQLiteIdempotencyStore` or `PostgresIdempotencyStore`; close it (or use ``with``).
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        db.migrate("workflow_idempotency", MIGRATIONS)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> IdempotencyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def claim(self, key: str, owner: str = "") -> Claim:
        """Claim ``key``; ``won`` is true for exactly one caller until it is released."""
        with self._db.transaction() as sql:
            won = sql(
                "INSERT INTO workflow_idempotency (key, state, owner, claimed_at) "
                "VALUES (?, 'pending', ?, ?) ON CONFLICT (key) DO NOTHING RETURNING key",
                (key, owner, _now()),
            )
            row = sql(
                "SELECT state, outcome, owner FROM workflow_idempotency WHERE key = ?", (key,)
            )[0]
        done = row[0] == "done"
        return Claim(key, bool(won), done, json.loads(row[1]) if done else None, row[2])

    def record(self, key: str, outcome: Any) -> None:
        """Store the outcome of a won claim; later claims of ``key`` return it."""
        text = json.dumps(outcome, sort_keys=True, separators=(",", ":"))
        with self._db.transaction() as sql:
            updated = sql(
                "UPDATE workflow_idempotency SET state = 'done', outcome = ?, recorded_at = ? "
                "WHERE key = ? AND state = 'pending' RETURNING key",
                (text, _now(), key),
            )
        if not updated:
            raise NotClaimed(key)

    def release(self, key: str) -> None:
        """Give up a pending claim (the work failed cleanly), so the key can be claimed again."""
        with self._db.transaction() as sql:
            deleted = sql(
                "DELETE FROM workflow_idempotency WHERE key = ? AND state = 'pending' "
                "RETURNING key",
                (key,),
            )
        if not deleted:
            raise NotClaimed(key)

    def outcome(self, key: str) -> Claim | None:
        """The state of ``key`` without claiming it (``won`` is false), or ``None``."""
        with self._db.transaction() as sql:
            rows = sql(
                "SELECT state, outcome, owner FROM workflow_idempotency WHERE key = ?", (key,)
            )
        if not rows:
            return None
        done = rows[0][0] == "done"
        return Claim(key, False, done, json.loads(rows[0][1]) if done else None, rows[0][2])

    def run(self, key: str, work: Callable[[], Any], owner: str = "") -> Any:
        """Do ``work`` once per key: its outcome the first time, the stored one after.

        If ``work`` raises, the claim is released and the error propagates. Raises
        `ClaimInProgress` when another caller holds the key and has not finished.
        """
        claim = self.claim(key, owner)
        if claim.done:
            return claim.outcome
        if not claim.won:
            raise ClaimInProgress(key)
        try:
            outcome = work()
        except BaseException:
            self.release(key)
            raise
        self.record(key, outcome)
        return outcome


class SQLiteIdempotencyStore(IdempotencyStore):
    """The embedded default: a SQLite file (shared by processes) or ``":memory:"``."""

    def __init__(self, path: str = ":memory:") -> None:
        db = Database.sqlite(path)
        try:
            super().__init__(db)
        except BaseException:
            db.close()
            raise


class PostgresIdempotencyStore(IdempotencyStore):
    """The shared production store on PostgreSQL (needs ``retail-canon[postgres]``)."""

    def __init__(self, dsn: str) -> None:
        db = Database.postgres(dsn)
        try:
            super().__init__(db)
        except BaseException:
            db.close()
            raise
