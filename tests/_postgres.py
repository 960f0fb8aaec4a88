"""The throwaway PostgreSQL cluster the store tests share (xref, workflow).

``initdb`` in a temporary directory, ``pg_ctl start`` on a free loopback port, one fresh
database per test, and the cluster stopped and deleted at the end of the session.
PostgreSQL refuses to run as root, so as root the cluster runs as the ``postgres`` user
(``runuser``). Without PostgreSQL binaries or psycopg the PostgreSQL tests are skipped,
unless ``RETAIL_CANON_REQUIRE_POSTGRES=1`` (set in CI), which makes them fail instead.
The session fixture ``pg_cluster`` is defined in ``tests/conftest.py``.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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


def start_cluster() -> Iterator[PgCluster]:
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


_DB_NUMBERS = itertools.count(1)


@contextlib.contextmanager
def pg_database(cluster: PgCluster, prefix: str = "test") -> Iterator[str]:
    import psycopg

    name = f"{prefix}_{os.getpid()}_{next(_DB_NUMBERS)}"
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    try:
        yield cluster.dsn(name)
    finally:
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")  # type: ignore[arg-type]
