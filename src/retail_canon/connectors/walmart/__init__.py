"""Walmart Marketplace (US) connector: orders, shipping, inventory, feeds, recon, returns.

```python
from retail_canon.connectors.walmart import WalmartConnector

walmart = WalmartConnector(client_id="...", client_secret="...")
for order in walmart.read_orders(since=yesterday):
    ...
```

See ``docs/walmart.md``.
"""

from __future__ import annotations

from retail_canon.connectors.walmart._connector import (
    SERVICE_NAME,
    LineCancellation,
    ListingEnricher,
    WalmartAuth,
    WalmartConfig,
    WalmartConnector,
)
from retail_canon.connectors.walmart._feeds import (
    FeedItemError,
    FeedStillProcessing,
    IngestionError,
)
from retail_canon.connectors.walmart.mapping import ListingFieldError, ReconIntegrityError

__all__ = [
    "FeedItemError",
    "FeedStillProcessing",
    "IngestionError",
    "LineCancellation",
    "ListingEnricher",
    "ListingFieldError",
    "ReconIntegrityError",
    "SERVICE_NAME",
    "WalmartAuth",
    "WalmartConfig",
    "WalmartConnector",
]
