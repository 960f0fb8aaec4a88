"""Amazon Selling Partner API connector.

```python
from retail_canon.connectors.amazon import AmazonConnector

amazon = AmazonConnector(
    region="EU",
    client_id="amzn1.application-oa2-client....",
    client_secret="...",
    refresh_token="Atzr|...",
    marketplace_ids=("A1PA6795UKMFR9",),
    orders_api="2026-01-01",  # or "v0": the same SalesOrder either way
)
for order in amazon.read_orders(since=yesterday):
    ...
for settlement in amazon.read_settlements(since=last_month):  # V2 settlement reports
    ...
```

Also: FBA inventory (``read_inventory``) and merchant-fulfilled quantities
(``write_inventory``: Listings Items patches or a ``JSON_LISTINGS_FEED``), listings
(``write_listings``, with an enrichment hook), returns (``read_returns``), Finances
(``read_financial_events``, ``read_transactions``, or ``settlements_from``), any report
(``request_report``) and notifications (`parse_notification`).

The V2 settlement flat file parser is `retail_canon.connectors.amazon.settlement`; the
mapping to canonical objects is `retail_canon.connectors.amazon.mapping`.

See ``docs/amazon.md``.
"""

from __future__ import annotations

from retail_canon.connectors.amazon._connector import (
    ENDPOINTS,
    LWA_TOKEN_URL,
    SETTLEMENT_REPORT,
    AmazonConfig,
    AmazonConnector,
)
from retail_canon.connectors.amazon._listing_sink import ListingDraft, purchasable_offer
from retail_canon.connectors.amazon._listings import ListingIssue, ListingRejected
from retail_canon.connectors.amazon._notifications import (
    NOTIFICATION_TYPES,
    FbaInventoryChange,
    NotificationMeta,
    OrderChange,
    OrderChangeItem,
    notification_envelopes,
    parse_notification,
)
from retail_canon.connectors.amazon._reports import (
    Document,
    ReportDocument,
    ReportFailed,
    ReportNotReady,
)

__all__ = [
    "AmazonConfig",
    "AmazonConnector",
    "Document",
    "ENDPOINTS",
    "FbaInventoryChange",
    "LWA_TOKEN_URL",
    "ListingDraft",
    "ListingIssue",
    "ListingRejected",
    "NOTIFICATION_TYPES",
    "NotificationMeta",
    "OrderChange",
    "OrderChangeItem",
    "ReportDocument",
    "ReportFailed",
    "ReportNotReady",
    "SETTLEMENT_REPORT",
    "notification_envelopes",
    "parse_notification",
    "purchasable_offer",
]
