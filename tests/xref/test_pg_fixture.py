"""The PostgreSQL fixture: a real, throwaway server; skipped or failed when there is none."""

from __future__ import annotations

import getpass

import pytest

from xref.conftest import REQUIRE_ENV, _unavailable, find_pg_bindir


def test_missing_postgres_is_a_skip_by_default(monkeypatch):
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL unavailable: no initdb"):
        _unavailable("no initdb")


def test_missing_postgres_is_a_failure_when_required(monkeypatch):
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=r"required .* unavailable: no initdb"):
        _unavailable("no initdb")


def test_the_postgres_tests_talk_to_a_real_server(pg_cluster):
    import psycopg

    with psycopg.connect(pg_cluster.dsn(), autocommit=True) as conn:

        def one(sql):
            row = conn.execute(sql).fetchone()
            assert row is not None
            return row[0]

        assert one("SELECT version()").startswith("PostgreSQL ")
        assert one("SELECT current_setting('port')::int") == pg_cluster.port
        assert one("SELECT inet_server_addr()::text").startswith("127.0.0.1")
        # the cluster is the fixture's own: a fresh data directory in a temporary directory
        assert one("SELECT current_setting('data_directory')") == str(pg_cluster.root / "data")
    major = (pg_cluster.root / "data" / "PG_VERSION").read_text().strip()
    assert pg_cluster.version.split(".")[0] == major
    assert find_pg_bindir() == pg_cluster.bindir
    if getpass.getuser() == "root":  # PostgreSQL refuses root: the fixture drops to postgres
        assert pg_cluster.as_user[-3:] == ["-u", "postgres", "--"]
