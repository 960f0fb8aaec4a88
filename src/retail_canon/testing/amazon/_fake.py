"""`AmazonFake`: a stateful in-memory Amazon Selling Partner API (orders and LWA)."""

from __future__ import annotations

import base64
import bisect
import gzip
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import httpx

from retail_canon.models import InventoryPosition, SalesOrder, SettlementRecord
from retail_canon.testing._clock import FakeClock
from retail_canon.testing._fake import FakeRequest, FakeVendor, route
from retail_canon.testing._faults import FaultPlan, FaultRule
from retail_canon.testing.amazon._feeds import FeedRoutes
from retail_canon.testing.amazon._finances import FinancesRoutes
from retail_canon.testing.amazon._inventory import FbaInventoryRoutes
from retail_canon.testing.amazon._listings import ListingsRoutes
from retail_canon.testing.amazon._render import iso, items_v0, order_v0, order_v2026
from retail_canon.testing.amazon._reports import ReportDefinition, ReportRoutes
from retail_canon.testing.amazon._returns import ReturnsRoutes
from retail_canon.testing.amazon._settlement import settlement_v2_file
from retail_canon.testing.amazon._shipments import ShipmentRoutes

__all__ = ["USAGE_PLANS", "AmazonFake"]

USAGE_PLANS: Mapping[str, tuple[float, float]] = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "searchOrders": (0.0056, 20),
    "getOrder2026": (0.5, 30),
    "confirmShipment": (2, 10),
    "getReports": (0.0222, 10),
    "getInventorySummaries": (2, 2),
    "getReportDocument": (0.0167, 15),
    "createReport": (0.0167, 15),
    "getReport": (2, 15),
    "cancelReport": (0.0222, 10),
    "getListingsItem": (5, 10),
    "putListingsItem": (5, 10),
    "patchListingsItem": (5, 5),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2, 15),
    "getFeedDocument": (0.0222, 10),
    "listFinancialEventGroups": (0.5, 30),
    "listFinancialEventsByGroupId": (0.5, 30),
    "listFinancialEvents": (0.5, 30),
    "listTransactions": (0.5, 10),
}
"""Amazon's documented usage plans: operation → (requests per second, burst)."""

_OPERATIONS = (
    ("GET", "/orders/v0/orders", "getOrders"),
    ("GET", "/orders/v0/orders/[^/]+/orderItems", "getOrderItems"),
    ("GET", "/orders/v0/orders/[^/]+", "getOrder"),
    ("POST", "/orders/v0/orders/[^/]+/shipmentConfirmation", "confirmShipment"),
    ("GET", "/orders/2026-01-01/orders", "searchOrders"),
    ("GET", "/orders/2026-01-01/orders/[^/]+", "getOrder2026"),
    ("GET", "/reports/2021-06-30/reports", "getReports"),
    ("POST", "/reports/2021-06-30/reports", "createReport"),
    ("GET", "/reports/2021-06-30/reports/[^/]+", "getReport"),
    ("DELETE", "/reports/2021-06-30/reports/[^/]+", "cancelReport"),
    ("GET", "/listings/2021-08-01/items/[^/]+/.+", "getListingsItem"),
    ("PUT", "/listings/2021-08-01/items/[^/]+/.+", "putListingsItem"),
    ("PATCH", "/listings/2021-08-01/items/[^/]+/.+", "patchListingsItem"),
    ("POST", "/feeds/2021-06-30/documents", "createFeedDocument"),
    ("POST", "/feeds/2021-06-30/feeds", "createFeed"),
    ("GET", "/feeds/2021-06-30/feeds/[^/]+", "getFeed"),
    ("GET", "/feeds/2021-06-30/documents/[^/]+", "getFeedDocument"),
    ("GET", "/finances/v0/financialEventGroups", "listFinancialEventGroups"),
    (
        "GET",
        "/finances/v0/financialEventGroups/[^/]+/financialEvents",
        "listFinancialEventsByGroupId",
    ),
    ("GET", "/finances/v0/financialEvents", "listFinancialEvents"),
    ("GET", "/finances/2024-06-19/transactions", "listTransactions"),
    ("GET", "/fba/inventory/v1/summaries", "getInventorySummaries"),
    ("GET", "/reports/2021-06-30/documents/[^/]+", "getReportDocument"),
)
_SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"


def _quantity(position: InventoryPosition) -> list[dict[str, Any]]:
    value = [{"fulfillment_channel_code": "DEFAULT", "quantity": int(position.buckets.on_hand)}]
    return [{"op": "replace", "path": "/attributes/fulfillment_availability", "value": value}]


