"""Reports 2021-06-30: the generic path from a report request to its document.

``createReport`` → poll ``getReport`` until ``processingStatus`` is final → ``getReportDocument``
→ download the pre-signed URL (no credentials) → un-gzip when ``compressionAlgorithm`` is
``GZIP``. Each step is a sans-I/O flow (`report_flow`, `wait_flow`, `document_flow`) that
the connector runs sync or async; the settlement reports, which Amazon writes by itself
and which cannot be requested, go through `document_flow` alone.

A report that ends ``FATAL`` or ``CANCELLED`` raises `ReportFailed` (with Amazon's error
document, when it wrote one); a report still processing when ``report_max_wait`` runs out
raises `ReportNotReady`, whose ``report_id`` resumes the wait later
(`AmazonConnector.fetch_report`).
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, cast

from retail_canon.connectors import (
    FatalConnectorError,
    MalformedResponse,
    RequestSpec,
    RetriableConnectorError,
)
from retail_canon.connectors._classify import malformed
from retail_canon.connectors._flow import Sleep

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors._flow import Flow
    from retail_canon.connectors._http import HttpConnector

__all__ = [
    "FINAL_STATUSES",
    "Document",
    "ReportDocument",
    "ReportFailed",
    "ReportNotReady",
    "document_flow",
    "fetch_flow",
    "json_body",
    "report_flow",
    "wait_flow",
]

FINAL_STATUSES = frozenset({"DONE", "CANCELLED", "FATAL"})
"""``processingStatus`` values after which a report (or a feed) changes no more."""

_REPORTS = "/reports/2021-06-30"


@dataclass(frozen=True, slots=True)
class Document:
    """A downloaded report or feed document, kept as it was sent (maybe gzip-compressed).

    Attributes:
        document_id: ``reportDocumentId`` / ``feedDocumentId``.
        raw: the bytes as downloaded.
        compressed: whether ``raw`` is gzip (``compressionAlgorithm: GZIP``).
        charset: the charset of the download's ``Content-Type``, if it named one.
    """

    document_id: str
    raw: bytes = field(repr=False)
    compressed: bool = False
    charset: str | None = None

    def open(self) -> IO[bytes]:
        """The content as a binary stream, un-gzipped on the fly (constant memory)."""
        stream: IO[bytes] = io.BytesIO(self.raw)
        if self.compressed:
            return cast("IO[bytes]", gzip.GzipFile(fileobj=stream, mode="rb"))
        return stream

    @property
    def content(self) -> bytes:
        """The content, un-gzipped."""
        return gzip.decompress(self.raw) if self.compressed else self.raw

    def text(self, encoding: str | None = None) -> str:
        """The content as text: ``encoding``, else the download's charset, else UTF-8."""
        return self.content.decode(encoding or self.charset or "utf-8")


@dataclass(frozen=True, slots=True)
class ReportDocument(Document):
    """A report's document with the report it belongs to.

    Attributes:
        report: the ``getReport`` answer (``reportId``, ``reportType``, ``processingStatus``,
            ``dataStartTime``, ...), when the document came through a report.
    """

    report: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def report_id(self) -> str | None:
        """The report's id."""
        value = self.report.get("reportId")
        return None if value is None else str(value)


class ReportFailed(FatalConnectorError):
    """A report (or feed) ended ``FATAL`` or ``CANCELLED``: there is no document to read.

    Amazon cancels a report that has no data for its period; ``FATAL`` reports may carry an
    error document, given here as ``error_document`` (text, `None` without one).

    Attributes:
        report_id: the report's (or feed's) id.
        processing_status: ``FATAL`` or ``CANCELLED``.
        error_document: Amazon's explanation, if it wrote one.
    """

    code = "report_failed"

    def __init__(
        self,
        message: str,
        *,
        report_id: str,
        processing_status: str,
        error_document: str | None = None,
        **context: Any,
    ) -> None:
        self.report_id = report_id
        self.processing_status = processing_status
        self.error_document = error_document
        super().__init__(message, **context)


