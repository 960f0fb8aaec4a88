"""`NetSuiteConnector`: channel orders in by external-id upsert; stock and receivables out."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from pydantic import Field, SecretStr, field_validator, model_validator

from retail_canon.connectors._auth import AuthProvider, StaticTokenAuth
from retail_canon.connectors._capabilities import InventorySource, OrderSink, ReceivableSource
from retail_canon.connectors._classify import VendorError, make_error
from retail_canon.connectors._clock import Clock
from retail_canon.connectors._config import ConnectorConfig, build_config
from retail_canon.connectors._errors import (
    AuthError,
    BadRequest,
    ConfigurationError,
    Conflict,
    ConnectorError,
    FatalConnectorError,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
)
from retail_canon.connectors._flow import Flow
from retail_canon.connectors._http import HttpConnector
from retail_canon.connectors._records import (
    AsyncRecords,
    Checkpoint,
    CheckpointValue,
    Records,
    WriteReport,
    WriteResult,
)
from retail_canon.connectors._request import RequestSpec
from retail_canon.connectors._streams import Page, ReadStream
from retail_canon.connectors._writes import write_each
from retail_canon.connectors.netsuite import mapping
from retail_canon.connectors.netsuite._gate import ConcurrencyGate, GatedTransport
from retail_canon.connectors.netsuite._oauth1 import TokenBasedAuth
from retail_canon.models import InventoryPosition, SalesOrder, SettlementLine

__all__ = ["NetSuiteConfig", "NetSuiteConnector"]

RECORD_PATH = "/services/rest/record/v1"
SUITEQL_PATH = "/services/rest/query/v1/suiteql"
_ACCOUNT = re.compile(r"[A-Za-z0-9_-]+")
MAX_ROWS = 100_000
"""The most rows one SuiteQL query returns (without SuiteAnalytics Connect)."""

_RATE_LIMIT_CODES = frozenset({"CONCURRENCY_LIMIT_EXCEEDED", "SSS_REQUEST_LIMIT_EXCEEDED"})
_CONFLICT_CODES = frozenset({"RCRD_HAS_BEEN_CHANGED", "IDEMPOTENCY_ERROR", "DUP_RCRD"})
_AUTH_CODES = frozenset({"INVALID_LOGIN", "INSUFFICIENT_PERMISSION", "INVALID_LOGIN_ATTEMPT"})
_NOT_FOUND_CODES = frozenset({"NONEXISTENT_ID", "RCRD_DSNT_EXIST"})


class NetSuiteConfig(ConnectorConfig):
    """Settings of one NetSuite account.

    Credentials: the four Token-Based Authentication values (``consumer_key``,
    ``consumer_secret``, ``token_id``, ``token_secret``), or an OAuth 2.0 ``access_token``
    (a bearer token you obtain and renew yourself). All are `SecretStr`.

    Attributes:
        account_id: the account id, e.g. ``1234567`` or ``1234567_SB1`` (sandbox); either
            spelling (``1234567-sb1``) works.
        base_url: the REST host; default ``https://<account-id>.suitetalk.api.netsuite.com``.
        customer_id: internal id of the customer channel orders are booked to.
        location_id: internal id of the location set on the orders, if any.
        order_status: ``"A"`` (pending approval) or ``"B"`` (pending fulfillment) for new
            orders; unset: the form's default.
        currency_ids: internal currency id per ISO code, for orders in another currency
            than the customer's.
        max_concurrency: the most requests this connector has in flight at once — the share
            of the account's concurrency limit given to this integration.
        page_size: SuiteQL rows per page (≤ 1000).
        time_zone: the IANA zone of the account's (the integration user's) time zone, in
            which SuiteQL reads and compares timestamps.
        location_key: ``"name"``: positions' ``location_id`` is the location's name;
            ``"id"``: ``netsuite-location-<internal id>``.
    """

    base_url: str = ""
    account_id: str = Field(min_length=1)
    consumer_key: SecretStr | None = None
    consumer_secret: SecretStr | None = None
    token_id: SecretStr | None = None
    token_secret: SecretStr | None = None
    access_token: SecretStr | None = None
    customer_id: str = Field(min_length=1)
    location_id: str | None = None
    order_status: Literal["A", "B"] | None = None
    currency_ids: dict[str, str] = Field(default_factory=dict)
    max_concurrency: int = Field(default=5, ge=1, le=1000)
    page_size: int = Field(default=1000, ge=1, le=1000)
    time_zone: str = "UTC"
    location_key: Literal["name", "id"] = "name"

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str) -> str:
        if not _ACCOUNT.fullmatch(value):
            msg = "letters, digits, '_' and '-' only"
            raise ValueError(msg)
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            msg = "not a known IANA time zone"
            raise ValueError(msg) from None
        return value

    @model_validator(mode="before")
    @classmethod
    def _default_host(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("base_url") and data.get("account_id"):
            host = str(data["account_id"]).lower().replace("_", "-")
            data = {**data, "base_url": f"https://{host}.suitetalk.api.netsuite.com"}
        return data

    @model_validator(mode="after")
    def _credentials(self) -> NetSuiteConfig:
        tba = (self.consumer_key, self.consumer_secret, self.token_id, self.token_secret)
        given = sum(v is not None for v in tba)
        if self.access_token is not None and given:
            msg = "give the four TBA credentials or access_token, not both"
            raise ValueError(msg)
        if self.access_token is None and given != len(tba):
            msg = "give consumer_key, consumer_secret, token_id and token_secret (or access_token)"
            raise ValueError(msg)
        return self

    @property
    def realm(self) -> str:
        """The OAuth realm: the account id in upper case with ``_`` (``1234567_SB1``)."""
        return self.account_id.upper().replace("-", "_")

    @property
    def zone(self) -> ZoneInfo:
        """`time_zone` as a `ZoneInfo`."""
        return ZoneInfo(self.time_zone)


class _SuiteQL(ReadStream[Any]):
    """A SuiteQL query paged by ``limit``/``offset`` (``hasMore`` and the ``next`` link)."""

    method = "POST"
    operation = "suiteql"
    path = SUITEQL_PATH

    def query(self, start: CheckpointValue | None) -> str:
        """The query; ``start`` is where an ordered read starts (inclusive)."""
        raise NotImplementedError

    def request(self, *, start: CheckpointValue | None, page_token: str | None) -> RequestSpec:
        """One page: ``limit`` and ``offset`` in the query string, ``Prefer: transient``."""
        connector: NetSuiteConnector = self.connector  # type: ignore[assignment]
        return suiteql_spec(self.query(start), connector.config.page_size, int(page_token or 0))

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        """The items; the next offset when ``hasMore``."""
        items = body["items"]
        if not isinstance(items, list):
            msg = "items is not a list"
            raise TypeError(msg)
        return Page(items, next_offset(body))


def suiteql_spec(query: str, limit: int, offset: int) -> RequestSpec:
    """A SuiteQL page request (a read sent as POST: safe to repeat)."""
    return RequestSpec(
        "POST",
        SUITEQL_PATH,
        "suiteql",
        params={"limit": limit, "offset": offset},
        headers={"Prefer": "transient", "content-type": "application/json"},
        json={"q": query},
        idempotent=True,
    )


def next_offset(body: Mapping[str, Any]) -> str | None:
    """The offset of the next page: from the ``next`` link, else offset + count."""
    if not body.get("hasMore"):
        return None
    for link in body.get("links") or ():
        if isinstance(link, Mapping) and link.get("rel") == "next" and link.get("href"):
            offset: str | None = httpx.URL(str(link["href"])).params.get("offset")
            if offset is not None and offset.isdigit():
                return offset
    return str(int(body.get("offset") or 0) + int(body.get("count") or len(body["items"])))


class Receivables(_SuiteQL):
    """Posted customer invoices and credit memos, by last change then id.

    A SuiteQL query returns at most ``max_rows`` rows (`MAX_ROWS`). When a read reaches
    that many, it queries again from the last change it handed out (offset 0), dropping the
    rows of that instant it already handed out — so a read of any length returns every row
    once. Page
    tokens are ``<offset>`` or, after such a restart, ``<offset>@<last change>``.
    """

    def __init__(self, connector: NetSuiteConnector) -> None:
        super().__init__(connector)
        self.last: tuple[datetime, set[str]] | None = None
        self.restarted: tuple[datetime, frozenset[str]] | None = None

    def request(self, *, start: CheckpointValue | None, page_token: str | None) -> RequestSpec:
        """One page, from the restart point if the token carries one."""
        connector: NetSuiteConnector = self.connector  # type: ignore[assignment]
        offset, _, since = (page_token or "0").partition("@")
        begin: CheckpointValue | None = datetime.fromisoformat(since) if since else start
        return suiteql_spec(self.query(begin), connector.config.page_size, int(offset))

    def query(self, start: CheckpointValue | None) -> str:
        """`mapping.receivables_query` from ``start``."""
        connector: NetSuiteConnector = self.connector  # type: ignore[assignment]
        since = start if isinstance(start, datetime) else None
        return mapping.receivables_query(since, connector.config.zone)

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        """The rows not handed out before a restart; a restart at the row limit."""
        page = super().parse_page(body, response)
        rows = list(page.records)
        if self.restarted is not None:
            at, seen = self.restarted
            rows = [r for r in rows if not self._at(r, at, seen)]
        last = (self.last[0], set(self.last[1])) if self.last else None
        for row in rows:
            changed = self._changed(row)
            if last is None or changed > last[0]:
                last = (changed, {str(row["id"])})
            elif changed == last[0]:
                last[1].add(str(row["id"]))
        self.last = last
        offset = int(body.get("offset") or 0)
        cap = self.connector.max_rows  # type: ignore[attr-defined]
        reached = offset + len(page.records) >= cap
        if not reached or last is None:
            since = self.restarted[0].isoformat() if self.restarted else ""
            token = page.next_token
            return Page(rows, f"{token}@{since}" if token and since else token)
        if self.restarted is not None and self.restarted[0] == last[0]:
            msg = f"receivables: more than {cap} rows changed at {last[0].isoformat()}"
            raise FatalConnectorError(msg, operation="suiteql", vendor_code="RowLimit")
        self.restarted = (last[0], frozenset(last[1]))
        return Page(rows, f"0@{last[0].isoformat()}")

    def _at(self, row: Mapping[str, Any], value: datetime, seen: frozenset[str]) -> bool:
        return self._changed(row) == value and str(row["id"]) in seen

    def _changed(self, record: Mapping[str, Any]) -> datetime:
        connector: NetSuiteConnector = self.connector  # type: ignore[assignment]
        return mapping.local_timestamp(str(record["lastmodified"]), connector.config.zone)

    def checkpoint_value(self, record: Any) -> CheckpointValue | None:
        """The last change, aware UTC."""
        return self._changed(record)

    def to_canonical(self, record: Any) -> SettlementLine:
        """See `mapping.receivable_from_row`."""
        connector: NetSuiteConnector = self.connector  # type: ignore[assignment]
        return mapping.receivable_from_row(record, connector.config.zone)


class Inventory(_SuiteQL):
    """Balances per item and location: a full snapshot, ordered by item then location."""

    ordered = False

    def __init__(self, connector: NetSuiteConnector) -> None:
        super().__init__(connector)
        self.as_of = datetime.fromtimestamp(connector.clock.time(), UTC)

    def query(self, start: CheckpointValue | None) -> str:
        """`mapping.inventory_query`."""
        return mapping.inventory_query()

    def record_id(self, record: Any) -> str | None:
        """Item and location ids."""
        return f"{record['item']}@{record['location']}"

    def to_canonical(self, record: Any) -> InventoryPosition:
        """See `mapping.position_from_row`."""
        connector: NetSuiteConnector = self.connector  # type: ignore[assignment]
        return mapping.position_from_row(
            record, as_of=self.as_of, location_key=connector.config.location_key
        )


def _written_id(response: httpx.Response) -> str:
    """The record id of a 204 answer's ``Location``; a 2xx without one is malformed."""
    found = mapping.record_id_from_location(response.headers.get("location"))
    if found is None:
        msg = f"upsert: HTTP {response.status_code} without a record Location header"
        raise MalformedResponse(msg, operation="upsertSalesOrder", status=response.status_code)
    return found


