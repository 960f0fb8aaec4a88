"""`SQLiteStore`: the embedded default, a file (or ``:memory:``) in WAL mode.

Several processes may share one file: readers see a consistent snapshot, writers take the
database's write lock at the start of their transaction (``BEGIN IMMEDIATE``) and wait
for each other up to ``timeout`` seconds. Timestamps are stored as fixed-width ISO 8601
text in UTC, which sorts like time.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal, cast

from retail_canon.xref._migrations import SQLITE_MIGRATIONS
from retail_canon.xref._schemes import Key
from retail_canon.xref._sqlite_reads import BatchReader, link_row, when
from retail_canon.xref._store import (
    AuditDraft,
    AuditRow,
    ConstraintViolation,
    LinkRow,
    RetryableStoreError,
    TargetRow,
    pending_migrations,
)
from retail_canon.xref._types import Canonical

__all__ = ["SQLiteStore"]

_EXACT = "r.system = k.system AND r.scheme = k.scheme AND r.scope = k.scope AND r.value = k.value"
_LINK_COLUMNS = (
    "l.id, r.system, r.scheme, r.value, r.scope, l.entity, l.canonical_id, l.valid_from, l.valid_to"
)


def _ts(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def _owner(entity: str | None, canonical_id: str | None) -> Canonical | None:
    return Canonical(entity, canonical_id) if entity is not None and canonical_id else None


class _Writer:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def lock_ref(self, key: Key, *, create: bool) -> int | None:
        # The transaction holds the database's write lock: the ref is locked already.
        params = (key.system, key.scheme, key.scope or "", key.value)
        row = self._conn.execute(
            "SELECT id FROM xref_refs WHERE system = ? AND scheme = ? AND scope = ? AND value = ?",
            params,
        ).fetchone()
        if row is not None:
            return cast(int, row[0])
        if not create:
            return None
        cur = self._conn.execute(
            "INSERT INTO xref_refs (system, scheme, scope, value) VALUES (?, ?, ?, ?)", params
        )
        return cast(int, cur.lastrowid)

    def latest_link(self, ref_id: int) -> LinkRow | None:
        row = self._conn.execute(
            f"SELECT {_LINK_COLUMNS} FROM xref_links AS l JOIN xref_refs AS r ON r.id = l.ref_id "
            "WHERE l.ref_id = ? ORDER BY l.valid_to IS NULL DESC, l.valid_from DESC, l.id DESC "
            "LIMIT 1",
            (ref_id,),
        ).fetchone()
        return link_row(row) if row is not None else None

    def insert_link(self, ref_id: int, owner: Canonical, valid_from: datetime) -> int:
        cur = self._conn.execute(
            "INSERT INTO xref_links (ref_id, entity, canonical_id, valid_from) VALUES (?, ?, ?, ?)",
            (ref_id, owner.entity, owner.canonical_id, _ts(valid_from)),
        )
        return cast(int, cur.lastrowid)

    def close_link(self, link_id: int, valid_to: datetime) -> None:
        self._conn.execute(
            "UPDATE xref_links SET valid_to = ? WHERE id = ?", (_ts(valid_to), link_id)
        )

    def append_audit(self, draft: AuditDraft) -> None:
        before, after = draft.before, draft.after
        self._conn.execute(
            "INSERT INTO xref_audit (recorded_at, actor, reason, action, ref_id, link_id, "
            "before_entity, before_id, after_entity, after_id, effective_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _ts(draft.recorded_at),
                draft.actor,
                draft.reason,
                draft.action,
                draft.ref_id,
                draft.link_id,
                before.entity if before else None,
                before.canonical_id if before else None,
                after.entity if after else None,
                after.canonical_id if after else None,
                _ts(draft.effective_at),
            ),
        )


class SQLiteStore:
    """The cross-reference store in one SQLite file (or in memory).

    Args:
        path: the database file, created if missing, or ``":memory:"`` for a private
            in-memory database (tests, one-off jobs).
        timeout: seconds a writer waits for another process's write transaction.

    The schema is created or migrated when the store opens. A store object belongs to one
    thread; open one per thread or process. Close it (or use it as a context manager).
    """

    def __init__(self, path: str | os.PathLike[str] = ":memory:", *, timeout: float = 60.0) -> None:
        self.path = os.fspath(path)
        self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self._commits = 0
        self._depth = 0
        try:
            self._setup()
        except BaseException:
            self._conn.close()
            raise
        self._reader = BatchReader(self._conn)

    def _setup(self) -> None:
        conn = self._conn
        conn.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":
            for attempt in range(50):  # the journal-mode switch does not wait on its own
                try:
                    conn.execute("PRAGMA journal_mode = WAL")
                    break
                except sqlite3.OperationalError:
                    if attempt == 49:
                        raise
                    time.sleep(0.05)
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS xref_schema (version INTEGER PRIMARY KEY, "
                "description TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            current = conn.execute("SELECT coalesce(max(version), 0) FROM xref_schema").fetchone()
            for migration in pending_migrations(SQLITE_MIGRATIONS, current[0], self.path):
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO xref_schema (version, description) VALUES (?, ?)",
                    (migration.version, migration.description),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    def schema_version(self) -> int:
        """The schema version of the database."""
        return cast(int, self._conn.execute("SELECT max(version) FROM xref_schema").fetchone()[0])

    def change_token(self) -> object:
        """Changes after this store's commits and after other connections' commits."""
        return (self._commits, self._conn.execute("PRAGMA data_version").fetchone()[0])

    # -- transactions --------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[None]:
        """Reads inside the block share one snapshot of the database."""
        if self._depth:
            yield
            return
        self._conn.execute("BEGIN")
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            self._conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[_Writer]:
        """A write transaction holding the database's write lock."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # still locked after ``timeout``
            raise RetryableStoreError(str(exc)) from exc
        try:
            yield _Writer(self._conn)
        except sqlite3.IntegrityError as exc:
            self._conn.execute("ROLLBACK")
            raise ConstraintViolation(str(exc)) from exc
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        self._commits += 1

    # -- reads ---------------------------------------------------------------------------

    def find_links(
        self, keys: Sequence[Key], *, at: datetime | None, any_system: bool = False
    ) -> list[list[LinkRow]]:
        """The links of each key (with ``any_system``: of its value in every system)."""
        return self._reader.find_links(keys, at, any_system)

    def resolve_keys(
        self, keys: Sequence[Key], *, at: datetime | None, system: str | None, scheme: str | None
    ) -> list[list[TargetRow]]:
        """Per key, its owner and the owner's other refs in ``system`` (see `XrefStore`)."""
        return self._reader.resolve_keys(keys, at, system, scheme)

    def find_refs(
        self,
        owners: Sequence[Canonical],
        *,
        at: datetime | None,
        system: str | None = None,
        scheme: str | None = None,
    ) -> list[list[LinkRow]]:
        """The links pointing to each canonical object, optionally of one system/scheme."""
        return self._reader.find_refs(owners, at, system, scheme)

    def history(self, key: Key) -> list[LinkRow]:
        """Every link the ref ever had, oldest first."""
        rows = self._conn.execute(
            f"SELECT {_LINK_COLUMNS} FROM xref_refs AS r JOIN xref_links AS l ON l.ref_id = r.id "
            "WHERE r.system = ? AND r.scheme = ? AND r.scope = ? AND r.value = ? "
            "ORDER BY l.valid_from, l.id",
            (key.system, key.scheme, key.scope or "", key.value),
        )
        return [link_row(row) for row in rows]

    def audit(self, *, key: Key | None = None, owner: Canonical | None = None) -> list[AuditRow]:
        """Audit entries, oldest first, optionally of one ref or one canonical object."""
        sql = (
            "SELECT a.id, a.recorded_at, a.actor, a.reason, a.action, r.system, r.scheme, "
            "r.value, r.scope, a.before_entity, a.before_id, a.after_entity, a.after_id, "
            "a.effective_at FROM xref_audit AS a JOIN xref_refs AS r ON r.id = a.ref_id"
        )
        where: list[str] = []
        params: list[Any] = []
        if key is not None:
            where.append("r.system = ? AND r.scheme = ? AND r.scope = ? AND r.value = ?")
            params += (key.system, key.scheme, key.scope or "", key.value)
        if owner is not None:
            where.append(
                "((a.before_entity = ? AND a.before_id = ?) OR "
                "(a.after_entity = ? AND a.after_id = ?))"
            )
            params += (owner.entity, owner.canonical_id) * 2
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._conn.execute(sql + " ORDER BY a.id", params)
        return [
            AuditRow(
                r[0],
                datetime.fromisoformat(r[1]),
                r[2],
                r[3],
                cast(Literal["link", "unlink"], r[4]),
                Key(r[5], r[6], r[7], r[8] or None),
                _owner(r[9], r[10]),
                _owner(r[11], r[12]),
                datetime.fromisoformat(r[13]),
            )
            for r in rows
        ]

    def all_links(self, *, at: datetime | None) -> Iterator[LinkRow]:
        """Every link in force, sorted by canonical object and ref."""
        condition, extra = when(at)
        rows = self._conn.execute(
            f"SELECT {_LINK_COLUMNS} FROM xref_links AS l JOIN xref_refs AS r ON r.id = l.ref_id "
            f"WHERE {condition} "
            "ORDER BY l.entity, l.canonical_id, r.system, r.scheme, r.scope, r.value",
            extra,
        )
        for row in rows:
            yield link_row(row)
