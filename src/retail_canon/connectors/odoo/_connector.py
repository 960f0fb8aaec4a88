"""`OdooConnector`: channel orders in as confirmed sale orders; stock and receivables out."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

import httpx
from pydantic import Field, SecretStr, model_validator

from retail_canon.connectors._auth import AuthProvider, NoAuth, StaticTokenAuth
from retail_canon.connectors._capabilities import InventorySource, OrderSink, ReceivableSource
from retail_canon.connectors._classify import malformed
from retail_canon.connectors._config import ConnectorConfig
from retail_canon.connectors._errors import (
    AuthError,
    BadRequest,
    ConnectorError,
    MalformedResponse,
    NotFound,
    RetriableConnectorError,
)
from retail_canon.connectors._flow import Flow, Sleep
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
from retail_canon.connectors._retry import RetryPolicy
from retail_canon.connectors._streams import Page, ReadStream
from retail_canon.connectors._writes import write_each
from retail_canon.connectors.odoo import mapping
from retail_canon.connectors.odoo._rpc import (
    json2_spec,
    jsonrpc_spec,
    odoo_error,
    parse_json2_error,
    parse_jsonrpc,
)
from retail_canon.models import InventoryPosition, SalesOrder, SettlementLine

__all__ = ["OdooConfig", "OdooConnector"]

_READS = frozenset({"search", "search_read", "read", "search_count", "fields_get"})
_CONFIRMABLE = frozenset({"draft", "sent"})


class OdooConfig(ConnectorConfig):
    """Settings of one Odoo database.

    Attributes:
        base_url: the server, e.g. ``https://mycompany.odoo.com``.
        protocol: ``"json2"`` (``/json/2/<model>/<method>``, Odoo 19+) or ``"jsonrpc"``
            (legacy ``/jsonrpc`` ``execute_kw``, for older servers).
        database: the database; sent as ``X-Odoo-Database`` with JSON-2 (needed when one
            server hosts several), required by JSON-RPC.
        login: the user's login (JSON-RPC only; JSON-2 knows the user from the key).
        api_key: the user's API key (JSON-RPC also takes a password).
        partner_id: the ``res.partner`` id channel orders are booked to.
        confirm: confirm new sale orders (``action_confirm``: Odoo then reserves stock and
            creates the delivery); false leaves quotations.
        warehouse_id: the orders' warehouse, if not the company's default.
        shipping_product_id: the product of a line carrying the order's shipping charges;
            unset: shipping lines are not posted.
        language: the context's ``lang``, e.g. ``en_US``.
        page_size: records per ``search_read`` page.
    """

    protocol: Literal["json2", "jsonrpc"] = "json2"
    database: str | None = None
    login: str | None = None
    api_key: SecretStr
    partner_id: int = Field(ge=1)
    confirm: bool = True
    warehouse_id: int | None = Field(default=None, ge=1)
    shipping_product_id: int | None = Field(default=None, ge=1)
    language: str | None = None
    page_size: int = Field(default=200, ge=1, le=10_000)

    @model_validator(mode="after")
    def _legacy_needs_db_and_login(self) -> OdooConfig:
        if self.protocol == "jsonrpc" and (not self.database or not self.login):
            msg = "protocol 'jsonrpc' needs database and login"
            raise ValueError(msg)
        return self


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        msg = f"{response.request.url.path}: the answer is not JSON"
        raise MalformedResponse(msg, status=response.status_code) from None


class _SearchRead(ReadStream[Any]):
    """Pages of one ``search_read``; with JSON-RPC, a login first if none was made."""

    method = "POST"
    model: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]
    order: ClassVar[str] = "id asc"

    def domain(self, start: CheckpointValue | None) -> list[Any]:
        """The filter; ``start`` is where an ordered read starts (inclusive)."""
        raise NotImplementedError

    @property
    def odoo(self) -> OdooConnector:
        """The connector."""
        connector: OdooConnector = self.connector  # type: ignore[assignment]
        return connector

    def request(self, *, start: CheckpointValue | None, page_token: str | None) -> RequestSpec:
        """The login (JSON-RPC, once), or one page from the offset in the token."""
        if self.odoo.needs_login:
            return self.odoo.login_spec()
        return self.odoo.search_read_spec(
            self.model,
            self.domain(start),
            self.fields,
            offset=int(page_token or 0),
            limit=self.odoo.config.page_size,
            order=self.order,
        )

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        """The rows; a full page means there may be another one."""
        if self.odoo.is_login(response):
            self.odoo.remember_login(body)
            return Page([], "0")
        rows = self.odoo.rows(body)
        offset = int(self.odoo.sent_offset(response))
        size = self.odoo.config.page_size
        return Page(rows, str(offset + len(rows)) if len(rows) >= size else None)


class Receivables(_SearchRead):
    """Posted customer invoices and credit notes, by ``write_date`` then id."""

    operation = "account.move.search_read"
    model = "account.move"
    fields = mapping.MOVE_FIELDS
    order = "write_date asc, id asc"

    def domain(self, start: CheckpointValue | None) -> list[Any]:
        """``out_invoice``/``out_refund`` in state ``posted``, changed at or after ``start``."""
        domain: list[Any] = [
            ["move_type", "in", ["out_invoice", "out_refund"]],
            ["state", "=", "posted"],
        ]
        if isinstance(start, datetime):
            domain.append(["write_date", ">=", mapping.odoo_datetime(start)])
        return domain

    def checkpoint_value(self, record: Any) -> CheckpointValue | None:
        """The move's ``write_date`` (UTC)."""
        written = record.get("write_date")
        return mapping.parse_odoo_datetime(str(written)) if written else None

    def to_canonical(self, record: Any) -> SettlementLine:
        """See `mapping.receivable_from_move`."""
        return mapping.receivable_from_move(record)


