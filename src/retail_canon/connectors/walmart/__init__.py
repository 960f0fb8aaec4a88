"""Walmart Marketplace (US) connector: orders, acknowledgement, shipping, cancellation, inventory.

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
    WalmartAuth,
    WalmartConfig,
    WalmartConnector,
)

__all__ = ["LineCancellation", "SERVICE_NAME", "WalmartAuth", "WalmartConfig", "WalmartConnector"]
