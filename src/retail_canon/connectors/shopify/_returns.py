"""Returns and refunds → `ReturnAuthorization`, read through the orders that carry them.

The Admin API lists returns per order: the read pages through orders updated at or after
``since`` (ascending by ``updatedAt``, like `read_orders`) and hands out, per order, one
record per Shopify return (with the refunds linked to it) and one per refund of items
made without a return. Refunds without line items (appeasements, shipping-only refunds)
are not returns; Shopify Payments shows them as ``REFUND`` settlement lines.

Nothing is cut silently: an order with more returns or refunds than
``returns_per_order``, or a return or refund with more lines than ``return_lines``, is
reported on `Records.skipped` with the setting to raise.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from retail_canon.connectors import Page, ReadStream
from retail_canon.connectors.shopify import _dto, _graphql, mapping
from retail_canon.models import ReturnAuthorization
from retail_canon.normalize.dates import parse_timestamp

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors import RequestSpec

__all__ = ["ReturnsStream"]


def _nodes(connection: Any) -> tuple[list[Any], bool]:
    """The nodes of a connection and whether it has more pages."""
    if connection is None:
        return [], False
    if isinstance(connection, list):
        return connection, False
    more = bool((connection.get("pageInfo") or {}).get("hasNextPage"))
    return list(connection.get("nodes") or []), more


class ReturnsStream(ReadStream[ReturnAuthorization]):
    """``Returns``: orders with their returns and refunds, flattened to one record each."""

    operation = "Returns"
    method = "POST"
    expired_token_codes = frozenset({"INVALID_CURSOR"})

    def request(self, *, start: Any, page_token: str | None) -> RequestSpec:
        config = self.connector.config
        variables: dict[str, Any] = {
            "first": config.returns_page_size,
            "returns": config.returns_per_order,
            "lines": config.return_lines,
        }
        if start is not None:
            stamp = start.astimezone(UTC).isoformat().replace("+00:00", "Z")
            variables["query"] = f"updated_at:>='{stamp}'"
        if page_token:
            variables["after"] = page_token
        cost = _graphql.returns_cost(
            config.returns_page_size, config.returns_per_order, config.return_lines
        )
        return _graphql.gql(self.operation, _graphql.RETURNS_QUERY, variables, cost)

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        config = self.connector.config
        orders = body["data"]["orders"]
        records: list[dict[str, Any]] = []
        for order in orders["nodes"]:
            base = {"order": order["id"], "updatedAt": order["updatedAt"]}
            returns, more = _nodes(order.get("returns"))
            refunds = list(order.get("refunds") or [])
            if more or len(refunds) >= config.returns_per_order:
                records.append(
                    {
                        **base,
                        "kind": "overflow",
                        "id": f"{order['id']}#returns",
                        "why": f"more than returns_per_order={config.returns_per_order} "
                        "returns or refunds",
                    }
                )
                continue
            linked: dict[str, list[Any]] = {}
            for refund in refunds:
                owner = (refund.get("return") or {}).get("id")
                if owner:
                    linked.setdefault(owner, []).append(refund)
            for ret in returns:
                records.append(
                    {
                        **base,
                        "kind": "return",
                        "id": ret["id"],
                        "node": ret,
                        "refunds": linked.get(ret["id"], []),
                    }
                )
            for refund in refunds:
                lines, _ = _nodes(refund.get("refundLineItems"))
                if (refund.get("return") or {}).get("id") or not lines:
                    continue
                records.append({**base, "kind": "refund", "id": refund["id"], "node": refund})
        info = orders["pageInfo"]
        return Page(records, info["endCursor"] if info["hasNextPage"] else None)

    def checkpoint_value(self, record: Any) -> datetime:
        return parse_timestamp(record["updatedAt"], field="updatedAt")

    def _flat(self, node: dict[str, Any], connection: str, what: str) -> dict[str, Any]:
        nodes, more = _nodes(node.get(connection))
        if more:
            limit = self.connector.config.return_lines
            msg = f"{what} {node['id']} has more than return_lines={limit} lines"
            raise ValueError(msg)
        return {**node, connection: nodes}

    def to_canonical(self, record: Any) -> ReturnAuthorization:
        config = self.connector.config
        presentment = config.currency == "presentment"
        if record["kind"] == "overflow":
            msg = f"order {record['order']} has {record['why']}; raise the setting"
            raise ValueError(msg)
        if record["kind"] == "refund":
            node = self._flat(record["node"], "refundLineItems", "refund")
            refund = _dto.structure(node, _dto.Refund)
            return mapping.refund_authorization(
                refund, order_gid=record["order"], shop=config.shop, presentment=presentment
            )
        ret = _dto.structure(self._flat(record["node"], "returnLineItems", "return"), _dto.Return)
        refunds = [
            _dto.structure(self._flat(r, "refundLineItems", "refund"), _dto.Refund)
            for r in record["refunds"]
        ]
        return mapping.return_authorization(
            ret,
            order_gid=record["order"],
            refunds=refunds,
            shop=config.shop,
            presentment=presentment,
        )