class Inventory(ReadStream[Any]):
    """Quants in internal locations, summed per product and location.

    Quants are read ordered by product, location and id, so one position's quants are
    adjacent (a group spanning two pages is held back until it is complete); the products'
    ``default_code`` (the SKU) is read for each page's new products. Page tokens are
    ``q:<offset>`` (quants) and ``p:<offset>`` (products, then quants from offset). Every
    read is a full snapshot.
    """

    operation = "stock.quant.search_read"
    method = "POST"
    ordered = False

    def __init__(self, connector: OdooConnector) -> None:
        super().__init__(connector)
        self.odoo = connector
        self.as_of = datetime.fromtimestamp(connector.clock.time(), UTC)
        self.codes: dict[int, str] = {}
        self.carry: list[dict[str, Any]] = []
        self.ready: list[list[dict[str, Any]]] = []
        self.resume: str | None = None

    def request(self, *, start: CheckpointValue | None, page_token: str | None) -> RequestSpec:
        """The login (JSON-RPC, once), a page of quants, or the codes of new products."""
        odoo = self.odoo
        if odoo.needs_login:
            return odoo.login_spec()
        kind, _, offset = (page_token or "q:0").partition(":")
        if kind == "p":
            wanted = sorted({_product(g[0]) for g in self.ready} - set(self.codes))
            return odoo.read_spec("product.product", wanted, ("default_code",), active_test=False)
        return odoo.search_read_spec(
            "stock.quant",
            [["location_id.usage", "=", "internal"]],
            mapping.QUANT_FIELDS,
            offset=int(offset or 0),
            limit=odoo.config.page_size,
            order="product_id, location_id, id",
        )

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        """Complete groups out; product codes fetched first when some are unknown."""
        odoo = self.odoo
        if odoo.is_login(response):
            odoo.remember_login(body)
            return Page([], "q:0")
        rows = odoo.rows(body)
        if odoo.sent_method(response) == "read":
            for row in rows:
                self.codes[int(row["id"])] = str(row.get("default_code") or "")
            return self._emit(self.resume)
        offset = int(odoo.sent_offset(response))
        last = len(rows) < odoo.config.page_size
        carry, ready = list(self.carry), list(self.ready)  # a failed parse changes nothing
        for row in rows:
            if carry and _key(carry[0]) != _key(row):
                ready.append(carry)
                carry = []
            carry.append(row)
        if last and carry:
            ready.append(carry)
            carry = []
        self.carry, self.ready = carry, ready
        self.resume = None if last else f"q:{offset + len(rows)}"
        if any(_product(g[0]) not in self.codes for g in self.ready):
            return Page([], f"p:{offset}")
        return self._emit(self.resume)

    def _emit(self, following: str | None) -> Page:
        groups, self.ready = self.ready, []
        records = [
            {
                "key": f"{_product(g[0])}@{_location(g[0])}",
                "sku": self.codes.get(_product(g[0])) or f"odoo-product-{_product(g[0])}",
                "quants": g,
            }
            for g in groups
        ]
        return Page(records, following)

    def record_id(self, record: Any) -> str | None:
        """Product and location ids."""
        return str(record["key"])

    def to_canonical(self, record: Any) -> InventoryPosition:
        """See `mapping.position_from_quants`."""
        return mapping.position_from_quants(record["quants"], sku=record["sku"], as_of=self.as_of)


