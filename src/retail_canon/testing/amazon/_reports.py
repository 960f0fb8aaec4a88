"""Reports 2021-06-30 lifecycle for `AmazonFake`: ``createReport``, ``getReport``, ``cancelReport``.

A requested report goes ``IN_QUEUE`` → ``IN_PROGRESS`` → its outcome (``DONE``, ``FATAL``
or ``CANCELLED``) as the fake's clock passes the report type's queue and processing
times; its document is written when it is done, from the content the test defined for
the report type (`ReportRoutes.define_report`).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, cast

import httpx

from retail_canon.testing._fake import FakeRequest, route
from retail_canon.testing.amazon._render import iso

if TYPE_CHECKING:
    from retail_canon.testing.amazon._fake import AmazonFake

__all__ = ["ReportDefinition", "ReportRoutes"]

Content = bytes | Callable[[Mapping[str, Any]], bytes]


@dataclass
class ReportDefinition:
    """How the fake answers requests for one report type (see `ReportRoutes.define_report`)."""

    content: Content
    outcome: Literal["DONE", "FATAL", "CANCELLED"] = "DONE"
    queue_seconds: float = 10.0
    processing_seconds: float = 50.0
    compress: bool = True
    content_type: str = "text/tab-separated-values; charset=UTF-8"
    error_document: bytes | None = None


class ReportRoutes:
    """Requested reports of `AmazonFake` (a mixin); they share ``reports`` with settlements.

    Each entry of ``reports`` is ``{"report": <getReport answer>, "record": <the settlement
    or None>, "document": <bytes or None>, ...}``.
    """

    reports: list[dict[str, Any]]
    report_types: dict[str, ReportDefinition]

    def define_report(
        self,
        report_type: str,
        content: Content,
        *,
        outcome: Literal["DONE", "FATAL", "CANCELLED"] = "DONE",
        queue_seconds: float = 10.0,
        processing_seconds: float = 50.0,
        compress: bool = True,
        content_type: str = "text/tab-separated-values; charset=UTF-8",
        error_document: bytes | None = None,
    ) -> None:
        """Let ``createReport`` accept ``report_type``.

        Args:
            report_type: e.g. ``GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA``.
            content: the document, or a function of the ``createReport`` body returning it.
            outcome: how the report ends.
            queue_seconds: simulated seconds ``IN_QUEUE``.
            processing_seconds: then simulated seconds ``IN_PROGRESS``.
            compress: gzip the document (``compressionAlgorithm: GZIP``).
            content_type: of the download.
            error_document: a ``FATAL`` report's explanation (a document of its own).
        """
        self.report_types[report_type] = ReportDefinition(
            content,
            outcome,
            queue_seconds,
            processing_seconds,
            compress,
            content_type,
            error_document,
        )

    def _now(self) -> datetime:
        fake = cast("AmazonFake", self)
        return datetime.fromtimestamp(fake.clock.time(), UTC)

    def _refresh(self, entry: dict[str, Any]) -> None:
        """Move a requested report along its lifecycle, by the fake's clock."""
        definition: ReportDefinition | None = entry.get("definition")
        report = entry["report"]
        if definition is None or report["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
            return
        fake = cast("AmazonFake", self)
        elapsed = fake.clock.monotonic() - entry["requested_at"]
        if elapsed < definition.queue_seconds:
            return
        if "processingStartTime" not in report:
            report["processingStartTime"] = iso(self._now())
        report["processingStatus"] = "IN_PROGRESS"
        if elapsed < definition.queue_seconds + definition.processing_seconds:
            return
        report["processingStatus"] = definition.outcome
        report["processingEndTime"] = iso(self._now())
        document: bytes | None = None
        if definition.outcome == "DONE":
            content = definition.content
            document = content(entry["request"]) if callable(content) else content
        elif definition.outcome == "FATAL":
            document = definition.error_document
        if document is not None:
            entry["document"] = gzip.compress(document) if definition.compress else document
            entry["compressed"] = definition.compress
            entry["content_type"] = definition.content_type
            report["reportDocumentId"] = f"amzn1.spdoc.1.4.na.report-{report['reportId']}"

    @route("POST", "/reports/2021-06-30/reports")
    def create_report(self, request: FakeRequest) -> httpx.Response:
        """``createReport``: 202 ``{reportId}``, or 400 ``InvalidInput``."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        body = request.json()
        if not isinstance(body, dict) or not body.get("marketplaceIds"):
            return fake.error_response(400, "InvalidInput", "marketplaceIds is required.")
        report_type = str(body.get("reportType") or "")
        definition = self.report_types.get(report_type)
        if definition is None:
            return fake.error_response(400, "InvalidInput", f"Invalid reportType {report_type}.")
        with fake._lock:
            report_id = str(60000 + len(self.reports) + 1)
            report: dict[str, Any] = {
                "reportId": report_id,
                "reportType": report_type,
                "processingStatus": "IN_QUEUE",
                "createdTime": iso(self._now()),
                "marketplaceIds": list(body["marketplaceIds"]),
            }
            for name in ("dataStartTime", "dataEndTime"):
                if body.get(name):
                    report[name] = body[name]
            self.reports.append(
                {
                    "report": report,
                    "record": None,
                    "document": None,
                    "definition": definition,
                    "request": body,
                    "requested_at": fake.clock.monotonic(),
                }
            )
        return httpx.Response(202, json={"reportId": report_id})

    def _entry(self, report_id: str) -> dict[str, Any] | None:
        for entry in self.reports:
            if entry["report"]["reportId"] == report_id:
                return entry
        return None

    def _requested(self, request: FakeRequest) -> dict[str, Any] | httpx.Response:
        """The report entry ``request`` names, refreshed; or the error to answer."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        entry = self._entry(request.path_params["report_id"])
        if entry is None:
            return fake.error_response(400, "InvalidInput", "Invalid input")
        self._refresh(entry)
        return entry

    @route("GET", "/reports/2021-06-30/reports/(?P<report_id>[^/]+)")
    def get_report(self, request: FakeRequest) -> httpx.Response:
        """``getReport``: the report with its current ``processingStatus``."""
        entry = self._requested(request)
        if isinstance(entry, httpx.Response):
            return entry
        return httpx.Response(200, json=entry["report"])

    @route("DELETE", "/reports/2021-06-30/reports/(?P<report_id>[^/]+)")
    def cancel_report(self, request: FakeRequest) -> httpx.Response:
        """``cancelReport``: only a report still ``IN_QUEUE`` can be cancelled."""
        entry = self._requested(request)
        if isinstance(entry, httpx.Response):
            return entry
        report = entry["report"]
        if report["processingStatus"] != "IN_QUEUE":
            message = f"Report {report['reportId']} is {report['processingStatus']}."
            return cast("AmazonFake", self).error_response(400, "InvalidInput", message)
        report["processingStatus"] = "CANCELLED"
        report["processingEndTime"] = iso(self._now())
        return httpx.Response(200)
