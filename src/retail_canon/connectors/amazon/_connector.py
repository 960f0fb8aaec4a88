"""`AmazonConnector`: Amazon Selling Partner API over LWA."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from retail_canon.connectors import (
    AsyncRecords,
    AuthProvider,
    Checkpoint,
    HttpConnector,
    InventorySource,
    MalformedResponse,
    OAuth2RefreshToken,
    OrderSource,
    Page,
    RateLimit,
    RateLimitHeader,
    ReadStream,
    Records,
    RequestSpec,
    SettlementSource,
    ShipmentSink,
    SignalReader,
    SkippableRecordError,
    WriteReport,
)
from retail_canon.connectors.amazon._shipments import ConfirmShipment, confirmation_body

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors._flow import Flow
    from retail_canon.models import (
        FulfillmentOrder,
        InventoryPosition,
        SalesOrder,
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
            refused.append(
                SkippableRecordError(
                    f"confirmShipment: {fulfillment.fulfillment_order_id} refused: {exc}",
                    record_id=fulfillment.fulfillment_order_id,
                    source={"operation": "confirmShipment", "index": index},
                    record=fulfillment,
                    operation="confirmShipment",
                )
            )
        else:
            valid.append(fulfillment)
    return valid, refused


class AmazonConnector(
    HttpConnector[AmazonConfig], OrderSource, ShipmentSink, InventorySource, SettlementSource
):
    """Amazon SP-API: orders, shipment confirmations, FBA inventory, settlements.

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
    }
    rate_limit_signals: ClassVar[tuple[SignalReader, ...]] = (RateLimitHeader(),)

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

    def read_settlements(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SettlementRecord]:
        """Settlements from the V2 settlement reports created at or after ``since``.

        Each report document is downloaded and parsed whole (its lines must add up to its
        deposit, or the settlement is skipped and reported); for constant memory on huge
        files, read the document yourself with `SettlementFile`.
        """
        return self.read(SettlementReportsStream(self), since=since, checkpoint=checkpoint)

    def aread_settlements(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SettlementRecord]:
        """Async twin of `read_settlements`."""
        return self.aread(SettlementReportsStream(self), since=since, checkpoint=checkpoint)

    def call_flow(
        self, spec: RequestSpec, parse: Callable[[httpx.Response], Any] | None = None
    ) -> Flow[Any]:
        """The request core; completes ``getOrders`` and ``getReports`` pages.

        A ``getOrders`` page gets each order's items, a ``getReports`` page each report's
        document.
        """
        result = yield from super().call_flow(spec, parse)
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
                record = yield from self._document(str(report["reportDocumentId"]))
                records.append({"report": report, **record})
        return Page(records, None)

    def _document(self, document_id: str) -> Flow[dict[str, Any]]:
        """A report document: ``getReportDocument``, then its (unauthenticated) download."""
        path = f"/reports/2021-06-30/documents/{document_id}"
        meta: httpx.Response = yield from super().call_flow(
            RequestSpec("GET", path, "getReportDocument")
        )
        info = meta.json()
        download = RequestSpec("GET", info["url"], "downloadReportDocument", auth=False)
        response: httpx.Response = yield from super().call_flow(download)
        return {
            "document": response.content,
            "gzip": info.get("compressionAlgorithm") == "GZIP",
            "charset": response.charset_encoding,
        }

    def _items_page(self, response: httpx.Response) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = response.json()["payload"]
            payload["OrderItems"] = list(payload["OrderItems"])
        except (ValueError, KeyError, TypeError) as exc:
            msg = f"getOrderItems: unreadable page ({type(exc).__name__})"
            raise MalformedResponse(
                msg,
                operation="getOrderItems",
                status=response.status_code,
                body=self.redactor.secrets_only(response.text[:2000]),
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
