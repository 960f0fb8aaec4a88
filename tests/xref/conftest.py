"""Fixtures for the xref tests: every store test runs on SQLite and on a real PostgreSQL.

The PostgreSQL server is the shared throwaway cluster of ``tests/_postgres.py`` (the
session fixture ``pg_cluster`` lives in ``tests/conftest.py``): one fresh database per test.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from _postgres import REQUIRE_ENV, PgCluster, _unavailable, find_pg_bindir, pg_database
from retail_canon.xref import SQLiteStore, XrefStore

# re-exported for test_pg_fixture.py
__all__ = ["REQUIRE_ENV", "PgCluster", "_unavailable", "find_pg_bindir"]


@dataclass
class Backend:
    """One database for one test, and how to open stores on it and reach it raw."""

    name: str
    url: str
    """``sqlite:<path>`` or a libpq DSN; what the worker processes get."""
    opened: list[XrefStore]

    def open(self) -> XrefStore:
        store = open_store(self.url)
        self.opened.append(store)
        return store

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run raw SQL (``?`` placeholders) on the database, outside the store, and commit."""
        if self.name == "sqlite":
            conn = sqlite3.connect(self.url.removeprefix("sqlite:"), isolation_level=None)
            try:
                conn.execute("PRAGMA foreign_keys = ON")
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    @property
    def integrity_error(self) -> type[Exception]:
        if self.name == "sqlite":
            return sqlite3.IntegrityError
        import psycopg

        return psycopg.IntegrityError


def open_store(url: str) -> XrefStore:
    """A store for a backend URL (also used by the worker processes)."""
    if url.startswith("sqlite:"):
        return SQLiteStore(url.removeprefix("sqlite:"))
    from retail_canon.xref import PostgresStore

    return PostgresStore(url)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh database on each store; stores opened through it are closed afterwards."""
    opened: list[XrefStore] = []
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:{tmp_path / 'xref.db'}"
        else:
            cluster = request.getfixturevalue("pg_cluster")
            url = stack.enter_context(pg_database(cluster, "xref"))
        backend = Backend(request.param, url, opened)
        try:
            yield backend
        finally:
            for store in opened:
                store.close()


@pytest.fixture
def store(backend: Backend) -> XrefStore:
    return backend.open()


@pytest.fixture
def clock() -> Callable[[], Any]:
    """A clock that moves one second per call, from 2025-01-01 UTC."""
    from datetime import UTC, datetime, timedelta

    ticks = itertools.count()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return lambda: start + timedelta(seconds=next(ticks))
