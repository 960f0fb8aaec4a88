"""SettlementSource: V2 settlement reports listed, downloaded, un-gzipped and parsed."""

from __future__ import annotations

import gzip
from decimal import Decimal

from amazon.samples import connector, make_fake, make_settlements
from retail_canon.connectors.amazon import SETTLEMENT_REPORT
from retail_canon.testing.amazon import settlement_v2_lines


def test_settlements_come_oldest_first_with_their_lines():
    fake = make_fake()
    seeded = make_settlements(25)  # three getReports pages of ten
    fake.add_settlements(reversed(seeded))
    got = list(connector(fake).read_settlements())
    assert got == seeded
    listing = [e for e in fake.exchanges if e.path == "/reports/2021-06-30/reports"]
    assert len(listing) == 3
    assert all(e.status == 200 for e in listing)  # nextToken sent alone


def test_since_filters_on_the_report_creation_time():
    fake = make_fake()
    seeded = make_settlements(6)
    fake.add_settlements(seeded)
    cut = seeded[3].period_end
    got = [s.settlement_id for s in connector(fake).read_settlements(since=cut)]
    assert got == [s.settlement_id for s in seeded[3:]]


def test_a_settlement_that_does_not_add_up_is_skipped_and_reported():
    fake = make_fake()
    fake.add_settlements(make_settlements(3))
    bad = fake.reports[1]
    text = "".join(settlement_v2_lines(50, settlement_id="999", total_offset=Decimal(1)))
    bad["document"] = gzip.compress(text.encode())
    records = connector(fake).read_settlements()
    assert len(list(records)) == 2
    (skipped,) = records.skipped
    assert skipped.record_id == bad["report"]["reportId"]
    assert "add up" in str(skipped)


def test_eu_settlement_documents():
    fake = make_fake()
    fake.add_settlements(make_settlements(1))
    text = "".join(settlement_v2_lines(40, eu=True, currency="EUR", settlement_id="777"))
    fake.reports[0]["document"] = gzip.compress(text.encode("cp1252"))
    (record,) = connector(fake).read_settlements()
    assert record.settlement_id == "777"
    assert record.currency == "EUR"
    assert len(record.lines) == 40
    assert record.lines_total() == record.total
    assert fake.reports[0]["report"]["reportType"] == SETTLEMENT_REPORT
