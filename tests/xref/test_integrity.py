"""The database enforces the rules itself (raw SQL cannot break them); schema migrations."""

from __future__ import annotations

import contextlib

import pytest

from retail_canon.models import ExternalRef
from retail_canon.xref import SchemaVersionError, SQLiteStore, XrefResolver, XrefStoreError
from retail_canon.xref._migrations import POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS
from retail_canon.xref._store import (
    ConstraintViolation,
    Migration,
    RetryableStoreError,
    pending_migrations,
)

ME = {"actor": "tests", "reason": "integrity"}
T0 = "2025-01-01T00:00:00.000000+00:00"
T1 = "2025-02-01T00:00:00.000000+00:00"
T2 = "2025-03-01T00:00:00.000000+00:00"


@pytest.fixture
def linked(backend, store):
    """A ref linked to P1 through the resolver; the ids of its ref and link rows."""
    xref = XrefResolver(store)
    xref.link("product", "P1", ExternalRef(system="pos", scheme="gtin", value="036000291452"), **ME)
    ref_id = backend.execute("SELECT id FROM xref_refs")[0][0]
    link_id = backend.execute("SELECT id FROM xref_links")[0][0]
    return ref_id, link_id


def test_one_row_per_ref(backend, linked):
    with pytest.raises(backend.integrity_error):
        backend.execute(
            "INSERT INTO xref_refs (system, scheme, scope, value) VALUES (?, ?, '', ?)",
            ("pos", "gtin", "00036000291452"),
        )


def test_a_second_open_link_is_refused_by_the_database(backend, linked):
    ref_id, _ = linked
    with pytest.raises(backend.integrity_error):
        backend.execute(
            "INSERT INTO xref_links (ref_id, entity, canonical_id, valid_from) VALUES (?, ?, ?, ?)",
            (ref_id, "product", "P2", T2),
        )


def test_overlapping_history_is_refused_by_the_database(backend):
    backend.open()  # creates the schema
    backend.execute(
        "INSERT INTO xref_refs (system, scheme, scope, value) VALUES ('s', 'sku', 'x', 'v')"
    )
    ref_id = backend.execute("SELECT id FROM xref_refs")[0][0]
    insert = (
        "INSERT INTO xref_links (ref_id, entity, canonical_id, valid_from, valid_to) "
        "VALUES (?, 'product', ?, ?, ?)"
    )
    backend.execute(insert, (ref_id, "P1", T0, T2))
    with pytest.raises(backend.integrity_error):
        backend.execute(insert, (ref_id, "P2", T1, T2))  # inside the closed link
    with pytest.raises(backend.integrity_error):
        backend.execute(insert, (ref_id, "P2", T1, None))  # open, starting inside it
    backend.execute(insert, (ref_id, "P2", T2, None))  # starts where the first ended: fine
    assert backend.execute("SELECT count(*) FROM xref_links") == [(2,)]


def test_links_are_closed_once_and_never_deleted(backend, linked):
    _, link_id = linked
    for sql in (
        "UPDATE xref_links SET canonical_id = 'P2' WHERE id = ?",
        "UPDATE xref_links SET valid_from = '2020-01-01T00:00:00.000000+00:00' WHERE id = ?",
        "DELETE FROM xref_links WHERE id = ?",
    ):
        with pytest.raises(backend.integrity_error):
            backend.execute(sql, (link_id,))
    backend.execute("UPDATE xref_links SET valid_to = valid_from WHERE id = ?", (link_id,))
    with pytest.raises(backend.integrity_error):  # reopening
        backend.execute("UPDATE xref_links SET valid_to = NULL WHERE id = ?", (link_id,))


def test_the_audit_is_append_only(backend, linked):
    assert backend.execute("SELECT count(*) FROM xref_audit") == [(1,)]
    for sql in ("UPDATE xref_audit SET actor = 'someone else'", "DELETE FROM xref_audit"):
        with pytest.raises(backend.integrity_error):
            backend.execute(sql)
    assert backend.execute("SELECT actor FROM xref_audit") == [("tests",)]


