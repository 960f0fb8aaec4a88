"""Shopify Admin GraphQL connector: orders, inventory (compare-and-swap), fulfillments, webhooks.

```python
from retail_canon.connectors.shopify import ShopifyConnector

shop = ShopifyConnector(shop="fjordline", access_token="shpat_...")
for order in shop.read_orders(since=yesterday):
    ...
```

See ``docs/shopify.md``.
"""

from __future__ import annotations

from retail_canon.connectors.shopify._bulk import BulkOrders
from retail_canon.connectors.shopify._connector import (
    DEFAULT_API_VERSION,
    ShopifyConfig,
    ShopifyConnector,
)
from retail_canon.connectors.shopify._graphql import InventoryConflict, ShopifyUserError
from retail_canon.connectors.shopify._webhooks import (
    ORDER_TOPICS,
    WebhookSignatureError,
    parse_webhook,
    verify_webhook,
)

__all__ = [
    "BulkOrders",
    "DEFAULT_API_VERSION",
    "InventoryConflict",
    "ORDER_TOPICS",
    "parse_webhook",
    "ShopifyConfig",
    "ShopifyConnector",
    "ShopifyUserError",
    "verify_webhook",
    "WebhookSignatureError",
]
