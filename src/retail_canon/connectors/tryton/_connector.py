"""`TrytonConnector`: posts channel orders as Tryton sales and reads the item master."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
from pydantic import Field, SecretStr

from retail_canon.connectors._auth import AuthProvider
from retail_canon.connectors._capabilities import OrderSink, ReceivableSource
from retail_canon.connectors._config import ConnectorConfig
from retail_canon.connectors._errors import (
    ConnectorError,
    FatalConnectorError,
    NotFound,
    SkippableRecordError,
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
from retail_canon.connectors.tryton import mapping
from retail_canon.connectors.tryton._rpc import (
    TrytonSessionAuth,
    decode,
    result,
    rpc_error,
    rpc_spec,
)
from retail_canon.models import Product, SalesOrder, SettlementLine

__all__ = ["TrytonConfig", "TrytonConnector"]


class TrytonConfig(ConnectorConfig):
    """Settings of a Tryton server.

    Attributes:
        base_url: the server's root, e.g. ``http://127.0.0.1:8000`` (no database in it).
        database: the database name (the JSON-RPC path is ``/<database>/rpc/``).
        login: the Tryton user.
        password: its password.
        language: the session's language code.
        confirm: quote and confirm each new sale (Tryton then creates its shipment and
            invoice); false leaves sales as drafts.
        page_size: records per ``search_read`` page.
    """

    database: str = Field(min_length=1)
    login: str = Field(min_length=1)
    password: SecretStr
    language: str = "en"
    confirm: bool = False
    page_size: int = Field(default=200, ge=1, le=10_000)


class Receivables(ReadStream[SettlementLine]):
    """Posted and paid customer invoices and credit notes, by ``write_date`` then id.

    ``search_read`` pages by offset; the start filter is ``write_date >= since``.
    """

    operation = "model.account.invoice.search_read"
    method = "POST"

    def request(self, *, start: CheckpointValue | None, page_token: str | None) -> RequestSpec:
        """One ``search_read`` page."""
        connector: TrytonConnector = self.connector  # type: ignore[assignment]
        domain: list[Any] = [["type", "=", "out"], ["state", "in", ["posted", "paid"]]]
        if isinstance(start, datetime):
            naive = start.astimezone(UTC).replace(tzinfo=None) if start.tzinfo else start
            domain.append(["write_date", ">=", naive])
        size = connector.config.page_size
        params = [
            domain,
            int(page_token or 0),
            size,
            [["write_date", "ASC"], ["id", "ASC"]],
            list(mapping.INVOICE_FIELDS),
            {},
        ]
        return rpc_spec(connector.config.database, self.operation, params, read=True)

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        """The rows; a full page means there may be another one."""
        rows = decode(body["result"])
        size = self.connector.config.page_size
        offset = int(json.loads(response.request.content)["params"][1])
        return Page(rows, str(offset + len(rows)) if len(rows) >= size else None)

    def checkpoint_value(self, record: Any) -> CheckpointValue | None:
        """The invoice's ``write_date`` (UTC)."""
        written = record.get("write_date")
        return written.replace(tzinfo=UTC) if isinstance(written, datetime) else None

    def to_canonical(self, record: Any) -> SettlementLine:
        """See `mapping.receivable_from_invoice`."""
        return mapping.receivable_from_invoice(record)