def test_empty_values_are_refused_by_the_database(backend):
    backend.open()
    with pytest.raises(backend.integrity_error):
        backend.execute(
            "INSERT INTO xref_refs (system, scheme, scope, value) VALUES ('s', 'sku', '', '')"
        )


def test_schema_is_migrated_once_on_open(backend):
    first = backend.open()
    assert first.schema_version() == len(SQLITE_MIGRATIONS) == len(POSTGRES_MIGRATIONS)
    second = backend.open()  # opening again applies nothing
    assert second.schema_version() == first.schema_version()
    rows = backend.execute("SELECT version, description FROM xref_schema ORDER BY version")
    assert [row[0] for row in rows] == list(range(1, len(SQLITE_MIGRATIONS) + 1))


def test_a_newer_schema_is_refused(backend):
    backend.open()
    backend.execute("INSERT INTO xref_schema (version, description) VALUES (99, 'from the future')")
    with pytest.raises(SchemaVersionError, match="version 99"):
        backend.open()


def test_pending_migrations_run_in_order():
    steps = tuple(Migration(n, f"step {n}", ()) for n in (1, 2, 3))
    assert [m.version for m in pending_migrations(steps, 0, "db")] == [1, 2, 3]
    assert [m.version for m in pending_migrations(steps, 2, "db")] == [3]
    assert pending_migrations(steps, 3, "db") == []
    with pytest.raises(ValueError, match="numbered"):
        pending_migrations((steps[0], steps[2]), 0, "db")


def test_an_older_sqlite_file_is_brought_up_to_date(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE xref_schema "
        "(version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT)"
    )
    conn.commit()
    conn.close()
    with SQLiteStore(path) as store:
        assert store.schema_version() == len(SQLITE_MIGRATIONS)
        assert repr(store) == f"SQLiteStore({str(path)!r})"


def test_sqlite_file_is_in_wal_mode(tmp_path):
    import sqlite3

    with SQLiteStore(tmp_path / "x.db"):
        conn = sqlite3.connect(tmp_path / "x.db")
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        finally:
            conn.close()


class _Blind:
    """A store whose writer never sees a ref's links: only the database can refuse."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    @contextlib.contextmanager
    def write(self):
        with self._inner.write() as writer:
            yield _BlindWriter(writer)


class _BlindWriter:
    def __init__(self, writer):
        self._writer = writer

    def latest_link(self, ref_id):
        return None

    def __getattr__(self, name):
        return getattr(self._writer, name)


BARCODE = ExternalRef(system="pos", scheme="gtin", value="036000291452")


def test_the_database_refuses_what_python_did_not_check(store):
    XrefResolver(store).link("product", "P1", BARCODE, **ME)
    blind = XrefResolver(_Blind(store))
    with pytest.raises(XrefStoreError, match="write failed 8 times") as caught:
        blind.link("product", "P2", BARCODE, **ME)
    assert isinstance(caught.value.__cause__, ConstraintViolation)
    assert XrefResolver(store).resolve(BARCODE).canonical_id == "P1"
    assert len(XrefResolver(store).audit()) == 1


def test_a_write_that_lost_a_race_is_run_again(store):
    class Flaky:
        def __init__(self, inner, failures):
            self._inner, self.failures, self.calls = inner, failures, 0

        def __getattr__(self, name):
            return getattr(self._inner, name)

        def write(self):
            self.calls += 1
            if self.calls <= self.failures:
                raise RetryableStoreError("could not serialize access")
            return self._inner.write()

    flaky = Flaky(store, failures=3)
    link = XrefResolver(flaky).link("product", "P1", BARCODE, **ME)
    assert link.canonical_id == "P1"
    assert flaky.calls == 4
    assert len(XrefResolver(store).audit()) == 1
