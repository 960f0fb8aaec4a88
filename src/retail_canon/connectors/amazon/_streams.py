"""The paginated reads of the Amazon connector: orders, FBA inventory, settlement reports."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from retail_canon.connectors import (
    Page,
    ReadStream,
)
from retail_canon.connectors.amazon import mapping
from retail_canon.connectors.amazon._dto import (
    V0,
    V2026,
    InventorySummary,
    ItemV0,
    OrderV0,
    OrderV2026,
)
from retail_canon.connectors.amazon._reports import Document
from retail_canon.connectors.amazon.settlement import SettlementFile
from retail_canon.normalize.dates import parse_timestamp

if TYPE_CHECKING:
    import httpx

    from retail_canon.models import (
        InventoryPosition,
        SalesOrder,
        SettlementRecord,
    )
from retail_canon.connectors.amazon._config import EPOCH, AmazonConfig

__all__ = [
    "SETTLEMENT_REPORT",
    "FbaInventoryStream",
    "Orders2026Stream",
    "OrdersV0Stream",
    "SettlementReportsStream",
]


def _iso(moment: Any) -> str:
    stamp: datetime = moment if isinstance(moment, datetime) else EPOCH
    return stamp.astimezone(UTC).isoformat().replace("+00:00", "Z")


class OrdersV0Stream(ReadStream["SalesOrder"]):
    """``getOrders`` pages; the connector adds each order's ``getOrderItems`` items."""

    operation = "getOrders"
    path = "/orders/v0/orders"
    expired_token_codes = frozenset({"InvalidInput"})

    def params(self, *, start: Any, page_token: str | None) -> Mapping[str, Any]:
        config: AmazonConfig = self.connector.config
        params: dict[str, Any] = {
            "MarketplaceIds": ",".join(config.marketplace_ids),
            "MaxResultsPerPage": config.page_size,
            "LastUpdatedAfter": _iso(start if start is not None else config.initial_since),
        }
        if page_token:
            params["NextToken"] = page_token
        return params

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        payload = body["payload"]
        return Page(list(payload["Orders"]), payload.get("NextToken") or None)

    def record_id(self, record: Any) -> str | None:
        return str(record["order"]["AmazonOrderId"])

    def checkpoint_value(self, record: Any) -> datetime:
        return parse_timestamp(record["order"]["LastUpdateDate"], field="LastUpdateDate")

    def to_canonical(self, record: Any) -> SalesOrder:
        order = V0.structure(record["order"], OrderV0)
        items = [V0.structure(item, ItemV0) for item in record["items"]]
        return mapping.order_from_v0(order, items)


class Orders2026Stream(ReadStream["SalesOrder"]):
    """``searchOrders`` (Orders 2026-01-01): orders with their items, no payload wrapper."""

    operation = "searchOrders"
    path = "/orders/2026-01-01/orders"
    expired_token_codes = frozenset({"InvalidInput"})

    def params(self, *, start: Any, page_token: str | None) -> Mapping[str, Any]:
        config: AmazonConfig = self.connector.config
        params: dict[str, Any] = {
            "marketplaceIds": ",".join(config.marketplace_ids),
            "maxResultsPerPage": config.page_size,
            "lastUpdatedAfter": _iso(start if start is not None else config.initial_since),
            "includedData": "BUYER,RECIPIENT,PROCEEDS,PROMOTION,FULFILLMENT,TAX",
        }
        if page_token:
            params["paginationToken"] = page_token
        return params

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        token = (body.get("pagination") or {}).get("nextToken")
        return Page(list(body["orders"]), token or None)

    def record_id(self, record: Any) -> str | None:
        return str(record["orderId"])

    def checkpoint_value(self, record: Any) -> datetime:
        return parse_timestamp(record["lastUpdatedTime"], field="lastUpdatedTime")

    def to_canonical(self, record: Any) -> SalesOrder:
        return mapping.order_from_v2026(V2026.structure(record, OrderV2026))


SETTLEMENT_REPORT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"


class FbaInventoryStream(ReadStream["InventoryPosition"]):
    """FBA Inventory ``getInventorySummaries`` for the first configured marketplace.

    Amazon documents no order for the summaries, so the read is unordered and has no
    checkpoints: a ``nextToken`` that expired (they live 30 seconds) restarts the read and
    skips the SKUs already handed out. ``since`` is ``startDateTime``.
    """

    operation = "getInventorySummaries"
    path = "/fba/inventory/v1/summaries"
    ordered = False
    expired_token_codes = frozenset({"InvalidInput"})

    def params(self, *, start: Any, page_token: str | None) -> Mapping[str, Any]:
        marketplace = self.connector.config.marketplace_ids[0]
        params: dict[str, Any] = {
            "details": "true",
            "granularityType": "Marketplace",
            "granularityId": marketplace,
            "marketplaceIds": marketplace,
        }
        if start is not None:
            params["startDateTime"] = _iso(start)
        if page_token:
            params["nextToken"] = page_token
        return params

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        token = (body.get("pagination") or {}).get("nextToken")
        return Page(list(body["payload"]["inventorySummaries"]), token or None)

    def record_id(self, record: Any) -> str | None:
        return str(record["sellerSku"])

    def to_canonical(self, record: Any) -> InventoryPosition:
        summary = V2026.structure(record, InventorySummary)
        marketplace = self.connector.config.marketplace_ids[0]
        return mapping.inventory_position(summary, marketplace, datetime.now(UTC))


class SettlementReportsStream(ReadStream["SettlementRecord"]):
    """``getReports`` of V2 settlement reports; the connector downloads each document.

    Amazon lists reports newest first. The connector lists them all (at most 90 days of
    settlements, a page or two), sorts them oldest first, and downloads each document,
    kept compressed until it is parsed; so the read is ordered by ``createdTime`` and
    resumes from a checkpoint.
    """

    operation = "getReports"
    path = "/reports/2021-06-30/reports"
    expired_token_codes = frozenset({"InvalidInput"})

    def params(self, *, start: Any, page_token: str | None) -> Mapping[str, Any]:
        if page_token:  # Amazon: nextToken must be the only parameter
            return {"nextToken": page_token}
        config: AmazonConfig = self.connector.config
        params: dict[str, Any] = {
            "reportTypes": SETTLEMENT_REPORT,
            "processingStatuses": "DONE",
            "marketplaceIds": ",".join(config.marketplace_ids[:10]),
            "pageSize": 10,
        }
        if start is not None:
            params["createdSince"] = _iso(start)
        return params

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        return Page(list(body["reports"]), body.get("nextToken") or None)

    def record_id(self, record: Any) -> str | None:
        return str(record["report"]["reportId"])

    def checkpoint_value(self, record: Any) -> datetime:
        return parse_timestamp(record["report"]["createdTime"], field="createdTime")

    def to_canonical(self, record: Any) -> SettlementRecord:
        document: Document = record["document"]
        report = SettlementFile(document.open(), encoding=document.charset)
        dayfirst = report.locale is not None
        currency = report.summary.currency
        lines = [mapping.settlement_line(row, currency, dayfirst=dayfirst) for row in report]
        return mapping.settlement_record(report.summary, lines, dayfirst=dayfirst)
