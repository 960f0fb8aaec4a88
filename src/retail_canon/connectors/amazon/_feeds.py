"""Feeds 2021-06-30: a ``JSON_LISTINGS_FEED`` from upload to per-SKU outcome.

``createFeedDocument`` → ``PUT`` the feed to the pre-signed URL → ``createFeed`` → poll
``getFeed`` until final → ``getFeedDocument`` → download the processing report. The report
lists issues by ``messageId``; a message with an ``ERROR`` issue is reported as a
`ListingRejected` naming its SKU and attributes, every other message as written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from retail_canon.connectors import (
    MalformedResponse,
    RequestSpec,
    SkippableRecordError,
    WriteReport,
    WriteResult,
)
from retail_canon.connectors.amazon._listings import (
    ListingIssue,
    ListingWrite,
    _skip,
    dumps_exact,
    listings_flow,
    rejected,
    seller_id,
)
from retail_canon.connectors.amazon._reports import document_flow, json_body, wait_flow

if TYPE_CHECKING:
    from retail_canon.connectors._flow import Flow
    from retail_canon.connectors._http import HttpConnector

__all__ = [
    "FEED_CONTENT_TYPE",
    "FEED_MAX_MESSAGES",
    "LISTINGS_FEED",
    "listings_feed_flow",
    "submit_listings_flow",
]

LISTINGS_FEED = "JSON_LISTINGS_FEED"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
FEED_MAX_MESSAGES = 25_000
"""The listings feed schema's limit of messages per feed; longer writes send several."""
_FEEDS = "/feeds/2021-06-30"


def feed_document(seller: str, writes: Sequence[ListingWrite]) -> dict[str, Any]:
    """The ``JSON_LISTINGS_FEED`` document of ``writes`` (``messageId`` = position + 1)."""
    messages = []
    for number, write in enumerate(writes, start=1):
        message: dict[str, Any] = {
            "messageId": number,
            "sku": write.sku,
            "operationType": "PATCH" if write.method == "PATCH" else "UPDATE",
            "productType": write.body.get("productType", "PRODUCT"),
        }
        if write.method == "PATCH":
            message["patches"] = write.body["patches"]
        else:
            message["attributes"] = write.body["attributes"]
            if write.body.get("requirements"):
                message["requirements"] = write.body["requirements"]
        messages.append(message)
    return {
        "header": {"sellerId": seller, "version": "2.0", "issueLocale": "en_US"},
        "messages": messages,
    }


def listings_feed_flow(
    connector: HttpConnector[Any],
    writes: Sequence[ListingWrite],
    report: WriteReport,
    *,
    poll_interval: float,
    max_wait: float,
    max_messages: int = FEED_MAX_MESSAGES,
) -> Flow[WriteReport]:
    """Send ``writes`` as listings feeds of at most ``max_messages`` messages each."""
    seller = seller_id(connector, "a listings feed")
    for start in range(0, len(writes), max_messages):
        chunk = writes[start : start + max_messages]
        yield from _one_feed(
            connector, seller, chunk, report, poll_interval=poll_interval, max_wait=max_wait
        )
    return report


