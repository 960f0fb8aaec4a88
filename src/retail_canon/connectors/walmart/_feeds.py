"""Walmart feeds: submit a JSON feed, poll its status, read each item's ingestion status.

A feed is one ``POST /v3/feeds?feedType=...`` with a JSON file; Walmart answers with a
``feedId`` and processes the file later (``RECEIVED → INPROGRESS → PROCESSED | ERROR``).
``GET /v3/feeds/{feedId}?includeDetails=true`` reports the feed's status and, page by page
(``offset``/``limit`` ≤ 1000), each item's ``ingestionStatus`` (``SUCCESS``,
``DATA_ERROR``, ``SYSTEM_ERROR``, ``TIMEOUT_ERROR``, ``INPROGRESS``) with its
``ingestionErrors``. `feed_flow` runs all of that and `feed_report` turns the outcome into
a `WriteReport`: one `WriteResult` per item Walmart accepted, one `FeedItemError` (naming
the SKU and the field) per item it refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from retail_canon.connectors import (
    Flow,
    RequestSpec,
    RetriableConnectorError,
    SkippableRecordError,
    WriteReport,
)
from retail_canon.connectors._classify import malformed
from retail_canon.connectors._flow import Sleep
from retail_canon.connectors._json import json_ready
from retail_canon.connectors._records import WriteResult

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors import HttpConnector

__all__ = [
    "dumps",
    "feed_flow",
    "feed_report",
    "FeedItem",
    "FeedItemError",
    "FeedItemStatus",
    "FeedOutcome",
    "FeedStillProcessing",
    "IngestionError",
]

PENDING = frozenset({"RECEIVED", "INPROGRESS"})
"""Feed statuses that mean "not finished yet"."""

_PAGE = 1000
"""The most item statuses Walmart returns per status request."""


class FeedItemError(SkippableRecordError):
    """One item of a feed that Walmart (or the connector, before sending) refused.

    Attributes:
        sku: the item's SKU.
        field: the field the first error names, if any (``price``, ``quantity.amount``).
        feed_id: the feed, or `None` for an item refused before any feed was sent.
        ingestion_status: Walmart's ``ingestionStatus`` (``DATA_ERROR``, ...), if it said.
        errors: every ingestion error of the item.
    """

    code = "feed_item_error"

    def __init__(
        self,
        message: str,
        *,
        sku: str,
        field: str | None = None,
        feed_id: str | None = None,
        ingestion_status: str | None = None,
        errors: Sequence[IngestionError] = (),
        **context: Any,
    ) -> None:
        self.sku = sku
        self.field = field
        self.feed_id = feed_id
        self.ingestion_status = ingestion_status
        self.errors = tuple(errors)
        super().__init__(message, **context)


class FeedStillProcessing(RetriableConnectorError):
    """A feed was still processing when the connector stopped waiting for it.

    It was accepted and will be applied: check it later with its ``feed_id``
    (``GET /v3/feeds/{feed_id}``); do not send it again blindly.
    """

    code = "feed_still_processing"

    def __init__(self, message: str, *, feed_id: str, **context: Any) -> None:
        self.feed_id = feed_id
        super().__init__(message, maybe_applied=True, **context)


@dataclass(frozen=True, slots=True)
class IngestionError:
    """One ``ingestionError``: its type, code, field and description."""

    type: str | None
    code: str | None
    field: str | None
    description: str | None

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> IngestionError:
        """An ingestion error as Walmart sends it."""

        def text(name: str) -> str | None:
            value = data.get(name)
            return None if value is None else str(value)

        return cls(text("type"), text("code"), text("field"), text("description"))

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.code or self.type or 'ERROR'}{where}: {self.description or ''}".rstrip(": ")


@dataclass(frozen=True, slots=True)
class FeedItemStatus:
    """One item's ``itemIngestionStatus``."""

    index: int | None
    sku: str | None
    status: str
    wpid: str | None = None
    errors: tuple[IngestionError, ...] = ()