def _operation(request: httpx.Request) -> str | None:
    for method, pattern, name in _OPERATIONS:
        if request.method == method and re.fullmatch(pattern, request.url.path):
            return name
    return None


class AmazonFake(
    ReturnsRoutes,
    FinancesRoutes,
    FeedRoutes,
    ListingsRoutes,
    ReportRoutes,
    FbaInventoryRoutes,
    ShipmentRoutes,
    FakeVendor,
):
    """An in-memory SP-API: LWA tokens, Orders v0 and 2026-01-01, usage plans, faults.

    Args:
        client_id: the LWA client id it accepts.
        client_secret: the LWA client secret it accepts.
        refresh_token: the LWA refresh token it accepts.
        pii: whether v0 answers carry ``BuyerInfo`` and ``ShippingAddress`` (as with a
            restricted data token); 2026-01-01 answers always carry them (role-based).
        usage_plans: enforce `USAGE_PLANS` (429 ``QuotaExceeded`` beyond rate and burst,
            ``x-amzn-RateLimit-Limit`` on successes).
        page_token_ttl: lifetime of ``NextToken``/``paginationToken``, simulated seconds.
        items_page_size: order items per ``getOrderItems`` page.
        seller_id: the selling partner id the Listings Items API and feeds accept.
        clock: as for `FakeVendor`.
        faults: as for `FakeVendor`.
        seed: as for `FakeVendor`.
        latency: as for `FakeVendor`.
    """

    base_url = "https://sellingpartnerapi-na.amazon.com"
    page_token_param = "NextToken"

    def __init__(
        self,
        *,
        client_id: str = "amzn1.application-oa2-client.rc-test",
        client_secret: str = "rc-test-secret-amazon-client",
        refresh_token: str = "rc-test-secret-Atzr|amazon-refresh",
        pii: bool = False,
        usage_plans: bool = False,
        page_token_ttl: float | None = 120.0,
        items_page_size: int = 30,
        token_ttl: float = 3600.0,
        seller_id: str = "A2RCFAKESELLER",
        clock: FakeClock | None = None,
        faults: FaultPlan | Iterable[FaultRule] = (),
        seed: int = 0,
        latency: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, faults=faults, seed=seed, latency=latency)
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.pii = pii
        self.page_token_ttl = page_token_ttl
        self.items_page_size = items_page_size
        self.token_ttl = token_ttl
        self.orders: dict[str, SalesOrder] = {}
        self.malformed: set[str] = set()
        """Order ids answered with a corrupt record (their ``LastUpdateDate`` kept)."""
        self.confirmations: dict[tuple[str, str], dict[str, Any]] = {}
        self.inventory: dict[str, InventoryPosition] = {}
        self.reports: list[dict[str, Any]] = []
        """Reports: ``{"report": ..., "record": ..., "document": bytes}``; ``record`` is the
        settlement of a V2 settlement report, `None` for a requested one."""
        self.report_types: dict[str, ReportDefinition] = {}
        """Report types ``createReport`` accepts (`define_report`)."""
        self.seller_id = seller_id
        self.listings: dict[str, dict[str, Any]] = {}
        """Listings by seller SKU: ``{"productType", "attributes", "marketplaceId"}``."""
        self.listing_refusals: dict[str, dict[str, Any]] = {}
        self.feed_documents: dict[str, dict[str, Any]] = {}
        self.feeds: dict[str, dict[str, Any]] = {}
        self.financial_groups: list[dict[str, Any]] = []
        self.financial_events: list[tuple[str, str, dict[str, Any]]] = []
        self.transactions: list[dict[str, Any]] = []
        self.return_rows: list[dict[str, str]] = []
        self._index: list[tuple[tuple[datetime, str], str]] | None = None
        if usage_plans:
            for name, (rate, burst) in USAGE_PLANS.items():
                self.rate_limit(rate, burst, key=name)

    # -- seeding and reading back --------------------------------------------------------

    def add_orders(self, orders: Iterable[SalesOrder]) -> None:
        """Store canonical orders; each API answers them in its own shape."""
        with self._lock:
            for order in orders:
                self.orders[order.order_id] = order
            self._index = None

    def add_settlements(self, records: Iterable[SettlementRecord]) -> None:
        """Store settlements as V2 settlement reports, created at each period's end."""
        with self._lock:
            for record in records:
                n = len(self.reports) + 1
                created = record.period_end or record.period_start
                report = {
                    "reportId": f"{50000 + n}",
                    "reportType": _SETTLEMENT,
                    "processingStatus": "DONE",
                    "createdTime": iso(created),
                    "dataStartTime": iso(record.period_start),
                    "dataEndTime": iso(record.period_end),
                    "marketplaceIds": [record.marketplace_id or "ATVPDKIKX0DER"],
                    "reportDocumentId": f"amzn1.spdoc.1.4.na.settlement-{n}",
                }
                document = gzip.compress(settlement_v2_file(record))
                self.reports.append({"report": report, "record": record, "document": document})

    def put(self, kind: str, objects: Iterable[Any]) -> None:
        """Seed canonical orders (``"orders"``) or settlements (``"settlements"``)."""
        if kind == "settlements":
            return self.add_settlements(objects)
        if kind == "inventory":
            return self.add_inventory(objects)
        if kind == "InventorySink":
            for position in objects:
                body = {"productType": "PRODUCT", "patches": _quantity(position)}
                marketplace = position.location_id.removeprefix("amazon-mfn-")
                self.apply_patches(position.sku, marketplace, body)
            return None
        if kind == "returns":
            return self.add_returns(objects)
        if kind == "listings":
            for product in objects:
                self.listings[product.sku] = {
                    "productType": "PRODUCT",
                    "attributes": {"item_name": [{"value": product.title}]},
                    "marketplaceId": "ATVPDKIKX0DER",
                }
            return None
        if kind == "shipments":
            return super().put(kind, objects)
        if kind != "orders":
            super().put(kind, objects)
        return self.add_orders(objects)

    def get(self, kind: str) -> list[Any]:
        """The stored orders (``"orders"``) or settlements (``"settlements"``)."""
        with self._lock:
            if kind == "settlements":
                return [e["record"] for e in self.reports if e["record"] is not None]
            if kind == "inventory":
                return sorted(self.inventory.values(), key=lambda p: p.sku)
            if kind == "InventorySink":
                return self.mfn_positions()
            if kind == "listings":
                return self.products()
            if kind == "shipments":
                return self.shipments()
            if kind != "orders":
                return super().get(kind)
            return [self.orders[oid] for _, oid in self._sorted()]

    # -- Amazon's shapes -----------------------------------------------------------------

    def expired_page_token_response(self) -> httpx.Response:
        """Amazon's answer to an expired or unknown ``NextToken``."""
        return self.error_response(400, "InvalidInput", "Invalid NextToken.")

    def page_token(self, request: httpx.Request) -> str | None:
        """``NextToken`` (Orders v0), ``paginationToken`` (2026-01-01), ``nextToken``."""
        params = request.url.params
        for name in ("NextToken", "paginationToken", "nextToken"):
            if token := params.get(name):
                return str(token)
        return None

    def access_token(self, request: httpx.Request) -> str | None:
        """LWA access tokens travel in ``x-amz-access-token``."""
        token: str | None = request.headers.get("x-amz-access-token")
        return token

    def unauthorized_response(self) -> httpx.Response:
        """``Unauthorized`` for a missing or expired access token."""
        return self.error_response(401, "Unauthorized", "Access to requested resource is denied.")

    def rate_limit_key(self, request: httpx.Request) -> str | None:
        """Each operation has its own usage plan; LWA is not limited here."""
        return _operation(request)

    def rate_limit_headers(
        self, bucket_rate: float, tokens: float, next_token_at: float, throttled: bool
    ) -> dict[str, str]:
        """``x-amzn-RateLimit-Limit`` on successes, nothing on a 429."""
        return {} if throttled else {"x-amzn-RateLimit-Limit": f"{bucket_rate:g}"}

    # -- LWA -----------------------------------------------------------------------------

    @route("POST", "/auth/o2/token")
    def lwa_token(self, request: FakeRequest) -> httpx.Response:
        """Login with Amazon: the refresh-token grant."""
        form = request.form()
        valid = (
            form.get("grant_type") == "refresh_token"
            and form.get("client_id") == self.client_id
            and form.get("client_secret") == self.client_secret
            and form.get("refresh_token") == self.refresh_token
        )
        if not valid:
            body = {
                "error": "invalid_grant",
                "error_description": "The request has an invalid grant parameter.",
            }
            return httpx.Response(400, json=body)
        answer = self.issue_token(self.token_ttl)
        return httpx.Response(200, json=answer)

    # -- Orders v0 -----------------------------------------------------------------------

    @route("GET", "/orders/v0/orders")
    def get_orders(self, request: FakeRequest) -> httpx.Response:
        """``getOrders``: ``payload {Orders, NextToken}``, ascending by ``LastUpdateDate``."""
        if (denied := self.check_token(request)) is not None:
            return denied
        params = request.params
        if not params.get("MarketplaceIds"):
            return self.error_response(400, "InvalidInput", "MarketplaceIds is required.")
        page = self._page(request, "NextToken", "LastUpdatedAfter", "MaxResultsPerPage")
        if isinstance(page, httpx.Response):
            return page
        ids, token = page
        orders = [self._v0(oid) for oid in ids]
        payload: dict[str, Any] = {"Orders": orders}
        if token:
            payload["NextToken"] = token
        return httpx.Response(200, json={"payload": payload})

    @route("GET", "/orders/v0/orders/(?P<order_id>[^/]+)")
    def get_order(self, request: FakeRequest) -> httpx.Response:
        """``getOrder``."""
        if (denied := self.check_token(request)) is not None:
            return denied
        order_id = request.path_params["order_id"]
        if order_id not in self.orders:
            return self.error_response(404, "NotFound", "Order not found.")
        return httpx.Response(200, json={"payload": self._v0(order_id)})

    @route("GET", "/orders/v0/orders/(?P<order_id>[^/]+)/orderItems")
    def get_order_items(self, request: FakeRequest) -> httpx.Response:
        """``getOrderItems``, paged by ``NextToken`` (an offset that does not expire)."""
        if (denied := self.check_token(request)) is not None:
            return denied
        order = self.orders.get(request.path_params["order_id"])
        if order is None:
            return self.error_response(404, "NotFound", "Order not found.")
        items = items_v0(order)
        token = request.params.get("NextToken")
        offset = int(token.removeprefix("items-")) if token else 0
        end = offset + self.items_page_size
        payload: dict[str, Any] = {"AmazonOrderId": order.order_id, "OrderItems": items[offset:end]}
        if end < len(items):
            payload["NextToken"] = f"items-{end}"
        return httpx.Response(200, json={"payload": payload})

    # -- Orders 2026-01-01 ---------------------------------------------------------------

    @route("GET", "/orders/2026-01-01/orders")
    def search_orders(self, request: FakeRequest) -> httpx.Response:
        """``searchOrders``: ``{orders, pagination: {nextToken}}``, no payload wrapper."""
        if (denied := self.check_token(request)) is not None:
            return denied
        page = self._page(request, "paginationToken", "lastUpdatedAfter", "maxResultsPerPage")
        if isinstance(page, httpx.Response):
            return page
        ids, token = page
        body: dict[str, Any] = {"orders": [self._v2026(oid) for oid in ids]}
        if token:
            body["pagination"] = {"nextToken": token}
        return httpx.Response(200, json=body)

    @route("GET", "/orders/2026-01-01/orders/(?P<order_id>[^/]+)")
    def get_order_2026(self, request: FakeRequest) -> httpx.Response:
        """``getOrder`` (2026-01-01): ``{order}``."""
        if (denied := self.check_token(request)) is not None:
            return denied
        order_id = request.path_params["order_id"]
        if order_id not in self.orders:
            return self.error_response(404, "NotFound", "Order not found.")
        return httpx.Response(200, json={"order": self._v2026(order_id)})

    # -- Reports 2021-06-30 --------------------------------------------------------------

    @route("GET", "/reports/2021-06-30/reports")
    def get_reports(self, request: FakeRequest) -> httpx.Response:
        """``getReports``: newest first, by ``reportTypes`` and ``processingStatuses``.

        ``nextToken`` must come alone.
        """
        if (denied := self.check_token(request)) is not None:
            return denied
        params = request.params
        token = params.get("nextToken")
        if token and len(params) > 1:
            message = "NextToken cannot be specified with other input parameters."
            return self.error_response(400, "InvalidInput", message)
        if token:
            state = self._read_token(token)
            if state is None:
                return self.expired_page_token_response()
            since, offset, size = state["since"], int(state["after"][1]), int(state["after"][0])
            types, statuses = state.get("types") or "", state.get("statuses") or ""
        else:
            since, offset, size = params.get("createdSince"), 0, int(params.get("pageSize") or 10)
            types = params.get("reportTypes") or ""
            statuses = params.get("processingStatuses") or ""
        with self._lock:
            for entry in self.reports:
                self._refresh(entry)
            rows = [e["report"] for e in self.reports]
        if types:
            rows = [r for r in rows if r["reportType"] in types.split(",")]
        if statuses:
            rows = [r for r in rows if r["processingStatus"] in statuses.split(",")]
        if since:
            floor = datetime.fromisoformat(since)
            rows = [r for r in rows if datetime.fromisoformat(r["createdTime"]) >= floor]
        rows.sort(key=lambda r: (r["createdTime"], r["reportId"]), reverse=True)
        body: dict[str, Any] = {"reports": rows[offset : offset + size]}
        if offset + size < len(rows):
            token = self._make_token(
                since or "", (str(size), str(offset + size)), types=types, statuses=statuses
            )
            body["nextToken"] = token
        return httpx.Response(200, json=body)

    @route("GET", "/reports/2021-06-30/documents/(?P<document_id>[^/]+)")
    def get_report_document(self, request: FakeRequest) -> httpx.Response:
        """``getReportDocument``: a (pre-signed) download URL, gzip-compressed."""
        if (denied := self.check_token(request)) is not None:
            return denied
        document_id = request.path_params["document_id"]
        entry = self._document_entry(document_id)
        if entry is None:
            return self.error_response(404, "NotFound", "Report document not found.")
        url = f"https://tortuga-prod-na.s3-external-1.amazonaws.com/documents/{document_id}"
        body = {"reportDocumentId": document_id, "url": url}
        if entry.get("compressed", True):
            body["compressionAlgorithm"] = "GZIP"
        return httpx.Response(200, json=body)

    def _document_entry(self, document_id: str) -> dict[str, Any] | None:
        for entry in self.reports:
            if entry["report"].get("reportDocumentId") == document_id and entry["document"]:
                return entry
        return None

    @route("GET", "/documents/(?P<document_id>[^/]+)")
    def download_document(self, request: FakeRequest) -> httpx.Response:
        """The pre-signed download itself: no access token."""
        document_id = request.path_params["document_id"]
        entry = self._document_entry(document_id)
        if entry is None:
            return httpx.Response(404, content=b"<Error><Code>NoSuchKey</Code></Error>")
        content_type = entry.get("content_type", "text/tab-separated-values; charset=UTF-8")
        return httpx.Response(
            200, content=entry["document"], headers={"content-type": content_type}
        )

    # -- internals -----------------------------------------------------------------------

    def _v0(self, order_id: str) -> dict[str, Any]:
        order = self.orders[order_id]
        body = order_v0(order, pii=self.pii)
        if order_id in self.malformed:
            body["PurchaseDate"] = "not a date"
        return body

    def _v2026(self, order_id: str) -> dict[str, Any]:
        order = self.orders[order_id]
        body = order_v2026(order)
        if order_id in self.malformed:
            body["createdTime"] = "not a date"
        return body

    def _sorted(self) -> list[tuple[tuple[datetime, str], str]]:
        if self._index is None:
            self._index = sorted(
                ((o.updated_at or o.placed_at, o.order_id), o.order_id)
                for o in self.orders.values()
            )
        return self._index

    def _page(
        self, request: FakeRequest, token_name: str, since_name: str, size_name: str
    ) -> tuple[list[str], str | None] | httpx.Response:
        params = request.params
        size = min(int(params.get(size_name) or 100), 100)
        token = params.get(token_name)
        since = params.get(since_name)
        after: tuple[datetime, str] | None = None
        if token:
            state = self._read_token(token)
            if state is None:
                return self.expired_page_token_response()
            since = state["since"]
            after = (datetime.fromisoformat(state["after"][0]), state["after"][1])
        elif not since:
            return self.error_response(400, "InvalidInput", f"{since_name} is required.")
        with self._lock:
            index = self._sorted()
            keys = [key for key, _ in index]
            start = bisect.bisect_left(keys, (datetime.fromisoformat(str(since)), ""))
            if after is not None:
                start = max(start, bisect.bisect_right(keys, after))
            chunk = index[start : start + size]
            more = start + size < len(index)
        next_token = None
        if chunk and more:
            last = chunk[-1][0]
            next_token = self._make_token(str(since), (last[0].isoformat(), last[1]))
        return [oid for _, oid in chunk], next_token

    def _make_token(self, since: str, after: tuple[str, str], **extra: str) -> str:
        expires = (
            None if self.page_token_ttl is None else self.clock.monotonic() + self.page_token_ttl
        )
        raw = json.dumps({"since": since, "after": list(after), "exp": expires, **extra})
        return base64.urlsafe_b64encode(raw.encode()).decode()

    def _read_token(self, token: str) -> dict[str, Any] | None:
        try:
            state: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.encode()))
        except ValueError:
            return None
        expires = state.get("exp")
        if expires is not None and self.clock.monotonic() >= expires:
            return None
        return state