class ReportNotReady(RetriableConnectorError):
    """A report (or feed) was still processing when the wait ran out; ask again later.

    Attributes:
        report_id: the report's (or feed's) id: pass it to ``fetch_report`` to resume.
        processing_status: the last status seen (``IN_QUEUE`` or ``IN_PROGRESS``).
    """

    code = "report_not_ready"
    default_maybe_applied = True

    def __init__(
        self, message: str, *, report_id: str, processing_status: str, **context: Any
    ) -> None:
        self.report_id = report_id
        self.processing_status = processing_status
        super().__init__(message, **context)


def iso(moment: datetime) -> str:
    """An aware datetime as Amazon writes them: ISO 8601 UTC with milliseconds.

    >>> iso(datetime(2024, 3, 10, 20, 11, 24, tzinfo=UTC))
    '2024-03-10T20:11:24.000Z'
    """
    if moment.tzinfo is None:
        msg = f"naive datetime {moment!r}: give a timezone"
        raise ValueError(msg)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_body(
    connector: HttpConnector[Any], operation: str, *required: str
) -> Callable[[httpx.Response], dict[str, Any]]:
    """A response parser: the JSON object with ``required`` keys, or `MalformedResponse`.

    Raising inside the request core makes a truncated or garbled answer a retried attempt
    instead of an error after the fact.
    """

    def parse(response: httpx.Response) -> dict[str, Any]:
        try:
            body = json.loads(response.content, parse_float=Decimal)
            if not isinstance(body, dict):
                raise TypeError(type(body).__name__)
            for key in required:
                if body.get(key) is None:
                    raise KeyError(key)
        except (ValueError, KeyError, TypeError) as exc:
            msg = f"{operation}: unreadable answer ({type(exc).__name__}: {exc})"
            raise malformed(
                msg, response, operation=operation, redactor=connector.redactor
            ) from None
        return body

    return parse


def _checked_download(
    operation: str, compressed: bool, check: Callable[[bytes], object] | None
) -> Callable[[httpx.Response], httpx.Response]:
    """A download parser: a gzip document must be whole, and ``check`` accept the content.

    Raising `MalformedResponse` here makes a truncated download a retried attempt.
    """

    def parse(response: httpx.Response) -> httpx.Response:
        content = response.content
        if compressed:
            try:
                if check is not None:
                    content = gzip.decompress(content)
                else:  # constant memory: read it through
                    with gzip.GzipFile(fileobj=io.BytesIO(content), mode="rb") as stream:
                        while stream.read(1 << 20):
                            pass
            except (OSError, EOFError) as exc:
                msg = f"{operation}: the gzip document is cut short or corrupt ({exc})"
                raise MalformedResponse(
                    msg, operation=operation, status=response.status_code
                ) from None
        if check is not None:
            check(content)
        return response

    return parse


def document_flow(
    connector: HttpConnector[Any],
    document_id: str,
    *,
    operation: str = "getReportDocument",
    path: str = f"{_REPORTS}/documents",
    check: Callable[[bytes], object] | None = None,
) -> Flow[Document]:
    """``getReportDocument`` (or ``getFeedDocument``), then the download without credentials.

    ``check`` sees the (un-gzipped) content and raises `MalformedResponse` to download it
    again.
    """
    spec = RequestSpec("GET", f"{path}/{document_id}", operation)
    info = yield from connector.call_flow(spec, json_body(connector, operation, "url"))
    compressed = str(info.get("compressionAlgorithm") or "").upper() == "GZIP"
    name = f"download:{operation}"
    download = RequestSpec("GET", str(info["url"]), name, auth=False)
    response: httpx.Response = yield from connector.call_flow(
        download, _checked_download(name, compressed, check)
    )
    return Document(
        document_id=document_id,
        raw=response.content,
        compressed=compressed,
        charset=response.charset_encoding,
    )


