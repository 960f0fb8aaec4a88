"""A small SQL layer shared by the stores that run on SQLite and on PostgreSQL.

`Database` gives one way to run ``?``-placeholder SQL in a transaction on either engine,
and applies numbered migrations once (recorded in ``retail_canon_schema``), under a lock so
that processes starting together do not race. psycopg is imported only by
`Database.postgres`. Private: the public stores wrap it.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, Protocol

__all__ = ["Cursor", "Database", "Migration"]

Migration = tuple[int, Callable[[Literal["sqlite", "postgres"]], Sequence[str]]]
"""A schema version and the statements that reach it, per dialect."""


class Cursor(Protocol):
    """What a transaction offers: run one statement, get its rows."""

    def __call__(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


class Database:
    """One connection to SQLite or PostgreSQL, and transactions on it."""

    def __init__(self, dialect: Literal["sqlite", "postgres"], conn: Any) -> None:
        self.dialect: Literal["sqlite", "postgres"] = dialect
        self._conn = conn

    @classmethod
    def sqlite(cls, path: str, *, timeout: float = 30.0) -> Database:
        """A SQLite database (a file, or ``:memory:``), WAL mode for files."""
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        try:
            if path != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        except BaseException:
            conn.close()
            raise
        return cls("sqlite", conn)

    @classmethod
    def postgres(cls, dsn: str) -> Database:
        """A PostgreSQL database (psycopg 3, imported here only)."""
        import psycopg

        return cls("postgres", psycopg.connect(dsn, autocommit=True))

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """A write transaction: ``BEGIN IMMEDIATE`` on SQLite, READ COMMITTED on PostgreSQL."""
        if self.dialect == "sqlite":
            conn: sqlite3.Connection = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield lambda sql, params=(): conn.execute(sql, tuple(params)).fetchall()
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return
        with self._conn.transaction():

            def run(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
                cur = self._conn.execute(sql.replace("?", "%s"), tuple(params))
                return list(cur.fetchall()) if cur.description else []

            yield run

    def migrate(self, component: str, migrations: Sequence[Migration]) -> None:
        """Apply the migrations of ``component`` this database has not seen yet."""
        with self.transaction() as sql:
            if self.dialect == "postgres":  # serialise concurrent first opens
                sql("SELECT pg_advisory_xact_lock(?)", (zlib.crc32(component.encode()),))
            sql(
                "CREATE TABLE IF NOT EXISTS retail_canon_schema (component TEXT NOT NULL, "
                "version INTEGER NOT NULL, PRIMARY KEY (component, version))"
            )
            done = {
                row[0]
                for row in sql(
                    "SELECT version FROM retail_canon_schema WHERE component = ?", (component,)
                )
            }
            for version, statements in migrations:
                if version in done:
                    continue
                for statement in statements(self.dialect):
                    sql(statement)
                sql(
                    "INSERT INTO retail_canon_schema (component, version) VALUES (?, ?)",
                    (component, version),
                )
