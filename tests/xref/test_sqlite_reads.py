"""SQLite batches stay clear of Bloom-filter plans, whatever the planner statistics say."""

from __future__ import annotations

import io
import sqlite3

from retail_canon.models import ExternalRef
from retail_canon.xref import SQLiteStore, XrefResolver
from retail_canon.xref._sqlite_reads import BatchReader

ME = {"actor": "tests", "reason": "batches"}


def _plans(conn, reader):
    """For every query shape the reader planned: its batch size and whether it uses Bloom."""
    out = []
    for (names, tail), (_, size) in reader._batches.items():
        sql = "EXPLAIN QUERY PLAN " + reader._statement(names, tail, size)
        width = len(names.split(","))
        extra = tail.count("?")
        steps = conn.execute(sql, [None] * (width * size + extra)).fetchall()
        out.append((size, any("BLOOM" in str(step[-1]) for step in steps)))
    return out


def test_batches_shrink_until_the_plan_has_no_bloom_filter(tmp_path):
    path = tmp_path / "x.db"
    sheet = io.StringIO()
    sheet.write("entity,canonical_id,system,scheme,value,scope\n")
    for i in range(300):
        sheet.write(f"product,P{i},amazon,asin,B0{i:08X},M\nproduct,P{i},erp,item_code,I{i},c\n")
    sheet.seek(0)
    refs = [
        ExternalRef(system="amazon", scheme="asin", value=f"B0{i:08X}", scope="M")
        for i in range(300)
    ]
    with SQLiteStore(path) as store:
        XrefResolver(store).import_csv(sheet, **ME, dry_run=False)
        reader = BatchReader(store._conn, batch=512)
        store._reader = reader
        xref = XrefResolver(store, cache_size=0)
        answers = xref.resolve_many(refs, to_system="erp")
        assert [a.target.value for a in answers] == [f"I{i}" for i in range(300)]
        assert _plans(store._conn, reader) == [(512, False)]  # no statistics: no Bloom filter
        store._conn.execute("ANALYZE")  # statistics make SQLite consider Bloom filters
        answers = xref.resolve_many(refs, to_system="erp")
        assert [a.target.value for a in answers] == [f"I{i}" for i in range(300)]
        plans = _plans(store._conn, reader)
        assert plans
        assert all(not bloom for _, bloom in plans)
        assert all(size < 512 for size, _ in plans)  # re-planned after ANALYZE, and shrunk


def test_the_default_batch_has_no_bloom_filter_with_statistics(tmp_path):
    path = tmp_path / "x.db"
    with SQLiteStore(path) as store:
        xref = XrefResolver(store)
        for i in range(50):
            xref.link(
                "product",
                f"P{i}",
                ExternalRef(system="erp", scheme="item_code", value=f"I{i}", scope="c"),
                **ME,
            )
        store._conn.execute("ANALYZE")
        found = xref.resolve_many(
            [
                ExternalRef(system="erp", scheme="item_code", value=f"I{i}", scope="c")
                for i in range(60)
            ]
        )
        assert [a.canonical_id for a in found] == [f"P{i}" for i in range(50)] + [None] * 10
        assert all(not bloom for _, bloom in _plans(store._conn, store._reader))
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0
    finally:
        conn.close()
