"""`TrytonConnector`: channel orders in as sales; stock, shipments, receivables out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from pydantic import Field, SecretStr

from retail_canon.connectors._auth import AuthProvider
from retail_canon.connectors._capabilities import InventorySource, OrderSink, ReceivableSource
from retail_canon.connectors._config import ConnectorConfig
from retail_canon.connectors._errors import (
    BadRequest,
    Conflict,
    ConnectorError,
    NotFound,
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
from retail_canon.connectors.tryton import mapping
from retail_canon.connectors.tryton._rpc import (
    TrytonSessionAuth,
    decode,
    result,
    rpc_error,
    rpc_spec,
)
from retail_canon.models import (
    ExternalRef,
    FulfillmentOrder,
    InventoryPosition,
    Product,
    ReturnAuthorization,
    SalesOrder,
    SettlementLine,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from retail_canon.xref import XrefResolver

__all__ = ["XREF_ACTOR", "TrytonConfig", "TrytonConnector"]

XREF_ACTOR = "tryton-connector"
"""The ``actor`` of the links the connector writes to the xref resolver."""


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
        post_credit_notes: post the credit notes `TrytonConnector.write_returns` creates
            (receivables only show posted ones); false leaves them as drafts.
        page_size: records per ``search_read`` page.
        xref_system: the ``system`` of this server's refs in the xref resolver.
        xref_scope: their ``scope`` (one Tryton instance); default: the database name.
    """

    database: str = Field(min_length=1)
    login: str = Field(min_length=1)
    password: SecretStr
    language: str = "en"
    confirm: bool = False
    post_credit_notes: bool = True
    page_size: int = Field(default=200, ge=1, le=10_000)
    xref_system: str = Field(default="tryton", min_length=1)
    xref_scope: str | None = None


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


