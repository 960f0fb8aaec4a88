"""Returns and refunds in `ShopifyFake`: served per order, as the Admin API does."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from retail_canon.models import ReturnAuthorization, ReturnStatus
from retail_canon.testing.shopify._seed import bag, stamp

__all__ = ["Returns"]

_SINCE = re.compile(r"updated_at:>='?([^' ]+)'?")
_STATUS = {
    ReturnStatus.REQUESTED: "REQUESTED",
    ReturnStatus.AUTHORIZED: "OPEN",
    ReturnStatus.IN_TRANSIT: "OPEN",
    ReturnStatus.RECEIVED: "OPEN",
    ReturnStatus.CLOSED: "CLOSED",
    ReturnStatus.DECLINED: "DECLINED",
    ReturnStatus.CANCELLED: "CANCELED",
}


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    return int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0


def _number(canonical_id: str) -> str:
    """The trailing number of ``shopify-return-7`` or ``gid://shopify/Refund/7``."""
    return re.split(r"[-/]", canonical_id)[-1]


def _connection(nodes: list[Any], first: int) -> dict[str, Any]:
    return {"pageInfo": {"hasNextPage": len(nodes) > first}, "nodes": nodes[:first]}


class Returns:
    """Mixed into `ShopifyFake`: the ``Returns`` query (orders with returns and refunds).

    ``order_returns`` maps an order GID to ``{"id", "updatedAt", "returns", "refunds"}``
    with Shopify-shaped return and refund nodes (connections as plain lists).
    """

    order_returns: dict[str, dict[str, Any]]

    def _op_Returns(self, variables: dict[str, Any], version: str) -> tuple[Any, float]:
        rows = sorted(
            self.order_returns.values(),
            key=lambda o: (datetime.fromisoformat(o["updatedAt"]), int(o["id"].rsplit("/", 1)[-1])),
        )
        match = _SINCE.search(variables.get("query") or "")
        if match:
            since = datetime.fromisoformat(match.group(1))
            rows = [o for o in rows if datetime.fromisoformat(o["updatedAt"]) >= since]
        first, offset = int(variables["first"]), _offset(variables.get("after"))
        per_order, lines = int(variables["returns"]), int(variables["lines"])
        nodes = []
        actual = 2
        for order in rows[offset : offset + first]:
            returns = [
                {**r, "returnLineItems": _connection(r["returnLineItems"], lines)}
                for r in order["returns"]
            ]
            refunds = [
                {**r, "refundLineItems": _connection(r["refundLineItems"], lines)}
                for r in order["refunds"][:per_order]
            ]
            nodes.append(
                {
                    "id": order["id"],
                    "updatedAt": order["updatedAt"],
                    "returns": _connection(returns, per_order),
                    "refunds": refunds,
                }
            )
            actual += 1 + 2 * (min(len(returns), per_order) + len(refunds))
        info = {
            "hasNextPage": offset + first < len(rows),
            "endCursor": _cursor(offset + first) if nodes else None,
        }
        return {"orders": {"nodes": nodes, "pageInfo": info}}, actual

    def put_returns(self, authorizations: Iterable[ReturnAuthorization]) -> None:
        """Seed returns.

        ``shopify-return-<n>`` is ``Return/<n>`` (with its refund linked), and
        ``shopify-refund-<n>`` a refund of items without a return.
        """
        for ra in authorizations:
            order_gid = f"gid://shopify/Order/{_number(ra.sales_order_id)}"
            order = self.order_returns.setdefault(
                order_gid,
                {
                    "id": order_gid,
                    "updatedAt": stamp(ra.requested_at),
                    "returns": [],
                    "refunds": [],
                },
            )
            latest = max(t for t in (ra.requested_at, ra.closed_at) if t is not None)
            if datetime.fromisoformat(order["updatedAt"]) < latest:
                order["updatedAt"] = stamp(latest)
            number = _number(ra.rma_id)
            refund_lines = []
            for line in ra.lines:
                currency = ra.refund.item_amount.currency if ra.refund else "USD"
                share = ra.refund.item_amount.amount if ra.refund else Decimal(0)
                tax = ra.refund.tax_amount if ra.refund else None
                refund_lines.append(
                    {
                        "quantity": int(line.quantity_authorized.value),
                        "restockType": "RETURN" if line.quantity_received else "NO_RESTOCK",
                        "lineItem": {
                            "id": f"gid://shopify/LineItem/{_number(line.sales_order_line_id)}",
                            "sku": line.sku,
                        },
                        "subtotalSet": bag(share if line is ra.lines[0] else Decimal(0), currency),
                        "totalTaxSet": bag(tax.amount, currency)
                        if tax is not None and line is ra.lines[0]
                        else None,
                    }
                )
            if ra.rma_id.startswith("shopify-refund-"):
                order["refunds"].append(
                    {
                        "id": f"gid://shopify/Refund/{number}",
                        "createdAt": stamp(ra.requested_at),
                        "note": None,
                        "return": None,
                        "totalRefundedSet": None,
                        "refundLineItems": refund_lines,
                    }
                )
                continue
            gid = f"gid://shopify/Return/{number}"
            order["returns"].append(
                {
                    "id": gid,
                    "name": f"#{_number(ra.sales_order_id)}-R{len(order['returns']) + 1}",
                    "status": _STATUS.get(ReturnStatus(ra.status), "OPEN"),
                    "createdAt": stamp(ra.requested_at),
                    "requestApprovedAt": stamp(ra.authorized_at) if ra.authorized_at else None,
                    "closedAt": stamp(ra.closed_at) if ra.closed_at else None,
                    "returnLineItems": [
                        {
                            "id": f"gid://shopify/ReturnLineItem/{_number(line.line_id)}",
                            "quantity": int(line.quantity_authorized.value),
                            "returnReason": line.source_reason or "UNKNOWN",
                            "returnReasonNote": line.inspection_note or "",
                            "fulfillmentLineItem": {
                                "lineItem": {
                                    "id": "gid://shopify/LineItem/"
                                    + _number(line.sales_order_line_id),
                                    "sku": line.sku,
                                }
                            },
                        }
                        for line in ra.lines
                    ],
                }
            )
            if ra.refund is not None:
                refund_number = _number(ra.refund.refund_id or f"9{number}")
                order["refunds"].append(
                    {
                        "id": f"gid://shopify/Refund/{refund_number}",
                        "createdAt": stamp(ra.refund.issued_at or ra.requested_at),
                        "note": None,
                        "return": {"id": gid},
                        "totalRefundedSet": None,
                        "refundLineItems": refund_lines,
                    }
                )