class NetSuiteConnector(
    HttpConnector[NetSuiteConfig], OrderSink, InventorySource, ReceivableSource
):
    """NetSuite over SuiteTalk REST: orders in (upsert by external id), stock and receivables out.

    Capabilities `OrderSink` (``PUT /record/v1/salesOrder/eid:<order id>``: posting an
    order again updates the same sales order, never a second one), `InventorySource`
    (SuiteQL on ``inventorybalance``) and `ReceivableSource` (SuiteQL on posted
    ``CustInvc``/``CustCred`` transactions).

    Every request is signed with Token-Based Authentication (OAuth 1.0a, HMAC-SHA256) or
    carries the OAuth 2.0 bearer token, and holds a slot of the connector's
    `ConcurrencyGate` (``max_concurrency``) while in flight. Clients injected with
    ``client=``/``async_client=`` bypass the gate: their owner then keeps the limit.

    Args:
        config: a ready `NetSuiteConfig`; or instead
        **settings: its fields, and the `HttpConnector` arguments (``transport``, ``clock``,
            ``rng``, ``client``, ``async_client``).

    >>> ns = NetSuiteConnector(account_id="1234567_SB1", customer_id="42",
    ...                        access_token="rc-test-secret-doc")
    >>> ns.config.base_url, ns.config.realm
    ('https://1234567-sb1.suitetalk.api.netsuite.com', '1234567_SB1')
    """

    name: ClassVar[str] = "netsuite"
    config_model = NetSuiteConfig
    idempotency_header = None  # synchronous REST calls have none: upserts are PUTs
    max_rows: ClassVar[int] = MAX_ROWS
    """The most rows one SuiteQL query returns; reads of receivables restart past it."""

    def __init__(
        self,
        *,
        config: NetSuiteConfig | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        **settings: Any,
    ) -> None:
        cfg: NetSuiteConfig = build_config(NetSuiteConfig, config, settings)
        self.gate = ConcurrencyGate(cfg.max_concurrency)
        """The semaphore every request of this connector passes."""
        super().__init__(
            config=cfg,
            transport=GatedTransport(self.gate, transport),
            client=client,
            async_client=async_client,
            clock=clock,
            rng=rng,
        )
        self._items: dict[str, str] = {}

    def auth(self) -> AuthProvider:
        """TBA (OAuth 1.0a HMAC-SHA256), or the OAuth 2.0 bearer token."""
        cfg = self.config
        if cfg.access_token is not None:
            return StaticTokenAuth(cfg.access_token, prefix="Bearer ")
        key, secret, token, token_secret = (
            cfg.consumer_key,
            cfg.consumer_secret,
            cfg.token_id,
            cfg.token_secret,
        )
        if key is None or secret is None or token is None or token_secret is None:
            msg = "TBA needs consumer_key, consumer_secret, token_id and token_secret"
            raise ConfigurationError(msg)  # unreachable: the configuration checks it
        return TokenBasedAuth(cfg.realm, key, secret, token, token_secret)

    def vendor_error(self, response: httpx.Response) -> VendorError:
        """The first ``o:errorDetails`` entry: its code, and its detail naming the field."""
        details = mapping.error_details(response.content)
        if not details:
            return super().vendor_error(response)
        first = details[0]
        where = first.where
        message = f"{first.detail} ({where})" if where else first.detail
        return VendorError(first.code, message)

    def classify(self, response: httpx.Response, spec: RequestSpec) -> ConnectorError | None:
        """Map the status and ``o:errorCode`` to the typed errors.

        A concurrency or request limit code is `RateLimited` whatever the status (RESTlets
        answer 400 ``SSS_REQUEST_LIMIT_EXCEEDED``); a changed or duplicate record is
        `Conflict`; ``INVALID_LOGIN``/``INSUFFICIENT_PERMISSION`` is `AuthError`; a
        nonexistent id is `NotFound`.
        """
        if response.is_success:
            return None
        vendor = self.vendor_error(response)
        cls: type[ConnectorError] | None = None
        if vendor.code in _RATE_LIMIT_CODES or response.status_code == 429:
            cls = RateLimited
        elif vendor.code in _CONFLICT_CODES:
            cls = Conflict
        elif vendor.code in _AUTH_CODES or response.status_code in (401, 403):
            cls = AuthError
        elif vendor.code in _NOT_FOUND_CODES or response.status_code == 404:
            cls = NotFound
        elif response.status_code == 408 or response.status_code >= 500:
            cls = ServerError
        if cls is None:
            return super().classify(response, spec)
        return make_error(
            cls,
            response,
            operation=spec.operation,
            redactor=self.redactor,
            request_id_headers=self.request_id_headers,
            wall_now=self.clock.time(),
            vendor=vendor,
        )

    # -- SuiteQL and records ----------------------------------------------------------------

    def suiteql_flow(self, query: str) -> Flow[list[dict[str, Any]]]:
        """A flow running ``query`` through every page; all its rows."""
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            spec = suiteql_spec(query, self.config.page_size, offset)
            body = yield from self.call_flow(spec, _json_object)
            items = body.get("items")
            if not isinstance(items, list):
                msg = "suiteql: the answer has no items list"
                raise MalformedResponse(msg, operation="suiteql")
            rows.extend(items)
            following = next_offset(body)
            if following is None:
                return rows
            offset = int(following)

    def suiteql(self, query: str) -> list[dict[str, Any]]:
        """Run a SuiteQL query (every page); give it a unique ``ORDER BY`` for stable pages."""
        return self.run(self.suiteql_flow(query))

    async def asuiteql(self, query: str) -> list[dict[str, Any]]:
        """Async twin of `suiteql`."""
        return await self.arun(self.suiteql_flow(query))

    def upsert_flow(self, record_type: str, external: str, body: Mapping[str, Any]) -> Flow[str]:
        """A flow upserting ``PUT /record/v1/<record_type>/eid:<external>``; the record's id."""
        spec = RequestSpec(
            "PUT",
            f"{RECORD_PATH}/{record_type}/eid:{external}",
            f"upsert.{record_type}",
            json=dict(body),
        )
        response: httpx.Response = yield from self.call_flow(spec, _keep_location)
        return _written_id(response)

    def upsert_record(self, record_type: str, external: str, body: Mapping[str, Any]) -> str:
        """Create or update the ``record_type`` record with external id ``external``.

        Safe to repeat (a ``PUT``). Returns the internal id from the ``Location`` header.

        Raises:
            ConfigurationError: ``external`` is not a valid external id (see
                `mapping.external_id` to make one).
        """
        if mapping.external_id(external) != external:
            msg = f"{external!r} is not a NetSuite external id (letters, digits, '_', '-')"
            raise ConfigurationError(msg)
        return self.run(self.upsert_flow(record_type, external, body))

    def create_record(self, record_type: str, body: Mapping[str, Any]) -> str:
        """``POST /record/v1/<record_type>``: the new record's id, from the 204's ``Location``.

        Not repeated when the answer is lost (a ``POST`` is not idempotent): prefer
        `upsert_record` with an external id.
        """
        spec = RequestSpec(
            "POST", f"{RECORD_PATH}/{record_type}", f"create.{record_type}", json=dict(body)
        )
        response = self.run(self.call_flow(spec, _keep_location))
        return _written_id(response)

    def _item_ids(self, skus: Iterable[str]) -> Flow[dict[str, str]]:
        wanted = sorted(set(skus))
        missing = [s for s in wanted if s not in self._items]
        if missing:
            rows = yield from self.suiteql_flow(mapping.items_query(missing))
            for row in rows:
                if row.get("itemid") in missing:
                    self._items.setdefault(str(row["itemid"]), str(row["id"]))
        return {s: self._items[s] for s in wanted if s in self._items}

    def _post_order(self, order: SalesOrder) -> Flow[WriteResult]:
        items = yield from self._item_ids(line.sku for line in order.lines)
        unknown = sorted({line.sku for line in order.lines} - set(items))
        if unknown:
            raise NotFound(
                f"write_orders: no NetSuite item with itemid {', '.join(unknown)}",
                operation="suiteql",
                vendor_code="ItemNotFound",
            )
        cfg = self.config
        try:
            body = mapping.sales_order_body(
                order,
                items=items,
                customer=cfg.customer_id,
                location=cfg.location_id,
                order_status=cfg.order_status,
                currencies=cfg.currency_ids,
            )
        except ValueError as exc:
            raise BadRequest(
                f"write_orders: {exc}", operation="upsertSalesOrder", vendor_code="Unmappable"
            ) from None
        eid = mapping.external_id(order.order_id)
        spec = RequestSpec(
            "PUT", f"{RECORD_PATH}/salesOrder/eid:{eid}", "upsertSalesOrder", json=body
        )
        response: httpx.Response = yield from self.call_flow(spec, _keep_location)
        return WriteResult(order.order_id, response.status_code, _written_id(response))

    def _write_orders(self, orders: Iterable[SalesOrder]) -> Flow[WriteReport]:
        return write_each(self, orders, self._post_order, label="write_orders")

    def write_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Upsert each order as a sales order keyed on its external id.

        Each order is ``PUT`` to ``/record/v1/salesOrder/eid:<external id>`` (see
        `mapping.external_id`): NetSuite creates it the first time and updates the same
        record after that, so a retry, a replay or a timed-out attempt never makes a second
        sales order. Lines' SKUs are item ``itemid`` values, looked up once per connector
        with SuiteQL. The report's ``vendor_id`` is the internal id from the answer's
        ``Location`` header. Refused orders (an unknown SKU, ``o:errorDetails`` naming the
        field at fault) are on ``report.skipped``; the next order is posted.
        """
        return self.run(self._write_orders(orders))

    async def awrite_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Async twin of `write_orders`."""
        return await self.arun(self._write_orders(orders))

    # -- sources ----------------------------------------------------------------------------

    def read_receivables(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SettlementLine]:
        """Posted invoices and credit memos changed at or after ``since``, oldest first."""
        return self.read(Receivables(self), since=since, checkpoint=checkpoint)

    def aread_receivables(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SettlementLine]:
        """Async twin of `read_receivables`."""
        return self.aread(Receivables(self), since=since, checkpoint=checkpoint)

    def read_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[InventoryPosition]:
        """Every item's balance per location (a full snapshot: ``since`` filters nothing)."""
        return self.read(Inventory(self), since=since, checkpoint=checkpoint)

    def aread_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[InventoryPosition]:
        """Async twin of `read_inventory`."""
        return self.aread(Inventory(self), since=since, checkpoint=checkpoint)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        msg = f"{response.request.url.path}: the answer is not a JSON object"
        raise MalformedResponse(msg, operation="suiteql", status=response.status_code)
    return body


def _keep_location(response: httpx.Response) -> httpx.Response:
    _written_id(response)
    return response
