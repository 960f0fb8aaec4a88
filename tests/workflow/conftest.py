"""Fixtures for the workflow tests: every store test runs on SQLite and on a real PostgreSQL.

The PostgreSQL server is the shared throwaway cluster (``tests/_postgres.py``, session
fixture ``pg_cluster`` in ``tests/conftest.py``): one fresh database per test.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from _postgres import pg_database
from retail_canon.workflow import AuditTrail, ExceptionQueue, IdempotencyStore
from workflow._worker import open_audit, open_idempotency, open_queue


@dataclass
class Backend:
    """One database for one test; what is opened through it is closed afterwards."""

    name: str
    url: str
    """``sqlite:<path>`` or a libpq DSN; what the worker processes get."""
    opened: list[Any] = field(default_factory=list)

    def idempotency(self) -> IdempotencyStore:
        return self._keep(open_idempotency(self.url))

    def queue(self, **options: Any) -> ExceptionQueue:
        return self._keep(open_queue(self.url, **options))

    def audit(self, **options: Any) -> AuditTrail:
        return self._keep(open_audit(self.url, **options))

    def _keep(self, store: Any) -> Any:
        self.opened.append(store)
        return store

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run raw SQL (``?`` placeholders) outside the stores, and commit."""
        if self.name == "sqlite":
            conn = sqlite3.connect(self.url.removeprefix("sqlite:"), isolation_level=None)
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    @property
    def database_error(self) -> type[Exception]:
        if self.name == "sqlite":
            return sqlite3.DatabaseError
        import psycopg

        return psycopg.DatabaseError


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:{tmp_path / 'workflow.db'}"
        else:
            cluster = request.getfixturevalue("pg_cluster")
            url = stack.enter_context(pg_database(cluster, "workflow"))
        backend = Backend(request.param, url)
        try:
            yield backend
        finally:
            for store in backend.opened:
                store.close()


@pytest.fixture
def clock() -> Callable[[], datetime]:
    """A clock that moves one second per call, from 2025-01-01 UTC."""
    ticks = itertools.count()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return lambda: start + timedelta(seconds=next(ticks))