class _ChangedRecords(ReadStream[Any]):
    """A ``search_read`` of one model by ``write_date`` then id, paged by offset.

    Subclasses name the model, the domain and the fields; ``since`` filters
    ``write_date >= since``.
    """

    model: ClassVar[str]
    method = "POST"
    fields: ClassVar[tuple[str, ...]]

    def domain(self) -> list[Any]:
        """The filter, without the start."""
        raise NotImplementedError

    def request(self, *, start: CheckpointValue | None, page_token: str | None) -> RequestSpec:
        """One ``search_read`` page."""
        connector: TrytonConnector = self.connector  # type: ignore[assignment]
        domain = self.domain()
        if isinstance(start, datetime):
            domain.append(["write_date", ">=", _naive_utc(start)])
        params = [
            domain,
            int(page_token or 0),
            connector.config.page_size,
            [["write_date", "ASC"], ["id", "ASC"]],
            list(self.fields),
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
        """The record's ``write_date`` (UTC)."""
        written = record.get("write_date")
        return written.replace(tzinfo=UTC) if isinstance(written, datetime) else None


class Receivables(_ChangedRecords):
    """Posted and paid customer invoices and credit notes, by ``write_date`` then id."""

    operation = "model.account.invoice.search_read"
    model = "account.invoice"
    fields = mapping.INVOICE_FIELDS

    def domain(self) -> list[Any]:
        """Customer invoices and credit notes, posted or paid."""
        return [["type", "=", "out"], ["state", "in", ["posted", "paid"]]]

    def to_canonical(self, record: Any) -> SettlementLine:
        """See `mapping.receivable_from_invoice`."""
        return mapping.receivable_from_invoice(record)


class Shipments(_ChangedRecords):
    """Done customer shipments (``stock.shipment.out``), by ``write_date`` then id."""

    operation = "model.stock.shipment.out.search_read"
    model = "stock.shipment.out"
    fields = mapping.SHIPMENT_FIELDS

    def domain(self) -> list[Any]:
        """Shipments in state ``done``."""
        return [["state", "=", "done"]]

    def to_canonical(self, record: Any) -> FulfillmentOrder:
        """See `mapping.fulfillment_from_shipment`."""
        return mapping.fulfillment_from_shipment(record)


class Inventory(ReadStream[InventoryPosition]):
    """Goods quantities per warehouse: the warehouses first, then their products' pages.

    Each product page is read with the context ``{"locations": [storage], "with_childs":
    true}``, so a product's ``quantity`` is its stock in that warehouse's storage zone.
    Page tokens are ``<warehouse index>:<offset>``. Quantities have no change date in
    Tryton: every read is a full snapshot.
    """

    operation = "model.product.product.search_read"
    method = "POST"
    ordered = False

    def __init__(self, connector: TrytonConnector) -> None:
        super().__init__(connector)
        self.as_of = datetime.now(UTC)
        self.warehouses: list[tuple[int, str, int]] = []  # (id, code, storage location)

    def request(self, *, start: CheckpointValue | None, page_token: str | None) -> RequestSpec:
        """The warehouses (first page), or one page of products in one warehouse."""
        connector: TrytonConnector = self.connector  # type: ignore[assignment]
        database = connector.config.database
        if page_token is None:
            params: list[Any] = [
                [["type", "=", "warehouse"]],
                0,
                None,
                [["id", "ASC"]],
                ["code", "storage_location"],
                {},
            ]
            return rpc_spec(database, "model.stock.location.search_read", params, read=True)
        index, offset = (int(part) for part in page_token.split(":"))
        storage = self.warehouses[index][2]
        params = [
            [["type", "=", "goods"]],
            offset,
            connector.config.page_size,
            [["id", "ASC"]],
            list(mapping.INVENTORY_FIELDS),
            {"locations": [storage], "with_childs": True},
        ]
        return rpc_spec(database, self.operation, params, read=True)

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        """Warehouses start the product pages; products carry their warehouse."""
        rows = decode(body["result"])
        sent = json.loads(response.request.content)
        if sent["method"] == "model.stock.location.search_read":
            self.warehouses = [
                (
                    row["id"],
                    row.get("code") or f"tryton-location-{row['id']}",
                    row["storage_location"],
                )
                for row in rows
                if row.get("storage_location")
            ]
            return Page([], "0:0" if self.warehouses else None)
        storage = sent["params"][-1]["locations"][0]
        index = next(i for i, w in enumerate(self.warehouses) if w[2] == storage)
        offset = int(sent["params"][1])
        warehouse_id, code, _ = self.warehouses[index]
        for row in rows:
            row["_warehouse"] = (warehouse_id, code)
        if len(rows) >= self.connector.config.page_size:
            return Page(rows, f"{index}:{offset + len(rows)}")
        more = index + 1 < len(self.warehouses)
        return Page(rows, f"{index + 1}:0" if more else None)

    def record_id(self, record: Any) -> str | None:
        """Product and warehouse: a product is one position per warehouse."""
        return f"{record['id']}@{record['_warehouse'][0]}"

    def to_canonical(self, record: Any) -> InventoryPosition:
        """See `mapping.position_from_record`."""
        warehouse_id, code = record["_warehouse"]
        uom = record.get("default_uom.") or {}
        return mapping.position_from_record(
            record,
            location_id=code,
            location=warehouse_id,
            uom_symbol=uom.get("symbol"),
            as_of=self.as_of,
        )


class TrytonConnector(HttpConnector[TrytonConfig], OrderSink, InventorySource, ReceivableSource):
    """Tryton ERP over JSON-RPC: orders and returns in; stock, shipments, receivables out.

    Orders are idempotent by sale reference, returns (as credit notes) by RMA id.

    Capabilities `OrderSink`, `InventorySource` and `ReceivableSource`; plus the item master
    (`read_products`), done customer shipments (`read_shipments`) and credit notes for
    returns (`write_returns`).

    Args:
        xref: a cross-reference resolver: line SKUs, customers and addresses are looked up
            there first and the Tryton ids found or created are linked back (see
            ``docs/tryton.md``). The resolver belongs to one thread, like the connector's
            writes. Without it, products are found by code and parties by code.
        **kwargs: `TrytonConfig` fields and the `HttpConnector` arguments.

    >>> erp = TrytonConnector(
    ...     base_url="http://127.0.0.1:8000", database="shop", login="admin",
    ...     password="rc-test-secret-doc",
    ... )
    >>> [c.name for c in erp.capabilities()]
    ['OrderSink', 'InventorySource', 'ReceivableSource']
    """

    name: ClassVar[str] = "tryton"
    config_model = TrytonConfig
    idempotency_header = None  # Tryton has none: a sale is found by its reference first

    def __init__(self, *, xref: XrefResolver | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._context: dict[str, Any] | None = None
        self.xref = xref

    def auth(self) -> AuthProvider:
        """Session login (``common.db.login``), re-login on 401."""
        cfg = self.config
        return TrytonSessionAuth(cfg.database, cfg.login, cfg.password, cfg.language)

    def default_headers(self) -> Mapping[str, str]:
        """The common headers and ``accept-encoding: gzip``.

        Tryton 8.2 streams answers over 1400 bytes labelled ``Content-Encoding: gzip``
        whether or not the client accepts gzip (``trytond/protocols/jsonrpc.py``): without
        the header, such an answer is plain JSON that no client can decode.
        """
        return {**super().default_headers(), "accept-encoding": "gzip"}

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

    # -- xref -----------------------------------------------------------------------------

    def _erp_ref(self, scheme: str, tryton_id: int) -> ExternalRef:
        cfg = self.config
        return ExternalRef(
            system=cfg.xref_system,
            scheme=scheme,
            value=str(tryton_id),
            scope=cfg.xref_scope or cfg.database,
        )

    def _xref_call(self, operation: str, call: Callable[[XrefResolver], Any]) -> Any:
        """Run ``call`` on the resolver; its errors become `Conflict` / `BadRequest`."""
        from retail_canon.xref import XrefConflict, XrefError, XrefInputError

        assert self.xref is not None
        try:
            return call(self.xref)
        except XrefConflict as exc:
            raise Conflict(
                f"{operation}: {exc}", operation=operation, vendor_code="XrefConflict"
            ) from exc
        except XrefInputError as exc:
            raise BadRequest(
                f"{operation}: {exc}", operation=operation, vendor_code="XrefInput"
            ) from exc
        except XrefError as exc:
            raise Conflict(
                f"{operation}: {exc}", operation=operation, vendor_code=type(exc).__name__
            ) from exc

    def _linked_id(self, entity: str, canonical_id: str, scheme: str) -> int | None:
        """The Tryton id linked to ``(entity, canonical_id)`` in this instance, if any."""
        if self.xref is None:
            return None
        mine = self._xref_call("xref", lambda x: x.normalise(self._erp_ref(scheme, 0)))
        links = self._xref_call("xref", lambda x: x.refs_of(entity, canonical_id))
        found = {
            link.ref.value
            for link in links
            if (link.ref.system, link.ref.scheme, link.ref.scope)
            == (mine.system, mine.scheme, mine.scope)
        }
        if len(found) > 1:
            raise Conflict(
                f"xref: {entity} {canonical_id} has several Tryton {scheme}s: {sorted(found)}",
                operation="xref",
                vendor_code="XrefConflict",
            )
        if not found:
            return None
        value = found.pop()
        if not value.isdigit():
            raise BadRequest(
                f"xref: {entity} {canonical_id} is linked to Tryton {scheme} {value!r}, "
                "not a record id",
                operation="xref",
                vendor_code="XrefInput",
            )
        return int(value)

    def _link(self, entity: str, canonical_id: str, ref: ExternalRef, reason: str) -> None:
        if self.xref is not None:
            self._xref_call(
                "xref",
                lambda x: x.link(entity, canonical_id, ref, actor=XREF_ACTOR, reason=reason),
            )

    def _customer_canonical(self, order: SalesOrder) -> tuple[str, ExternalRef] | None:
        """The canonical customer id of the buyer and its channel ref (xref, customer id)."""
        customer = order.customer
        if self.xref is None or customer is None or not customer.customer_id:
            return None
        channel_ref = ExternalRef(
            system=order.channel, scheme="customer_id", value=customer.customer_id
        )
        answer = self._xref_call("xref", lambda x: x.resolve(channel_ref))
        if answer.status == "conflict":
            raise Conflict(
                f"xref: customer {customer.customer_id} of {order.channel} is ambiguous",
                operation="xref",
                vendor_code="XrefConflict",
            )
        if answer.canonical_id is not None:
            return answer.canonical_id, channel_ref
        canonical = mapping.party_code(order)
        self._link("customer", canonical, channel_ref, "channel customer of a posted order")
        return canonical, channel_ref

    # -- OrderSink ------------------------------------------------------------------------

    def _product_refs(self, skus: Iterable[str]) -> Flow[dict[str, mapping.ProductRef]]:
        wanted = sorted(set(skus))
        linked = {sku: self._linked_id("product", sku, "product_id") for sku in wanted}
        ids = sorted({pid for pid in linked.values() if pid is not None})
        codes = [sku for sku, pid in linked.items() if pid is None]
        clauses = ([["id", "in", ids]] if ids else []) + ([["code", "in", codes]] if codes else [])
        domain = ["OR", *clauses] if len(clauses) > 1 else clauses
        rows = yield from self.model_flow(
            "product.product",
            "search_read",
            domain,
            0,
            None,
            None,
            ["code", "sale_uom", "default_uom"],
            read=True,
        )
        by_id = {row["id"]: row for row in rows}
        by_code = {row["code"]: row for row in rows if row.get("code")}
        refs: dict[str, mapping.ProductRef] = {}
        for sku in wanted:
            pid = linked[sku]
            row = by_id.get(pid) if pid is not None else by_code.get(sku)
            if row is None:
                continue  # a missing product, or a link to a deleted one: reported by caller
            refs[sku] = (row["id"], row.get("sale_uom") or row["default_uom"])
            if pid is None:
                self._link("product", sku, self._erp_ref("product_id", row["id"]), "product code")
        return refs

    def _party(self, order: SalesOrder) -> Flow[tuple[int, int]]:
        """The buyer's party and the order's address on it, created when missing."""
        known = self._customer_canonical(order)
        party = self._linked_id("customer", known[0], "customer_id") if known else None
        if party is None:
            code = mapping.party_code(order)
            found = yield from self.model_flow(
                "party.party", "search", [["code", "=", code]], 0, 1, None, read=True
            )
            if found:
                party = int(found[0])
            else:
                (party,) = yield from self.model_flow(
                    "party.party", "create", [mapping.party_values(order)]
                )
            if known:
                ref = self._erp_ref("customer_id", party)
                self._link("customer", known[0], ref, "party of a posted order")
        address = yield from self._address(order, party, known[0] if known else None)
        return party, address

    def _address(self, order: SalesOrder, party: int, customer: str | None) -> Flow[int]:
        """The party's address for the order's ship-to (bill-to), added when new."""
        wanted = order.ship_to or order.bill_to
        canonical = None
        if customer is not None and wanted is not None and self._address_scheme():
            canonical = f"{customer}:{mapping.address_digest(wanted)}"
        linked = self._linked_id("address", canonical, "address_id") if canonical else None
        rows = yield from self.model_flow(
            "party.address",
            "search_read",
            [["party", "=", party]],
            0,
            None,
            [["id", "ASC"]],
            ["street", "city", "postal_code", "party_name"],
            read=True,
        )
        ids = [row["id"] for row in rows]
        if linked is not None and linked in ids:
            return linked
        if wanted is None:
            match = ids[0] if ids else None
        else:
            match = next((r["id"] for r in rows if mapping.address_matches(r, wanted)), None)
        if match is None:
            values = {"party": party, **(mapping.address_values(wanted) if wanted else {})}
            (match,) = yield from self.model_flow("party.address", "create", [values])
        if canonical is not None:
            ref = self._erp_ref("address_id", match)
            self._link("address", canonical, ref, "address of a posted order")
        return int(match)

    def _address_scheme(self) -> bool:
        return self.xref is not None and "address_id" in self.xref.schemes

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
        return write_each(self, orders, self._post_order, label="write_orders")

    def write_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Post each order as a ``sale.sale`` unless one with its reference exists.

        The sale's ``reference`` is the order's ``order_id``: posting an order again
        (a retry, a replay) finds the first sale and creates nothing. Lines' SKUs are
        Tryton product codes (or, with an xref resolver, canonical SKUs linked to Tryton
        product ids); the buyer becomes a party coded ``<channel>:<customer_id>`` (or the
        party linked to the customer). Refused orders (a missing product, a Tryton
        ``UserError``, an xref conflict) are reported on the `WriteReport`.
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

    # -- InventorySource ------------------------------------------------------------------

    def read_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[InventoryPosition]:
        """Goods quantities per warehouse (a full snapshot: ``since`` filters nothing).

        One `InventoryPosition` per goods product and warehouse, ``location_id`` the
        warehouse code, ``on_hand`` Tryton's ``quantity`` in its storage zone.
        """
        return self.read(Inventory(self), since=since, checkpoint=checkpoint)

    def aread_inventory(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[InventoryPosition]:
        """Async twin of `read_inventory`."""
        return self.aread(Inventory(self), since=since, checkpoint=checkpoint)

    # -- shipments ------------------------------------------------------------------------

    def read_shipments(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[FulfillmentOrder]:
        """Done customer shipments changed at or after ``since``, as fulfilment orders.

        Each ``stock.shipment.out`` in state ``done`` is a closed `FulfillmentOrder` of the
        sale's channel order id with one delivered `Shipment` — what a channel's
        ``ShipmentSink.write_shipments`` takes.
        """
        return self.read(Shipments(self), since=since, checkpoint=checkpoint)

    def aread_shipments(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[FulfillmentOrder]:
        """Async twin of `read_shipments`."""
        return self.aread(Shipments(self), since=since, checkpoint=checkpoint)

    # -- returns --------------------------------------------------------------------------

    def _post_return(self, rma: ReturnAuthorization) -> Flow[WriteResult]:
        description = mapping.credit_note_description(rma.rma_id)
        found = yield from self.model_flow(
            "account.invoice",
            "search_read",
            [["type", "=", "out"], ["description", "=", description]],
            0,
            1,
            None,
            ["state"],
            read=True,
        )
        if found:
            credit = int(found[0]["id"])
            if found[0]["state"] in ("draft", "validated") and self.config.post_credit_notes:
                yield from self.model_flow("account.invoice", "post", [credit])
            return WriteResult(rma.rma_id, 200, str(credit))
        sales = yield from self.model_flow(
            "sale.sale",
            "search_read",
            [["reference", "=", rma.sales_order_id]],
            0,
            1,
            None,
            ["invoices"],
            read=True,
        )
        if not sales:
            raise NotFound(
                f"write_returns: no Tryton sale with reference {rma.sales_order_id}",
                operation="model.sale.sale.search_read",
                vendor_code="SaleNotFound",
            )
        invoices = yield from self.model_flow(
            "account.invoice",
            "search_read",
            [
                ["id", "in", sales[0]["invoices"]],
                ["type", "=", "out"],
                ["state", "in", ["posted", "paid"]],
            ],
            0,
            None,
            [["id", "ASC"]],
            ["party", "invoice_address", "account", "journal", "currency", "payment_term", "lines"],
            read=True,
        )
        if not invoices:
            raise NotFound(
                f"write_returns: sale {rma.sales_order_id} has no posted customer invoice",
                operation="model.account.invoice.search_read",
                vendor_code="InvoiceNotPosted",
            )
        line_ids = [line for invoice in invoices for line in invoice["lines"]]
        lines = yield from self.model_flow(
            "account.invoice.line",
            "read",
            line_ids,
            list(mapping.INVOICE_LINE_FIELDS),
            read=True,
        )
        try:
            values = mapping.credit_note_values(rma, invoices[0], lines)
        except ValueError as exc:
            raise BadRequest(
                f"write_returns: {exc}",
                operation="write_returns",
                vendor_code="ReturnNotInvoiced",
            ) from None
        (credit,) = yield from self.model_flow("account.invoice", "create", [values])
        if self.config.post_credit_notes:
            yield from self.model_flow("account.invoice", "post", [credit])
        return WriteResult(rma.rma_id, 200, str(credit))

    def _write_returns(self, rmas: Iterable[ReturnAuthorization]) -> Flow[WriteReport]:
        return write_each(self, rmas, self._post_return, label="write_returns", key=_rma_key)

    def write_returns(self, rmas: Iterable[ReturnAuthorization]) -> WriteReport:
        """Credit each return on its order's posted invoice, once per ``rma_id``.

        The credit note (``account.invoice`` of type ``out`` with negative quantities) has
        the invoice's party, accounts and prices, ``reference`` the sales order id and
        ``description`` ``RMA <rma_id>``: it is searched before every create, so a retry
        creates nothing. With ``post_credit_notes`` (default) it is posted and then read
        back by `read_receivables` as a ``REFUND``. Refused returns (no sale, no posted
        invoice, a SKU not invoiced, more returned than invoiced) are on the report.
        """
        return self.run(self._write_returns(rmas))

    async def awrite_returns(self, rmas: Iterable[ReturnAuthorization]) -> WriteReport:
        """Async twin of `write_returns`."""
        return await self.arun(self._write_returns(rmas))


def _rma_key(rma: ReturnAuthorization) -> str:
    return rma.rma_id