def _one_feed(
    connector: HttpConnector[Any],
    seller: str,
    writes: Sequence[ListingWrite],
    report: WriteReport,
    *,
    poll_interval: float,
    max_wait: float,
) -> Flow[None]:
    content = dumps_exact(feed_document(seller, writes))
    # A second feed document, or a second feed of the same absolute values, leaves the
    # listings as one would: both creations are repeated after a lost answer.
    created = yield from connector.call_flow(
        RequestSpec(
            "POST",
            f"{_FEEDS}/documents",
            "createFeedDocument",
            json={"contentType": FEED_CONTENT_TYPE},
            idempotent=True,
        ),
        json_body(connector, "createFeedDocument", "feedDocumentId", "url"),
    )
    upload = RequestSpec(
        "PUT",
        str(created["url"]),
        "uploadFeedDocument",
        headers={"content-type": FEED_CONTENT_TYPE},
        content=content,
        auth=False,
    )
    yield from connector.call_flow(upload)
    marketplaces = list(connector.config.marketplace_ids[:1])
    feed = yield from connector.call_flow(
        RequestSpec(
            "POST",
            f"{_FEEDS}/feeds",
            "createFeed",
            json={
                "feedType": LISTINGS_FEED,
                "marketplaceIds": marketplaces,
                "inputFeedDocumentId": created["feedDocumentId"],
            },
            idempotent=True,
        ),
        json_body(connector, "createFeed", "feedId"),
    )
    feed_id = str(feed["feedId"])
    get = RequestSpec("GET", f"{_FEEDS}/feeds/{feed_id}", "getFeed")
    state = yield from wait_flow(
        connector, get, id_name="feedId", poll_interval=poll_interval, max_wait=max_wait
    )
    result_id = state.get("resultFeedDocumentId")
    if not result_id:
        msg = f"getFeed: feed {feed_id} is DONE without a processing report"
        raise MalformedResponse(msg, operation="getFeed")
    document = yield from document_flow(
        connector,
        str(result_id),
        operation="getFeedDocument",
        path=f"{_FEEDS}/documents",
        check=lambda content: _processing_report(content, feed_id),
    )
    processing = _processing_report(document.content, feed_id)
    by_message: dict[int, list[ListingIssue]] = {}
    for issue in processing.get("issues") or ():
        try:
            number = int(issue["messageId"])
        except (KeyError, TypeError, ValueError):
            number = 0  # an issue about the whole feed
        by_message.setdefault(number, []).append(ListingIssue.from_json(issue))
    general = [i for i in by_message.get(0, []) if i.severity == "ERROR"]
    summary = processing.get("summary") or {}
    processed = summary.get("messagesProcessed")
    if isinstance(processed, int) and processed < len(writes):
        # Amazon stopped short: a message without an issue may not have been applied.
        reason = (
            f"feed {feed_id} processed {processed} of {len(writes)} messages: the outcome "
            "is unknown; write it again"
        )
        general = [*general, ListingIssue("FEED_INCOMPLETE", reason, "ERROR")]
    for number, write in enumerate(writes, start=1):
        issues = by_message.get(number, []) + general
        if any(i.severity == "ERROR" for i in issues):
            error = rejected(
                "JSON_LISTINGS_FEED", write.key, write.sku, issues, record=write.item, index=number
            )
            error.source = {"operation": LISTINGS_FEED, "feedId": feed_id, "messageId": number}
            _skip(connector, report, error)
        else:
            report.written.append(WriteResult(write.key, 200, feed_id))


def _processing_report(content: bytes, feed_id: str) -> dict[str, Any]:
    try:
        body = json.loads(content)
        if not isinstance(body, dict):
            raise TypeError(type(body).__name__)
    except (ValueError, TypeError) as exc:
        msg = f"getFeedDocument: the processing report of feed {feed_id} is unreadable ({exc})"
        raise MalformedResponse(msg, operation="getFeedDocument") from None
    return body


def submit_listings_flow(
    connector: HttpConnector[Any],
    writes: Sequence[ListingWrite],
    refused: Sequence[SkippableRecordError],
    *,
    feed_threshold: int,
) -> Flow[WriteReport]:
    """A planned listings write: ``refused`` reported, then ``writes`` sent.

    More than ``feed_threshold`` writes go as listings feeds, fewer one Listings Items call
    each.
    """
    report = WriteReport(skipped=list(refused))
    config = connector.config
    if len(writes) > feed_threshold:
        yield from listings_feed_flow(
            connector,
            writes,
            report,
            poll_interval=config.report_poll_interval,
            max_wait=config.report_max_wait,
        )
    else:
        yield from listings_flow(connector, writes, report)
    return report
