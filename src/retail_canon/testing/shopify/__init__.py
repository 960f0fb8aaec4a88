"""`ShopifyFake`: an in-memory Shopify Admin GraphQL API for tests.

It parses enough of each request to serve the operations of `ShopifyConnector` (by
``operationName``, checked against the document's root field), charges each query its
cost from a leaky bucket (``extensions.cost.throttleStatus``; a query the bucket cannot
pay is refused with HTTP 200 and ``THROTTLED``), and keeps orders, inventory levels,
fulfillment orders, Shopify Payments payouts with their balance transactions, returns and
refunds, and products as Shopify does: ``inventorySetQuantities`` checks
``changeFromQuantity`` (compare-and-swap) and remembers idempotency keys, ``productSet``
upserts by handle and refuses bad input with ``userErrors``.
"""

from __future__ import annotations

from retail_canon.testing.shopify._fake import ACCESS_TOKEN, SHOP, ShopifyFake

__all__ = ["ACCESS_TOKEN", "SHOP", "ShopifyFake"]
