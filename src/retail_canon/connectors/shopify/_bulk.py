"""Bulk operations for large order backfills: start, poll, read the JSONL result."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from retail_canon.connectors import (
    Flow,
    RequestSpec,
    ServerError,
    SkippableRecordError,
)
from retail_canon.connectors._flow import Sleep
from retail_canon.connectors.shopify import _dto, mapping

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors import HttpConnector
    from retail_canon.models import SalesOrder

__all__ = ["BULK_RUN", "BULK_STATUS", "BulkOrders", "bulk_orders_flow", "bulk_query"]

_MONEY = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"
_ADDRESS = "name company address1 address2 city province provinceCode zip countryCodeV2 phone"

BULK_RUN = """
mutation BulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}
"""

BULK_STATUS = """
query BulkStatus($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount url } }
}
"""

_RUNNING = frozenset({"CREATED", "RUNNING"})


def bulk_query(since: datetime | None) -> str:
    """The bulk query of orders (connections as ``edges { node }``, as bulk queries need)."""
    search = ""
    if since is not None:
        stamp = since.astimezone(UTC).isoformat().replace("+00:00", "Z")
        search = f"(query: \"updated_at:>='{stamp}'\", sortKey: UPDATED_AT)"
    return f"""{{ orders{search} {{ edges {{ node {{
  id name createdAt updatedAt processedAt cancelledAt closed
  currencyCode presentmentCurrencyCode taxesIncluded
  displayFinancialStatus displayFulfillmentStatus email phone
  customer {{ id displayName }}
  shippingAddress {{ {_ADDRESS} }} billingAddress {{ {_ADDRESS} }}
  totalPriceSet {{ {_MONEY} }} subtotalPriceSet {{ {_MONEY} }} totalTaxSet {{ {_MONEY} }}
  totalDiscountsSet {{ {_MONEY} }} totalShippingPriceSet {{ {_MONEY} }}
  lineItems {{ edges {{ node {{
    id sku title quantity currentQuantity
    originalUnitPriceSet {{ {_MONEY} }} totalDiscountSet {{ {_MONEY} }}
    taxLines {{ title rate channelLiable priceSet {{ {_MONEY} }} }}
  }} }} }}
}} }} }} }}"""


@dataclass
class BulkOrders:
    """The orders of a finished bulk operation, and those that could not be mapped."""

    operation_id: str
    orders: list[SalesOrder] = field(default_factory=list)
    skipped: list[SkippableRecordError] = field(default_factory=list)


def _gql(operation: str, query: str, variables: dict[str, Any], *, read: bool) -> RequestSpec:
    body = {"query": query, "variables": variables, "operationName": operation}
    return RequestSpec(
        "POST", "/graphql.json", operation, json=body, cost=10, idempotent=True if read else None
    )


def bulk_orders_flow(
    connector: HttpConnector[Any],
    *,
    since: datetime | None,
    poll_interval: float,
    shop: str,
    presentment: bool,
) -> Flow[BulkOrders]:
    """Start a bulk query of orders, poll until it ends, read and map its JSONL result."""
    started: httpx.Response = yield from connector.call_flow(
        _gql("BulkRun", BULK_RUN, {"query": bulk_query(since)}, read=False)
    )
    operation = json.loads(started.content)["data"]["bulkOperationRunQuery"]["bulkOperation"]
    op_id = operation["id"]
    while True:
        polled: httpx.Response = yield from connector.call_flow(
            _gql("BulkStatus", BULK_STATUS, {"id": op_id}, read=True)
        )
        node = json.loads(polled.content)["data"]["node"]
        if node["status"] not in _RUNNING:
            break
        yield Sleep(poll_interval)
    result = BulkOrders(op_id)
    if node["status"] != "COMPLETED":
        msg = f"bulk operation {op_id} ended {node['status']} ({node.get('errorCode')})"
        raise ServerError(msg, operation="BulkStatus", vendor_code=node.get("errorCode"))
    if not node.get("url"):  # no objects: Shopify gives no file
        return result
    download: httpx.Response = yield from connector.call_flow(
        RequestSpec("GET", node["url"], "BulkResult", auth=False)
    )
    orders: dict[str, dict[str, Any]] = {}
    for line in download.text.splitlines():
        if not line.strip():
            continue
        row = json.loads(line, parse_float=Decimal)
        parent = row.pop("__parentId", None)
        if parent is None:
            row["lineItems"] = {"nodes": []}
            orders[row["id"]] = row
        elif parent in orders:
            orders[parent]["lineItems"]["nodes"].append(row)
    for index, (gid, row) in enumerate(orders.items()):
        try:
            dto = _dto.structure(row, _dto.Order)
            result.orders.append(mapping.sales_order(dto, shop=shop, presentment=presentment))
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            result.skipped.append(
                SkippableRecordError(
                    f"BulkResult: record {gid} skipped: {type(exc).__name__}: {exc}",
                    record_id=gid,
                    source={"operation": "BulkResult", "index": index},
                    record=row,
                    operation="BulkResult",
                )
            )
    return result
