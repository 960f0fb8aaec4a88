"""The Walmart Marketplace (US) connector: orders, shipping, inventory, feeds, recon, returns."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, SecretStr

from retail_canon.connectors import (
    AsyncRecords,
    AuthContext,
    AuthProvider,
    Checkpoint,
    ConnectorConfig,
    Flow,
    HttpConnector,
    InventorySink,
    InventorySource,
    ListingSink,
    OAuth2ClientCredentials,
    OrderSource,
    Page,
    ReadStream,
    Records,
    RequestSpec,
    ReturnSource,
    SettlementSource,
    ShipmentSink,
    SignalReader,
    SkippableRecordError,
    TokenCountHeaders,
    VendorError,
    WriteOperation,
    WriteReport,
)
from retail_canon.connectors._classify import vendor_error
from retail_canon.connectors._writes import canonical_key, split_refused
from retail_canon.connectors.walmart import _dto, mapping
from retail_canon.connectors.walmart._feeds import (
    FeedItem,
    FeedItemError,
    dumps,
    feed_flow,
    feed_report,
)
from retail_canon.models import (
    FulfillmentOrder,
    InventoryPosition,
    Product,
    ReturnAuthorization,
    SalesOrder,
    SettlementRecord,
)
from retail_canon.normalize.dates import from_epoch_millis

if TYPE_CHECKING:
    import httpx

__all__ = [
    "LineCancellation",
    "ListingEnricher",
    "SERVICE_NAME",
    "WalmartAuth",
    "WalmartConfig",
    "WalmartConnector",
]

SERVICE_NAME = "Walmart Marketplace"
PRODUCTION = "https://marketplace.walmartapis.com"
SANDBOX = "https://sandbox.walmartapis.com"

ListingEnricher = Callable[[Product, dict[str, Any]], Any]
"""``enrich(product, item)``: add channel fields (the price at least) to an ``MPItem`` entry.

