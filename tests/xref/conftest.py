"""Fixtures for the xref tests: every store test runs on SQLite and on a real PostgreSQL.

The PostgreSQL server is a throwaway cluster: ``initdb`` in a temporary directory,
``pg_ctl start`` on a free loopback port, one fresh database per test, and the cluster
stopped and deleted at the end of the session. PostgreSQL refuses to run as root, so as
root the cluster runs as the ``postgres`` user (``runuser``). Without PostgreSQL binaries or
psycopg the PostgreSQL tests are skipped, unless ``RETAIL_CANON_REQUIRE_POSTGRES=1`` (set
in CI), which makes them fail instead.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from retail_canon.xref import SQLiteStore, XrefStore

REQUIRE_ENV = "RETAIL_CANON_REQUIRE_POSTGRES"


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"PostgreSQL is required ({REQUIRE_ENV}=1) but unavailable: {reason}")
    pytest.skip(f"PostgreSQL unavailable: {reason}")


def find_pg_bindir() -> Path | None:
    """The directory with ``initdb`` and ``pg_ctl``: pg_config, Debian's layout, or PATH."""
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.name
        return tuple(int(p) for p in part.split(".") if p.isdigit())

    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    for candidate in candidates:
        if candidate and all((Path(candidate) / tool).is_file() for tool in ("initdb", "pg_ctl")):
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgCluster:
    """A running throwaway PostgreSQL cluster."""

    bindir: Path
    root: Path
    port: int
    as_user: list[str]
    version: str

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname} connect_timeout=10"

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.as_user, str(self.bindir / tool), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )


def _start_cluster() -> Iterator[PgCluster]:
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'retail-canon[postgres]')")
    bindir = find_pg_bindir()
    if bindir is None:
        _unavailable("initdb/pg_ctl not found (pg_config --bindir, /usr/lib/postgresql, PATH)")
    assert bindir is not None
    as_user: list[str] = []
    owner: tuple[int, int] | None = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        runuser = shutil.which("runuser")
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pw = None
        if runuser is None or pw is None:
            _unavailable("running as root, and no 'postgres' user or runuser to drop to")
        assert pw is not None
        as_user = [str(runuser), "-u", "postgres", "--"]
        owner = (pw.pw_uid, pw.pw_gid)
    root = Path(tempfile.mkdtemp(prefix="retail-canon-pg-"))
    try:
        if owner is not None:
            os.chown(root, *owner)
        cluster = PgCluster(bindir, root, 0, as_user, "")
        data = root / "data"
        init = cluster.run(
            "initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        if init.returncode != 0:
            _unavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
        started = None
        for _ in range(3):  # the free port may be taken between probe and start
            cluster.port = _free_port()
            options = (
                f"-p {cluster.port} -c listen_addresses=127.0.0.1 "
                f"-c unix_socket_directories={root} -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=40"
            )
            started = cluster.run(
                "pg_ctl", "-D", str(data), "-l", str(root / "log"), "-o", options, "-w",
                "-t", "60", "start",
            )  # fmt: skip
            if started.returncode == 0:
                break
        assert started is not None
        if started.returncode != 0:
            log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
            _unavailable(f"pg_ctl start failed: {started.stderr.strip()} {log[-500:]}")
        try:
            with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
                row = conn.execute("SHOW server_version").fetchone()
                cluster.version = str(row[0]) if row else "?"
            yield cluster
        finally:
            cluster.run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    yield from _start_cluster()


_DB_NUMBERS = itertools.count(1)


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


@contextlib.contextmanager
def _pg_database(cluster: PgCluster) -> Iterator[str]:
    import psycopg

    name = f"xref_{os.getpid()}_{next(_DB_NUMBERS)}"
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    try:
        yield cluster.dsn(name)
    finally:
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh database on each store; stores opened through it are closed afterwards."""
    opened: list[XrefStore] = []
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:{tmp_path / 'xref.db'}"
        else:
            cluster = request.getfixturevalue("pg_cluster")
            url = stack.enter_context(_pg_database(cluster))
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