def wait_flow(
    connector: HttpConnector[Any],
    get: RequestSpec,
    *,
    id_name: str,
    poll_interval: float,
    max_wait: float,
) -> Flow[dict[str, Any]]:
    """Poll ``get`` (``getReport``, ``getFeed``) until its ``processingStatus`` is final.

    Returns the final answer when it is ``DONE``.

    Raises:
        ReportFailed: the status is ``FATAL`` or ``CANCELLED``.
        ReportNotReady: ``max_wait`` seconds passed first.
    """
    clock = connector.clock
    started = clock.monotonic()
    while True:
        state = yield from connector.call_flow(
            get, json_body(connector, get.operation, "processingStatus")
        )
        status = str(state.get("processingStatus") or "")
        object_id = str(state.get(id_name) or get.url.rsplit("/", 1)[-1])
        if status == "DONE":
            return state
        if status in FINAL_STATUSES:
            msg = f"{get.operation}: {object_id} ended {status}"
            raise ReportFailed(
                msg, report_id=object_id, processing_status=status, operation=get.operation
            )
        if clock.monotonic() - started + poll_interval > max_wait:
            msg = (
                f"{get.operation}: {object_id} still {status or 'unknown'} after "
                f"{clock.monotonic() - started:.0f} s; ask again later"
            )
            raise ReportNotReady(
                msg, report_id=object_id, processing_status=status, operation=get.operation
            )
        yield Sleep(poll_interval)


def fetch_flow(
    connector: HttpConnector[Any], report_id: str, *, poll_interval: float, max_wait: float
) -> Flow[ReportDocument]:
    """Wait for report ``report_id``, then download its document."""
    get = RequestSpec("GET", f"{_REPORTS}/reports/{report_id}", "getReport")
    try:
        state = yield from wait_flow(
            connector, get, id_name="reportId", poll_interval=poll_interval, max_wait=max_wait
        )
    except ReportFailed as exc:
        if exc.processing_status != "FATAL":
            raise
        # A FATAL report may say why in a document of its own.
        answer = yield from connector.call_flow(get, json_body(connector, get.operation))
        document_id = answer.get("reportDocumentId")
        if not document_id:
            raise
        error = yield from document_flow(connector, str(document_id))
        raise ReportFailed(
            exc.message,
            report_id=exc.report_id,
            processing_status=exc.processing_status,
            error_document=error.text(),
            operation=exc.operation,
        ) from None
    document = yield from document_flow(connector, str(state["reportDocumentId"]))
    return ReportDocument(
        document_id=document.document_id,
        raw=document.raw,
        compressed=document.compressed,
        charset=document.charset,
        report=state,
    )


def report_flow(
    connector: HttpConnector[Any],
    report_type: str,
    *,
    marketplace_ids: Sequence[str],
    start: datetime | None = None,
    end: datetime | None = None,
    options: Mapping[str, str] | None = None,
    poll_interval: float,
    max_wait: float,
) -> Flow[ReportDocument]:
    """``createReport``, then `fetch_flow` on the new report.

    ``createReport`` is sent again after a lost answer: a second report of the same
    request is harmless (it costs quota, not data), so it counts as safe to repeat.
    """
    body: dict[str, Any] = {"reportType": report_type, "marketplaceIds": list(marketplace_ids)}
    if start is not None:
        body["dataStartTime"] = iso(start)
    if end is not None:
        body["dataEndTime"] = iso(end)
    if options:
        body["reportOptions"] = dict(options)
    create = RequestSpec("POST", f"{_REPORTS}/reports", "createReport", json=body, idempotent=True)
    created = yield from connector.call_flow(
        create, json_body(connector, "createReport", "reportId")
    )
    report_id = str(created["reportId"])
    document = yield from fetch_flow(
        connector, report_id, poll_interval=poll_interval, max_wait=max_wait
    )
    return document