@dataclass(slots=True)
class FeedOutcome:
    """A finished feed: its status, feed-level errors and every item's status."""

    feed_id: str
    status: str
    items_received: int = 0
    errors: tuple[IngestionError, ...] = ()
    items: list[FeedItemStatus] = field(default_factory=list)
    polls: int = 0


@dataclass(frozen=True, slots=True)
class FeedItem:
    """What the connector put in a feed at one index: the item's key, SKU and source object."""

    key: str
    sku: str
    record: Any


def dumps(value: Any) -> bytes:
    """JSON bytes with `Decimal` amounts as exact numbers (Walmart wants numbers)."""
    return json.dumps(json_ready(value), separators=(",", ":"), ensure_ascii=False).encode()


def _status_page(connector: HttpConnector[Any]) -> Any:
    def parse(response: httpx.Response) -> dict[str, Any]:
        try:
            body = json.loads(response.content, parse_float=Decimal)
            if not isinstance(body, dict) or "feedStatus" not in body:
                raise KeyError("feedStatus")
        except (ValueError, KeyError) as exc:
            msg = f"getFeedItemStatus: unreadable feed status ({type(exc).__name__})"
            raise malformed(
                msg, response, operation="getFeedItemStatus", redactor=connector.redactor
            ) from None
        return body

    return parse


def _feed_id(connector: HttpConnector[Any], operation: str) -> Any:
    def parse(response: httpx.Response) -> str:
        try:
            return str(json.loads(response.content)["feedId"])
        except (ValueError, KeyError, TypeError) as exc:
            msg = f"{operation}: no feedId in the answer ({type(exc).__name__})"
            raise malformed(
                msg, response, operation=operation, redactor=connector.redactor
            ) from None

    return parse


def _errors(holder: Mapping[str, Any] | None) -> tuple[IngestionError, ...]:
    """``{"ingestionErrors": {"ingestionError": [...]}}`` (or a bare list) as errors."""
    if not holder:
        return ()
    found = holder.get("ingestionErrors")
    if isinstance(found, Mapping):
        found = found.get("ingestionError")
    if isinstance(found, Mapping):
        found = [found]
    return tuple(IngestionError.read(e) for e in found or () if isinstance(e, Mapping))


def _items(body: Mapping[str, Any]) -> list[FeedItemStatus]:
    details = body.get("itemDetails") or {}
    rows = details.get("itemIngestionStatus") or []
    out = []
    for row in rows:
        index = row.get("index")
        out.append(
            FeedItemStatus(
                index=None if index is None else int(index),
                sku=None if row.get("sku") is None else str(row["sku"]),
                status=str(row.get("ingestionStatus") or "INPROGRESS"),
                wpid=None if not row.get("wpid") else str(row["wpid"]),
                errors=_errors(row),
            )
        )
    return out


