"""`AmazonConnector`: Amazon Selling Partner API over LWA."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from retail_canon.connectors import (
    AsyncRecords,
    AuthProvider,
    Checkpoint,
    HttpConnector,
    InventorySink,
    InventorySource,
    ListingSink,
    OAuth2RefreshToken,
    OrderSource,
    Page,
    RateLimit,
    RateLimitHeader,
    ReadStream,
    Records,
    RequestSpec,
    ReturnSource,
    SettlementSource,
    ShipmentSink,
    SignalReader,
    SkippableRecordError,
    WriteReport,
)
from retail_canon.connectors._classify import malformed
from retail_canon.connectors._writes import refusal
from retail_canon.connectors.amazon._finances import (
    FinancialEventGroupsStream,
    FinancialEventsStream,
    TransactionsStream,
    groups_page_flow,
)
from retail_canon.connectors.amazon._inventory_sink import inventory_flow
from retail_canon.connectors.amazon._listing_sink import Enricher, PriceSource, listing_sink_flow
from retail_canon.connectors.amazon._reports import (
    Document,
    ReportDocument,
    document_flow,
    fetch_flow,
    report_flow,
)
from retail_canon.connectors.amazon._returns import ReturnsStream
from retail_canon.connectors.amazon._shipments import ConfirmShipment, confirmation_body

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors._flow import Flow
    from retail_canon.models import (
        FulfillmentOrder,
        InventoryPosition,
        Product,
        ReturnAuthorization,
        SalesOrder,
        SettlementLine,
        SettlementRecord,
    )
from retail_canon.connectors.amazon._config import ENDPOINTS, LWA_TOKEN_URL, AmazonConfig
from retail_canon.connectors.amazon._streams import (
    SETTLEMENT_REPORT,
    FbaInventoryStream,
    Orders2026Stream,
    OrdersV0Stream,
    SettlementReportsStream,
)

__all__ = ["ENDPOINTS", "LWA_TOKEN_URL", "SETTLEMENT_REPORT", "AmazonConfig", "AmazonConnector"]


def _per_shipment(fulfillments: Iterable[FulfillmentOrder]) -> Iterator[FulfillmentOrder]:
    for fulfillment in fulfillments:
        if len(fulfillment.shipments) == 1:
            yield fulfillment
            continue
        for shipment in fulfillment.shipments:
            yield fulfillment.model_copy(update={"shipments": (shipment,)})


def _checked(
    fulfillments: Iterable[FulfillmentOrder],
) -> tuple[list[FulfillmentOrder], list[SkippableRecordError]]:
    valid, refused = [], []
    for index, fulfillment in enumerate(fulfillments):
        try:
            confirmation_body(fulfillment, fulfillment.shipments[0], "check")
        except ValueError as exc:
            key = fulfillment.fulfillment_order_id
            refused.append(refusal("confirmShipment", key, index, fulfillment, str(exc)))
        else:
            valid.append(fulfillment)
    return valid, refused


class AmazonConnector(
    HttpConnector[AmazonConfig],
    OrderSource,
    ShipmentSink,
    InventorySource,
    InventorySink,
    ListingSink,
    ReturnSource,
    SettlementSource,
):
    """Amazon SP-API: orders, shipment confirmations, inventory, settlements, reports.

    Inventory is read from FBA and written to merchant-fulfilled offers (Listings Items
    patches, or a ``JSON_LISTINGS_FEED`` for many SKUs).

    Orders come through Orders v0 or 2026-01-01 (``orders_api``), settlements from the V2
    settlement reports.

    Credentials are Login with Amazon: the refresh token is exchanged for an access token
    sent as ``x-amz-access-token`` (no SigV4). Limits follow Amazon's usage plans and the
    ``x-amzn-RateLimit-Limit`` header.
    """

    name = "amazon"
    config_model = AmazonConfig
    idempotency_header = None
    default_rate_limits: ClassVar[Mapping[str, RateLimit]] = {
        "getOrders": RateLimit(rate=0.0167, burst=20),
        "getOrder": RateLimit(rate=0.5, burst=30),
        "getOrderItems": RateLimit(rate=0.5, burst=30),
        "searchOrders": RateLimit(rate=0.0056, burst=20),
        "getOrder2026": RateLimit(rate=0.5, burst=30),
        "confirmShipment": RateLimit(rate=2, burst=10),
        "getReports": RateLimit(rate=0.0222, burst=10),
        "getInventorySummaries": RateLimit(rate=2, burst=2),
        "getReportDocument": RateLimit(rate=0.0167, burst=15),
        "createReport": RateLimit(rate=0.0167, burst=15),
        "getReport": RateLimit(rate=2, burst=15),
        "getListingsItem": RateLimit(rate=5, burst=10),
        "putListingsItem": RateLimit(rate=5, burst=10),
        "patchListingsItem": RateLimit(rate=5, burst=5),
        "createFeedDocument": RateLimit(rate=0.5, burst=15),
        "createFeed": RateLimit(rate=0.0083, burst=15),
        "getFeed": RateLimit(rate=2, burst=15),
        "getFeedDocument": RateLimit(rate=0.0222, burst=10),
        "listFinancialEventGroups": RateLimit(rate=0.5, burst=30),
        "listFinancialEvents": RateLimit(rate=0.5, burst=30),
        "listFinancialEventsByGroupId": RateLimit(rate=0.5, burst=30),
        "listTransactions": RateLimit(rate=0.5, burst=10),
    }
    rate_limit_signals: ClassVar[tuple[SignalReader, ...]] = (RateLimitHeader(),)

    def __init__(
        self,
        *,
        listing_enricher: Enricher | None = None,
        listing_price: PriceSource | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.listing_enricher = listing_enricher
        """``(product, draft) -> draft``: completes each listing `write_listings` sends."""
        self.listing_price = listing_price
        """``product -> Money | None``: the offer price `write_listings` sends."""

    def auth(self) -> AuthProvider:
        """Login with Amazon: the refresh-token grant, token in ``x-amz-access-token``."""
        config: AmazonConfig = self.config
        return OAuth2RefreshToken(
            token_url=config.token_url,
            client_id=config.client_id,
            client_secret=config.client_secret,
            refresh_token=config.refresh_token,
            header="x-amz-access-token",
            prefix="",
        )

    def _orders(self) -> ReadStream[SalesOrder]:
        config: AmazonConfig = self.config
        return OrdersV0Stream(self) if config.orders_api == "v0" else Orders2026Stream(self)

    def read_orders(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SalesOrder]:
        """Orders updated at or after ``since``, or after ``checkpoint``."""
        return self.read(self._orders(), since=since, checkpoint=checkpoint)

    def aread_orders(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SalesOrder]:
        """Async twin of `read_orders`."""
        return self.aread(self._orders(), since=since, checkpoint=checkpoint)

    def write_shipments(self, fulfillments: Iterable[FulfillmentOrder]) -> WriteReport:
        """Confirm each shipment (``confirmShipment``), one Amazon package per shipment.

        A fulfillment order with several shipments is confirmed package by package (one
        entry each on the report); one without shipments has nothing to confirm. Each
        shipment needs a carrier, a tracking number and ``shipped_at``.
        """
        valid, refused = _checked(_per_shipment(fulfillments))
        report = self.write(ConfirmShipment(self), valid)
        report.skipped.extend(refused)
        return report

    async def awrite_shipments(self, fulfillments: Iterable[FulfillmentOrder]) -> WriteReport:
        """Async twin of `write_shipments`."""
        valid, refused = _checked(_per_shipment(fulfillments))
        report = await self.awrite(ConfirmShipment(self), valid)
        report.skipped.extend(refused)
        return report

    def read_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[InventoryPosition]:
        """FBA inventory of the first marketplace, changed at or after ``since``."""
        return self.read(FbaInventoryStream(self), since=since, checkpoint=checkpoint)

    def aread_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[InventoryPosition]:
        """Async twin of `read_inventory`."""
        return self.aread(FbaInventoryStream(self), since=since, checkpoint=checkpoint)

    def write_inventory(self, positions: Iterable[InventoryPosition]) -> WriteReport:
        """Set the seller-fulfilled (MFN) quantity of each position's SKU.

        Positions must be at the MFN location (``mfn_location_id``, by default
        ``amazon-mfn-<marketplaceId>``), one per SKU; the quantity sent is what can be sold
        (on hand less committed, reserved, damaged, quality control and safety stock).
        Up to ``inventory_feed_threshold`` SKUs go as one ``patchListingsItem`` each, more
        as one ``JSON_LISTINGS_FEED`` (waited for, its processing report read). SKUs
        Amazon refuses are reported as `ListingRejected` (SKU, issues, attributes).

        Raises:
            ConfigurationError: no ``seller_id`` configured.
            ReportFailed: the feed ended ``FATAL`` or ``CANCELLED`` (nothing was written).
            ReportNotReady: the feed was not processed within ``report_max_wait``.
        """
        return self.run(inventory_flow(self, positions))

    async def awrite_inventory(self, positions: Iterable[InventoryPosition]) -> WriteReport:
        """Async twin of `write_inventory`."""
        return await self.arun(inventory_flow(self, positions))

    def write_listings(self, products: Iterable[Product]) -> WriteReport:
        """Publish each product as a listing, one ``putListingsItem`` per SKU.

        With ``listing_method="PATCH"``, one ``patchListingsItem`` replacing each attribute
        sent instead. The attributes come from the product (title, brand, description,
        GTIN/EAN/UPC and ASIN identifiers, country of origin, weight, dimensions), the price from
        ``listing_price`` as ``purchasable_offer`` (with ``condition_type``), then
        ``listing_enricher`` adds what Amazon's product type needs. Amazon's refusals are
        `ListingRejected` errors naming the SKU, issues and attributes; products the
        connector cannot express (variants, units without an Amazon name) are refused
        before any request.

        Raises:
            ConfigurationError: no ``seller_id`` configured.
        """
        return self.run(
            listing_sink_flow(self, products, self.listing_enricher, self.listing_price)
        )

    async def awrite_listings(self, products: Iterable[Product]) -> WriteReport:
        """Async twin of `write_listings`."""
        return await self.arun(
            listing_sink_flow(self, products, self.listing_enricher, self.listing_price)
        )

    def read_returns(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[ReturnAuthorization]:
        """Returns first seen at or after ``since``: one `ReturnAuthorization` per order.

        The FBA customer returns report of the window (``returns_report``, through
        `request_report`) gives the returned units, their disposition and reason; the
        Finances v0 ``RefundEventList`` events give the refund. An order refunded without a
        report row (merchant-fulfilled) is a return of the refunded items, ``CLOSED``.

        Raises:
            ReportFailed: the returns report ended ``FATAL``.
            ReportNotReady: it was not done within ``report_max_wait``.
        """
        return self.read(ReturnsStream(self), since=since, checkpoint=checkpoint)

    def aread_returns(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[ReturnAuthorization]:
        """Async twin of `read_returns`."""
        return self.aread(ReturnsStream(self), since=since, checkpoint=checkpoint)

    def _settlements(self) -> ReadStream[SettlementRecord]:
        config: AmazonConfig = self.config
        if config.settlements_from == "report":
            return SettlementReportsStream(self)
        return FinancialEventGroupsStream(self)

    def read_settlements(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SettlementRecord]:
        """Settlements created (or, from Finances, started) at or after ``since``.

        With ``settlements_from="report"`` (the default), the V2 settlement reports: each
        report document is downloaded and parsed whole (its lines must add up to its
        deposit, or the settlement is skipped and reported); for constant memory on huge
        files, read the document yourself with `SettlementFile`. With ``"finances_v0"`` or
        ``"finances_2024"``, the financial event groups (``listFinancialEventGroups``),
        each with its lines from ``listFinancialEventsByGroupId`` or ``listTransactions``.
        """
        return self.read(self._settlements(), since=since, checkpoint=checkpoint)

    def aread_settlements(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SettlementRecord]:
        """Async twin of `read_settlements`."""
        return self.aread(self._settlements(), since=since, checkpoint=checkpoint)

    def read_financial_events(
        self,
        *,
        since: datetime | None = None,
        group_id: str | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> Records[SettlementLine]:
        """Finances v0 events posted after ``since`` (or of group ``group_id``) as lines.

        One line per leaf amount (``listFinancialEvents`` / ``listFinancialEventsByGroupId``).
        Events of lists the mapping does not know are reported on ``skipped``.
        """
        stream = FinancialEventsStream(self, group_id)
        return self.read(stream, since=since, checkpoint=checkpoint)

    def aread_financial_events(
        self,
        *,
        since: datetime | None = None,
        group_id: str | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> AsyncRecords[SettlementLine]:
        """Async twin of `read_financial_events`."""
        stream = FinancialEventsStream(self, group_id)
        return self.aread(stream, since=since, checkpoint=checkpoint)

    def read_transactions(
        self,
        *,
        since: datetime | None = None,
        group_id: str | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> Records[SettlementLine]:
        """Finances 2024-06-19 transactions after ``since`` (or of ``group_id``) as lines.

        One line per leaf breakdown (``listTransactions``). A transaction whose breakdowns
        do not add up to its total is reported on ``skipped``.
        """
        return self.read(TransactionsStream(self, group_id), since=since, checkpoint=checkpoint)

    def aread_transactions(
        self,
        *,
        since: datetime | None = None,
        group_id: str | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> AsyncRecords[SettlementLine]:
        """Async twin of `read_transactions`."""
        return self.aread(TransactionsStream(self, group_id), since=since, checkpoint=checkpoint)

    # -- reports ----------------------------------------------------------------------------

    def _report(
        self,
        report_type: str,
        start: datetime | None,
        end: datetime | None,
        options: Mapping[str, str] | None,
        marketplace_ids: Sequence[str] | None,
    ) -> Flow[ReportDocument]:
        config: AmazonConfig = self.config
        return report_flow(
            self,
            report_type,
            marketplace_ids=tuple(marketplace_ids or config.marketplace_ids),
            start=start,
            end=end,
            options=options,
            poll_interval=config.report_poll_interval,
            max_wait=config.report_max_wait,
        )

    def request_report(
        self,
        report_type: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        options: Mapping[str, str] | None = None,
        marketplace_ids: Sequence[str] | None = None,
    ) -> ReportDocument:
        """Request a report and return its document once Amazon has written it.

        ``createReport``, then ``getReport`` every ``report_poll_interval`` seconds until
        the report is ``DONE``, then ``getReportDocument`` and the download (un-gzipped
        when read through `ReportDocument.open` or `ReportDocument.content`).

        Args:
            report_type: e.g. ``GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA``.
            start: ``dataStartTime`` (an aware datetime).
            end: ``dataEndTime``.
            options: ``reportOptions``.
            marketplace_ids: default: the configured ones.

        Raises:
            ReportFailed: the report ended ``FATAL`` (with Amazon's error document) or
                ``CANCELLED`` (Amazon cancels reports without data).
            ReportNotReady: not done after ``report_max_wait`` seconds; its ``report_id``
                goes to `fetch_report` later.
        """
        return self.run(self._report(report_type, start, end, options, marketplace_ids))

    async def arequest_report(
        self,
        report_type: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        options: Mapping[str, str] | None = None,
        marketplace_ids: Sequence[str] | None = None,
    ) -> ReportDocument:
        """Async twin of `request_report`."""
        return await self.arun(self._report(report_type, start, end, options, marketplace_ids))

    def _fetch(self, report_id: str) -> Flow[ReportDocument]:
        config: AmazonConfig = self.config
        return fetch_flow(
            self,
            report_id,
            poll_interval=config.report_poll_interval,
            max_wait=config.report_max_wait,
        )

    def fetch_report(self, report_id: str) -> ReportDocument:
        """The document of a report already requested: wait for it, then download it.

        Raises:
            ReportFailed, ReportNotReady: as for `request_report`.
        """
        return self.run(self._fetch(report_id))

    async def afetch_report(self, report_id: str) -> ReportDocument:
        """Async twin of `fetch_report`."""
        return await self.arun(self._fetch(report_id))

    def report_document(self, document_id: str) -> Document:
        """A report document by its ``reportDocumentId`` (``getReportDocument`` + download)."""
        return self.run(document_flow(self, document_id))

    async def areport_document(self, document_id: str) -> Document:
        """Async twin of `report_document`."""
        return await self.arun(document_flow(self, document_id))

    # -- the request core --------------------------------------------------------------------

    def call_flow(
        self, spec: RequestSpec, parse: Callable[[httpx.Response], Any] | None = None
    ) -> Flow[Any]:
        """The request core; completes ``getOrders`` and ``getReports`` pages.

        A ``getOrders`` page gets each order's items, a ``getReports`` page each report's
        document.
        """
        result = yield from super().call_flow(spec, parse)
        if isinstance(result, Page) and spec.operation == "listFinancialEventGroups":
            config: AmazonConfig = self.config
            completed: Page = yield from groups_page_flow(
                self,
                spec,
                result,
                config.settlements_from,
                lambda more: HttpConnector.call_flow(self, more, parse),
            )
            return completed
        if not isinstance(result, Page) or spec.operation not in ("getOrders", "getReports"):
            return result
        records = []
        if spec.operation == "getOrders":
            for record in result.records:
                items = yield from self._order_items(str(record["AmazonOrderId"]))
                records.append({"order": record, "items": items})
            return Page(records, result.next_token)
        reports, token = list(result.records), result.next_token
        while token:
            more = RequestSpec("GET", spec.url, spec.operation, params={"nextToken": token})
            page: Page = yield from super().call_flow(more, parse)
            reports.extend(page.records)
            token = page.next_token
        reports.sort(key=lambda r: (str(r["createdTime"]), str(r["reportId"])))
        for report in reports:
            if report.get("reportDocumentId"):
                document = yield from document_flow(self, str(report["reportDocumentId"]))
                records.append({"report": report, "document": document})
        return Page(records, None)

    def _items_page(self, response: httpx.Response) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = response.json()["payload"]
            payload["OrderItems"] = list(payload["OrderItems"])
        except (ValueError, KeyError, TypeError) as exc:
            msg = f"getOrderItems: unreadable page ({type(exc).__name__})"
            raise malformed(
                msg, response, operation="getOrderItems", redactor=self.redactor
            ) from None
        return payload

    def _order_items(self, order_id: str) -> Flow[list[Any]]:
        """Every item of a v0 order (``getOrderItems``, itself paged by ``NextToken``)."""
        items: list[Any] = []
        token: str | None = None
        while True:
            params = {"NextToken": token} if token else None
            spec = RequestSpec(
                "GET", f"/orders/v0/orders/{order_id}/orderItems", "getOrderItems", params=params
            )
            payload: dict[str, Any] = yield from super().call_flow(spec, self._items_page)
            items.extend(payload["OrderItems"])
            token = payload.get("NextToken") or None
            if token is None:
                return items
