"""Shopify Admin GraphQL documents, their cost estimates, and errors inside HTTP 200."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from retail_canon.connectors import (
    BadRequest,
    Conflict,
    ConnectorError,
    MalformedResponse,
    RateLimited,
    RequestSpec,
)

__all__ = [
    "BALANCE_TRANSACTIONS_QUERY",
    "INVENTORY_QUERY",
    "INVENTORY_SET",
    "ITEM_BY_SKU_QUERY",
    "ORDERS_QUERY",
    "PAYOUTS_QUERY",
    "PRODUCT_SET",
    "RETURNS_QUERY",
    "FULFILLMENT_CREATE",
    "FULFILLMENT_ORDERS_QUERY",
    "InventoryConflict",
    "ShopifyUserError",
    "balance_transactions_cost",
    "data_of",
    "gql",
    "graphql_error",
    "inventory_cost",
    "orders_cost",
    "payouts_cost",
    "returns_cost",
]

_MONEY = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"
_ADDRESS = "name company address1 address2 city province provinceCode zip countryCodeV2 phone"

ORDERS_QUERY = f"""
query Orders($first: Int!, $lines: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{
      id name createdAt updatedAt processedAt cancelledAt closed
      currencyCode presentmentCurrencyCode taxesIncluded
      displayFinancialStatus displayFulfillmentStatus email phone
      customer {{ id displayName }}
      shippingAddress {{ {_ADDRESS} }}
      billingAddress {{ {_ADDRESS} }}
      totalPriceSet {{ {_MONEY} }}
      subtotalPriceSet {{ {_MONEY} }}
      totalTaxSet {{ {_MONEY} }}
      totalDiscountsSet {{ {_MONEY} }}
      totalShippingPriceSet {{ {_MONEY} }}
      lineItems(first: $lines) {{
        nodes {{
          id sku title quantity currentQuantity
          originalUnitPriceSet {{ {_MONEY} }}
          totalDiscountSet {{ {_MONEY} }}
          taxLines {{ title rate channelLiable priceSet {{ {_MONEY} }} }}
        }}
      }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

INVENTORY_QUERY = """
query InventoryLevels($first: Int!, $locations: Int!, $names: [String!]!, $after: String) {
  inventoryItems(first: $first, after: $after) {
    nodes {
      id sku
      inventoryLevels(first: $locations) {
        nodes { updatedAt location { id } quantities(names: $names) { name quantity } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

ITEM_BY_SKU_QUERY = """
query ItemBySku($query: String!, $location: ID!) {
  inventoryItems(first: 1, query: $query) {
    nodes {
      id sku
      inventoryLevel(locationId: $location) { quantities(names: ["on_hand"]) { name quantity } }
    }
  }
}
"""

INVENTORY_SET = """
mutation InventorySet($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}
"""

FULFILLMENT_ORDERS_QUERY = """
query FulfillmentOrders($id: ID!) {
  order(id: $id) { fulfillmentOrders(first: 10) { nodes { id status } } }
}
"""

FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"""


_MONEY_V2 = "amount currencyCode"

PAYOUTS_QUERY = f"""
query Payouts($first: Int!, $after: String, $query: String) {{
  shopifyPaymentsAccount {{
    payouts(first: $first, after: $after, query: $query, sortKey: ISSUED_AT) {{
      nodes {{
        id legacyResourceId issuedAt status transactionType externalTraceId
        net {{ {_MONEY_V2} }}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""

BALANCE_TRANSACTIONS_QUERY = f"""
query BalanceTransactions($first: Int!, $after: String, $query: String!) {{
  shopifyPaymentsAccount {{
    balanceTransactions(first: $first, after: $after, query: $query, sortKey: PROCESSED_AT) {{
      nodes {{
        id type test transactionDate sourceType sourceId sourceOrderTransactionId
        adjustmentReason
        amount {{ {_MONEY_V2} }}
        fee {{ {_MONEY_V2} }}
        net {{ {_MONEY_V2} }}
        associatedOrder {{ id }}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""

_REFUND = f"""
  id createdAt note
  return {{ id }}
  totalRefundedSet {{ {_MONEY} }}
  refundLineItems(first: $lines) {{
    pageInfo {{ hasNextPage }}
    nodes {{
      quantity restockType
      lineItem {{ id sku }}
      subtotalSet {{ {_MONEY} }}
      totalTaxSet {{ {_MONEY} }}
    }}
  }}
"""

RETURNS_QUERY = f"""
query Returns($first: Int!, $returns: Int!, $lines: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{
      id updatedAt
      returns(first: $returns) {{
        pageInfo {{ hasNextPage }}
        nodes {{
          id name status createdAt requestApprovedAt closedAt
          returnLineItems(first: $lines) {{
            pageInfo {{ hasNextPage }}
            nodes {{
              ... on ReturnLineItem {{
                id quantity returnReason returnReasonNote
                fulfillmentLineItem {{ lineItem {{ id sku }} }}
              }}
            }}
          }}
        }}
      }}
      refunds(first: $returns) {{ {_REFUND} }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

PRODUCT_SET = """
mutation ProductSet($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier, synchronous: true) {
    product { id handle }
    userErrors { field message code }
  }
}
"""


def payouts_cost(first: int) -> int:
    """Requested cost of `PAYOUTS_QUERY`."""
    return 2 + first * 2


def balance_transactions_cost(first: int) -> int:
    """Requested cost of `BALANCE_TRANSACTIONS_QUERY`."""
    return 2 + first * 5


def returns_cost(first: int, returns: int, lines: int) -> int:
    """Requested cost of `RETURNS_QUERY`: returns and refunds per order, lines per each."""
    return 2 + first * (1 + 2 * returns * (2 + lines * 2))


def gql(
    operation: str, query: str, variables: Mapping[str, Any], cost: float, *, read: bool = True
) -> RequestSpec:
    """The request of one GraphQL document; ``read`` (or an idempotent mutation) may repeat."""
    body = {"query": query, "variables": dict(variables), "operationName": operation}
    return RequestSpec(
        "POST", "/graphql.json", operation, json=body, cost=cost, idempotent=True if read else None
    )


def data_of(operation: str) -> Any:
    """A ``parse`` function for `call_flow`: the ``data`` of a JSON answer, exactly.

    Unreadable answers raise `MalformedResponse` (retried like a transport fault).
    """

    def parse(response: Any) -> Any:
        try:
            body = json.loads(response.content, parse_float=Decimal)
            data = body["data"]
            if not isinstance(data, dict):
                raise TypeError(type(data).__name__)
        except (ValueError, KeyError, TypeError) as exc:
            msg = f"{operation}: unreadable answer ({type(exc).__name__})"
            raise MalformedResponse(msg, operation=operation, status=response.status_code) from None
        return data

    return parse


def orders_cost(first: int, lines: int) -> int:
    """Requested cost of `ORDERS_QUERY`: each connection costs its page size in objects."""
    return 2 + first * (2 + lines)


def inventory_cost(first: int, locations: int) -> int:
    """Requested cost of `INVENTORY_QUERY`."""
    return 2 + first * (2 + 2 * locations)


class ShopifyUserError(BadRequest):
    """A mutation's ``userErrors`` entry: the input was refused.

    Attributes:
        field: the path of the refused input field, e.g. ``("input", "quantities", "0")``.
    """

    def __init__(self, message: str, *, field: tuple[str, ...] = (), **context: Any) -> None:
        self.field = field
        super().__init__(message, **context)


class InventoryConflict(Conflict):
    """``inventorySetQuantities`` refused a stale ``changeFromQuantity`` (compare-and-swap).

    Attributes:
        current: the quantity Shopify holds now, when known (re-read and retry from it).
    """

    def __init__(self, message: str, *, current: Decimal | None = None, **context: Any) -> None:
        self.current = current
        super().__init__(message, **context)


_STALE = frozenset({"CHANGE_FROM_QUANTITY_STALE", "COMPARE_QUANTITY_STALE"})


def _retry_after(body: Mapping[str, Any], fallback: float) -> float:
    try:
        cost = body["extensions"]["cost"]
        status = cost["throttleStatus"]
        missing = float(cost["requestedQueryCost"]) - float(status["currentlyAvailable"])
        return max(missing, 1.0) / float(status["restoreRate"])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return fallback


def graphql_error(content: bytes, operation: str, status: int) -> ConnectorError | None:
    """The error a Shopify answer with HTTP 2xx carries, or `None` (also for unreadable bodies).

    ``THROTTLED`` → `RateLimited` (retry after the budget refills); other top-level
    ``errors`` → `BadRequest` with the vendor code; the first ``userErrors`` entry of a
    mutation → `InventoryConflict` for a stale compare-and-swap, else `ShopifyUserError`.
    """
    try:
        body = json.loads(content)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    context: dict[str, Any] = {"operation": operation, "status": status}
    errors = body.get("errors")
    if errors:
        first = errors[0] if isinstance(errors, list) and errors else {}
        code = str((first.get("extensions") or {}).get("code") or "GRAPHQL_ERROR")
        message = f"{operation}: {first.get('message') or 'GraphQL error'}"
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
            return RateLimited(
                message, vendor_code="THROTTLED", retry_after=_retry_after(body, 1.0), **context
            )
        return BadRequest(message, vendor_code=code, **context)
    data = body.get("data")
    if not isinstance(data, dict):
        return None
    for payload in data.values():
        user_errors = payload.get("userErrors") if isinstance(payload, dict) else None
        if not user_errors:
            continue
        first = user_errors[0]
        field = tuple(str(part) for part in first.get("field") or ())
        code = first.get("code")
        message = f"{operation}: {'.'.join(field) or '(input)'}: {first.get('message')}"
        if code in _STALE:
            return InventoryConflict(message, vendor_code=code, **context)
        return ShopifyUserError(message, field=field, vendor_code=code, **context)
    return None