def feed_flow(
    connector: HttpConnector[Any],
    *,
    feed_type: str,
    body: bytes,
    operation: str,
    params: Mapping[str, str] | None = None,
    poll_interval: float,
    max_polls: int,
) -> Flow[FeedOutcome]:
    """Submit a feed, poll it until it is processed, and read every item's status.

    Raises:
        FeedStillProcessing: still ``RECEIVED``/``INPROGRESS`` after ``max_polls`` polls.
        ConnectorError: the submission or a status request failed for good. The submission
            is a ``POST`` without idempotency key: it is not repeated once Walmart may have
            received it (the error then says ``maybe_applied``).
    """
    submit = RequestSpec(
        "POST",
        "/v3/feeds",
        operation,
        params={"feedType": feed_type, **dict(params or {})},
        headers={"content-type": "application/json"},
        content=body,
    )
    feed_id: str = yield from connector.call_flow(submit, _feed_id(connector, operation))
    path = f"/v3/feeds/{feed_id}"
    parse = _status_page(connector)
    polls = 0
    while True:
        polls += 1
        spec = RequestSpec(
            "GET",
            path,
            "getFeedItemStatus",
            params={"includeDetails": "true", "offset": 0, "limit": _PAGE},
        )
        status: dict[str, Any] = yield from connector.call_flow(spec, parse)
        pending = str(status["feedStatus"]) in PENDING or int(status.get("itemsProcessing") or 0)
        if not pending:
            break
        if polls >= max_polls:
            msg = (
                f"feed {feed_id} is still {status['feedStatus']} after {polls} status checks; "
                "it will be applied: check it later, do not resend it"
            )
            raise FeedStillProcessing(msg, feed_id=feed_id, operation="getFeedItemStatus")
        yield Sleep(poll_interval)
    outcome = FeedOutcome(
        feed_id=feed_id,
        status=str(status["feedStatus"]),
        items_received=int(status.get("itemsReceived") or 0),
        errors=_errors(status),
        items=_items(status),
        polls=polls,
    )
    offset = len(outcome.items)
    while outcome.items and offset < outcome.items_received:
        spec = RequestSpec(
            "GET",
            path,
            "getFeedItemStatus",
            params={"includeDetails": "true", "offset": offset, "limit": _PAGE},
        )
        page: dict[str, Any] = yield from connector.call_flow(spec, parse)
        more = _items(page)
        if not more:
            break
        outcome.items.extend(more)
        offset += len(more)
    return outcome


def _refusal(
    operation: str,
    item: FeedItem,
    index: int,
    outcome: FeedOutcome,
    status: str | None,
    errors: tuple[IngestionError, ...],
    why: str,
) -> FeedItemError:
    first = errors[0] if errors else None
    return FeedItemError(
        f"{operation}: {item.sku} refused in feed {outcome.feed_id}: {why}",
        sku=item.sku,
        field=first.field if first is not None else None,
        feed_id=outcome.feed_id,
        ingestion_status=status,
        errors=errors,
        record_id=item.key,
        source={"operation": operation, "feed_id": outcome.feed_id, "index": index},
        record=item.record,
        operation=operation,
        vendor_code=first.code if first is not None else None,
    )


def feed_report(operation: str, items: Sequence[FeedItem], outcome: FeedOutcome) -> WriteReport:
    """The `WriteReport` of a finished feed whose item ``i`` was ``items[i]``.

    An item Walmart accepted (``SUCCESS``) is written, with the feed id as request id and
    the ``wpid`` as vendor id; any other status, a feed that ended in ``ERROR``, or no
    status at all for an item is a `FeedItemError` naming the SKU (and the field, when
    Walmart names one).
    """
    report = WriteReport()
    by_index = {s.index: s for s in outcome.items if s.index is not None}
    by_sku = {s.sku: s for s in outcome.items if s.sku is not None}
    for index, item in enumerate(items):
        found = by_index.get(index)
        if found is None or (found.sku is not None and found.sku != item.sku):
            found = by_sku.get(item.sku)
        if outcome.status == "ERROR" and (found is None or found.status != "SUCCESS"):
            errors = (found.errors if found is not None else ()) or outcome.errors
            why = "the feed ended in ERROR: " + ("; ".join(map(str, errors)) or "no reason given")
            report.skipped.append(_refusal(operation, item, index, outcome, "ERROR", errors, why))
        elif found is None:
            why = "Walmart reported no status for it (it may or may not have been applied)"
            report.skipped.append(_refusal(operation, item, index, outcome, None, (), why))
        elif found.status == "SUCCESS":
            report.written.append(WriteResult(item.key, 200, found.wpid, outcome.feed_id))
        else:
            why = f"{found.status}: " + ("; ".join(map(str, found.errors)) or "no reason given")
            report.skipped.append(
                _refusal(operation, item, index, outcome, found.status, found.errors, why)
            )
    return report
