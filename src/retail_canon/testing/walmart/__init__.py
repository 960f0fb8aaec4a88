"""`WalmartFake`: an in-memory Walmart Marketplace (US) API for tests.

Client-credentials tokens at ``/v3/token`` that expire after 15 simulated minutes, the
``WM_SEC.ACCESS_TOKEN`` / ``WM_QOS.CORRELATION_ID`` / ``WM_SVC.NAME`` headers checked on
every call, released orders with ``nextCursor`` paging (epoch-millisecond dates, numeric
amounts), acknowledgement, shipping and cancellation, single-node inventory writes and
multi-node inventory reads, bulk ``inventory`` and ``MP_ITEM`` feeds with their lifecycle
and per-item statuses, reconciliation reports, returns, and a token bucket per API
announced in ``x-current-token-count`` / ``x-next-replenish-time``.
"""

from __future__ import annotations

from retail_canon.testing.walmart._fake import CLIENT_ID, CLIENT_SECRET, WalmartFake

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "WalmartFake"]
