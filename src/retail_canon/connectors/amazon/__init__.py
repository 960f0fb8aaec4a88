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

__all__ = [
    "ENDPOINTS",
    "LWA_TOKEN_URL",
    "SETTLEMENT_REPORT",
    "AmazonConfig",
    "AmazonConnector",
]
