"""`ShopifyFake`: an in-memory Shopify Admin GraphQL API for tests.

It parses enough of each request to serve the operations of `ShopifyConnector` (by
``operationName``, checked against the document's root field), charges each query its
cost from a leaky bucket (``extensions.cost.throttleStatus``; a query the bucket cannot
pay is refused with HTTP 200 and ``THROTTLED``), and keeps orders and inventory levels as
Shopify does: ``inventorySetQuantities`` checks ``changeFromQuantity`` (compare-and-swap)
and remembers idempotency keys.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import httpx

from retail_canon.connectors.shopify._graphql import (
    balance_transactions_cost,
    inventory_cost,
    orders_cost,
    payouts_cost,
    returns_cost,
)
from retail_canon.models import InventoryBuckets, InventoryPosition, SalesOrder
from retail_canon.testing._fake import FakeRequest, FakeVendor, route
from retail_canon.testing.shopify._bulk import BulkOperations
from retail_canon.testing.shopify._fulfillment import FulfillmentOrders
from retail_canon.testing.shopify._payments import Payments
from retail_canon.testing.shopify._products import Products
from retail_canon.testing.shopify._returns import Returns
from retail_canon.testing.shopify._seed import order_node
from retail_canon.testing.shopify._seed import stamp as _stamp

__all__ = ["ACCESS_TOKEN", "SHOP", "ShopifyFake"]

SHOP = "rc-test"
ACCESS_TOKEN = "rc-test-secret-shpat-0001"

_ROOTS = {
    "Orders": "orders(",
    "InventoryLevels": "inventoryItems(",
    "ItemBySku": "inventoryItems(",
    "InventorySet": "inventorySetQuantities(",
    "FulfillmentCreate": "fulfillmentCreate(",
    "BulkRun": "bulkOperationRunQuery(",
    "BulkStatus": "BulkOperation",
    "Payouts": "payouts(",
    "BalanceTransactions": "balanceTransactions(",
    "Returns": "returns(",
    "ProductSet": "productSet(",
}
_UNAVAILABLE = ("reserved", "damaged", "safety_stock", "quality_control")
_SINCE = re.compile(r"updated_at:>='?([^' ]+)'?")


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    return int(base64.b64decode(cursor).decode().split(":")[1])


class ShopifyFake(BulkOperations, Payments, Returns, Products, FakeVendor):
    """A stateful Shopify shop.

    Args:
        maximum_available: the cost bucket's size (points).
        restore_rate: points restored per simulated second.
        autostock: the first ``ItemBySku`` lookup of an unknown SKU creates its inventory
            item, stocked with zero at the asked location, and ``fulfillmentCreate`` on an
            unknown fulfillment order creates it (so the conformance suite's writes need no
            seeding).
        **options: see `FakeVendor`.
    """

    base_url = f"https://{SHOP}.myshopify.com/admin/api/2026-10"
    page_token_param = "after"

    def __init__(
        self,
        *,
        maximum_available: float = 1000.0,
        restore_rate: float = 100.0,
        autostock: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.maximum_available = maximum_available
        self.restore_rate = restore_rate
        self.autostock = autostock
        self.available = maximum_available
        self._restored_at = self.clock.monotonic()
        self.orders: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}  # item gid → {"sku", "levels"}
        self.idempotency: dict[str, tuple[Any, dict[str, Any]]] = {}
        self.races: dict[tuple[str, str], int] = {}
        self.bulk_seconds = 30.0
        self.bulk_operations: dict[str, dict[str, Any]] = {}
        self.fulfillment_orders = FulfillmentOrders(autocreate=autostock)
        self.payouts: dict[str, dict[str, Any]] = {}
        self.balance_transactions: dict[str, list[dict[str, Any]]] = {}
        self.order_returns: dict[str, dict[str, Any]] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.points_spent = 0.0
        self.throttled = 0
        self._serial = 0

    # -- vendor-shaped answers ------------------------------------------------------------

    def error_response(
        self, status: int, code: str, message: str, headers: Any = None
    ) -> httpx.Response:
        """Shopify's top-level ``errors`` with the code in ``extensions``."""
        body = {"errors": [{"message": message, "extensions": {"code": code}}]}
        return httpx.Response(status, json=body, headers=dict(headers or {}))

    def throttle_response(self, retry_after: float | None = None) -> httpx.Response:
        """Shopify's throttle: HTTP 200, ``THROTTLED``, no data, the budget in extensions."""
        self.throttled += 1
        body = {
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": {"cost": self._cost(self.maximum_available, None)},
        }
        return httpx.Response(200, json=body)

    def expired_page_token_response(self) -> httpx.Response:
        """An unusable ``after`` cursor (HTTP 200, code ``INVALID_CURSOR`` in this fake)."""
        return self.error_response(200, "INVALID_CURSOR", "Invalid cursor for current pagination")

    def unauthorized_response(self) -> httpx.Response:
        """HTTP 401 ``ACCESS_DENIED``."""
        return self.error_response(
            401, "ACCESS_DENIED", "[API] Invalid API key or access token (unrecognized login)"
        )

    def access_token(self, request: httpx.Request) -> str | None:
        """The ``X-Shopify-Access-Token`` header."""
        value: str | None = request.headers.get("x-shopify-access-token")
        return value

    def page_token(self, request: httpx.Request) -> str | None:
        """The ``after`` variable of the GraphQL body."""
        try:
            variables = FakeRequest(request, {}).json().get("variables") or {}
        except (ValueError, AttributeError):
            return None
        after = variables.get("after")
        return str(after) if after else None

    # -- the cost model -------------------------------------------------------------------

    def _restore(self) -> None:
        now = self.clock.monotonic()
        self.available = min(
            self.maximum_available,
            self.available + (now - self._restored_at) * self.restore_rate,
        )
        self._restored_at = now

    def _cost(self, requested: float, actual: float | None) -> dict[str, Any]:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.maximum_available,
                "currentlyAvailable": int(self.available),
                "restoreRate": self.restore_rate,
            },
        }

    # -- the endpoint ---------------------------------------------------------------------

    @route("POST", r"/admin/api/(?P<version>[^/]+)/graphql\.json")
    def graphql(self, request: FakeRequest) -> httpx.Response:
        """The Admin GraphQL endpoint."""
        if request.headers.get("x-shopify-access-token") != ACCESS_TOKEN:
            return self.unauthorized_response()
        body = request.json()
        name = body.get("operationName")
        query, variables = body.get("query") or "", body.get("variables") or {}
        root = _ROOTS.get(name or "")
        if root is None or root not in query:
            return self.error_response(200, "BAD_REQUEST", f"unsupported operation {name!r}")
        requested = self._requested(name, variables)
        if requested > 1000:
            return self.error_response(
                200, "MAX_COST_EXCEEDED", f"Query cost is {requested}, which exceeds 1000"
            )
        self._restore()
        if self.available < requested:
            self.throttled += 1
            answer = {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {"cost": self._cost(requested, None)},
            }
            return httpx.Response(200, json=answer)
        handler = getattr(self, f"_op_{name}")
        data, actual = handler(variables, request.path_params["version"])
        self.available -= actual
        self.points_spent += actual
        answer = {"data": data, "extensions": {"cost": self._cost(requested, actual)}}
        return httpx.Response(200, json=answer)

    def _requested(self, name: str, variables: dict[str, Any]) -> float:
        if name == "Orders":
            return orders_cost(int(variables["first"]), int(variables["lines"]))
        if name == "InventoryLevels":
            return inventory_cost(int(variables["first"]), int(variables["locations"]))
        if name == "Payouts":
            return payouts_cost(int(variables["first"]))
        if name == "BalanceTransactions":
            return balance_transactions_cost(int(variables["first"]))
        if name == "Returns":
            first, returns = int(variables["first"]), int(variables["returns"])
            return returns_cost(first, returns, int(variables["lines"]))
        return 10.0 if name in ("InventorySet", "FulfillmentCreate", "ProductSet") else 4.0

    def _op_Orders(self, variables: dict[str, Any], version: str) -> tuple[Any, float]:
        rows = sorted(
            self.orders.values(),
            key=lambda o: (datetime.fromisoformat(o["updatedAt"]), int(o["id"].rsplit("/")[-1])),
        )
        match = _SINCE.search(variables.get("query") or "")
        if match:
            since = datetime.fromisoformat(match.group(1))
            rows = [o for o in rows if datetime.fromisoformat(o["updatedAt"]) >= since]
        first, lines = int(variables["first"]), int(variables["lines"])
        offset = _offset(variables.get("after"))
        page = rows[offset : offset + first]
        nodes = []
        for order in page:
            node = dict(order)
            node["lineItems"] = {"nodes": order["lineItems"]["nodes"][:lines]}
            nodes.append(node)
        more = offset + first < len(rows)
        info = {"hasNextPage": more, "endCursor": _cursor(offset + first) if page else None}
        actual = 2 + sum(2 + len(n["lineItems"]["nodes"]) for n in nodes)
        return {"orders": {"nodes": nodes, "pageInfo": info}}, actual

    def _op_InventoryLevels(self, variables: dict[str, Any], version: str) -> tuple[Any, float]:
        first, locations = int(variables["first"]), int(variables["locations"])
        names = list(variables.get("names") or ["available"])
        offset = _offset(variables.get("after"))
        gids = sorted(self.items, key=lambda g: int(g.rsplit("/", 1)[-1]))
        nodes = []
        for gid in gids[offset : offset + first]:
            item = self.items[gid]
            levels = [
                {
                    "updatedAt": level["updatedAt"],
                    "location": {"id": loc},
                    "quantities": [
                        {"name": n, "quantity": self._quantity(level, n)} for n in names
                    ],
                }
                for loc, level in list(item["levels"].items())[:locations]
            ]
            nodes.append({"id": gid, "sku": item["sku"], "inventoryLevels": {"nodes": levels}})
        more = offset + first < len(gids)
        info = {"hasNextPage": more, "endCursor": _cursor(offset + first) if nodes else None}
        actual = 2 + sum(2 + 2 * len(n["inventoryLevels"]["nodes"]) for n in nodes)
        return {"inventoryItems": {"nodes": nodes, "pageInfo": info}}, actual

    def _op_ItemBySku(self, variables: dict[str, Any], version: str) -> tuple[Any, float]:
        sku = re.sub(r"^sku:'?|'$", "", variables["query"])
        location = variables["location"]
        gid = next((g for g, item in self.items.items() if item["sku"] == sku), None)
        if gid is None and self.autostock:
            gid = self._item(sku)
        if gid is not None and location not in self.items[gid]["levels"] and self.autostock:
            self._level(gid, location, {})
        nodes = []
        if gid is not None:
            level = self.items[gid]["levels"].get(location)
            quantities = (
                None
                if level is None
                else {"quantities": [{"name": "on_hand", "quantity": level["on_hand"]}]}
            )
            nodes.append({"id": gid, "sku": sku, "inventoryLevel": quantities})
        return {"inventoryItems": {"nodes": nodes}}, 3

    def _op_InventorySet(self, variables: dict[str, Any], version: str) -> tuple[Any, float]:
        payload, key = variables["input"], variables.get("idempotencyKey")
        if key is not None and key in self.idempotency:
            previous_input, previous = self.idempotency[key]
            if previous_input != payload:
                previous = self._user_error(
                    ["idempotencyKey"],
                    "Key reused with other input",
                    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                )
            return {"inventorySetQuantities": previous}, 10
        result = self._set(payload, version)
        if key is not None:
            self.idempotency[key] = (payload, result)
        return {"inventorySetQuantities": result}, 10

    def _op_FulfillmentCreate(self, variables: dict[str, Any], version: str) -> tuple[Any, float]:
        return {"fulfillmentCreate": self.fulfillment_orders.create(variables["fulfillment"])}, 10

    def _set(self, payload: dict[str, Any], version: str) -> dict[str, Any]:
        name = payload.get("name")
        if name not in ("available", "on_hand"):
            return self._user_error(["input", "name"], "Invalid name", "INVALID_NAME")
        for index, change in enumerate(payload["quantities"]):
            where = ["input", "quantities", str(index)]
            item = self.items.get(change["inventoryItemId"])
            if item is None:
                return self._user_error(
                    [*where, "inventoryItemId"], "Unknown item", "INVALID_INVENTORY_ITEM"
                )
            level = item["levels"].get(change["locationId"])
            if level is None:
                return self._user_error([*where, "locationId"], "Not stocked", "INVALID_LOCATION")
            if version >= "2026-04" and "changeFromQuantity" not in change:
                return self._user_error(
                    [*where, "changeFromQuantity"], "changeFromQuantity is required", None
                )
            race = (item["sku"], change["locationId"])
            if self.races.get(race):
                self.races[race] -= 1
                level["on_hand"] += 1  # another writer got there first
            expected = change.get("changeFromQuantity")
            if expected is not None and expected != level[name if name == "on_hand" else "on_hand"]:
                return self._user_error(
                    [*where, "changeFromQuantity"],
                    "The specified compare quantity does not match the current quantity",
                    "CHANGE_FROM_QUANTITY_STALE",
                )
            if change["quantity"] < 0:
                return self._user_error(
                    [*where, "quantity"], "Negative", "INVALID_QUANTITY_NEGATIVE"
                )
            level["on_hand"] = int(change["quantity"])
            level["updatedAt"] = _stamp(datetime.fromtimestamp(self.clock.time(), UTC))
        self._serial += 1
        group = {"id": f"gid://shopify/InventoryAdjustmentGroup/{self._serial}"}
        return {"inventoryAdjustmentGroup": group, "userErrors": []}

    @staticmethod
    def _user_error(field: list[str], message: str, code: str | None) -> dict[str, Any]:
        error = {"field": field, "message": message, "code": code}
        return {"inventoryAdjustmentGroup": None, "userErrors": [error]}

    @staticmethod
    def _quantity(level: dict[str, Any], name: str) -> int:
        if name == "available":
            held = sum(int(level.get(n, 0)) for n in (*_UNAVAILABLE, "committed"))
            return int(level["on_hand"]) - held
        return int(level.get(name, 0))

    # -- state ----------------------------------------------------------------------------

    def race(self, sku: str, location_id: str, times: int = 1) -> None:
        """Make another writer change ``on_hand`` just before the next ``times`` sets."""
        self.races[(sku, f"gid://shopify/Location/{location_id}")] = times

    def _item(self, sku: str) -> str:
        self._serial += 1
        gid = f"gid://shopify/InventoryItem/{self._serial}"
        self.items[gid] = {"sku": sku, "levels": {}}
        return gid

    def _level(
        self, gid: str, location: str, buckets: dict[str, int], at: str | None = None
    ) -> None:
        level: dict[str, Any] = {
            name: int(buckets.get(name, 0))
            for name in ("on_hand", "committed", "incoming", *_UNAVAILABLE)
        }
        level["updatedAt"] = at or _stamp(datetime.fromtimestamp(self.clock.time(), UTC))
        self.items[gid]["levels"][location] = level

    def put(self, kind: str, objects: Iterable[Any]) -> None:
        """Seed canonical objects of ``kind``.

        ``"orders"`` (`SalesOrder`, id ``shopify-<n>``), ``"inventory"`` positions,
        ``"shipments"`` (`FulfillmentOrder`), ``"settlements"`` (`SettlementRecord`, as
        payouts) or ``"returns"`` (`ReturnAuthorization`).
        """
        if kind == "orders":
            for order in objects:
                self.put_order(order)
            return
        if kind == "shipments":
            self.fulfillment_orders.seed(objects)
            return
        if kind == "settlements":
            self.put_settlements(objects)
            return
        if kind == "returns":
            self.put_returns(objects)
            return
        if kind == "inventory":
            for position in objects:
                gid = next((g for g, i in self.items.items() if i["sku"] == position.sku), None)
                gid = gid or self._item(position.sku)
                buckets = {k: int(v) for k, v in position.buckets.model_dump().items()}
                location = f"gid://shopify/Location/{position.location_id}"
                self._level(gid, location, buckets, _stamp(position.as_of))
            return
        super().put(kind, objects)

    def put_order(self, order: SalesOrder, **fields: Any) -> dict[str, Any]:
        """Seed one order from a `SalesOrder`; ``fields`` override the Shopify node's fields."""
        node = order_node(order, **fields)
        self.orders[node["id"]] = node
        return node

    def get(self, kind: str) -> list[Any]:
        """The canonical objects of ``kind`` held.

        Positions (``"inventory"``), fulfillment orders (``"shipments"``) or products
        (``"listings"``).
        """
        if kind == "shipments":
            return list(self.fulfillment_orders.canonical())
        if kind == "listings":
            return self.listings()
        if kind != "inventory":
            return super().get(kind)
        return [
            InventoryPosition(
                sku=item["sku"],
                location_id=location.rsplit("/", 1)[-1],
                buckets=InventoryBuckets(
                    **{k: max(v, 0) for k, v in level.items() if k != "updatedAt"}
                ),
                as_of=level["updatedAt"],
            )
            for item in self.items.values()
            for location, level in item["levels"].items()
        ]
