"""`WalmartFake`: an in-memory Walmart Marketplace (US) API for tests.

Client-credentials tokens at ``/v3/token`` that expire after 15 simulated minutes, the
``WM_SEC.ACCESS_TOKEN`` / ``WM_QOS.CORRELATION_ID`` / ``WM_SVC.NAME`` headers checked on
every call, released orders with ``nextCursor`` paging (epoch-millisecond dates, numeric
amounts), acknowledgement, shipping and cancellation, single-node inventory writes and
multi-node inventory reads, bulk ``inventory`` and ``MP_ITEM`` feeds with their lifecycle
(``RECEIVED → INPROGRESS → PROCESSED | ERROR``) and per-item statuses, reconciliation
reports, returns, and a token bucket per API announced in ``x-current-token-count`` /
``x-next-replenish-time``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from retail_canon.models import (
    InventoryBuckets,
    InventoryPosition,
    Product,
    SalesOrder,
)
from retail_canon.testing._fake import FakeRequest, FakeVendor, route
from retail_canon.testing.walmart._feeds import FakeFeed, feed_status
from retail_canon.testing.walmart._orders import order_record
from retail_canon.testing.walmart._reports import recon_rows, report_date_of, return_order
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


class WalmartFake(FakeVendor):
    """A stateful Walmart seller account.

    Args:
        token_ttl: lifetime of access tokens, simulated seconds (Walmart: 900).
        autocreate: a shipping update for an unknown purchase order creates it from the
            update's lines (so the conformance suite's writes need no seeding).
        feed_timing: simulated seconds a feed stays ``RECEIVED``, then ``INPROGRESS``.
        **options: see `FakeVendor`.

    Attributes:
        feeds: every feed received, by id.
        items: the catalogue written by ``MP_ITEM`` feeds, ``{sku: MPItem entry}``.
        recon: reconciliation reports, ``{MMDDYYYY: rows}``.
        returns: return orders, ``{returnOrderId: record}``.
        item_errors: ``{sku: (code, field, description)}``: refuse that SKU in any feed.
        feed_errors: ``{feed type: (code, description)}``: end the next such feed in
            ``ERROR`` (the entry is used once).
    """

    base_url = "https://marketplace.walmartapis.com"
    page_token_param = "soIndex"

    def __init__(
        self,
        *,
        token_ttl: float = TOKEN_TTL,
        autocreate: bool = True,
        feed_timing: tuple[float, float] = (5.0, 20.0),
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.token_ttl = token_ttl
        self.autocreate = autocreate
        self.feed_timing = feed_timing
        self.orders: dict[str, dict[str, Any]] = {}
        self.inventory: dict[tuple[str, str], int] = {}
        self.feeds: dict[str, FakeFeed] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.recon: dict[str, list[dict[str, str]]] = {}
        self.returns: dict[str, dict[str, Any]] = {}
        self.item_errors: dict[str, tuple[str, str, str]] = {}
        self.feed_errors: dict[str, tuple[str, str]] = {}
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
        """One bucket per API: orders, inventory, feeds, reports, returns (not the token)."""
        path = request.url.path
        for prefix, key in (
            ("/v3/orders", "orders"),
            ("/v3/inventor", "inventory"),
            ("/v3/feeds", "feeds"),
            ("/v3/report", "reports"),
            ("/v3/returns", "returns"),
        ):
            if path.startswith(prefix):
                return key
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

    # -- feeds ----------------------------------------------------------------------------

    @route("POST", "/v3/feeds")
    def submit_feed(self, request: FakeRequest) -> httpx.Response:
        """A bulk feed (``inventory`` or ``MP_ITEM``, JSON): accepted now, processed later."""
        if denied := self._denied(request):
            return denied
        feed_type = request.params.get("feedType") or ""
        if feed_type not in ("inventory", "MP_ITEM"):
            return self.error_response(400, "INVALID_REQUEST_PARAM", f"feedType {feed_type!r}")
        header, listing = ("InventoryHeader", "Inventory")
        if feed_type == "MP_ITEM":
            header, listing = ("MPItemFeedHeader", "MPItem")
        error: dict[str, Any] | None = None
        records: list[Any] = []
        head: dict[str, Any] = {}
        try:
            body = json.loads(request.raw.content or b"null")
            if not isinstance(body, dict) or header not in body:
                raise ValueError(header)
            head = dict(body[header] or {})
            records = list(body.get(listing) or [])
            if not records:
                raise ValueError(listing)
        except ValueError as exc:
            error = {
                "type": "DATA_ERROR",
                "code": "ERR_EXT_DATA_0101",
                "field": str(exc) if str(exc) in (header, listing) else None,
                "description": "The feed file is not valid",
            }
        injected = self.feed_errors.pop(feed_type, None)
        if injected is not None and error is None:
            error = {"type": "SYSTEM_ERROR", "code": injected[0], "description": injected[1]}
        feed_id = f"{len(self.feeds) + 1:08X}{feed_type.upper()[:4]}@AQkBAQA"
        self.feeds[feed_id] = FakeFeed(
            feed_id=feed_id,
            feed_type=feed_type,
            submitted_at=self.clock.monotonic(),
            records=records,
            params=dict(request.params),
            error=error,
            header=head,
        )
        return httpx.Response(200, json={"feedId": feed_id})

    @route("GET", "/v3/feeds/(?P<feed_id>[^/]+)")
    def feed_item_status(self, request: FakeRequest) -> httpx.Response:
        """``getFeedItemStatus``: the feed's status and, with ``includeDetails``, its items'."""
        if denied := self._denied(request):
            return denied
        feed = self.feeds.get(request.path_params["feed_id"])
        if feed is None:
            return self.error_response(404, "CONTENT_NOT_FOUND.GMP_FEED_API", "No such feed")
        self._advance(feed)
        details = (request.params.get("includeDetails") or "false").lower() == "true"
        offset = int(request.params.get("offset") or 0)
        limit = min(int(request.params.get("limit") or 50), 1000)
        return httpx.Response(
            200, json=feed_status(feed, details=details, offset=offset, limit=limit)
        )

    def _advance(self, feed: FakeFeed, *, finish: bool = False) -> None:
        received, processing = self.feed_timing
        due = feed.advance(self.clock.monotonic(), received, processing)
        if due or (finish and feed.state not in ("PROCESSED", "ERROR")):
            check = self._check_inventory if feed.feed_type == "inventory" else self._check_item
            node = feed.params.get("shipNode") or "default"
            feed.process(lambda index, record: check(index, record, node))

    def settle_feeds(self) -> None:
        """Process every feed still waiting, as Walmart eventually would."""
        for feed in self.feeds.values():
            self._advance(feed, finish=True)

    def _injected(self, sku: str) -> dict[str, Any] | None:
        found = self.item_errors.get(sku)
        if found is None:
            return None
        code, field, description = found
        return {"type": "DATA_ERROR", "code": code, "field": field, "description": description}

    def _check_inventory(
        self, index: int, record: Any, node: str
    ) -> tuple[str | None, dict[str, Any] | None]:
        sku = record.get("sku") if isinstance(record, dict) else None
        if not isinstance(sku, str) or not sku:
            return None, _data_error("sku", "sku is required")
        amount = (record.get("quantity") or {}).get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            return sku, _data_error("quantity.amount", "a whole number of at least 0")
        injected = self._injected(sku)
        if injected is not None:
            return sku, injected
        self.inventory[(sku, node)] = amount
        return sku, None

    def _check_item(
        self, index: int, record: Any, node: str
    ) -> tuple[str | None, dict[str, Any] | None]:
        orderable = record.get("Orderable") if isinstance(record, dict) else None
        if not isinstance(orderable, dict):
            return None, _data_error("Orderable", "Orderable is required")
        sku = orderable.get("sku")
        if not isinstance(sku, str) or not sku:
            return None, _data_error("sku", "sku is required")
        for name in ("productName", "brand", "productIdentifiers"):
            if not orderable.get(name):
                return sku, _data_error(name, f"{name} is required")
        price = orderable.get("price")
        if isinstance(price, bool) or not isinstance(price, int | float) or price <= 0:
            return sku, _data_error("price", "price must be a positive number")
        injected = self._injected(sku)
        if injected is not None:
            return sku, injected
        self.items[sku] = record
        return sku, None

    # -- reconciliation reports and returns ------------------------------------------------

    @route("GET", "/v3/report/reconreport/availableReconFiles")
    def available_recon_files(self, request: FakeRequest) -> httpx.Response:
        """The report dates (``MMDDYYYY``), newest first as Walmart lists them."""
        if denied := self._denied(request):
            return denied
        dates = sorted(self.recon, key=lambda d: (d[4:], d[:4]), reverse=True)
        return httpx.Response(200, json={"availableApReportDates": dates})

    @route("GET", "/v3/report/reconreport/reconFileJson")
    def recon_file_json(self, request: FakeRequest) -> httpx.Response:
        """One report's rows, values as text."""
        if denied := self._denied(request):
            return denied
        rows = self.recon.get(request.params.get("reportDate") or "")
        if rows is None:
            return self.error_response(404, "CONTENT_NOT_FOUND", "No report for that date")
        return httpx.Response(200, json={"reportData": rows})

    @route("GET", "/v3/returns")
    def list_returns(self, request: FakeRequest) -> httpx.Response:
        """Returns changed at or after ``returnLastModifiedStartDate``, by id, cursor paging."""
        if denied := self._denied(request):
            return denied
        rows = [self.returns[k] for k in sorted(self.returns)]
        since = request.params.get("returnLastModifiedStartDate")
        if since:
            start = datetime.fromisoformat(since)
            rows = [r for r in rows if _modified(r) >= start]
        limit = min(int(request.params.get("limit") or 10), 200)
        offset = int(request.params.get("offset") or 0)
        page = rows[offset : offset + limit]
        cursor = None
        if offset + limit < len(rows):
            cursor = f"?limit={limit}&offset={offset + limit}"
            if since:
                cursor += f"&returnLastModifiedStartDate={since}"
        meta = {"totalCount": len(rows), "limit": limit, "nextCursor": cursor}
        return httpx.Response(200, json={"meta": meta, "returnOrders": page})

    # -- seeding and reading back ---------------------------------------------------------

    def put(self, kind: str, objects: Iterable[Any]) -> None:
        """Seed canonical objects of ``kind``.

        ``"orders"`` (`SalesOrder`, id ``walmart-<po>``), ``"inventory"``,
        ``"settlements"`` (`SettlementRecord`, one recon report each) or ``"returns"``
        (`ReturnAuthorization`, id ``walmart-<returnOrderId>``).
        """
        if kind == "settlements":
            for record in objects:
                self.recon[report_date_of(record)] = recon_rows(record)
            return
        if kind == "returns":
            for rma in objects:
                row = return_order(rma)
                self.returns[row["returnOrderId"]] = row
            return
        if kind == "orders":
            for order in objects:
                self.put_order(order)
            return
        if kind in ("inventory", "InventorySink"):
            for p in objects:
                self.inventory[(p.sku, p.location_id)] = int(p.buckets.on_hand)
            return
        super().put(kind, objects)

    def put_order(self, order: SalesOrder, status: str = "Created") -> dict[str, Any]:
        """Seed one order from a `SalesOrder` (see `order_record`), open units in ``status``."""
        record = order_record(order, status)
        self.orders[record["purchaseOrderId"]] = record
        return record

    def get(self, kind: str) -> list[Any]:
        """What the fake holds of ``kind``, as canonical objects.

        Positions (``"inventory"``), orders with shipped lines (``"shipments"``), or the
        catalogue (``"listings"``: `Product` with ``product_id`` = SKU, as Walmart keys
        items by SKU). Feeds still waiting are processed first.
        """
        self.settle_feeds()
        if kind == "listings":
            return [
                Product(
                    product_id=sku,
                    sku=sku,
                    title=item["Orderable"]["productName"],
                    brand=item["Orderable"].get("brand"),
                )
                for sku, item in self.items.items()
            ]
        if kind == "shipments":
            return [shipped(order) for order in self.orders.values() if shipped_lines(order)]
        if kind not in ("inventory", "InventorySink"):
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


def _data_error(field: str, description: str) -> dict[str, Any]:
    return {
        "type": "DATA_ERROR",
        "code": "ERR_EXT_DATA_0801",
        "field": field,
        "description": description,
    }


def _modified(record: Mapping[str, Any]) -> datetime:
    stamps = [record["returnOrderDate"]]
    for line in record["returnOrderLines"]:
        if line.get("statusTime"):
            stamps.append(line["statusTime"])
    return max(datetime.fromisoformat(s) for s in stamps)
