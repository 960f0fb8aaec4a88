"""The Walmart Marketplace (US) connector: released orders, acknowledgement, inventory."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
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
    OAuth2ClientCredentials,
    OrderSource,
    Page,
    ReadStream,
    Records,
    RequestSpec,
    ShipmentSink,
    SignalReader,
    SkippableRecordError,
    TokenCountHeaders,
    VendorError,
    WriteOperation,
    WriteReport,
)
from retail_canon.connectors._classify import vendor_error
from retail_canon.connectors.walmart import _dto, mapping
from retail_canon.models import FulfillmentOrder, InventoryPosition, SalesOrder
from retail_canon.normalize.dates import from_epoch_millis

if TYPE_CHECKING:
    import httpx

__all__ = [
    "LineCancellation",
    "SERVICE_NAME",
    "WalmartAuth",
    "WalmartConfig",
    "WalmartConnector",
]

SERVICE_NAME = "Walmart Marketplace"
PRODUCTION = "https://marketplace.walmartapis.com"
SANDBOX = "https://sandbox.walmartapis.com"


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
    """

    base_url: str = PRODUCTION
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    service_name: str = SERVICE_NAME
    channel_type: str | None = None
    orders: Literal["released", "all"] = "released"
    page_size: int = Field(default=100, ge=1, le=200)
    refresh_margin: float = Field(default=120.0, ge=0, le=600)


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


def _split(
    items: Iterable[FulfillmentOrder], check: Callable[[FulfillmentOrder], object], operation: str
) -> tuple[list[FulfillmentOrder], list[SkippableRecordError]]:
    """Items the mapping accepts, and a skip for each it refuses (never sent)."""
    good: list[FulfillmentOrder] = []
    bad: list[SkippableRecordError] = []
    for index, item in enumerate(items):
        try:
            check(item)
        except (ValueError, KeyError) as exc:
            key = item.fulfillment_order_id
            bad.append(
                SkippableRecordError(
                    f"{operation}: {key} refused: {type(exc).__name__}: {exc}",
                    record_id=key,
                    source={"operation": operation, "index": index},
                    record=item,
                    operation=operation,
                )
            )
        else:
            good.append(item)
    return good, bad


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


class WalmartConnector(
    HttpConnector[WalmartConfig], OrderSource, InventorySource, InventorySink, ShipmentSink
):
    """One Walmart Marketplace (US) seller account.

    Throttling follows ``x-current-token-count`` / ``x-next-replenish-time`` per API.
    """

    name = "walmart"
    config_model = WalmartConfig
    rate_limit_signals: ClassVar[tuple[SignalReader, ...]] = (TokenCountHeaders(),)
    idempotency_header = None  # Walmart has no idempotency keys
    request_id_headers: ClassVar[tuple[str, ...]] = ("wm_qos.correlation_id",)

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
        good, refused = _split(orders, mapping.shipment_request, "shippingUpdates")
        report = self.write(_Ship(self), good)
        report.skipped.extend(refused)
        return report

    async def awrite_shipments(self, orders: Iterable[FulfillmentOrder]) -> WriteReport:
        """Async twin of `write_shipments`."""
        good, refused = _split(orders, mapping.shipment_request, "shippingUpdates")
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
        """Set each SKU's sellable quantity at its ship node (``PUT``: safe to repeat)."""
        return self.write(_SetInventory(self), positions)

    async def awrite_inventory(self, positions: Iterable[InventoryPosition]) -> WriteReport:
        """Async twin of `write_inventory`."""
        return await self.awrite(_SetInventory(self), positions)


def _checked(cancellations: Iterable[LineCancellation]) -> list[LineCancellation]:
    """The cancellations, each checked before any is sent (`ValueError` names the bad one)."""
    items = list(cancellations)
    for item in items:
        mapping.cancellation_request(item.line_id, Decimal(item.quantity), item.reason)
    return items
