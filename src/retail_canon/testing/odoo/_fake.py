"""`OdooFake`: an in-memory Odoo database behind the JSON-2 API and the legacy JSON-RPC."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from retail_canon.models import (
    AmountType,
    InventoryPosition,
    Money,
    OrderLine,
    Quantity,
    SalesOrder,
    SettlementLine,
)
from retail_canon.testing._fake import FakeRequest, route
from retail_canon.testing._ledger import LedgerFake
from retail_canon.testing.odoo._orm import ArgumentError, OdooRaise, Orm

__all__ = ["API_KEY", "DATABASE", "LOGIN", "PARTNER_ID", "OdooFake"]

DATABASE = "acme"
LOGIN = "bot@acme.example"
API_KEY = "rc-test-secret-odoo-apikey-0001"
PARTNER_ID = 7
UID = 2
_LINE_ID = re.compile(r"odoo-move-(\d+)")
_FORMAT = "%Y-%m-%d %H:%M:%S"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class OdooFake(LedgerFake):
    """A stateful Odoo database, served as JSON-2 (``/json/2/<model>/<method>``) and JSON-RPC.

    JSON-2 requires ``Authorization: bearer <API key>``, takes named arguments plus ``ids``
    and ``context``, checks ``X-Odoo-Database`` when sent, and answers errors with their
    HTTP status and ``{"name", "message", "arguments", "context", "debug"}``. JSON-RPC
    answers ``common.login`` with the uid (``false`` when refused) and ``object.execute_kw``
    with the result, errors as an ``error`` object with HTTP 200. Both run the same
    in-memory models (`retail_canon.testing.odoo._orm`): partners, currencies, products,
    locations, quants, sale orders and lines, and journal entries (invoices).

    Args:
        database: the database name.
        login: the JSON-RPC login.
        api_key: the user's API key (also its JSON-RPC password).
        **options: see `FakeVendor`.

    Attributes:
        orm: the models; ``orm.records[model]`` maps ids to records; add a model name to
            ``orm.forbidden`` to answer ``AccessError``, a ``client_order_ref`` to
            ``orm.confirm_errors`` to refuse its confirmation with a ``UserError``.
        creates: how many ``sale.order`` creates were run.
    """

    base_url = "https://acme.odoo.example"

    def __init__(
        self,
        *,
        database: str = DATABASE,
        login: str = LOGIN,
        api_key: str = API_KEY,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.database = database
        self.login = login
        self.api_key = api_key
        self.orm = Orm(self._now)
        self.creates = 0
        orm = self.orm
        orm.add("res.partner", {"name": "Channel customers"}, PARTNER_ID)
        orm.add("res.currency", {"name": "USD"}, 1)
        orm.add("res.currency", {"name": "EUR"}, 2)
        orm.add(
            "stock.location",
            {"name": "Customers", "complete_name": "Partners/Customers", "usage": "customer"},
            5,
        )
        orm.add(
            "stock.location", {"name": "Stock", "complete_name": "WH/Stock", "usage": "internal"}, 8
        )
        orm.serial = 100

    def _now(self) -> str:
        return datetime.fromtimestamp(self.clock.time(), UTC).strftime(_FORMAT)

    # -- vendor-shaped answers ------------------------------------------------------------

    def odoo_error(self, status: int, name: str, message: str) -> httpx.Response:
        """A JSON-2 error answer."""
        body = {
            "name": name,
            "message": message,
            "arguments": [message],
            "context": {},
            "debug": f"Traceback (most recent call last):\n{name}: {message}\n",
        }
        return httpx.Response(status, json=body)

    def error_response(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """Every HTTP-level error in JSON-2's shape."""
        response = self.odoo_error(status, f"werkzeug.exceptions.{code}", message)
        response.headers.update(dict(headers or {}))
        return response

    def throttle_response(self, retry_after: float | None = None) -> httpx.Response:
        """HTTP 429 Too Many Requests (a proxy or Odoo.sh in front of the server)."""
        headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
        return self.error_response(429, "TooManyRequests", "Too Many Requests", headers)

    def unauthorized_response(self) -> httpx.Response:
        """HTTP 401 ``Invalid apikey``."""
        return self.odoo_error(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")

    def page_token(self, request: httpx.Request) -> str | None:
        """Offsets are no page tokens."""
        return None

    def access_token(self, request: httpx.Request) -> str | None:
        """API keys do not expire during a test."""
        return None

    # -- seeding and reading back ---------------------------------------------------------

    def add_product(self, sku: str, *, name: str | None = None, active: bool = True) -> int:
        """The id of the product with this ``default_code``, created if new."""
        with self._lock:
            found = self.orm.find("product.product", default_code=sku)
            if found is not None:
                return found
            values = {"default_code": sku, "name": name or sku, "active": active}
            return self.orm.add("product.product", values)

    def add_location(self, complete_name: str, *, usage: str = "internal") -> int:
        """The id of the location with this full name, created if new."""
        with self._lock:
            found = self.orm.find("stock.location", complete_name=complete_name)
            if found is not None:
                return found
            name = complete_name.rpartition("/")[2]
            values = {"name": name, "complete_name": complete_name, "usage": usage}
            return self.orm.add("stock.location", values)

    def currency(self, code: str) -> int:
        """The id of the currency ``code``, created if new."""
        with self._lock:
            return self.orm.find("res.currency", name=code) or self.orm.add(
                "res.currency", {"name": code}
            )

    def put_position(self, position: InventoryPosition) -> None:
        """Quants for a position: on hand in ``quantity``, committed in ``reserved_quantity``.

        A position with two or more on hand becomes two quants (as lots do), so reads must
        sum them.
        """
        product = self.add_product(position.sku)
        location = self.add_location(position.location_id)
        on_hand, committed = position.buckets.on_hand, position.buckets.committed
        first = (on_hand // 2) if on_hand >= 2 else on_hand
        with self._lock:
            for quantity, reserved in ((first, committed), (on_hand - first, Decimal(0))):
                if quantity or reserved:
                    values = {
                        "product_id": product,
                        "location_id": location,
                        "quantity": _number(quantity),
                        "reserved_quantity": _number(reserved),
                    }
                    self.orm.add("stock.quant", values)

    def put_receivable(self, line: SettlementLine) -> int:
        """A posted customer invoice or credit note from a settlement line; its id.

        A ``line_id`` ``odoo-move-<id>`` gives the move's id; a ``REFUND`` (or negative)
        line is an ``out_refund``.
        """
        match = _LINE_ID.fullmatch(line.line_id)
        refund = line.amount_type is AmountType.REFUND or line.amount.amount < 0
        currency = self.currency(line.amount.currency)
        posted = (line.posted_at or datetime.fromtimestamp(self.clock.time(), UTC)).astimezone(UTC)
        with self._lock:
            move_id = self.orm.add(
                "account.move",
                {
                    "move_type": "out_refund" if refund else "out_invoice",
                    "state": "posted",
                    "ref": line.order_id or False,
                    "invoice_origin": False,
                    "amount_total": _number(abs(line.amount.amount)),
                    "currency_id": currency,
                    "partner_id": PARTNER_ID,
                },
                int(match.group(1)) if match else None,
            )
            record = self.orm.records["account.move"][move_id]
            record["name"] = f"{'RINV' if refund else 'INV'}/2026/{move_id:05d}"
            record["write_date"] = posted.strftime(_FORMAT)
            return move_id

    def invoice(self, sale_order_id: int, *, currency: str = "USD") -> int:
        """Invoice a sale order in full and post the invoice (``ref``: its client reference)."""
        with self._lock:
            order = self.orm.records["sale.order"][sale_order_id]
            lines = self.orm.records["sale.order.line"]
            total = sum(
                (
                    Decimal(str(lines[i]["product_uom_qty"])) * Decimal(str(lines[i]["price_unit"]))
                    for i in order["order_line"]
                ),
                Decimal(0),
            )
            move_id = self.orm.add(
                "account.move",
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "ref": order.get("client_order_ref") or False,
                    "invoice_origin": order["name"],
                    "amount_total": _number(total),
                    "currency_id": self.currency(currency),
                    "partner_id": order["partner_id"],
                },
            )
            self.orm.records["account.move"][move_id]["name"] = f"INV/2026/{move_id:05d}"
            return move_id

    def _order_records(self) -> list[Mapping[str, Any]]:
        return list(self.orm.records["sale.order"].values())

    def _as_order(self, order: Mapping[str, Any]) -> SalesOrder:
        lines = self.orm.records["sale.order.line"]
        products = self.orm.records["product.product"]
        order_id = str(order.get("client_order_ref") or order["name"])
        return SalesOrder(
            order_id=order_id,
            channel="odoo",
            placed_at=datetime.fromisoformat(str(order["date_order"])).replace(tzinfo=UTC),
            currency="USD",
            lines=[
                OrderLine(
                    line_id=f"{order_id}-{n}",
                    sku=str(products[lines[i]["product_id"]].get("default_code")),
                    quantity=Quantity(value=Decimal(str(lines[i]["product_uom_qty"]))),
                    unit_price=Money(amount=Decimal(str(lines[i]["price_unit"])), currency="USD"),
                )
                for n, i in enumerate(order["order_line"], start=1)
            ],
        )

    # -- running a call -------------------------------------------------------------------

    def _run(self, model: str, method: str, ids: Any, kwargs: Mapping[str, Any]) -> Any:
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise ArgumentError(f"{method}() ids must be a list of integers")
        result = self.orm.call(model, method, ids, kwargs)
        if model == "sale.order" and method == "create":
            self.creates += len(result)
        return result

    # -- JSON-2 ---------------------------------------------------------------------------

    @route("POST", r"/json/2/(?P<model>[\w.]+)/(?P<method>\w+)")
    def json2(self, request: FakeRequest) -> httpx.Response:
        """A JSON-2 call: bearer key, named arguments, bare result or an error status."""
        header = request.headers.get("authorization", "")
        key = header[7:] if header.lower().startswith("bearer ") else ""
        if not hmac.compare_digest(key.encode(), self.api_key.encode()):
            return self.unauthorized_response()
        database = request.headers.get("x-odoo-database")
        if database is not None and database != self.database:
            return self.odoo_error(
                404, "werkzeug.exceptions.NotFound", f"database {database!r} not found"
            )
        try:
            body = request.json()
        except ValueError:
            return self.odoo_error(
                400, "werkzeug.exceptions.BadRequest", "could not parse the body as json"
            )
        if not isinstance(body, dict):
            return self.odoo_error(
                400,
                "werkzeug.exceptions.BadRequest",
                "could not parse the body, expecting a json object",
            )
        ids = body.pop("ids", [])
        model, method = request.path_params["model"], request.path_params["method"]
        try:
            result = self._run(model, method, ids, body)
        except OdooRaise as exc:
            return self.odoo_error(exc.status, exc.name, exc.message)
        except ValueError as exc:
            return self.odoo_error(500, "builtins.ValueError", str(exc))
        return httpx.Response(200, json=result)

    # -- JSON-RPC -------------------------------------------------------------------------

    def _rpc_error(self, call_id: Any, name: str, message: str) -> httpx.Response:
        data = {
            "name": name,
            "message": message,
            "arguments": [message],
            "context": {},
            "debug": f"Traceback (most recent call last):\n{name}: {message}\n",
        }
        error = {"code": 200, "message": "Odoo Server Error", "data": data}
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": call_id, "error": error})

    @route("POST", r"/jsonrpc")
    def jsonrpc(self, request: FakeRequest) -> httpx.Response:
        """``common.login`` and ``object.execute_kw``; errors in an ``error`` with HTTP 200."""
        body = request.json()
        call_id = body.get("id") if isinstance(body, dict) else None
        params = body.get("params") if isinstance(body, dict) else None
        if not isinstance(params, dict):
            return self._rpc_error(call_id, "builtins.KeyError", "params")
        service, method, args = params.get("service"), params.get("method"), params.get("args")
        if not isinstance(args, list):
            return self._rpc_error(call_id, "builtins.TypeError", "args must be a list")
        if service == "common" and method == "login":
            ok = (
                len(args) == 3
                and args[0] == self.database
                and args[1] == self.login
                and hmac.compare_digest(str(args[2]).encode(), self.api_key.encode())
            )
            return httpx.Response(
                200, json={"jsonrpc": "2.0", "id": call_id, "result": UID if ok else False}
            )
        if service != "object" or method != "execute_kw":
            return self._rpc_error(
                call_id, "builtins.NameError", f"no method {method!r} on service {service!r}"
            )
        if len(args) < 5:
            return self._rpc_error(
                call_id, "builtins.TypeError", "execute_kw() missing required positional arguments"
            )
        database, uid, key, model, name = args[:5]
        positional = args[5] if len(args) > 5 else []
        kwargs = args[6] if len(args) > 6 else {}
        if (
            database != self.database
            or uid != UID
            or not hmac.compare_digest(str(key).encode(), self.api_key.encode())
        ):
            return self._rpc_error(call_id, "odoo.exceptions.AccessDenied", "Access Denied")
        if not isinstance(positional, list) or not isinstance(kwargs, dict) or len(positional) > 1:
            return self._rpc_error(
                call_id,
                "builtins.TypeError",
                f"{name}() the fake takes ids as the only positional argument",
            )
        ids = positional[0] if positional else []
        try:
            result = self._run(str(model), str(name), ids, kwargs)
        except ArgumentError as exc:
            return self._rpc_error(call_id, "builtins.TypeError", exc.message)
        except OdooRaise as exc:
            return self._rpc_error(call_id, exc.name, exc.message)
        except ValueError as exc:
            return self._rpc_error(call_id, "builtins.ValueError", str(exc))
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": call_id, "result": result})
