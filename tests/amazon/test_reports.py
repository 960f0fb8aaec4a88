"""Reports: createReport → getReport until final → getReportDocument → download (gzip)."""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime

import pytest

from amazon.samples import connector, make_fake, make_settlements
from retail_canon.connectors import BadRequest, RetriableConnectorError
from retail_canon.connectors.amazon import ReportFailed, ReportNotReady
from retail_canon.testing import FaultKind, FaultRule

RETURNS = "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"
TSV = "return-date\torder-id\tsku\tquantity\n2026-05-04T10:00:00+00:00\t111-1\tK-1\t1\n"


def _fake(**definition: object):
    fake = make_fake()
    fake.define_report(RETURNS, TSV.encode(), **definition)  # type: ignore[arg-type]
    return fake


def test_report_lifecycle_ends_in_its_document():
    fake = _fake()
    amazon = connector(fake, report_poll_interval=15)
    document = amazon.request_report(
        RETURNS, start=datetime(2026, 5, 1, tzinfo=UTC), end=datetime(2026, 5, 8, tzinfo=UTC)
    )
    assert document.text() == TSV
    assert document.compressed
    assert document.charset == "utf-8"
    assert document.report["processingStatus"] == "DONE"
    assert document.report["dataStartTime"] == "2026-05-01T00:00:00.000Z"
    assert document.report_id == fake.reports[0]["report"]["reportId"]
    polls = [e for e in fake.exchanges if e.path.startswith("/reports/2021-06-30/reports/")]
    # IN_QUEUE for 10 s and IN_PROGRESS for 50 s, polled every 15 s: 5 polls.
    assert len(polls) == 5
    with document.open() as stream:
        assert stream.read() == TSV.encode()


def test_statuses_pass_through_in_queue_and_in_progress():
    fake = _fake(queue_seconds=20, processing_seconds=20)
    amazon = connector(fake, report_poll_interval=5, report_max_wait=12)
    with pytest.raises(ReportNotReady) as first:
        amazon.request_report(RETURNS)
    assert first.value.processing_status == "IN_QUEUE"
    amazon = connector(fake, report_poll_interval=5, report_max_wait=12)
    with pytest.raises(ReportNotReady) as second:
        amazon.fetch_report(first.value.report_id)
    assert second.value.processing_status == "IN_PROGRESS"
    assert isinstance(second.value, RetriableConnectorError)
    document = connector(fake, report_poll_interval=5).fetch_report(first.value.report_id)
    assert document.content == TSV.encode()


def test_uncompressed_documents_and_content_from_the_request():
    fake = make_fake()
    fake.define_report(
        RETURNS,
        lambda body: ",".join(body["marketplaceIds"]).encode("cp1252"),
        compress=False,
        content_type="text/plain; charset=windows-1252",
    )
    document = connector(fake).request_report(RETURNS, marketplace_ids=["A1PA6795UKMFR9"])
    assert not document.compressed
    assert document.text() == "A1PA6795UKMFR9"
    assert document.charset == "windows-1252"


def test_fatal_report_carries_amazons_error_document():
    fake = _fake(outcome="FATAL", error_document=b'{"errorDetails": "no such SKU"}')
    with pytest.raises(ReportFailed) as info:
        connector(fake).request_report(RETURNS)
    assert info.value.processing_status == "FATAL"
    assert info.value.error_document == '{"errorDetails": "no such SKU"}'
    assert info.value.report_id in str(info.value)


def test_fatal_report_without_a_document():
    fake = _fake(outcome="FATAL")
    with pytest.raises(ReportFailed) as info:
        connector(fake).request_report(RETURNS)
    assert info.value.error_document is None


def test_cancelled_report():
    fake = _fake(outcome="CANCELLED")
    with pytest.raises(ReportFailed) as info:
        connector(fake).request_report(RETURNS)
    assert info.value.processing_status == "CANCELLED"


def test_cancel_report_in_queue_only():
    fake = _fake(queue_seconds=100)
    amazon = connector(fake, report_max_wait=1, report_poll_interval=1)
    with pytest.raises(ReportNotReady) as info:
        amazon.request_report(RETURNS)
    from retail_canon.connectors import RequestSpec

    path = f"/reports/2021-06-30/reports/{info.value.report_id}"
    assert amazon.call(RequestSpec("DELETE", path, "cancelReport")).status_code == 200
    with pytest.raises(ReportFailed):
        amazon.fetch_report(info.value.report_id)
    with pytest.raises(BadRequest):
        amazon.call(RequestSpec("DELETE", path, "cancelReport"))


def test_unknown_report_type_is_refused():
    with pytest.raises(BadRequest) as info:
        connector(make_fake()).request_report("GET_NO_SUCH_REPORT")
    assert info.value.vendor_code == "InvalidInput"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        connector(_fake()).request_report(RETURNS, start=datetime(2026, 5, 1))


def test_requested_reports_stay_out_of_settlements():
    fake = _fake()
    fake.add_settlements(make_settlements(2))
    amazon = connector(fake)
    amazon.request_report(RETURNS)
    assert len(list(amazon.read_settlements())) == 2
    assert len(fake.get("settlements")) == 2


def test_settlement_documents_go_through_the_generic_path():
    fake = make_fake()
    (seeded,) = make_settlements(1)
    fake.add_settlements([seeded])
    amazon = connector(fake)
    entry = fake.reports[0]
    document = amazon.report_document(entry["report"]["reportDocumentId"])
    assert document.compressed
    assert document.content == gzip.decompress(entry["document"])


def _faults(after: int) -> list[FaultRule]:
    return [
        FaultRule(FaultKind.RATE_LIMIT, every=5, retry_after=1.0, after=after),
        FaultRule(FaultKind.SERVER_ERROR, every=7, after=after),
        FaultRule(FaultKind.TIMEOUT, every=11, after=after),
        FaultRule(FaultKind.CONNECTION_RESET, every=13, after=after),
        FaultRule(FaultKind.TRUNCATED_BODY, every=17, after=after),
        FaultRule(FaultKind.AUTH_TOKEN_EXPIRY, every=6, limit=2, after=after),
    ]


@pytest.mark.parametrize("after", range(5))
def test_report_flow_survives_faults(after):
    fake = _fake()
    fake.faults.add(*_faults(after))
    document = connector(fake, report_poll_interval=5).request_report(RETURNS)
    assert document.text() == TSV
    assert any(e.fault is not None for e in fake.exchanges)


def test_truncated_gzip_downloads_are_retried():
    fake = _fake()
    fake.faults.add(FaultRule(FaultKind.TRUNCATED_BODY, every=1, path="^/documents/", limit=2))
    assert connector(fake).request_report(RETURNS).text() == TSV
    downloads = [e for e in fake.exchanges if e.path.startswith("/documents/")]
    assert len(downloads) == 3


def test_async_report_matches_sync():
    fake = _fake()
    sync = connector(fake).request_report(RETURNS)
    other = asyncio.run(connector(fake).arequest_report(RETURNS))
    assert other.content == sync.content
    assert other.report_id != sync.report_id
    again = asyncio.run(connector(fake).afetch_report(str(sync.report_id)))
    assert again.content == sync.content
    by_id = asyncio.run(connector(fake).areport_document(sync.document_id))
    assert by_id.content == sync.content


def test_usage_plans_are_respected():
    fake = make_fake(usage_plans=True)
    fake.define_report(RETURNS, TSV.encode())
    amazon = connector(fake, report_poll_interval=1)
    for _ in range(3):
        assert amazon.request_report(RETURNS).text() == TSV
    assert 429 not in fake.statuses()