It receives the canonical `Product` and the entry built from it (`mapping.listing_item`),
changes the entry in place or returns a new one.
"""

DEFAULT_ITEM_FEED_HEADER: Mapping[str, str] = {
    "sellingChannel": "marketplace",
    "processMode": "REPLACE",
    "subset": "EXTERNAL",
    "locale": "en",
    "version": "1.5",
}


class WalmartConfig(ConnectorConfig):
    """Settings of one Walmart seller account.

    Attributes:
        client_id: the API client id.
        client_secret: the API client secret.
        service_name: the ``WM_SVC.NAME`` header.
        channel_type: the ``WM_CONSUMER.CHANNEL.TYPE`` header from onboarding, if any.
        orders: ``"released"`` (``/v3/orders/released``: lines ready to ship) or ``"all"``.
        page_size: orders or inventory records per page (Walmart allows 200 orders).
        refresh_margin: seconds before the 15-minute token expires at which it is replaced.
        inventory_feed_threshold: writes of at least this many positions go as a bulk
            ``inventory`` feed; smaller ones item by item (``PUT /v3/inventory``).
        feed_max_items: the most items put in one feed (larger writes send several).
        feed_poll_interval: seconds between two status checks of a submitted feed.
        feed_max_wait: seconds to wait for a feed to be processed before giving up with
            `FeedStillProcessing` (the feed is then applied later, not resent).
        item_feed_header: the ``MPItemFeedHeader`` of item (``MP_ITEM``) feeds.
    """

    base_url: str = PRODUCTION
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    service_name: str = SERVICE_NAME
    channel_type: str | None = None
    orders: Literal["released", "all"] = "released"
    page_size: int = Field(default=100, ge=1, le=200)
    refresh_margin: float = Field(default=120.0, ge=0, le=600)
    inventory_feed_threshold: int = Field(default=50, ge=1)
    feed_max_items: int = Field(default=5000, ge=1, le=100_000)
    feed_poll_interval: float = Field(default=15.0, gt=0)
    feed_max_wait: float = Field(default=1800.0, gt=0)
    item_feed_header: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ITEM_FEED_HEADER))


class WalmartAuth(OAuth2ClientCredentials):
    """Client credentials, the token in ``WM_SEC.ACCESS_TOKEN``.

    Every request (each retry included) also gets a new ``WM_QOS.CORRELATION_ID``.
    """

    def authenticate(self, request: httpx.Request, ctx: AuthContext) -> Flow[httpx.Request]:
        """Add the token and a fresh correlation id."""
        request = yield from super().authenticate(request, ctx)
        request.headers["WM_QOS.CORRELATION_ID"] = str(uuid.uuid4())
        return request


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Orders(ReadStream[SalesOrder]):
    operation = "getAllReleasedOrders"

    def request(self, *, start: Any, page_token: str | None) -> RequestSpec:
        config: WalmartConfig = self.connector.config
        path = "/v3/orders/released" if config.orders == "released" else "/v3/orders"
        operation = "getAllReleasedOrders" if config.orders == "released" else "getAllOrders"
        if page_token:  # nextCursor: a ready query string that keeps the filters
            return RequestSpec("GET", path, operation, params=page_token.lstrip("?"))
        params: dict[str, Any] = {"limit": config.page_size}
        if start is not None:
            params["createdStartDate"] = _stamp(start)
        return RequestSpec("GET", path, operation, params=params)

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        listing = body["list"]
        orders = (listing.get("elements") or {}).get("order") or []
        return Page(orders, (listing.get("meta") or {}).get("nextCursor") or None)

    def record_id(self, record: Any) -> str | None:
        return str(record["purchaseOrderId"])

    def checkpoint_value(self, record: Any) -> datetime:
        return from_epoch_millis(record["orderDate"], field="orderDate")

    def to_canonical(self, record: Any) -> SalesOrder:
        return mapping.sales_order(_dto.structure(record, _dto.Order))


class _Inventory(ReadStream[InventoryPosition]):
    operation = "getMultiNodeInventoryForAllSkuAndAllShipNodes"
    path = "/v3/inventories"
    ordered = False

    def params(self, *, start: Any, page_token: str | None) -> Mapping[str, Any]:
        config: WalmartConfig = self.connector.config
        params: dict[str, Any] = {"limit": min(config.page_size, 50)}
        if page_token:
            params["nextCursor"] = page_token
        return params

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        records = [
            {**node, "sku": item["sku"]}
            for item in (body.get("elements") or {}).get("inventories") or []
            for node in item.get("nodes") or []
        ]
        return Page(records, (body.get("meta") or {}).get("nextCursor") or None)

    def record_id(self, record: Any) -> str | None:
        return f"{record['sku']}@{record['shipNode']}"

    def to_canonical(self, record: Any) -> InventoryPosition:
        now = datetime.fromtimestamp(self.connector.clock.time(), UTC)
        return mapping.inventory_position(_dto.structure(record, _dto.InventoryNode), as_of=now)


class _SetInventory(WriteOperation[InventoryPosition]):
    operation = "updateInventoryForAnItem"

    def request(self, item: InventoryPosition) -> RequestSpec:
        body = {
            "sku": item.sku,
            "quantity": {"unit": "EACH", "amount": mapping.sellable_quantity(item)},
        }
        params = {"sku": item.sku, "shipNode": item.location_id}
        return RequestSpec("PUT", "/v3/inventory", self.operation, params=params, json=body)


class _Acknowledge(WriteOperation[str]):
    operation = "acknowledgeOrders"

    def key(self, item: str) -> str:
        return item

    def request(self, item: str) -> RequestSpec:
        po = item.removeprefix(f"{mapping.CHANNEL}-")
        # Acknowledging twice leaves the order acknowledged: safe to repeat.
        return RequestSpec("POST", f"/v3/orders/{po}/acknowledge", self.operation, idempotent=True)


@dataclass(frozen=True, slots=True)
class LineCancellation:
    """Cancel ``quantity`` units of an order line (``walmart-<po>-<lineNumber>``)."""

    line_id: str
    quantity: Decimal = Decimal(1)
    reason: str = "CUSTOMER_REQUESTED_SELLER_TO_CANCEL"


class _Cancel(WriteOperation[LineCancellation]):
    operation = "cancelOrderLines"

    def key(self, item: LineCancellation) -> str:
        return item.line_id

    def request(self, item: LineCancellation) -> RequestSpec:
        po, body = mapping.cancellation_request(item.line_id, Decimal(item.quantity), item.reason)
        return RequestSpec("POST", f"/v3/orders/{po}/cancel", self.operation, json=body)


class _Ship(WriteOperation[FulfillmentOrder]):
    operation = "shippingUpdates"

    def request(self, item: FulfillmentOrder) -> RequestSpec:
        po, body = mapping.shipment_request(item)
        return RequestSpec("POST", f"/v3/orders/{po}/shipping", self.operation, json=body)


class _Recon(ReadStream[SettlementRecord]):
    """Reconciliation reports: the available report dates, then one report per page.

    The first request lists the dates (``availableReconFiles``); they are sorted, those
    before the start dropped, and the rest travel as the page token, so each following
    request fetches one report (``reconFileJson``) and the read is ordered by report date.
    """

    operation = "getAvailableReconReportDates"

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._start: datetime | None = None
        self._current = ""
        self._rest = ""

    def request(self, *, start: Any, page_token: str | None) -> RequestSpec:
        if not page_token:
            self._start = start if isinstance(start, datetime) else None
            return RequestSpec(
                "GET",
                "/v3/report/reconreport/availableReconFiles",
                self.operation,
                params={"reportVersion": "v1"},
            )
        self._current, _, self._rest = page_token.partition(",")
        return RequestSpec(
            "GET",
            "/v3/report/reconreport/reconFileJson",
            "getReconReportJson",
            params={"reportDate": self._current, "reportVersion": "v1"},
        )

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        if "availableApReportDates" in body:
            dates = sorted(
                (mapping.recon_date(str(d)), str(d)) for d in body["availableApReportDates"] or ()
            )
            start = self._start
            wanted = [
                raw
                for day, raw in dates
                if start is None or datetime(day.year, day.month, day.day, tzinfo=UTC) >= start
            ]
            return Page([], ",".join(wanted) or None)
        rows = list(body["reportData"])
        return Page([{"reportDate": self._current, "rows": rows}], self._rest or None)

    def record_id(self, record: Any) -> str | None:
        return mapping.settlement_id(record["reportDate"])

    def checkpoint_value(self, record: Any) -> datetime:
        day = mapping.recon_date(record["reportDate"])
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    def to_canonical(self, record: Any) -> SettlementRecord:
        return mapping.settlement_record(record["reportDate"], record["rows"])


class _Returns(ReadStream[ReturnAuthorization]):
    """``getReturns`` modified at or after the start, sorted by last change.

    Walmart does not document how returns are ordered: the connector reads every page of a
    query and sorts them (see `WalmartConnector.call_flow`).
    """

    operation = "getReturns"

    def request(self, *, start: Any, page_token: str | None) -> RequestSpec:
        if page_token:  # nextCursor: a ready query string that keeps the filters
            return RequestSpec("GET", "/v3/returns", self.operation, params=page_token.lstrip("?"))
        config: WalmartConfig = self.connector.config
        params: dict[str, Any] = {"limit": config.page_size}
        if start is not None:
            params["returnLastModifiedStartDate"] = _stamp(start)
        return RequestSpec("GET", "/v3/returns", self.operation, params=params)

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        records = list(body.get("returnOrders") or [])
        return Page(records, (body.get("meta") or {}).get("nextCursor") or None)

    def record_id(self, record: Any) -> str | None:
        return str(record["returnOrderId"])

    def checkpoint_value(self, record: Any) -> datetime | None:
        try:
            return mapping.return_modified(_dto.structure(record, _dto.ReturnOrder))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # not mappable either: skipped and reported by to_canonical

    def to_canonical(self, record: Any) -> ReturnAuthorization:
        return mapping.return_authorization(_dto.structure(record, _dto.ReturnOrder))


def _sort_key(record: Any) -> tuple[datetime, str]:
    """Returns by last change; one whose dates cannot be read first (it is skipped anyway)."""
    try:
        when = mapping.return_modified(_dto.structure(record, _dto.ReturnOrder))
    except (ValueError, KeyError, TypeError, AttributeError):
        when = datetime.min.replace(tzinfo=UTC)
    return when, str(record.get("returnOrderId"))


class WalmartConnector(
    HttpConnector[WalmartConfig],
    OrderSource,
    ShipmentSink,
    InventorySource,
    InventorySink,
    ListingSink,
    ReturnSource,
    SettlementSource,
):
    """One Walmart Marketplace (US) seller account.

    Throttling follows ``x-current-token-count`` / ``x-next-replenish-time`` per API.

    Args:
        enrich_listing: the default `ListingEnricher` of `write_listings`.
        **settings: `WalmartConfig` fields and `HttpConnector` arguments.
    """

    name = "walmart"
    config_model = WalmartConfig
    rate_limit_signals: ClassVar[tuple[SignalReader, ...]] = (TokenCountHeaders(),)
    idempotency_header = None  # Walmart has no idempotency keys
    request_id_headers: ClassVar[tuple[str, ...]] = ("wm_qos.correlation_id",)

    def __init__(self, *, enrich_listing: ListingEnricher | None = None, **settings: Any) -> None:
        super().__init__(**settings)
        self.enrich_listing = enrich_listing

    def auth(self) -> AuthProvider:
        """Client credentials at ``/v3/token`` (HTTP Basic), token in ``WM_SEC.ACCESS_TOKEN``."""
        config: WalmartConfig = self.config

        def token_headers() -> dict[str, str]:
            return {
                "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
                "WM_SVC.NAME": config.service_name,
            }

        return WalmartAuth(
            token_url=f"{config.base_url.rstrip('/')}/v3/token",
            client_id=config.client_id,
            client_secret=config.client_secret,
            credentials_in="basic",
            token_headers=token_headers,
            header="WM_SEC.ACCESS_TOKEN",
            prefix="",
            refresh_margin=config.refresh_margin,
            default_expires_in=900.0,
        )

    def default_headers(self) -> Mapping[str, str]:
        """``WM_SVC.NAME``, JSON, and the channel type if configured."""
        config: WalmartConfig = self.config
        headers = {
            **super().default_headers(),
            "WM_SVC.NAME": config.service_name,
            "content-type": "application/json",
        }
        if config.channel_type:
            headers["WM_CONSUMER.CHANNEL.TYPE"] = config.channel_type
        return headers

    def rate_limit_key(self, operation: str) -> str:
        """Walmart meters each API separately; the two order reads are one."""
        return "getAllOrders" if operation == "getAllReleasedOrders" else operation

    def vendor_error(self, response: httpx.Response) -> VendorError:
        """Walmart's ``errors`` list, bare or wrapped as ``{"errors": {"error": [...]}}``."""
        found = vendor_error(response.content)
        if found.code is None:
            try:
                errors = response.json()["errors"]["error"]
                first = errors[0] if isinstance(errors, list) else errors
                return VendorError(first.get("code"), first.get("description"))
            except (ValueError, KeyError, TypeError, IndexError, AttributeError):
                return found
        return found

    # -- orders ---------------------------------------------------------------------------

    def read_orders(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SalesOrder]:
        """Orders created at or after ``since`` (by ``orderDate``), or after ``checkpoint``."""
        return self.read(_Orders(self), since=since, checkpoint=checkpoint)

    def aread_orders(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SalesOrder]:
        """Async twin of `read_orders`."""
        return self.aread(_Orders(self), since=since, checkpoint=checkpoint)

    def acknowledge_orders(self, order_ids: Iterable[str]) -> WriteReport:
        """Acknowledge orders by canonical id (``walmart-<purchaseOrderId>``)."""
        return self.write(_Acknowledge(self), order_ids)

    async def aacknowledge_orders(self, order_ids: Iterable[str]) -> WriteReport:
        """Async twin of `acknowledge_orders`."""
        return await self.awrite(_Acknowledge(self), order_ids)

    # -- shipments ------------------------------------------------------------------------

    def write_shipments(self, orders: Iterable[FulfillmentOrder]) -> WriteReport:
        """Mark each order's shipped lines ``Shipped`` with carrier and tracking.

        Walmart has no idempotency keys: after a lost answer the update is not repeated and
        the error says it may have been applied (``maybe_applied``).
        """
        good, refused = split_refused(orders, mapping.shipment_request, "shippingUpdates")
        report = self.write(_Ship(self), good)
        report.skipped.extend(refused)
        return report

    async def awrite_shipments(self, orders: Iterable[FulfillmentOrder]) -> WriteReport:
        """Async twin of `write_shipments`."""
        good, refused = split_refused(orders, mapping.shipment_request, "shippingUpdates")
        report = await self.awrite(_Ship(self), good)
        report.skipped.extend(refused)
        return report

    def cancel_lines(self, cancellations: Iterable[LineCancellation]) -> WriteReport:
        """Cancel order lines (or units of them); not repeated after a lost answer."""
        return self.write(_Cancel(self), _checked(cancellations))

    async def acancel_lines(self, cancellations: Iterable[LineCancellation]) -> WriteReport:
        """Async twin of `cancel_lines`."""
        return await self.awrite(_Cancel(self), _checked(cancellations))

    # -- inventory ------------------------------------------------------------------------

    def read_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[InventoryPosition]:
        """Every SKU at every ship node (``since`` is not filtered on)."""
        return self.read(_Inventory(self), since=since, checkpoint=checkpoint)

    def aread_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[InventoryPosition]:
        """Async twin of `read_inventory`."""
        return self.aread(_Inventory(self), since=since, checkpoint=checkpoint)

    def write_inventory(self, positions: Iterable[InventoryPosition]) -> WriteReport:
        """Set each SKU's sellable quantity at its ship node.

        Fewer than ``inventory_feed_threshold`` positions go one by one (``PUT``: safe to
        repeat); more go as bulk ``inventory`` feeds, one per ship node (and per
        ``feed_max_items``), each polled until processed and reported item by item.
        """
        items = list(positions)
        if len(items) < self.config.inventory_feed_threshold:
            return self.write(_SetInventory(self), items)
        return self.run(self._inventory_feed_flow(items))

    async def awrite_inventory(self, positions: Iterable[InventoryPosition]) -> WriteReport:
        """Async twin of `write_inventory`."""
        items = list(positions)
        if len(items) < self.config.inventory_feed_threshold:
            return await self.awrite(_SetInventory(self), items)
        return await self.arun(self._inventory_feed_flow(items))

    def write_inventory_feed(self, positions: Iterable[InventoryPosition]) -> WriteReport:
        """Write positions through bulk ``inventory`` feeds whatever their number."""
        return self.run(self._inventory_feed_flow(list(positions)))

    async def awrite_inventory_feed(self, positions: Iterable[InventoryPosition]) -> WriteReport:
        """Async twin of `write_inventory_feed`."""
        return await self.arun(self._inventory_feed_flow(list(positions)))

    def _max_polls(self) -> int:
        config: WalmartConfig = self.config
        return max(1, math.ceil(config.feed_max_wait / config.feed_poll_interval))

    def _feeds(
        self,
        report: WriteReport,
        *,
        feed_type: str,
        operation: str,
        items: Sequence[FeedItem],
        body: Callable[[Sequence[FeedItem]], Any],
        params: Mapping[str, str] | None = None,
    ) -> Flow[None]:
        """Send ``items`` in feeds of at most ``feed_max_items``, adding to ``report``."""
        config: WalmartConfig = self.config
        size = config.feed_max_items
        for first in range(0, len(items), size):
            chunk = items[first : first + size]
            outcome = yield from feed_flow(
                self,
                feed_type=feed_type,
                body=dumps(body(chunk)),
                operation=operation,
                params=params,
                poll_interval=config.feed_poll_interval,
                max_polls=self._max_polls(),
            )
            part = feed_report(operation, chunk, outcome)
            report.written.extend(part.written)
            report.skipped.extend(part.skipped)
            for error in part.skipped:
                self._skip(report, error, add=False)

    def _skip(self, report: WriteReport, error: SkippableRecordError, *, add: bool = True) -> None:
        """Report (and log once) an item that was not written."""
        if add:
            report.skipped.append(error)
        self.log.warning(
            "%s",
            error.message,
            extra={"event": "skip", "connector": self.name, "operation": error.operation},
        )

    def _inventory_feed_flow(self, positions: list[InventoryPosition]) -> Flow[WriteReport]:
        operation = "bulkInventoryUpdate"
        report = WriteReport()
        last = {(p.sku, p.location_id): i for i, p in enumerate(positions)}
        by_node: dict[str, list[FeedItem]] = {}
        for index, position in enumerate(positions):
            key = canonical_key(position)
            if last[(position.sku, position.location_id)] != index:
                self._skip(
                    report,
                    FeedItemError(
                        f"{operation}: {key} not sent: a later position in the same write "
                        "sets the same SKU at the same ship node",
                        sku=position.sku,
                        record_id=key,
                        source={"operation": operation, "index": index},
                        record=position,
                        operation=operation,
                    ),
                )
                continue
            by_node.setdefault(position.location_id, []).append(
                FeedItem(key, position.sku, position)
            )
        for node, items in by_node.items():
            yield from self._feeds(
                report,
                feed_type="inventory",
                operation=operation,
                items=items,
                body=lambda chunk: mapping.inventory_feed(i.record for i in chunk),
                params={"shipNode": node},
            )
        return report

    # -- listings -------------------------------------------------------------------------

    def write_listings(
        self, products: Iterable[Product], *, enrich: ListingEnricher | None = None
    ) -> WriteReport:
        """Create or replace each product's item through item (``MP_ITEM``) feeds.

        Each product becomes an ``MPItem`` entry (`mapping.listing_item`), completed by
        ``enrich`` (default: the connector's ``enrich_listing``), which must at least set
        the price. A product the mapping refuses is reported as a `FeedItemError` naming
        the SKU and field, and is not sent; so is each item Walmart refuses in the feed.
        """
        return self.run(self._listing_flow(list(products), enrich or self.enrich_listing))

    async def awrite_listings(
        self, products: Iterable[Product], *, enrich: ListingEnricher | None = None
    ) -> WriteReport:
        """Async twin of `write_listings`."""
        return await self.arun(self._listing_flow(list(products), enrich or self.enrich_listing))

    def _listing_flow(
        self, products: list[Product], enrich: ListingEnricher | None
    ) -> Flow[WriteReport]:
        operation = "bulkItemSetup"
        report = WriteReport()
        items: list[FeedItem] = []
        for index, product in enumerate(products):
            try:
                entry = mapping.listing_request(product, enrich)
                try:
                    dumps(entry)
                except (TypeError, ValueError) as exc:
                    problem = f"the item cannot be written as JSON: {exc}"
                    raise mapping.ListingFieldError(product.sku, "MPItem", problem) from None
            except mapping.ListingFieldError as exc:
                self._skip(
                    report,
                    FeedItemError(
                        f"{operation}: {product.product_id} refused: {exc}",
                        sku=exc.sku,
                        field=exc.field,
                        record_id=product.product_id,
                        source={"operation": operation, "index": index},
                        record=product,
                        operation=operation,
                    ),
                )
                continue
            items.append(FeedItem(product.product_id, product.sku, entry))
        config: WalmartConfig = self.config
        header = dict(config.item_feed_header)
        yield from self._feeds(
            report,
            feed_type="MP_ITEM",
            operation=operation,
            items=items,
            body=lambda chunk: {"MPItemFeedHeader": header, "MPItem": [i.record for i in chunk]},
        )
        return report

    # -- settlements and returns ----------------------------------------------------------

    def read_settlements(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SettlementRecord]:
        """Reconciliation reports dated on or after ``since`` (or after ``checkpoint``).

        One `SettlementRecord` per report date, oldest first; a report whose lines do not
        add up to its ``Total Payable`` is skipped and reported (`Records.skipped`).
        """
        return self.read(_Recon(self), since=since, checkpoint=checkpoint)

    def aread_settlements(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SettlementRecord]:
        """Async twin of `read_settlements`."""
        return self.aread(_Recon(self), since=since, checkpoint=checkpoint)

    def read_returns(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[ReturnAuthorization]:
        """Returns changed at or after ``since`` (or after ``checkpoint``), oldest change first."""
        return self.read(_Returns(self), since=since, checkpoint=checkpoint)

    def aread_returns(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[ReturnAuthorization]:
        """Async twin of `read_returns`."""
        return self.aread(_Returns(self), since=since, checkpoint=checkpoint)

    def call_flow(
        self, spec: RequestSpec, parse: Callable[[httpx.Response], Any] | None = None
    ) -> Flow[Any]:
        """The request core; a ``getReturns`` page comes back with every page of its query.

        Walmart does not say how returns are ordered, so the connector reads a query whole
        and sorts it by last change: the read is then ordered and resumes from checkpoints.
        """
        result = yield from super().call_flow(spec, parse)
        if spec.operation != "getReturns" or not isinstance(result, Page):
            return result
        records = list(result.records)
        token: str | None = result.next_token
        while token:
            more = RequestSpec("GET", spec.url, spec.operation, params=token.lstrip("?"))
            page: Page = yield from super().call_flow(more, parse)
            records.extend(page.records)
            token = page.next_token
        records.sort(key=_sort_key)
        return Page(records, None)


def _checked(cancellations: Iterable[LineCancellation]) -> list[LineCancellation]:
    """The cancellations, each checked before any is sent (`ValueError` names the bad one)."""
    items = list(cancellations)
    for item in items:
        mapping.cancellation_request(item.line_id, Decimal(item.quantity), item.reason)
    return items
