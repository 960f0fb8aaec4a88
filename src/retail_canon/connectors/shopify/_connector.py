"""The Shopify Admin GraphQL connector: orders, inventory, shipments, payouts, returns."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, SecretStr, model_validator

from retail_canon.connectors import (
    AsyncRecords,
    AuthProvider,
    Checkpoint,
    ConnectorConfig,
    FatalConnectorError,
    Flow,
    GraphQLCostSignals,
    HttpConnector,
    InventorySink,
    InventorySource,
    ListingSink,
    OrderSource,
    Page,
    RateLimit,
    ReadStream,
    Records,
    RequestSpec,
    ReturnSource,
    SettlementSource,
    ShipmentSink,
    SignalReader,
    SkippableRecordError,
    StaticTokenAuth,
    WriteReport,
    WriteResult,
)
from retail_canon.connectors._writes import split_refused
from retail_canon.connectors.shopify import _dto, _graphql, mapping
from retail_canon.connectors.shopify._bulk import BulkOrders, bulk_orders_flow
from retail_canon.connectors.shopify._fulfillment import CreateFulfillment
from retail_canon.connectors.shopify._listings import ListingEnricher, ProductSet, prepare
from retail_canon.connectors.shopify._payments import PayoutsStream, payout_transactions
from retail_canon.connectors.shopify._returns import ReturnsStream
from retail_canon.models import (
    FulfillmentOrder,
    InventoryPosition,
    Product,
    ReturnAuthorization,
    SalesOrder,
    SettlementRecord,
)

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors import ConnectorError

__all__ = ["DEFAULT_API_VERSION", "ShopifyConfig", "ShopifyConnector"]

DEFAULT_API_VERSION = "2026-10"
"""The latest stable Admin API version when this connector was written."""

QUANTITY_NAMES = (
    "available",
    "on_hand",
    "committed",
    "reserved",
    "incoming",
    "damaged",
    "safety_stock",
    "quality_control",
)


class ShopifyConfig(ConnectorConfig):
    """Settings of one shop; build one connector per shop (no global session).

    Attributes:
        shop: the shop's ``myshopify.com`` subdomain, e.g. ``fjordline``.
        access_token: the Admin API access token (``X-Shopify-Access-Token``).
        api_version: the Admin API version, ``YYYY-MM``.
        currency: which amounts orders carry: ``"shop"`` (``shopMoney``) or
            ``"presentment"`` (``presentmentMoney``, what the buyer saw).
        page_size: orders per page (cost grows with it; Shopify allows at most 250).
        lines_per_order: line items read per order.
        location_pages: inventory levels (locations) read per inventory item.
        cas_attempts: attempts of a compare-and-swap inventory write before reporting the
            conflict.
        inventory_reason: the ``reason`` of inventory writes.
        reference_document_uri: the ``referenceDocumentUri`` of inventory writes.
        payout_page_size: Shopify Payments payouts per query.
        transaction_page_size: balance transactions per query (each payout is read whole).
        returns_page_size: orders per query of a returns read.
        returns_per_order: returns (and refunds) read per order; an order with more is
            reported, not cut.
        return_lines: lines read per return or refund; one with more is reported.
    """

    base_url: str = ""
    shop: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    access_token: SecretStr
    api_version: str = Field(default=DEFAULT_API_VERSION, pattern=r"^(\d{4}-\d{2}|unstable)$")
    currency: Literal["shop", "presentment"] = "shop"
    page_size: int = Field(default=25, ge=1, le=250)
    lines_per_order: int = Field(default=20, ge=1, le=250)
    location_pages: int = Field(default=10, ge=1, le=250)
    cas_attempts: int = Field(default=3, ge=1, le=10)
    inventory_reason: str = "correction"
    reference_document_uri: str | None = None
    payout_page_size: int = Field(default=10, ge=1, le=250)
    transaction_page_size: int = Field(default=100, ge=1, le=190)
    returns_page_size: int = Field(default=5, ge=1, le=250)
    returns_per_order: int = Field(default=3, ge=1, le=50)
    return_lines: int = Field(default=10, ge=1, le=250)

    @model_validator(mode="before")
    @classmethod
    def _default_base_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("base_url") and data.get("shop"):
            version = data.get("api_version") or DEFAULT_API_VERSION
            data = {
                **data,
                "base_url": f"https://{data['shop']}.myshopify.com/admin/api/{version}",
            }
        return data


_gql = _graphql.gql


class _Orders(ReadStream[SalesOrder]):
    operation = "Orders"
    method = "POST"
    expired_token_codes = frozenset({"INVALID_CURSOR"})

    def request(self, *, start: Any, page_token: str | None) -> RequestSpec:
        config: ShopifyConfig = self.connector.config
        variables: dict[str, Any] = {"first": config.page_size, "lines": config.lines_per_order}
        if start is not None:
            stamp = start.astimezone(UTC).isoformat().replace("+00:00", "Z")
            variables["query"] = f"updated_at:>='{stamp}'"
        if page_token:
            variables["after"] = page_token
        cost = _graphql.orders_cost(config.page_size, config.lines_per_order)
        return _gql(self.operation, _graphql.ORDERS_QUERY, variables, cost, read=True)

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        orders = body["data"]["orders"]
        info = orders["pageInfo"]
        return Page(orders["nodes"], info["endCursor"] if info["hasNextPage"] else None)

    def checkpoint_value(self, record: Any) -> datetime:
        return datetime.fromisoformat(record["updatedAt"])

    def to_canonical(self, record: Any) -> SalesOrder:
        config: ShopifyConfig = self.connector.config
        order = _dto.structure(record, _dto.Order)
        return mapping.sales_order(
            order, shop=config.shop, presentment=config.currency == "presentment"
        )


class _Inventory(ReadStream[InventoryPosition]):
    operation = "InventoryLevels"
    method = "POST"
    ordered = False
    expired_token_codes = frozenset({"INVALID_CURSOR"})

    def request(self, *, start: Any, page_token: str | None) -> RequestSpec:
        config: ShopifyConfig = self.connector.config
        variables: dict[str, Any] = {
            "first": config.page_size,
            "locations": config.location_pages,
            "names": list(QUANTITY_NAMES),
        }
        if page_token:
            variables["after"] = page_token
        cost = _graphql.inventory_cost(config.page_size, config.location_pages)
        return _gql(self.operation, _graphql.INVENTORY_QUERY, variables, cost, read=True)

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        items = body["data"]["inventoryItems"]
        levels = [
            {
                "itemId": item["id"],
                "sku": item.get("sku"),
                "locationId": level["location"]["id"],
                "quantities": level["quantities"],
                "updatedAt": level["updatedAt"],
            }
            for item in items["nodes"]
            for level in item["inventoryLevels"]["nodes"]
        ]
        info = items["pageInfo"]
        return Page(levels, info["endCursor"] if info["hasNextPage"] else None)

    def record_id(self, record: Any) -> str | None:
        return f"{record['itemId']}@{record['locationId']}"

    def to_canonical(self, record: Any) -> InventoryPosition:
        return mapping.inventory_position(_dto.structure(record, _dto.InventoryLevel))


class ShopifyConnector(
    HttpConnector[ShopifyConfig],
    OrderSource,
    ShipmentSink,
    InventorySource,
    InventorySink,
    ListingSink,
    ReturnSource,
    SettlementSource,
):
    """One Shopify shop over the Admin GraphQL API.

    Every request draws from one cost budget (``rate_limit_key`` ``"graphql"``), kept in
    step with ``extensions.cost.throttleStatus``; ``THROTTLED`` answers (HTTP 200) are
    retried after the budget refills; mutation ``userErrors`` raise typed errors.

    Attributes:
        listing_enricher: the default channel-specific hook of `write_listings`
            (``(product, product_set_input) -> product_set_input``), or `None`.
    """

    listing_enricher: ListingEnricher | None = None

    name = "shopify"
    config_model = ShopifyConfig
    default_rate_limits: ClassVar[Mapping[str, RateLimit]] = {
        "graphql": RateLimit(rate=100, burst=1000)
    }
    rate_limit_signals: ClassVar[tuple[SignalReader, ...]] = (GraphQLCostSignals(),)
    idempotency_header = None  # the key travels in the @idempotent directive
    request_id_headers: ClassVar[tuple[str, ...]] = ("x-request-id",)

    def auth(self) -> AuthProvider:
        """The access token in ``X-Shopify-Access-Token``."""
        config: ShopifyConfig = self.config
        return StaticTokenAuth(config.access_token, header="X-Shopify-Access-Token")

    def default_headers(self) -> Mapping[str, str]:
        """JSON in and out."""
        return {**super().default_headers(), "content-type": "application/json"}

    def rate_limit_key(self, operation: str) -> str:
        """All Admin API calls of a shop share one cost budget."""
        return "graphql"

    def check_response(self, response: httpx.Response, spec: RequestSpec) -> ConnectorError | None:
        """``errors`` and ``userErrors`` that arrive with HTTP 200."""
        return _graphql.graphql_error(response.content, spec.operation, response.status_code)

    def call_flow(
        self, spec: RequestSpec, parse: Callable[[httpx.Response], Any] | None = None
    ) -> Flow[Any]:
        """The request core; completes each payout of a ``Payouts`` page.

        Every balance transaction of each payout is read (all pages), so a settlement is
        handed out whole.
        """
        result = yield from super().call_flow(spec, parse)
        if spec.operation != "Payouts" or not isinstance(result, Page):
            return result
        payouts = []
        for payout in result.records:
            transactions = yield from payout_transactions(self, payout)
            payouts.append({**payout, "transactions": transactions})
        return Page(payouts, result.next_token)

    # -- orders ---------------------------------------------------------------------------

    def read_orders(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SalesOrder]:
        """Orders updated at or after ``since`` (by ``updatedAt``), or after ``checkpoint``."""
        return self.read(_Orders(self), since=since, checkpoint=checkpoint)

    def aread_orders(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SalesOrder]:
        """Async twin of `read_orders`."""
        return self.aread(_Orders(self), since=since, checkpoint=checkpoint)

    def bulk_orders(
        self, *, since: datetime | None = None, poll_interval: float = 5.0
    ) -> BulkOrders:
        """Every order updated at or after ``since`` through a bulk operation (large backfills).

        Starts ``bulkOperationRunQuery``, polls every ``poll_interval`` seconds until it ends,
        downloads the JSONL result and maps it (children joined by ``__parentId``).
        """
        return self.run(self._bulk(since, poll_interval))

    async def abulk_orders(
        self, *, since: datetime | None = None, poll_interval: float = 5.0
    ) -> BulkOrders:
        """Async twin of `bulk_orders`."""
        return await self.arun(self._bulk(since, poll_interval))

    def _bulk(self, since: datetime | None, poll_interval: float) -> Flow[BulkOrders]:
        config: ShopifyConfig = self.config
        return bulk_orders_flow(
            self,
            since=since,
            poll_interval=poll_interval,
            shop=config.shop,
            presentment=config.currency == "presentment",
        )

    # -- settlements, returns, listings ---------------------------------------------------

    def read_settlements(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SettlementRecord]:
        """Shopify Payments payouts issued at or after ``since``, oldest first.

        Each comes with every balance transaction; a payout whose transactions do not add
        up to its net is skipped and reported (`mapping.PayoutIntegrityError` in the
        reason).
        """
        return self.read(PayoutsStream(self), since=since, checkpoint=checkpoint)

    def aread_settlements(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SettlementRecord]:
        """Async twin of `read_settlements`."""
        return self.aread(PayoutsStream(self), since=since, checkpoint=checkpoint)

    def read_returns(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[ReturnAuthorization]:
        """Returns and item refunds of orders updated at or after ``since``.

        Ascending by the order's ``updatedAt``; see ``docs/shopify.md`` for what counts.
        """
        return self.read(ReturnsStream(self), since=since, checkpoint=checkpoint)

    def aread_returns(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[ReturnAuthorization]:
        """Async twin of `read_returns`."""
        return self.aread(ReturnsStream(self), since=since, checkpoint=checkpoint)

    def write_listings(
        self, products: Iterable[Product], *, enrich: ListingEnricher | None = None
    ) -> WriteReport:
        """Create or update each product with its variants through ``productSet``.

        Args:
            products: the products.
            enrich: the channel-specific hook (default: `listing_enricher`); it gets each
                product and its ``ProductSetInput`` and returns the input to send (add
                ``price`` to the variants there). A product it refuses (``ValueError``,
                ``KeyError``, ``TypeError``) is reported and not sent.

        A product Shopify refuses (``userErrors``) is reported on the `WriteReport` with
        the refused field named; the next product is written.
        """
        good, refused = prepare(products, enrich or self.listing_enricher)
        report = self.write(ProductSet(self), good)
        report.skipped.extend(refused)
        return report

    async def awrite_listings(
        self, products: Iterable[Product], *, enrich: ListingEnricher | None = None
    ) -> WriteReport:
        """Async twin of `write_listings`."""
        good, refused = prepare(products, enrich or self.listing_enricher)
        report = await self.awrite(ProductSet(self), good)
        report.skipped.extend(refused)
        return report

    # -- shipments ------------------------------------------------------------------------

    def write_shipments(self, orders: Iterable[FulfillmentOrder]) -> WriteReport:
        """Create a fulfillment with tracking for each fulfillment order's latest shipment.

        ``fulfillmentCreate`` has no idempotency key: after a lost answer it is not repeated
        and the error says the fulfillment may exist (``maybe_applied``).
        """
        good, refused = split_refused(orders, mapping.fulfillment_input, "FulfillmentCreate")
        report = self.write(CreateFulfillment(self), good)
        report.skipped.extend(refused)
        return report

    async def awrite_shipments(self, orders: Iterable[FulfillmentOrder]) -> WriteReport:
        """Async twin of `write_shipments`."""
        good, refused = split_refused(orders, mapping.fulfillment_input, "FulfillmentCreate")
        report = await self.awrite(CreateFulfillment(self), good)
        report.skipped.extend(refused)
        return report

    # -- inventory ------------------------------------------------------------------------

    def read_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[InventoryPosition]:
        """Every inventory level with its named quantities (``since`` is not filtered on)."""
        return self.read(_Inventory(self), since=since, checkpoint=checkpoint)

    def aread_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[InventoryPosition]:
        """Async twin of `read_inventory`."""
        return self.aread(_Inventory(self), since=since, checkpoint=checkpoint)

    def write_inventory(self, positions: Iterable[InventoryPosition]) -> WriteReport:
        """Set ``on_hand`` of each position by compare-and-swap (see `ShopifyConnector`)."""
        return self.run(self._set_inventory(positions))

    async def awrite_inventory(self, positions: Iterable[InventoryPosition]) -> WriteReport:
        """Async twin of `write_inventory`."""
        return await self.arun(self._set_inventory(positions))

    def _current(self, position: InventoryPosition) -> Flow[tuple[str, Decimal]]:
        """The inventory item GID and current ``on_hand`` of a position."""
        location = f"gid://shopify/Location/{position.location_id}"
        variables = {"query": f"sku:'{position.sku}'", "location": location}
        spec = _gql("ItemBySku", _graphql.ITEM_BY_SKU_QUERY, variables, 4, read=True)
        response: httpx.Response = yield from self.call_flow(spec)
        nodes = json.loads(response.content)["data"]["inventoryItems"]["nodes"]
        match = [n for n in nodes if n.get("sku") == position.sku]
        if not match or match[0].get("inventoryLevel") is None:
            msg = f"ItemBySku: no inventory item {position.sku!r} stocked at {location}"
            raise _graphql.ShopifyUserError(msg, field=("sku",), operation="ItemBySku")
        quantities = {q["name"]: q["quantity"] for q in match[0]["inventoryLevel"]["quantities"]}
        return match[0]["id"], Decimal(quantities.get("on_hand", 0))

    def _set_one(self, position: InventoryPosition) -> Flow[httpx.Response]:
        """Set one position by compare-and-swap, re-reading after a stale value.

        Reads the current ``on_hand``, sends it as ``changeFromQuantity``; on
        ``CHANGE_FROM_QUANTITY_STALE`` reads again and retries, up to ``cas_attempts`` times.
        """
        config: ShopifyConfig = self.config
        target = position.buckets.on_hand
        for attempt in range(1, config.cas_attempts + 1):
            item_id, current = yield from self._current(position)
            quantity = {
                "inventoryItemId": item_id,
                "locationId": f"gid://shopify/Location/{position.location_id}",
                "quantity": int(target),
                "changeFromQuantity": int(current),
            }
            payload: dict[str, Any] = {
                "name": "on_hand",
                "reason": config.inventory_reason,
                "quantities": [quantity],
            }
            if config.reference_document_uri:
                payload["referenceDocumentUri"] = config.reference_document_uri
            stamp = position.as_of.isoformat()
            key = f"rc-{position.sku}@{position.location_id}:{current}->{target}:{stamp}"
            spec = _gql(
                "InventorySet",
                _graphql.INVENTORY_SET,
                {"input": payload, "idempotencyKey": key},
                10,
                read=True,  # the idempotency key makes a repeat harmless
            )
            try:
                response: httpx.Response = yield from self.call_flow(spec)
            except _graphql.InventoryConflict as exc:
                if attempt == config.cas_attempts:
                    _, now = yield from self._current(position)
                    raise _graphql.InventoryConflict(
                        exc.message,
                        current=now,
                        operation=exc.operation,
                        status=exc.status,
                        vendor_code=exc.vendor_code,
                    ) from exc
                continue
            return response
        msg = "unreachable"  # pragma: no cover
        raise AssertionError(msg)  # pragma: no cover

    def _set_inventory(self, positions: Iterable[InventoryPosition]) -> Flow[WriteReport]:
        report = WriteReport()
        for index, position in enumerate(positions):
            key = f"{position.sku}@{position.location_id}"
            try:
                response = yield from self._set_one(position)
            except FatalConnectorError as exc:
                error = SkippableRecordError(
                    f"InventorySet: {key} refused: {exc.message}",
                    record_id=key,
                    source={"operation": "InventorySet", "index": index},
                    record=position,
                    operation="InventorySet",
                    status=exc.status,
                    vendor_code=exc.vendor_code,
                )
                error.__cause__ = exc
                report.skipped.append(error)
                self.log.warning(
                    "%s",
                    error.message,
                    extra={"event": "skip", "connector": self.name, "operation": "InventorySet"},
                )
                continue
            report.written.append(WriteResult(key, response.status_code, None, None))
        return report
