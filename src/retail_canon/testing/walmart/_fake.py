"""`WalmartFake`: an in-memory Walmart Marketplace (US) API for tests.

Client-credentials tokens at ``/v3/token`` that expire after 15 simulated minutes, the
``WM_SEC.ACCESS_TOKEN`` / ``WM_QOS.CORRELATION_ID`` / ``WM_SVC.NAME`` headers checked on
every call, released orders with ``nextCursor`` paging (epoch-millisecond dates, numeric
amounts), acknowledgement, single-node inventory writes and multi-node inventory reads, and
a token bucket per API announced in ``x-current-token-count`` / ``x-next-replenish-time``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from retail_canon.models import (
    InventoryBuckets,
    InventoryPosition,
    SalesOrder,
)
from retail_canon.testing._fake import FakeRequest, FakeVendor, route
from retail_canon.testing.walmart._shipments import (
    move_quantity,
    order_from_updates,
    shipped,
    shipped_lines,
)

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "WalmartFake"]

CLIENT_ID = "rc-test-walmart-client"
CLIENT_SECRET = "rc-test-secret-walmart-0001"
TOKEN_TTL = 900.0


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _number(value: Decimal) -> float | int:
    """A JSON number whose text is the decimal's (Walmart sends amounts as numbers)."""
    return int(value) if value == value.to_integral_value() else float(value)