def _product(row: Mapping[str, Any]) -> int:
    found = mapping.many2one(row.get("product_id"))
    if found is None:
        msg = f"quant {row.get('id')} has no product"
        raise KeyError(msg)
    return found[0]


def _location(row: Mapping[str, Any]) -> int:
    found = mapping.many2one(row.get("location_id"))
    if found is None:
        msg = f"quant {row.get('id')} has no location"
        raise KeyError(msg)
    return found[0]


def _key(row: Mapping[str, Any]) -> tuple[int, int]:
    return _product(row), _location(row)


class OdooConnector(HttpConnector[OdooConfig], OrderSink, InventorySource, ReceivableSource):
    """Odoo over JSON-2 (Odoo 19+) or the legacy JSON-RPC, chosen by ``protocol``.

    Capabilities `OrderSink` (a ``sale.order`` per channel order, found by
    ``client_order_ref`` before every create, lines as ``[0, 0, {...}]`` commands, then
    ``action_confirm``), `InventorySource` (``stock.quant`` in internal locations) and
    `ReceivableSource` (posted ``account.move`` of type ``out_invoice``/``out_refund``).

    Args:
        **kwargs: `OdooConfig` fields and the `HttpConnector` arguments.

    >>> odoo = OdooConnector(base_url="https://acme.odoo.com", database="acme",
    ...                      api_key="rc-test-secret-doc", partner_id=7)
    >>> odoo.config.protocol, [c.name for c in odoo.capabilities()]
    ('json2', ['OrderSink', 'InventorySource', 'ReceivableSource'])
    """

    name: ClassVar[str] = "odoo"
    config_model = OdooConfig
    idempotency_header = None  # Odoo has none: a sale order is found by its reference first

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cfg = self.config
        self._uid: int | None = None
        self._products: dict[str, int] = {}
        self._call = 0
        self._post_retry = RetryPolicy(
            max_attempts=cfg.max_attempts,
            max_elapsed=cfg.max_elapsed,
            base_delay=cfg.backoff_base,
            max_delay=cfg.backoff_max,
        )
        self._post_rng = random.Random()

    # -- hooks ------------------------------------------------------------------------------

    def auth(self) -> AuthProvider:
        """JSON-2: ``Authorization: bearer <API key>``; JSON-RPC: the key is in each call."""
        if self.config.protocol == "json2":
            return StaticTokenAuth(self.config.api_key, prefix="bearer ")
        return NoAuth()

    def classify(self, response: httpx.Response, spec: RequestSpec) -> ConnectorError | None:
        """Odoo's errors by status and exception name; JSON-RPC ones hidden in a 200.

        429, 408 and 5xx are the framework's (`RateLimited`, `ServerError`: retried, with
        ``Retry-After``); other 4xx are read as Odoo errors (see `odoo_error`).
        """
        if response.is_success:
            return self.check_response(response, spec)
        status = response.status_code
        if status in (408, 429) or status >= 500:
            return super().classify(response, spec)
        fault = parse_json2_error(response)
        return odoo_error(fault, response, operation=spec.operation, redactor=self.redactor)

    def check_response(self, response: httpx.Response, spec: RequestSpec) -> ConnectorError | None:
        """A JSON-RPC ``error`` answered with HTTP 200."""
        if self.config.protocol != "jsonrpc":
            return None
        try:
            _, fault = parse_jsonrpc(response)
        except MalformedResponse as exc:
            return malformed(
                exc.message, response, operation=spec.operation, redactor=self.redactor
            )
        if fault is None:
            return None
        return odoo_error(fault, response, operation=spec.operation, redactor=self.redactor)

    # -- the two transports -----------------------------------------------------------------

    @property
    def needs_login(self) -> bool:
        """Whether a JSON-RPC login must come first."""
        return self.config.protocol == "jsonrpc" and self._uid is None

    def login_spec(self) -> RequestSpec:
        """``common.login(db, login, key)`` (JSON-RPC)."""
        cfg = self.config
        return jsonrpc_spec(
            "common",
            "login",
            [cfg.database, cfg.login, cfg.api_key.get_secret_value()],
            operation="common.login",
            read=True,
        )

    def is_login(self, response: httpx.Response) -> bool:
        """Whether ``response`` answers `login_spec`."""
        if self.config.protocol != "jsonrpc":
            return False
        sent = json.loads(response.request.content)
        return bool(sent.get("params", {}).get("method") == "login")

    def remember_login(self, body: Any) -> None:
        """Keep the uid of a login answer (``false``: refused)."""
        uid = body.get("result") if isinstance(body, Mapping) else None
        if not isinstance(uid, int) or isinstance(uid, bool):
            msg = "common.login: the login or API key was refused"
            raise AuthError(msg, operation="common.login", vendor_code="AccessDenied")
        self._uid = uid

    def _context(self, active_test: bool | None = None) -> dict[str, Any]:
        context: dict[str, Any] = {}
        if self.config.language:
            context["lang"] = self.config.language
        if active_test is not None:
            context["active_test"] = active_test
        return context

    def call_spec(
        self,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> RequestSpec:
        """One model method call with named arguments, in the configured protocol.

        JSON-RPC needs a login first (`needs_login`).
        """
        cfg = self.config
        ctx = {**self._context(), **(context or {})}
        if cfg.protocol == "json2":
            return json2_spec(
                model, method, ids=ids, kwargs=kwargs, context=ctx, database=cfg.database
            )
        named = dict(kwargs or {})
        if ctx:
            named["context"] = ctx
        self._call += 1
        args = [
            cfg.database,
            self._uid,
            cfg.api_key.get_secret_value(),
            model,
            method,
            [list(ids)] if ids is not None else [],
            named,
        ]
        return jsonrpc_spec(
            "object",
            "execute_kw",
            args,
            operation=f"{model}.{method}",
            read=method in _READS,
            call_id=self._call,
        )

    def search_read_spec(
        self,
        model: str,
        domain: list[Any],
        fields: Sequence[str],
        *,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> RequestSpec:
        """A ``search_read`` call."""
        kwargs: dict[str, Any] = {"domain": domain, "fields": list(fields), "offset": offset}
        if limit is not None:
            kwargs["limit"] = limit
        if order is not None:
            kwargs["order"] = order
        return self.call_spec(model, "search_read", kwargs=kwargs)

    def read_spec(
        self, model: str, ids: Sequence[int], fields: Sequence[str], *, active_test: bool = True
    ) -> RequestSpec:
        """A ``read`` of ``ids``."""
        context = None if active_test else {"active_test": False}
        return self.call_spec(
            model, "read", ids=ids, kwargs={"fields": list(fields)}, context=context
        )

    def rows(self, body: Any) -> list[dict[str, Any]]:
        """The records of a ``search_read``/``read`` answer in either protocol."""
        result = body.get("result") if self.config.protocol == "jsonrpc" else body
        if not isinstance(result, list):
            msg = "the answer is not a list of records"
            raise TypeError(msg)
        return result

    def sent_offset(self, response: httpx.Response) -> int:
        """The ``offset`` a ``search_read`` request asked for."""
        return int(self._sent_kwargs(response).get("offset") or 0)

    def sent_method(self, response: httpx.Response) -> str:
        """The model method a request called."""
        if self.config.protocol == "json2":
            return response.request.url.path.rsplit("/", 1)[-1]
        return str(json.loads(response.request.content)["params"]["args"][4])

    def _sent_kwargs(self, response: httpx.Response) -> dict[str, Any]:
        sent = json.loads(response.request.content)
        if self.config.protocol == "json2":
            return dict(sent)
        return dict(sent["params"]["args"][6])

    def _result(self, response: httpx.Response) -> Any:
        body = _json(response)
        if self.config.protocol == "json2":
            return body
        return body.get("result") if isinstance(body, Mapping) else None

    def login_flow(self) -> Flow[int]:
        """A flow logging in (JSON-RPC) unless already done; the uid."""
        if self._uid is None:
            body = yield from self.call_flow(self.login_spec(), _json)
            self.remember_login(body)
        assert self._uid is not None
        return self._uid

    def execute_flow(
        self,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Flow[Any]:
        """A flow calling ``model.method`` with named arguments; its result."""
        if self.config.protocol == "jsonrpc":
            yield from self.login_flow()
        spec = self.call_spec(model, method, ids=ids, kwargs=kwargs, context=context)
        value = yield from self.call_flow(spec, self._result)
        return value

    def execute(
        self,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Call any public model method with named arguments; its result.

        For example ``execute("res.partner", "search_read", kwargs={"domain": [], "fields":
        ["name"]})``.
        """
        return self.run(self.execute_flow(model, method, ids=ids, kwargs=kwargs, context=context))

    async def aexecute(
        self,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Async twin of `execute`."""
        return await self.arun(
            self.execute_flow(model, method, ids=ids, kwargs=kwargs, context=context)
        )

    # -- OrderSink --------------------------------------------------------------------------

    def _product_ids(self, skus: Iterable[str]) -> Flow[dict[str, int]]:
        wanted = sorted(set(skus))
        missing = [s for s in wanted if s not in self._products]
        if missing:
            rows = yield from self.execute_flow(
                "product.product",
                "search_read",
                kwargs={
                    "domain": [["default_code", "in", missing]],
                    "fields": ["default_code"],
                    "order": "id asc",
                },
            )
            for row in rows or ():
                code = row.get("default_code")
                if code in missing:
                    self._products.setdefault(str(code), int(row["id"]))
        return {s: self._products[s] for s in wanted if s in self._products}

    def _post_order(self, order: SalesOrder) -> Flow[WriteResult]:
        found = yield from self.execute_flow(
            "sale.order",
            "search_read",
            kwargs={
                "domain": [["client_order_ref", "=", order.order_id]],
                "fields": ["state"],
                "limit": 1,
                "order": "id asc",
            },
        )
        if found:
            sale = int(found[0]["id"])
            if self.config.confirm and found[0].get("state") in _CONFIRMABLE:
                yield from self.execute_flow("sale.order", "action_confirm", ids=[sale])
            return WriteResult(order.order_id, 200, str(sale))
        products = yield from self._product_ids(line.sku for line in order.lines)
        unknown = sorted({line.sku for line in order.lines} - set(products))
        if unknown:
            raise NotFound(
                f"write_orders: no Odoo product with default_code {', '.join(unknown)}",
                operation="product.product.search_read",
                vendor_code="ProductNotFound",
            )
        cfg = self.config
        try:
            values = mapping.sale_order_values(
                order,
                partner=cfg.partner_id,
                products=products,
                warehouse=cfg.warehouse_id,
                shipping_product=cfg.shipping_product_id,
            )
        except ValueError as exc:
            raise BadRequest(
                f"write_orders: {exc}", operation="sale.order.create", vendor_code="Unmappable"
            ) from None
        created = yield from self.execute_flow(
            "sale.order", "create", kwargs={"vals_list": [values]}
        )
        sale = int(created[0] if isinstance(created, list) else created)
        if cfg.confirm:
            yield from self.execute_flow("sale.order", "action_confirm", ids=[sale])
        return WriteResult(order.order_id, 201, str(sale))

    def _post_with_retries(self, order: SalesOrder) -> Flow[WriteResult]:
        """Post one order; a lost answer repeats the whole post, which searches first."""
        started = self.clock.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                written = yield from self._post_order(order)
            except RetriableConnectorError as exc:
                delay = self._post_retry.delay(
                    exc,
                    attempt=attempt,
                    elapsed=self.clock.monotonic() - started,
                    safe=True,
                    rng=self._post_rng,
                )
                if delay is None:
                    raise
                self.log.info(
                    "write_orders: %s: %s; posting again (it is searched first)",
                    order.order_id,
                    type(exc).__name__,
                    extra={"event": "retry", "connector": self.name, "operation": exc.operation},
                )
                if delay > 0:
                    yield Sleep(delay)
                continue
            return written

    def _write_orders(self, orders: Iterable[SalesOrder]) -> Flow[WriteReport]:
        return write_each(self, orders, self._post_with_retries, label="write_orders")

    def write_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Post each order as a confirmed ``sale.order`` unless one with its reference exists.

        The sale order's ``client_order_ref`` is the channel ``order_id``; it is searched
        before every create, so a retry or a replay finds the first order (a found
        quotation is confirmed) and creates nothing — and an attempt whose answer was lost
        is repeated from that search. Lines' SKUs are product ``default_code`` values,
        looked up once per connector. Refused orders (an unknown SKU, a ``ValidationError``
        or ``UserError``) are on ``report.skipped`` with Odoo's message.
        """
        return self.run(self._write_orders(orders))

    async def awrite_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Async twin of `write_orders`."""
        return await self.arun(self._write_orders(orders))

    # -- sources ----------------------------------------------------------------------------

    def read_receivables(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SettlementLine]:
        """Posted customer invoices and credit notes changed at or after ``since``."""
        return self.read(Receivables(self), since=since, checkpoint=checkpoint)

    def aread_receivables(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SettlementLine]:
        """Async twin of `read_receivables`."""
        return self.aread(Receivables(self), since=since, checkpoint=checkpoint)

    def read_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[InventoryPosition]:
        """Quantities per product and internal location (a full snapshot: ``since`` unused)."""
        return self.read(Inventory(self), since=since, checkpoint=checkpoint)

    def aread_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[InventoryPosition]:
        """Async twin of `read_inventory`."""
        return self.aread(Inventory(self), since=since, checkpoint=checkpoint)
