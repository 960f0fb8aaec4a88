"""Feeds 2021-06-30 for `AmazonFake`: feed documents, upload, ``JSON_LISTINGS_FEED`` lifecycle.

``createFeedDocument`` hands out an upload URL; the ``PUT`` there stores the content;
``createFeed`` queues the feed, which goes ``IN_QUEUE`` → ``IN_PROGRESS`` → ``DONE`` (or
`FeedRoutes.feed_outcome`) as the fake's clock passes ``feed_queue_seconds`` and
``feed_processing_seconds``. When done, each message is validated and applied like a
listings submission, and a processing report (``header``, ``issues``, ``summary``) is
written as the result document.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, cast

import httpx

from retail_canon.testing._fake import FakeRequest, route
from retail_canon.testing.amazon._render import iso

if TYPE_CHECKING:
    from retail_canon.testing.amazon._fake import AmazonFake

__all__ = ["FeedRoutes"]

_S3 = "https://tortuga-prod-na.s3-external-1.amazonaws.com"


class FeedRoutes:
    """The feeds of `AmazonFake` (a mixin).

    Attributes:
        feed_documents: ``feedDocumentId`` → ``{"content_type", "content", "compressed"}``.
        feeds: ``feedId`` → ``{"feed": <getFeed answer>, ...}``.
        feed_outcome: how the next feeds end (``DONE``, ``FATAL``, ``CANCELLED``).
        feed_queue_seconds, feed_processing_seconds: simulated seconds per stage.
        compress_feed_results: gzip the processing reports.
    """

    feed_documents: dict[str, dict[str, Any]]
    feeds: dict[str, dict[str, Any]]
    feed_outcome: Literal["DONE", "FATAL", "CANCELLED"] = "DONE"
    feed_queue_seconds: float = 20.0
    feed_processing_seconds: float = 100.0
    compress_feed_results: bool = True

    def _feed_now(self) -> datetime:
        return datetime.fromtimestamp(cast("AmazonFake", self).clock.time(), UTC)

    @route("POST", "/feeds/2021-06-30/documents")
    def create_feed_document(self, request: FakeRequest) -> httpx.Response:
        """``createFeedDocument``: 201 ``{feedDocumentId, url}``."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        body = request.json()
        content_type = body.get("contentType") if isinstance(body, dict) else None
        if not content_type:
            return fake.error_response(400, "InvalidInput", "contentType is required.")
        with fake._lock:
            document_id = f"amzn1.tortuga.4.na.feed-{len(self.feed_documents) + 1}"
            self.feed_documents[document_id] = {"content_type": content_type, "content": None}
        url = f"{_S3}/feed-uploads/{document_id}"
        return httpx.Response(201, json={"feedDocumentId": document_id, "url": url})

    @route("PUT", "/feed-uploads/(?P<document_id>[^/]+)")
    def upload_feed_document(self, request: FakeRequest) -> httpx.Response:
        """The pre-signed upload: the same content type as declared, no access token."""
        document = self.feed_documents.get(request.path_params["document_id"])
        if document is None:
            return httpx.Response(404, content=b"<Error><Code>NoSuchKey</Code></Error>")
        if request.headers.get("content-type") != document["content_type"]:
            return httpx.Response(403, content=b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
        document["content"] = request.raw.content
        return httpx.Response(200)

    @route("POST", "/feeds/2021-06-30/feeds")
    def create_feed(self, request: FakeRequest) -> httpx.Response:
        """``createFeed``: 202 ``{feedId}``; only ``JSON_LISTINGS_FEED`` is understood."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        body = request.json()
        if not isinstance(body, dict) or body.get("feedType") != "JSON_LISTINGS_FEED":
            return fake.error_response(400, "InvalidInput", "Invalid feedType.")
        document = self.feed_documents.get(str(body.get("inputFeedDocumentId")))
        if document is None or document["content"] is None or not body.get("marketplaceIds"):
            return fake.error_response(400, "InvalidInput", "Invalid input")
        with fake._lock:
            feed_id = str(70000 + len(self.feeds) + 1)
            self.feeds[feed_id] = {
                "feed": {
                    "feedId": feed_id,
                    "feedType": "JSON_LISTINGS_FEED",
                    "marketplaceIds": list(body["marketplaceIds"]),
                    "createdTime": iso(self._feed_now()),
                    "processingStatus": "IN_QUEUE",
                },
                "content": document["content"],
                "requested_at": fake.clock.monotonic(),
                "outcome": self.feed_outcome,
            }
        return httpx.Response(202, json={"feedId": feed_id})

    @route("GET", "/feeds/2021-06-30/feeds/(?P<feed_id>[^/]+)")
    def get_feed(self, request: FakeRequest) -> httpx.Response:
        """``getFeed``: the feed with its current ``processingStatus``."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        entry = self.feeds.get(request.path_params["feed_id"])
        if entry is None:
            return fake.error_response(400, "InvalidInput", "Invalid input")
        self._advance_feed(entry)
        return httpx.Response(200, json=entry["feed"])

    @route("GET", "/feeds/2021-06-30/documents/(?P<document_id>[^/]+)")
    def get_feed_document(self, request: FakeRequest) -> httpx.Response:
        """``getFeedDocument``: the download URL of a processing report."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        document_id = request.path_params["document_id"]
        document = self.feed_documents.get(document_id)
        if document is None or not document.get("result"):
            return fake.error_response(400, "InvalidInput", "Invalid input")
        body = {"feedDocumentId": document_id, "url": f"{_S3}/feed-results/{document_id}"}
        if document.get("compressed"):
            body["compressionAlgorithm"] = "GZIP"
        return httpx.Response(200, json=body)

    @route("GET", "/feed-results/(?P<document_id>[^/]+)")
    def download_feed_result(self, request: FakeRequest) -> httpx.Response:
        """The pre-signed download of a processing report."""
        document = self.feed_documents.get(request.path_params["document_id"])
        if document is None or not document.get("result"):
            return httpx.Response(404, content=b"<Error><Code>NoSuchKey</Code></Error>")
        headers = {"content-type": "application/json; charset=UTF-8"}
        return httpx.Response(200, content=document["content"], headers=headers)

    def processing_report(self, feed_id: str) -> dict[str, Any] | None:
        """The processing report of a done feed, as JSON."""
        entry = self.feeds[feed_id]
        document = self.feed_documents.get(str(entry["feed"].get("resultFeedDocumentId")))
        if document is None:
            return None
        content = document["content"]
        report: dict[str, Any] = json.loads(
            gzip.decompress(content) if document["compressed"] else content
        )
        return report

    def _advance_feed(self, entry: dict[str, Any]) -> None:
        fake = cast("AmazonFake", self)
        feed = entry["feed"]
        if feed["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
            return
        elapsed = fake.clock.monotonic() - entry["requested_at"]
        if elapsed < self.feed_queue_seconds:
            return
        feed.setdefault("processingStartTime", iso(self._feed_now()))
        feed["processingStatus"] = "IN_PROGRESS"
        if elapsed < self.feed_queue_seconds + self.feed_processing_seconds:
            return
        feed["processingEndTime"] = iso(self._feed_now())
        outcome = entry["outcome"]
        if outcome != "DONE":
            feed["processingStatus"] = outcome
            return
        report = self._process(feed["feedId"], entry["content"])
        content = json.dumps(report, default=str).encode()
        document_id = f"amzn1.tortuga.4.na.result-{feed['feedId']}"
        compressed = self.compress_feed_results
        self.feed_documents[document_id] = {
            "content_type": "application/json",
            "content": gzip.compress(content) if compressed else content,
            "compressed": compressed,
            "result": True,
        }
        feed["resultFeedDocumentId"] = document_id
        feed["processingStatus"] = "DONE"

    def _process(self, feed_id: str, content: bytes) -> dict[str, Any]:
        fake = cast("AmazonFake", self)
        issues: list[dict[str, Any]] = []
        header: Mapping[str, Any] = {}
        try:
            feed = json.loads(content, parse_float=Decimal)
            header = feed["header"]
            messages = list(feed["messages"])
        except (ValueError, KeyError, TypeError):
            messages = []
            issues.append(
                {"messageId": 0, "code": "FAKE_FEED", "severity": "ERROR", "message": "bad feed"}
            )
        if header and header.get("sellerId") != fake.seller_id:
            messages = []
            issues.append(
                {"messageId": 0, "code": "FAKE_SELLER", "severity": "ERROR", "message": "sellerId"}
            )
        invalid = 0
        for message in messages:
            sku = str(message.get("sku") or "")
            number = message.get("messageId")
            put = message.get("operationType") == "UPDATE"
            found = fake.listing_issues(sku, message, put=put) if sku else []
            if not sku:
                found = [
                    {"code": "FAKE_MISSING", "message": "sku is required", "severity": "ERROR"}
                ]
            for issue in found:
                names = issue.get("attributeNames") or []
                entry = {
                    "messageId": number,
                    "sku": sku,
                    "code": issue["code"],
                    "severity": issue["severity"],
                    "message": issue["message"],
                }
                if names:
                    entry["attributeName"] = names[0]
                issues.append(entry)
            if found:
                invalid += 1
                continue
            marketplace = fake.feeds[feed_id]["feed"]["marketplaceIds"][0]
            if put:
                fake.listings[sku] = {
                    "productType": message["productType"],
                    "attributes": dict(message["attributes"]),
                    "marketplaceId": marketplace,
                    "requirements": message.get("requirements"),
                }
            else:
                fake.apply_patches(sku, marketplace, message)
        return {
            "header": {"sellerId": fake.seller_id, "version": "2.0", "feedId": feed_id},
            "issues": issues,
            "summary": {
                "errors": sum(1 for i in issues if i["severity"] == "ERROR"),
                "warnings": sum(1 for i in issues if i["severity"] == "WARNING"),
                "messagesProcessed": len(messages),
                "messagesAccepted": len(messages) - invalid,
                "messagesInvalid": invalid,
            },
        }
