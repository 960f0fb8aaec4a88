"""`NetSuiteFake`: an in-memory NetSuite account for tests.

SuiteTalk REST sales orders (create with 204 + ``Location``, upsert by
``PUT …/salesOrder/eid:<external id>``, read), SuiteQL (``POST /services/rest/query/v1/suiteql``
with ``Prefer: transient``, ``limit``/``offset`` paging, ``hasMore`` and ``links``) over
items, locations, inventory balances and posted invoices / credit memos, OAuth 1.0a
HMAC-SHA256 signatures verified on every request (realm, keys, timestamp window, nonce
replay), the per-account concurrency limit (429 ``CONCURRENCY_LIMIT_EXCEEDED``), and
errors as ``o:errorDetails``.
"""

from __future__ import annotations

from retail_canon.testing.netsuite._fake import (
    ACCOUNT_ID,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    CUSTOMER_ID,
    TOKEN_ID,
    TOKEN_SECRET,
    NetSuiteFake,
)

__all__ = [
    "ACCOUNT_ID",
    "CONSUMER_KEY",
    "CONSUMER_SECRET",
    "CUSTOMER_ID",
    "NetSuiteFake",
    "TOKEN_ID",
    "TOKEN_SECRET",
]