class TrytonConnector(HttpConnector[TrytonConfig], OrderSink, ReceivableSource):
    """Tryton ERP over JSON-RPC: orders in (idempotent by sale reference), receivables out.

    Capabilities `OrderSink` and `ReceivableSource`; the item master via `read_products`.

    >>> erp = TrytonConnector(
    ...     base_url="http://127.0.0.1:8000", database="shop", login="admin",
    ...     password="rc-test-secret-doc",
    ... )
    >>> [c.name for c in erp.capabilities()]
    ['OrderSink', 'ReceivableSource']
    """

    name: ClassVar[str] = "tryton"
    config_model = TrytonConfig
    idempotency_header = None  # Tryton has none: a sale is found by its reference first

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._context: dict[str, Any] | None = None

    def auth(self) -> AuthProvider:
        """Session login (``common.db.login``), re-login on 401."""
        cfg = self.config
        return TrytonSessionAuth(cfg.database, cfg.login, cfg.password, cfg.language)

    def check_response(self, response: httpx.Response, spec: RequestSpec) -> ConnectorError | None:
        """Tryton answers errors with HTTP 200: map ``error[0]`` to the typed errors."""
        return rpc_error(response, spec.operation, self.redactor)

    # -- JSON-RPC ------------------------------------------------------------------------

    def rpc_flow(self, method: str, *params: Any, read: bool = False) -> Flow[Any]:
        """A flow calling ``method`` with ``params`` (no context added); its result."""
        spec = rpc_spec(self.config.database, method, list(params), read=read)
        value = yield from self.call_flow(spec, result)
        return value

    def context_flow(self) -> Flow[dict[str, Any]]:
        """The user's preferences (company, language): the context of model calls."""
        if self._context is None:
            prefs = yield from self.rpc_flow("model.res.user.get_preferences", True, {}, read=True)
            self._context = {
                k: v for k, v in prefs.items() if k in ("company", "companies", "language")
            }
        return self._context

    def model_flow(self, model: str, method: str, *args: Any, read: bool = False) -> Flow[Any]:
        """A flow calling ``model.<model>.<method>(*args, context)``."""
        ctx = yield from self.context_flow()
        value = yield from self.rpc_flow(f"model.{model}.{method}", *args, ctx, read=read)
        return value

    def rpc(self, method: str, *params: Any) -> Any:
        """Call any JSON-RPC method (params as Tryton expects them, context included)."""
        return self.run(self.rpc_flow(method, *params))

    def call_model(self, model: str, method: str, *args: Any) -> Any:
        """Call ``model.<model>.<method>`` with the user's context as the last parameter."""
        return self.run(self.model_flow(model, method, *args))

    # -- OrderSink ------------------------------------------------------------------------

    def _product_refs(self, skus: Iterable[str]) -> Flow[dict[str, mapping.ProductRef]]:
        wanted = sorted(set(skus))
        rows = yield from self.model_flow(
            "product.product",
            "search_read",
            [["code", "in", wanted]],
            0,
            None,
            None,
            ["code", "sale_uom", "default_uom"],
            read=True,
        )
        return {row["code"]: (row["id"], row.get("sale_uom") or row["default_uom"]) for row in rows}

    def _party(self, order: SalesOrder) -> Flow[tuple[int, int]]:
        code = mapping.party_code(order)
        rows = yield from self.model_flow(
            "party.party",
            "search_read",
            [["code", "=", code]],
            0,
            1,
            None,
            ["addresses"],
            read=True,
        )
        if rows and rows[0]["addresses"]:
            return rows[0]["id"], rows[0]["addresses"][0]
        (party,) = yield from self.model_flow(
            "party.party", "create", [mapping.party_values(order)]
        )
        (row,) = yield from self.model_flow(
            "party.party", "read", [party], ["addresses"], read=True
        )
        return party, row["addresses"][0]

    def _post_order(self, order: SalesOrder) -> Flow[WriteResult]:
        found = yield from self.model_flow(
            "sale.sale", "search", [["reference", "=", order.order_id]], 0, 1, None, read=True
        )
        if found:
            return WriteResult(order.order_id, 200, str(found[0]))
        products = yield from self._product_refs(line.sku for line in order.lines)
        missing = sorted({line.sku for line in order.lines} - set(products))
        if missing:
            raise NotFound(
                f"write_orders: no Tryton product with code {', '.join(missing)}",
                operation="model.product.product.search_read",
                vendor_code="ProductNotFound",
            )
        party, address = yield from self._party(order)
        values = mapping.sale_values(order, party=party, address=address, products=products)
        (sale,) = yield from self.model_flow("sale.sale", "create", [values])
        if self.config.confirm:
            yield from self.model_flow("sale.sale", "quote", [sale])
            yield from self.model_flow("sale.sale", "confirm", [sale])
        return WriteResult(order.order_id, 200, str(sale))

    def _write_orders(self, orders: Iterable[SalesOrder]) -> Flow[WriteReport]:
        report = WriteReport()
        for index, order in enumerate(orders):
            try:
                written = yield from self._post_order(order)
            except FatalConnectorError as exc:
                if exc.code not in ("bad_request", "not_found", "conflict"):
                    raise
                report.skipped.append(
                    SkippableRecordError(
                        f"write_orders: {order.order_id} refused: {exc.message}",
                        record_id=order.order_id,
                        source={"operation": "write_orders", "index": index},
                        record=order,
                        operation=exc.operation,
                        status=exc.status,
                        vendor_code=exc.vendor_code,
                        body=exc.body,
                    )
                )
                continue
            report.written.append(written)
        return report

    def write_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Post each order as a ``sale.sale`` unless one with its reference exists.

        The sale's ``reference`` is the order's ``order_id``: posting an order again
        (a retry, a replay) finds the first sale and creates nothing. Lines' SKUs must be
        Tryton product codes; the buyer becomes a party coded ``<channel>:<customer_id>``.
        Refused orders (a missing product, a Tryton ``UserError``) are reported on the
        `WriteReport`.
        """
        return self.run(self._write_orders(orders))

    async def awrite_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Async twin of `write_orders`."""
        return await self.arun(self._write_orders(orders))

    # -- item master ----------------------------------------------------------------------

    def _read_products(self) -> Flow[list[Product]]:
        uoms = yield from self.model_flow(
            "product.uom", "search_read", [], 0, None, None, ["symbol"], read=True
        )
        symbols = {row["id"]: row["symbol"] for row in uoms}
        products: list[Product] = []
        offset, size = 0, self.config.page_size
        while True:
            rows = yield from self.model_flow(
                "product.product",
                "search_read",
                [["active", "in", [True, False]]],
                offset,
                size,
                [["id", "ASC"]],
                list(mapping.PRODUCT_FIELDS),
                read=True,
            )
            products.extend(
                mapping.product_from_record(row, symbols.get(row.get("default_uom")))
                for row in rows
            )
            if len(rows) < size:
                return products
            offset += size

    def read_products(self) -> list[Product]:
        """The item master: every product variant (inactive ones too) as a `Product`."""
        return self.run(self._read_products())

    async def aread_products(self) -> list[Product]:
        """Async twin of `read_products`."""
        return await self.arun(self._read_products())

    # -- ReceivableSource ----------------------------------------------------------------

    def read_receivables(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SettlementLine]:
        """Posted (and paid) customer invoices and credit notes changed at or after ``since``."""
        return self.read(Receivables(self), since=since, checkpoint=checkpoint)

    def aread_receivables(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SettlementLine]:
        """Async twin of `read_receivables`."""
        return self.aread(Receivables(self), since=since, checkpoint=checkpoint)
