"""Effective-dated links and the audit trail: what did this barcode mean on date D?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from retail_canon.models import ExternalRef
from retail_canon.xref import Canonical, EffectiveDateError, Link, ResolutionStatus, XrefResolver

BARCODE = ExternalRef(system="pos", scheme="gtin", value="036000291452")
STORED = ExternalRef(system="pos", scheme="gtin", value="00036000291452")
JAN, FEB, MAR, APR = (datetime(2025, m, 1, tzinfo=UTC) for m in (1, 2, 3, 4))


@pytest.fixture
def xref(store):
    return XrefResolver(store, clock=lambda: datetime(2025, 6, 1, tzinfo=UTC))


def test_a_reused_barcode_answers_by_date(xref):
    xref.link("product", "OLD-TEA", BARCODE, actor="ana", reason="launch", at=JAN)
    xref.relink("product", "NEW-COFFEE", BARCODE, actor="bo", reason="barcode reused", at=MAR)
    assert xref.resolve(BARCODE, at=FEB).canonical_id == "OLD-TEA"
    assert xref.resolve(BARCODE, at=MAR).canonical_id == "NEW-COFFEE"  # end is exclusive
    assert xref.resolve(BARCODE, at=MAR - timedelta(microseconds=1)).canonical_id == "OLD-TEA"
    assert xref.resolve(BARCODE, at=JAN - timedelta(days=1)).status is ResolutionStatus.NONE
    assert xref.resolve(BARCODE).canonical_id == "NEW-COFFEE"
    assert xref.history(BARCODE) == (
        Link("product", "OLD-TEA", STORED, JAN, MAR),
        Link("product", "NEW-COFFEE", STORED, MAR, None),
    )
    assert xref.history(BARCODE)[0].valid_at(FEB)
    assert not xref.history(BARCODE)[0].valid_at(MAR)


def test_at_accepts_any_time_zone(xref):
    xref.link("product", "P1", BARCODE, actor="ana", reason="launch", at=FEB)
    paris = timezone(timedelta(hours=1))
    assert xref.resolve(BARCODE, at=datetime(2025, 2, 1, 0, 30, tzinfo=paris)).status == "none"
    assert xref.resolve(BARCODE, at=datetime(2025, 2, 1, 1, 0, tzinfo=paris)).canonical_id == "P1"


def test_targets_are_dated_too(xref):
    item_old = ExternalRef(system="erp", scheme="item_code", value="IT-OLD", scope="acme")
    item_new = ExternalRef(system="erp", scheme="item_code", value="IT-NEW", scope="acme")
    xref.link("product", "P1", BARCODE, actor="a", reason="r", at=JAN)
    xref.link("product", "P1", item_old, actor="a", reason="r", at=JAN)
    xref.unlink("product", "P1", item_old, actor="a", reason="renumbered", at=MAR)
    xref.link("product", "P1", item_new, actor="a", reason="renumbered", at=MAR)
    assert xref.resolve(BARCODE, to_system="erp", at=FEB).target == item_old
    assert xref.resolve(BARCODE, to_system="erp", at=APR).target == item_new
    assert [link.ref for link in xref.refs_of("product", "P1", at=FEB)] == [item_old, STORED]


def test_history_cannot_be_rewritten(xref):
    xref.link("product", "P1", BARCODE, actor="a", reason="r", at=JAN)
    xref.unlink("product", "P1", BARCODE, actor="a", reason="r", at=MAR)
    with pytest.raises(EffectiveDateError, match="until"):
        xref.link("product", "P2", BARCODE, actor="a", reason="r", at=FEB)
    xref.link("product", "P2", BARCODE, actor="a", reason="r", at=APR)
    with pytest.raises(EffectiveDateError, match="before that"):
        xref.unlink("product", "P2", BARCODE, actor="a", reason="r", at=MAR)
    with pytest.raises(EffectiveDateError, match="before that"):
        xref.relink("product", "P3", BARCODE, actor="a", reason="r", at=MAR)
    assert len(xref.audit()) == 3


def test_default_time_never_goes_back_before_the_last_change(store):
    late = datetime(2025, 9, 1, tzinfo=UTC)
    XrefResolver(store, clock=lambda: late).link("product", "P1", BARCODE, actor="a", reason="r")
    skewed = XrefResolver(store, clock=lambda: late - timedelta(seconds=5))
    closed = skewed.unlink("product", "P1", BARCODE, actor="a", reason="r")
    assert closed is not None
    assert closed.valid_to == late  # not 5 s before the link started
    relinked = skewed.link("product", "P2", BARCODE, actor="a", reason="r")
    assert relinked.valid_from == late


def test_audit_says_who_when_why_before_after(store, clock):
    xref = XrefResolver(store, clock=clock)
    xref.link("product", "P1", BARCODE, actor="ana", reason="launch")
    xref.relink("product", "P2", BARCODE, actor="bo", reason="barcode reused")
    xref.unlink("product", "P2", BARCODE, actor="cy", reason="discontinued")
    entries = xref.audit(ref=BARCODE)
    assert [(e.actor, e.reason, e.action, e.before, e.after) for e in entries] == [
        ("ana", "launch", "link", None, Canonical("product", "P1")),
        ("bo", "barcode reused", "link", Canonical("product", "P1"), Canonical("product", "P2")),
        ("cy", "discontinued", "unlink", Canonical("product", "P2"), None),
    ]
    assert all(e.ref == STORED for e in entries)
    assert [e.id for e in entries] == sorted(e.id for e in entries)
    times = [e.recorded_at for e in entries]
    assert times == sorted(times)
    assert times[0].tzinfo is not None
    assert entries[1].effective_at == xref.history(BARCODE)[1].valid_from
    assert xref.audit(entity="product", canonical_id="P1") == entries[:2]
    assert xref.audit(entity="product", canonical_id="P404") == ()
    other = ExternalRef(system="erp", scheme="item_code", value="X", scope="acme")
    xref.link("product", "P9", other, actor="dee", reason="other")
    assert len(xref.audit()) == 4
    assert xref.audit(ref=BARCODE) == entries
