"""Feeds of `WalmartFake`: a lifecycle per feed and a status per item.

A feed is ``RECEIVED`` for ``received_for`` simulated seconds after it arrives, then
``INPROGRESS`` for ``processing_for`` seconds (its items ``INPROGRESS``), then processed
in one step: each item is checked and applied, or refused with an ingestion error, and
the feed is ``PROCESSED`` — or ``ERROR`` when the file itself is unusable (not JSON, no
header, no items).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FakeFeed",
    "feed_status",
    "ItemCheck",
]

ItemCheck = Callable[[int, Mapping[str, Any]], "tuple[str | None, dict[str, Any] | None]"]
"""Checks and applies one item: ``(sku, None)`` on success, ``(sku, error)`` otherwise."""


@dataclass
class FakeFeed:
    """One submitted feed."""

    feed_id: str
    feed_type: str
    submitted_at: float
    records: list[Any]
    params: dict[str, str]
    state: str = "RECEIVED"
    error: dict[str, Any] | None = None
    header: dict[str, Any] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)

    def advance(self, now: float, received_for: float, processing_for: float) -> bool:
        """Move the feed along the clock; true when it has just become due for processing."""
        if self.state in ("PROCESSED", "ERROR"):
            return False
        elapsed = now - self.submitted_at
        if elapsed < received_for:
            self.state = "RECEIVED"
            return False
        if elapsed < received_for + processing_for:
            self.state = "INPROGRESS"
            return False
        return True

    def process(self, check: ItemCheck) -> None:
        """Check and apply every item, then end ``PROCESSED`` (or ``ERROR``)."""
        if self.error is not None:
            self.state = "ERROR"
            return
        for index, record in enumerate(self.records):
            sku, error = check(index, record)
            status: dict[str, Any] = {
                "martId": 0,
                "sku": sku,
                "index": index,
                "ingestionStatus": "SUCCESS" if error is None else "DATA_ERROR",
                "ingestionErrors": {"ingestionError": [] if error is None else [error]},
            }
            if error is None and self.feed_type == "MP_ITEM":
                status["wpid"] = f"WP{zlib.crc32(str(sku).encode()):010d}"
            self.statuses.append(status)
        self.state = "PROCESSED"


def feed_status(feed: FakeFeed, *, details: bool, offset: int, limit: int) -> dict[str, Any]:
    """The ``getFeedItemStatus`` answer for a feed."""
    done = feed.state in ("PROCESSED", "ERROR")
    failed = sum(1 for s in feed.statuses if s["ingestionStatus"] != "SUCCESS")
    body: dict[str, Any] = {
        "feedId": feed.feed_id,
        "feedStatus": feed.state,
        "ingestionErrors": {"ingestionError": [feed.error] if feed.error else []},
        "itemsReceived": len(feed.records),
        "itemsSucceeded": len(feed.statuses) - failed,
        "itemsFailed": failed if feed.state != "ERROR" else len(feed.records),
        "itemsProcessing": 0 if done else len(feed.records),
        "offset": offset,
        "limit": limit,
    }
    if details:
        if done:
            rows = feed.statuses[offset : offset + limit]
        else:
            rows = [
                {"sku": _sku(r), "index": i, "ingestionStatus": "INPROGRESS"}
                for i, r in enumerate(feed.records)
            ][offset : offset + limit]
        body["itemDetails"] = {"itemIngestionStatus": rows}
    return body


def _sku(record: Any) -> str | None:
    if isinstance(record, Mapping):
        if "sku" in record:
            return str(record["sku"])
        orderable = record.get("Orderable")
        if isinstance(orderable, Mapping) and "sku" in orderable:
            return str(orderable["sku"])
    return None