class WalmartFake(FakeVendor):
    """A stateful Walmart seller account.

    Args:
        token_ttl: lifetime of access tokens, simulated seconds (Walmart: 900).
        autocreate: a shipping update for an unknown purchase order creates it from the
            update's lines (so the conformance suite's writes need no seeding).
        **options: see `FakeVendor`.
    """

    base_url = "https://marketplace.walmartapis.com"
    page_token_param = "soIndex"

    def __init__(
        self, *, token_ttl: float = TOKEN_TTL, autocreate: bool = True, **options: Any
    ) -> None:
        super().__init__(**options)
        self.token_ttl = token_ttl
        self.autocreate = autocreate
        self.orders: dict[str, dict[str, Any]] = {}
        self.inventory: dict[tuple[str, str], int] = {}
        self.correlation_ids: list[str] = []
        self.tokens_issued = 0

    # -- vendor-shaped answers ------------------------------------------------------------

    def error_response(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """Walmart's GatewayError list."""
        error = {
            "code": code,
            "description": message,
            "severity": "ERROR",
            "category": "APPLICATION",
        }
        return httpx.Response(status, json={"errors": [error]}, headers=dict(headers or {}))

    def throttle_response(self, retry_after: float | None = None) -> httpx.Response:
        """HTTP 429 with no tokens left and the time of the next one (epoch ms)."""
        wait = 1.0 if retry_after is None else retry_after
        headers = {
            "x-current-token-count": "0",
            "x-next-replenish-time": str(int((self.clock.time() + wait) * 1000)),
        }
        return self.error_response(429, "REQUEST_THRESHOLD_VIOLATED", "Too Many Requests", headers)

    def unauthorized_response(self) -> httpx.Response:
        """HTTP 401 ``UNAUTHORIZED.GMP_GATEWAY_API``."""
        return self.error_response(401, "UNAUTHORIZED.GMP_GATEWAY_API", "Unauthorized")

    def access_token(self, request: httpx.Request) -> str | None:
        """The ``WM_SEC.ACCESS_TOKEN`` header."""
        value: str | None = request.headers.get("wm_sec.access_token")
        return value

    def page_token(self, request: httpx.Request) -> str | None:
        """The order cursor (``soIndex``) or the inventory cursor (``nextCursor``)."""
        params = request.url.params
        return params.get("soIndex") or params.get("nextCursor") or None

    def rate_limit_key(self, request: httpx.Request) -> str | None:
        """One bucket per API: orders, inventory (the token endpoint is not limited)."""
        path = request.url.path
        if path.startswith("/v3/orders"):
            return "orders"
        if path.startswith("/v3/inventor"):
            return "inventory"
        return None

    def rate_limit_headers(
        self, bucket_rate: float, tokens: float, next_token_at: float, throttled: bool
    ) -> dict[str, str]:
        """``x-current-token-count`` and ``x-next-replenish-time`` (epoch ms)."""
        wall = self.clock.time() + max(0.0, next_token_at - self.clock.monotonic())
        return {
            "x-current-token-count": str(max(int(tokens), 0)),
            "x-next-replenish-time": str(int(wall * 1000)),
        }

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer a request from a sync client, noting its correlation id."""
        self._note(request)
        return super().handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer a request from an async client, noting its correlation id."""
        self._note(request)
        return await super().handle_async_request(request)

    def _note(self, request: httpx.Request) -> None:
        correlation = request.headers.get("wm_qos.correlation_id")
        if correlation:
            with self._lock:
                self.correlation_ids.append(correlation)

    def _denied(self, request: FakeRequest) -> httpx.Response | None:
        correlation = request.headers.get("wm_qos.correlation_id")
        if not correlation or request.headers.get("wm_svc.name") is None:
            return self.error_response(
                400, "INVALID_REQUEST_HEADER", "WM_QOS.CORRELATION_ID and WM_SVC.NAME required"
            )
        return self.check_token(request)

    # -- routes ---------------------------------------------------------------------------

    @route("POST", "/v3/token")
    def token(self, request: FakeRequest) -> httpx.Response:
        """The client-credentials grant (HTTP Basic)."""
        pair = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {pair}":
            return self.error_response(401, "INVALID_CLIENT", "Invalid client credentials")
        if request.form().get("grant_type") != "client_credentials":
            return self.error_response(400, "INVALID_GRANT", "Unsupported grant_type")
        if not request.headers.get("wm_qos.correlation_id"):
            return self.error_response(400, "INVALID_REQUEST_HEADER", "WM_QOS.CORRELATION_ID")
        self.tokens_issued += 1
        body = self.issue_token(self.token_ttl)
        body["token_type"] = "Bearer"
        return httpx.Response(200, json=body)

    def _list_orders(self, request: FakeRequest, released: bool) -> httpx.Response:
        if denied := self._denied(request):
            return denied
        rows = sorted(self.orders.values(), key=lambda o: (o["orderDate"], o["purchaseOrderId"]))
        if released:
            rows = [o for o in rows if _released(o)]
        since = request.params.get("createdStartDate")
        if since:
            start = _ms(datetime.fromisoformat(since))
            rows = [o for o in rows if o["orderDate"] >= start]
        limit = min(int(request.params.get("limit") or 100), 200)
        offset = int(request.params.get("soIndex") or 0)
        page = rows[offset : offset + limit]
        cursor = None
        if offset + limit < len(rows):
            cursor = f"?limit={limit}&hasMoreElements=true&soIndex={offset + limit}"
            cursor += f"&poIndex={page[-1]['purchaseOrderId']}"
            if since:
                cursor += f"&createdStartDate={since}"
        meta = {"totalCount": len(rows), "limit": limit, "nextCursor": cursor}
        return httpx.Response(200, json={"list": {"meta": meta, "elements": {"order": page}}})

    @route("GET", "/v3/orders/released")
    def released_orders(self, request: FakeRequest) -> httpx.Response:
        """``getAllReleasedOrders``: orders with a line still in ``Created``."""
        return self._list_orders(request, released=True)

    @route("GET", "/v3/orders")
    def all_orders(self, request: FakeRequest) -> httpx.Response:
        """``getAllOrders``."""
        return self._list_orders(request, released=False)

    @route("POST", "/v3/orders/(?P<po>[^/]+)/acknowledge")
    def acknowledge(self, request: FakeRequest) -> httpx.Response:
        """Moves ``Created`` lines to ``Acknowledged``."""
        if denied := self._denied(request):
            return denied
        order = self.orders.get(request.path_params["po"])
        if order is None:
            return self.error_response(404, "CONTENT_NOT_FOUND.GMP_ORDER_API", "No such order")
        for line in order["orderLines"]["orderLine"]:
            for status in line["orderLineStatuses"]["orderLineStatus"]:
                if status["status"] == "Created":
                    status["status"] = "Acknowledged"
            line["statusDate"] = _ms(datetime.fromtimestamp(self.clock.time(), UTC))
        return httpx.Response(200, json={"order": order})

    @route("POST", "/v3/orders/(?P<po>[^/]+)/shipping")
    def ship(self, request: FakeRequest) -> httpx.Response:
        """``shippingUpdates``: lines (or parts of them) become ``Shipped`` with tracking."""
        if denied := self._denied(request):
            return denied
        po = request.path_params["po"]
        updates = request.json()["orderShipment"]["orderLines"]["orderLine"]
        if po not in self.orders and self.autocreate:
            self.orders[po] = order_from_updates(po, updates, self.clock.time())
        order = self.orders.get(po)
        if order is None:
            return self.error_response(404, "CONTENT_NOT_FOUND.GMP_ORDER_API", "No such order")
        lines = {line["lineNumber"]: line for line in order["orderLines"]["orderLine"]}
        for update in updates:
            line = lines.get(update["lineNumber"])
            if line is None:
                return self.error_response(400, "INVALID_REQUEST_CONTENT", "lineNumber")
            for status in update["orderLineStatuses"]["orderLineStatus"]:
                tracking = status.get("trackingInfo") or {}
                carrier = tracking.get("carrierName") or {}
                if "otherCarrier" in carrier and not tracking.get("trackingURL"):
                    return self.error_response(400, "INVALID_REQUEST_CONTENT", "trackingURL")
                error = move_quantity(line, {**status, "trackingInfo": tracking}, "Shipped")
                if error:
                    return self.error_response(400, "INVALID_REQUEST_CONTENT", error)
        return httpx.Response(200, json={"order": order})

    @route("POST", "/v3/orders/(?P<po>[^/]+)/cancel")
    def cancel(self, request: FakeRequest) -> httpx.Response:
        """``cancelOrderLines``: open units of lines become ``Cancelled``."""
        if denied := self._denied(request):
            return denied
        order = self.orders.get(request.path_params["po"])
        if order is None:
            return self.error_response(404, "CONTENT_NOT_FOUND.GMP_ORDER_API", "No such order")
        lines = {line["lineNumber"]: line for line in order["orderLines"]["orderLine"]}
        for update in request.json()["orderCancellation"]["orderLines"]["orderLine"]:
            line = lines.get(update["lineNumber"])
            if line is None:
                return self.error_response(400, "INVALID_REQUEST_CONTENT", "lineNumber")
            for status in update["orderLineStatuses"]["orderLineStatus"]:
                error = move_quantity(line, status, "Cancelled")
                if error:
                    return self.error_response(400, "INVALID_REQUEST_CONTENT", error)
        return httpx.Response(200, json={"order": order})

    @route("PUT", "/v3/inventory")
    def put_inventory(self, request: FakeRequest) -> httpx.Response:
        """``updateInventoryForAnItem`` at one ship node."""
        if denied := self._denied(request):
            return denied
        body = request.json()
        sku, node = request.params.get("sku"), request.params.get("shipNode") or "default"
        if not sku or body.get("sku") != sku:
            return self.error_response(400, "INVALID_REQUEST_CONTENT", "sku mismatch")
        amount = body["quantity"]["amount"]
        if not isinstance(amount, int) or amount < 0:
            return self.error_response(400, "INVALID_REQUEST_CONTENT", "quantity.amount")
        self.inventory[(sku, node)] = amount
        return httpx.Response(200, json=body)

    @route("GET", "/v3/inventories")
    def list_inventories(self, request: FakeRequest) -> httpx.Response:
        """Multi-node inventory of every SKU, ``nextCursor`` paging."""
        if denied := self._denied(request):
            return denied
        skus = sorted({sku for sku, _ in self.inventory})
        limit = int(request.params.get("limit") or 10)
        offset = int(request.params.get("nextCursor") or 0)
        items = [
            {
                "sku": sku,
                "nodes": [
                    {
                        "shipNode": node,
                        "inputQty": {"unit": "EACH", "amount": qty},
                        "availToSellQty": {"unit": "EACH", "amount": qty},
                        "reservedQty": {"unit": "EACH", "amount": 0},
                    }
                    for (s, node), qty in sorted(self.inventory.items())
                    if s == sku
                ],
            }
            for sku in skus[offset : offset + limit]
        ]
        more = offset + limit < len(skus)
        meta = {"totalCount": len(skus), "nextCursor": str(offset + limit) if more else None}
        return httpx.Response(200, json={"meta": meta, "elements": {"inventories": items}})

    # -- seeding and reading back ---------------------------------------------------------

    def put(self, kind: str, objects: Iterable[Any]) -> None:
        """Seed ``"orders"`` (`SalesOrder`, id ``walmart-<po>``) or ``"inventory"``."""
        if kind == "orders":
            for order in objects:
                self.put_order(order)
            return
        if kind == "inventory":
            for p in objects:
                self.inventory[(p.sku, p.location_id)] = int(p.buckets.on_hand)
            return
        super().put(kind, objects)

    def put_order(self, order: SalesOrder, status: str = "Created") -> dict[str, Any]:
        """Seed one order from a `SalesOrder`, every line in ``status``."""
        po = order.order_id.removeprefix("walmart-")
        lines = []
        for n, line in enumerate(order.lines, start=1):
            qty = line.quantity.value
            amount = line.unit_price.amount * qty
            quantity = {"unitOfMeasurement": "EACH", "amount": str(qty)}
            lines.append(
                {
                    "lineNumber": str(n),
                    "item": {"productName": line.title or line.sku, "sku": line.sku},
                    "charges": {
                        "charge": [
                            {
                                "chargeType": "PRODUCT",
                                "chargeName": "ItemPrice",
                                "chargeAmount": {
                                    "currency": line.unit_price.currency,
                                    "amount": _number(amount),
                                },
                                "tax": None,
                            }
                        ]
                    },
                    "orderLineQuantity": quantity,
                    "statusDate": _ms(order.updated_at or order.placed_at),
                    "orderLineStatuses": {
                        "orderLineStatus": [{"status": status, "statusQuantity": quantity}]
                    },
                }
            )
        record = {
            "purchaseOrderId": po,
            "customerOrderId": order.order_number or f"C{po}",
            "customerEmailId": "relay@relay.walmart.com",
            "orderDate": _ms(order.placed_at),
            "shippingInfo": {"methodCode": "Standard", "estimatedShipDate": None},
            "orderLines": {"orderLine": lines},
        }
        self.orders[po] = record
        return record

    def get(self, kind: str) -> list[Any]:
        """Positions (``"inventory"``), or orders with shipped lines (``"shipments"``)."""
        if kind == "shipments":
            return [shipped(order) for order in self.orders.values() if shipped_lines(order)]
        if kind != "inventory":
            return super().get(kind)
        now = datetime.fromtimestamp(self.clock.time(), UTC)
        return [
            InventoryPosition(
                sku=sku, location_id=node, buckets=InventoryBuckets(on_hand=qty), as_of=now
            )
            for (sku, node), qty in self.inventory.items()
        ]


def _released(order: Mapping[str, Any]) -> bool:
    return any(
        status["status"] == "Created"
        for line in order["orderLines"]["orderLine"]
        for status in line["orderLineStatuses"]["orderLineStatus"]
    )
