"""Shopify Admin GraphQL connector: orders, inventory, payouts, returns, listings, webhooks.

Inventory writes by compare-and-swap, fulfillments with tracking, Shopify Payments
payouts as settlements, ``productSet`` listings with an enrichment hook.

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
from retail_canon.connectors.shopify._listings import ListingEnricher
from retail_canon.connectors.shopify._webhooks import (
    ORDER_TOPICS,
    TOPICS,
    InventoryLevelUpdate,
    WebhookSignatureError,
    parse_webhook,
    verify_webhook,
)
from retail_canon.connectors.shopify.mapping import PayoutIntegrityError

__all__ = [
    "BulkOrders",
    "DEFAULT_API_VERSION",
    "InventoryConflict",
    "InventoryLevelUpdate",
    "ListingEnricher",
    "ORDER_TOPICS",
    "PayoutIntegrityError",
    "parse_webhook",
    "ShopifyConfig",
    "ShopifyConnector",
    "ShopifyUserError",
    "TOPICS",
    "verify_webhook",
    "WebhookSignatureError",
]
