"""``ReturnSource``: FBA customer returns (a report) and refunds (Finances v0 events).

A read of returns since a time gathers, in one "page":

1. the ``RefundEventList`` events posted since then (``listFinancialEvents``, every page);
2. with ``returns_report`` on, the FBA customer returns report of the window, requested
   through the generic reports path (``createReport`` → ``getReport`` → document); a
   report Amazon cancels for lack of data counts as no rows;

both from ``returns_lookback_days`` before ``since``, so that a return whose refund
posts in the window still has its report rows (and the other way round); then maps each
order changed in the window to one `ReturnAuthorization`, sorted by its last change, so
the read is ordered and resumes from a checkpoint.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from retail_canon.connectors import FatalConnectorError, Page, ReadStream, RequestSpec
from retail_canon.connectors.amazon import mapping
from retail_canon.connectors.amazon._config import EPOCH
from retail_canon.connectors.amazon._reports import ReportFailed, iso, json_body, report_flow
from retail_canon.normalize.dates import parse_timestamp

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from retail_canon.connectors._flow import Flow
    from retail_canon.connectors._http import HttpConnector
    from retail_canon.models import ReturnAuthorization

__all__ = ["RETURNS_COLUMNS", "RETURNS_REPORT", "ReturnsStream", "parse_returns_report"]

RETURNS_REPORT = "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"
RETURNS_COLUMNS = ("return-date", "order-id", "sku", "quantity")
"""The columns a returns report must have; ``asin``, ``fnsku``, ``product-name``,
``fulfillment-center-id``, ``detailed-disposition``, ``reason``, ``status``,
``license-plate-number`` and ``customer-comments`` are read when present."""


def parse_returns_report(text: str) -> list[dict[str, str]]:
    """The rows of an FBA customer returns report (tab-separated, one header line).

    Raises:
        ValueError: a required column is missing (named).
    """
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    missing = [c for c in RETURNS_COLUMNS if c not in (reader.fieldnames or ())]
    if missing and text.strip():
        msg = f"{RETURNS_REPORT}: columns missing: {', '.join(missing)}"
        raise ValueError(msg)
    return [dict(row) for row in reader]


def _refund_events(connector: HttpConnector[Any], since: str) -> Flow[list[dict[str, Any]]]:
    """Every ``RefundEventList`` event posted after ``since`` (all pages, empty ones too)."""
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"MaxResultsPerPage": connector.config.finances_page_size}
        if token:
            params["NextToken"] = token
        else:
            params["PostedAfter"] = since
        spec = RequestSpec(
            "GET", "/finances/v0/financialEvents", "listFinancialEvents", params=params
        )
        body = yield from connector.call_flow(spec, json_body(connector, spec.operation, "payload"))
        payload = body["payload"]
        events.extend((payload.get("FinancialEvents") or {}).get("RefundEventList") or ())
        token = payload.get("NextToken") or None
        if token is None:
            return events


def returns_page_flow(connector: HttpConnector[Any], spec: RequestSpec) -> Flow[Page]:
    """The one page of a returns read: refunds and report rows, merged by order."""
    config = connector.config
    params = spec.params
    if not isinstance(params, Mapping):
        msg = "a returns read needs its since parameter"
        raise TypeError(msg)
    since = datetime.fromisoformat(str(params["since"]).replace("Z", "+00:00"))
    start = since - timedelta(days=config.returns_lookback_days)
    refunds = yield from _refund_events(connector, iso(start))
    rows: list[dict[str, str]] = []
    if config.returns_report:
        try:
            document = yield from report_flow(
                connector,
                RETURNS_REPORT,
                marketplace_ids=config.marketplace_ids,
                start=start,
                poll_interval=config.report_poll_interval,
                max_wait=config.report_max_wait,
            )
        except ReportFailed as exc:
            if exc.processing_status != "CANCELLED":  # CANCELLED: no data in the window
                raise
        else:
            try:
                rows = parse_returns_report(document.text())
            except ValueError as exc:
                raise FatalConnectorError(
                    f"report {document.report_id}: {exc}", operation="getReportDocument"
                ) from None
    orders: dict[str, dict[str, list[Any]]] = {}
    for row in rows:
        orders.setdefault(row["order-id"], {"rows": [], "refunds": []})["rows"].append(row)
    for event in refunds:
        order = str(event.get("AmazonOrderId") or "")
        if order:
            orders.setdefault(order, {"rows": [], "refunds": []})["refunds"].append(event)
    records = []
    for order_id, found in orders.items():
        stamps = [r["return-date"] for r in found["rows"]]
        stamps += [e["PostedDate"] for e in found["refunds"] if e.get("PostedDate")]
        last = max((parse_timestamp(s, tz="UTC") for s in stamps if s), default=EPOCH)
        if last >= since:  # changed in the window; older events only complete it
            records.append({"order_id": order_id, "last": last, **found})
    records.sort(key=lambda r: (r["last"], r["order_id"]))
    return Page(records, None)


class _ReturnsCore:
    """The connector as the returns stream sees it: one call gathers the whole window."""

    def __init__(self, connector: HttpConnector[Any]) -> None:
        self._connector = connector

    def call_flow(
        self, spec: RequestSpec, parse: Callable[[httpx.Response], Any] | None = None
    ) -> Flow[Page]:
        page = yield from returns_page_flow(self._connector, spec)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connector, name)


class ReturnsStream(ReadStream["ReturnAuthorization"]):
    """FBA customer returns and refunds since ``since``, one return per order."""

    operation = "readReturns"

    def __init__(self, connector: HttpConnector[Any]) -> None:
        super().__init__(connector)
        self.connector = _ReturnsCore(connector)  # type: ignore[assignment]

    def request(self, *, start: Any, page_token: str | None) -> RequestSpec:
        config = self.connector.config
        moment = start if isinstance(start, datetime) else config.initial_since
        return RequestSpec("GET", "(returns)", self.operation, params={"since": iso(moment)})

    def record_id(self, record: Any) -> str | None:
        return f"{record['order_id']}-RETURN"

    def checkpoint_value(self, record: Any) -> datetime:
        last: datetime = record["last"]
        return last

    def to_canonical(self, record: Any) -> ReturnAuthorization:
        return mapping.return_authorization(record["order_id"], record["rows"], record["refunds"])
