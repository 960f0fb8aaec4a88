"""Governed CSV import/export: dry run first, atomic apply, round trip."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from retail_canon.models import ExternalRef
from retail_canon.xref import CSV_COLUMNS, Canonical, ImportRejected, XrefResolver

ME = {"actor": "importer", "reason": "item master sync"}
JAN = datetime(2025, 1, 1, tzinfo=UTC)
HEADER = "entity,canonical_id,system,scheme,value,scope,action,valid_from\n"


def csv(*rows: str) -> io.StringIO:
    return io.StringIO(HEADER + "".join(row + "\n" for row in rows))


@pytest.fixture
def xref(store):
    resolver = XrefResolver(store, clock=lambda: datetime(2025, 6, 1, tzinfo=UTC))
    for owner, ref in [
        ("P1", ExternalRef(system="pos", scheme="gtin", value="036000291452")),
        ("P2", ExternalRef(system="erp", scheme="item_code", value="MUG", scope="acme")),
        ("P3", ExternalRef(system="erp", scheme="item_code", value="CAP", scope="acme")),
    ]:
        resolver.link("product", owner, ref, **ME, at=JAN)
    return resolver


def _state(backend):
    return backend.execute(
        "SELECT r.value, l.canonical_id, l.valid_to IS NULL FROM xref_links l "
        "JOIN xref_refs r ON r.id = l.ref_id ORDER BY r.value, l.id"
    ), backend.execute("SELECT count(*) FROM xref_audit")


MIXED = (
    "product,P1,erp,item_code,TEE,acme,,",  # add
    "product,P1,pos,gtin,0 36000 29145 2,,link,",  # unchanged (same link, other spelling)
    "product,P9,erp,item_code,MUG,acme,relink,2025-05-01T00:00:00Z",  # change
    "product,P3,erp,item_code,CAP,acme,unlink,",  # change (removal)
)


def test_dry_run_reports_and_writes_nothing(backend, xref):
    before = _state(backend)
    report = xref.import_csv(csv(*MIXED), **ME)
    assert report.ok
    assert not report.applied
    assert [(r.line, r.action, r.ref.value) for r in report.adds] == [(2, "link", "TEE")]
    assert [(r.line, r.action, r.canonical_id, r.before) for r in report.changes] == [
        (4, "relink", "P9", Canonical("product", "P2")),
        (5, "unlink", "P3", Canonical("product", "P3")),
    ]
    assert report.unchanged == 1
    assert report.summary() == "1 adds, 2 changes, 1 unchanged, 0 conflicts, 0 errors (not applied)"
    assert _state(backend) == before


def test_apply_writes_everything_with_the_audit(xref):
    report = xref.import_csv(csv(*MIXED), **ME, dry_run=False)
    assert report.applied
    mug = ExternalRef(system="erp", scheme="item_code", value="MUG", scope="acme")
    assert xref.resolve(mug).canonical_id == "P9"
    assert xref.history(mug)[-1].valid_from == datetime(2025, 5, 1, tzinfo=UTC)
    assert (
        xref.resolve(
            ExternalRef(system="erp", scheme="item_code", value="CAP", scope="acme")
        ).canonical_id
        is None
    )
    assert (
        xref.resolve(
            ExternalRef(system="erp", scheme="item_code", value="TEE", scope="acme")
        ).canonical_id
        == "P1"
    )
    assert [e.reason for e in xref.audit()][-3:] == ["item master sync"] * 3
    again = xref.import_csv(csv(*MIXED[:3]), **ME)
    assert (len(again.adds), len(again.changes), again.unchanged) == (0, 0, 3)


@pytest.mark.parametrize(
    ("rows", "kind", "code"),
    [
        (("product,P5,pos,gtin,036000291452,,link,",), "conflicts", "xref_conflict"),
        (("product,P2,erp,item_code,CAP,acme,unlink,",), "conflicts", "xref_conflict"),
        (("product,P7,erp,item_code,NEW,acme,,", "product,P8,erp,item_code,NEW,acme,,"),
         "conflicts", "xref_conflict"),
        (("product,P7,erp,item_code,NEW,,,",), "errors", "xref_missing_scope"),
        (("product,P7,pos,gtin,036000291453,,,",), "errors", "xref_malformed_value"),
        (("product,P7,pos,ean,036000291452,,,",), "errors", "xref_unknown_scheme"),
        (("product,P7,erp,item_code,NEW,acme,merge,",), "errors", "xref_invalid_input"),
        (("product,,erp,item_code,NEW,acme,,",), "errors", "xref_invalid_input"),
        (("product,P7,erp,item_code,NEW,acme,,2025-05-01",), "errors", "xref_effective_date"),
        (("product,P7,erp,item_code,NEW,acme,,yesterday",), "errors", "xref_effective_date"),
        (("product,P9,erp,item_code,MUG,acme,relink,2024-12-01T00:00:00+00:00",),
         "errors", "xref_effective_date"),  # before the ref's link started
        (("product,P7,erp,item_code,NEW,acme,,2025-07-01T00:00:00+00:00",),
         "errors", "xref_effective_date"),  # in the future
    ],
)  # fmt: skip
def test_conflicts_and_errors_block_the_whole_import(backend, xref, rows, kind, code):
    before = _state(backend)
    good = "product,P1,erp,item_code,TEE,acme,,"
    report = xref.import_csv(csv(good, *rows), **ME)
    issues = getattr(report, kind)
    assert [issue.code for issue in issues] == [code]
    assert issues[0].line == len(rows) + 2  # the last row: the first one plus the header
    assert not report.ok
    with pytest.raises(ImportRejected) as caught:
        xref.import_csv(csv(good, *rows), **ME, dry_run=False)
    assert caught.value.report == report
    assert caught.value.code == "xref_import_rejected"
    assert _state(backend) == before  # the good row was not applied either


def test_header_must_name_the_columns(xref):
    report = xref.import_csv(io.StringIO("entity,canonical_id,system,scheme,value,scop\n"), **ME)
    assert [(e.line, e.code) for e in report.errors] == [(1, "xref_invalid_input")]
    assert "unknown columns scop" in report.errors[0].message
    report = xref.import_csv(io.StringIO("entity,system,scheme,value\n"), **ME)
    assert "missing columns canonical_id" in report.errors[0].message


def test_export_then_import_changes_nothing(backend, xref, tmp_path):
    path = tmp_path / "links.csv"
    assert xref.export_csv(path) == 3
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert "product,P1,pos,gtin,00036000291452,,2025-01-01T00:00:00+00:00" in text
    before = _state(backend)
    report = xref.import_csv(path, **ME, dry_run=False)
    assert (len(report.adds), len(report.changes), report.unchanged) == (0, 0, 3)
    assert _state(backend) == before


def test_export_at_a_date(xref):
    xref.unlink(
        "product",
        "P3",
        ExternalRef(system="erp", scheme="item_code", value="CAP", scope="acme"),
        **ME,
    )
    now, then = io.StringIO(), io.StringIO()
    assert xref.export_csv(now) == 2
    assert xref.export_csv(then, at=datetime(2025, 5, 1, tzinfo=UTC)) == 3
    assert "CAP" not in now.getvalue()
    assert "CAP" in then.getvalue()


def test_import_into_an_empty_store_copies_another(backend, xref, tmp_path):
    path = tmp_path / "links.csv"
    xref.export_csv(path)
    copy = XrefResolver(backend.open())
    # the same database: an import of its own export is all unchanged
    assert copy.import_csv(path, **ME).unchanged == 3
    from retail_canon.xref import SQLiteStore

    with SQLiteStore(":memory:") as empty:
        fresh = XrefResolver(empty)
        report = fresh.import_csv(path, **ME, dry_run=False)
        assert len(report.adds) == 3
        out = io.StringIO()
        fresh.export_csv(out)
        assert out.getvalue() == path.read_text(encoding="utf-8")
