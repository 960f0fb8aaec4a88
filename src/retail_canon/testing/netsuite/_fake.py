"""`NetSuiteFake`: an in-memory NetSuite account speaking SuiteTalk REST and SuiteQL."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from zoneinfo import ZoneInfo

import httpx

from retail_canon.models import (
    InventoryPosition,
    Money,
    OrderLine,
    Quantity,
    SalesOrder,
    SettlementLine,
)
from retail_canon.testing._fake import FakeRequest, route
from retail_canon.testing._ledger import LedgerFake

__all__ = [
    "ACCOUNT_ID",
    "CONSUMER_KEY",
    "CONSUMER_SECRET",
    "CUSTOMER_ID",
    "TOKEN_ID",
    "TOKEN_SECRET",
    "NetSuiteFake",
]

ACCOUNT_ID = "1234567_SB1"
CONSUMER_KEY = "rc-test-secret-ns-consumer-key-0001"
CONSUMER_SECRET = "rc-test-secret-ns-consumer-secret-0001"
TOKEN_ID = "rc-test-secret-ns-token-id-0001"
TOKEN_SECRET = "rc-test-secret-ns-token-secret-0001"
CUSTOMER_ID = "42"

_RECORDS = "/services/rest/record/v1"
_TS = "%Y-%m-%d %H:%M:%S"
_MAX_ROWS = 100_000
_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}

_RECEIVABLES = re.compile(
    r"SELECT t\.id, t\.type, t\.tranid, t\.otherrefnum, t\.foreigntotal, c\.symbol AS currency, "
    r"TO_CHAR\(t\.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS'\) AS lastmodified "
    r"FROM transaction t JOIN currency c ON c\.id = t\.currency "
    r"WHERE t\.type IN \('CustInvc', 'CustCred'\) AND t\.posting = 'T' AND t\.voided = 'F'"
    r"(?: AND t\.lastmodifieddate >= TO_TIMESTAMP\('(?P<since>[0-9: -]+)', "
    r"'YYYY-MM-DD HH24:MI:SS'\))? ORDER BY t\.lastmodifieddate, t\.id"
)
_INVENTORY = re.compile(
    r"SELECT ib\.item AS item, i\.itemid AS sku, ib\.location AS location, "
    r"l\.name AS location_name, SUM\(ib\.quantityonhand\) AS onhand, "
    r"SUM\(ib\.quantityavailable\) AS available FROM inventorybalance ib "
    r"JOIN item i ON i\.id = ib\.item JOIN location l ON l\.id = ib\.location "
    r"GROUP BY ib\.item, i\.itemid, ib\.location, l\.name ORDER BY ib\.item, ib\.location"
)
_ITEMS = re.compile(
    r"SELECT i\.id, i\.itemid FROM item i WHERE i\.itemid IN \((?P<list>.*)\) ORDER BY i\.id"
)
_SQL_STRING = re.compile(r"'((?:[^']|'')*)'")
_LINE_ID = re.compile(r"netsuite-(invoice|creditmemo)-(\d+)")
_EID = re.compile(r"[A-Za-z0-9_-]+")


def _enc(value: str) -> str:
    return quote(value.encode("utf-8"), safe="-._~")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class NetSuiteFake(LedgerFake):
    """A stateful NetSuite account: TBA-signed REST records, SuiteQL, a concurrency limit.

    It verifies every request's OAuth 1.0a HMAC-SHA256 signature (its own implementation of
    RFC 5849, independent of the connector's) with the realm, keys, timestamp window and
    nonce replay check, or accepts a bearer token listed in ``bearer_tokens``. Sales orders
    are created by ``POST``, upserted by ``PUT …/salesOrder/eid:<id>`` (204 with
    ``Location``), read by ``GET``; SuiteQL answers the connector's queries over the items,
    locations, inventory balances and transactions seeded here, paged with ``limit``,
    ``offset``, ``hasMore`` and ``links``; anything else is a 400 ``o:errorDetails`` error.

    Args:
        concurrency_limit: requests the account allows in flight; one more is answered 429
            ``CONCURRENCY_LIMIT_EXCEEDED``. `None`: no limit.
        hold: real seconds each request stays in flight (lets threads overlap in tests).
        time_zone: the account's time zone, in which SuiteQL timestamps travel.
        bearer_tokens: OAuth 2.0 access tokens accepted instead of a TBA signature.
        max_rows: the most rows one query returns (NetSuite: 100 000); an ``offset`` at
            or past it is a 400.
        **options: see `FakeVendor`.

    Attributes:
        items: ``{internal id: itemid}``.
        locations: ``{internal id: name}``.
        balances: ``{(item id, location id): (on hand, available)}``.
        transactions: invoices and credit memos, ``{id: row}``.
        sales_orders: ``{id: record}``; ``external_ids`` maps external ids to ids.
        peak_in_flight: the most requests in flight at once so far.
        concurrency_rejections: requests refused for the concurrency limit.
    """

    base_url = "https://1234567-sb1.suitetalk.api.netsuite.com"

    def __init__(
        self,
        *,
        account_id: str = ACCOUNT_ID,
        concurrency_limit: int | None = None,
        hold: float = 0.0,
        time_zone: str = "UTC",
        bearer_tokens: Iterable[str] = (),
        max_rows: int = _MAX_ROWS,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.realm = account_id.upper().replace("-", "_")
        self.credentials = {CONSUMER_KEY: CONSUMER_SECRET}
        self.token_secrets = {TOKEN_ID: TOKEN_SECRET}
        self.bearer_tokens = set(bearer_tokens)
        self.concurrency_limit = concurrency_limit
        self.hold = hold
        self.max_rows = max_rows
        self.zone = ZoneInfo(time_zone)
        self.customers: set[str] = {CUSTOMER_ID}
        self.items: dict[int, str] = {}
        self.locations: dict[int, str] = {}
        self.balances: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
        self.transactions: dict[int, dict[str, Any]] = {}
        self.sales_orders: dict[int, dict[str, Any]] = {}
        self.external_ids: dict[str, int] = {}
        self.upserts = 0
        self.peak_in_flight = 0
        self.concurrency_rejections = 0
        self._in_flight = 0
        self._flight_lock = threading.Lock()
        self._nonces: set[tuple[str, str]] = set()
        self._serial = 100

    # -- vendor-shaped answers ------------------------------------------------------------

    def ns_error(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        path: str | None = None,
        query_param: str | None = None,
        header: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """NetSuite's error body: ``type``, ``title``, ``status`` and ``o:errorDetails``."""
        entry: dict[str, Any] = {"detail": detail, "o:errorCode": code}
        for key, value in (
            ("o:errorPath", path),
            ("o:errorQueryParam", query_param),
            ("o:errorHeader", header),
        ):
            if value is not None:
                entry[key] = value
        body = {
            "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5",
            "title": _REASONS.get(status, "Error"),
            "status": status,
            "o:errorDetails": [entry],
        }
        return httpx.Response(status, json=body, headers=dict(headers or {}))

    def error_response(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """Every error in NetSuite's shape."""
        return self.ns_error(status, code, message, headers=headers)

    def throttle_response(self, retry_after: float | None = None) -> httpx.Response:
        """HTTP 429 ``CONCURRENCY_LIMIT_EXCEEDED``."""
        headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
        return self.ns_error(
            429,
            "CONCURRENCY_LIMIT_EXCEEDED",
            "Concurrent request limit exceeded. Request blocked.",
            headers=headers,
        )

    def unauthorized_response(self) -> httpx.Response:
        """HTTP 401 ``INVALID_LOGIN``."""
        return self.ns_error(
            401,
            "INVALID_LOGIN",
            "Invalid login attempt. For more details, see the Login Audit Trail in the "
            "NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
        )

    def page_token(self, request: httpx.Request) -> str | None:
        """SuiteQL offsets never expire: no page tokens."""
        return None

    def access_token(self, request: httpx.Request) -> str | None:
        """TBA tokens do not expire either."""
        return None

    # -- concurrency ----------------------------------------------------------------------

    def _enter(self) -> bool:
        with self._flight_lock:
            if self.concurrency_limit is not None and self._in_flight >= self.concurrency_limit:
                self.concurrency_rejections += 1
                return False
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            return True

    def _leave(self) -> None:
        with self._flight_lock:
            self._in_flight -= 1

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer a sync request, counting it in flight (429 over the limit)."""
        request.read()
        if not self._enter():
            return self.throttle_response()
        try:
            if self.hold:
                time.sleep(self.hold)
            return self._handle(request)
        finally:
            self._leave()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer an async request, counting it in flight (429 over the limit)."""
        await request.aread()
        if not self._enter():
            return self.throttle_response()
        try:
            if self.hold:
                await asyncio.sleep(self.hold)
            return self._handle(request)
        finally:
            self._leave()

    # -- authentication -------------------------------------------------------------------

    def _authorize(self, request: FakeRequest) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return None if header[7:] in self.bearer_tokens else self.unauthorized_response()
        if not header.startswith("OAuth "):
            return self.unauthorized_response()
        params: dict[str, str] = {}
        for part in header[6:].split(","):
            name, _, value = part.strip().partition("=")
            params[unquote(name)] = unquote(value.strip('"'))
        consumer_secret = self.credentials.get(params.get("oauth_consumer_key", ""))
        token_secret = self.token_secrets.get(params.get("oauth_token", ""))
        stamp = params.get("oauth_timestamp", "")
        nonce = params.get("oauth_nonce", "")
        if (
            params.get("realm") != self.realm
            or consumer_secret is None
            or token_secret is None
            or params.get("oauth_signature_method") != "HMAC-SHA256"
            or not stamp.isdigit()
            or abs(int(stamp) - self.clock.time()) > 300
            or not nonce
            or (nonce, stamp) in self._nonces
        ):
            return self.unauthorized_response()
        url = urlsplit(str(request.raw.url))
        signed = [(k, v) for k, v in params.items() if k not in ("realm", "oauth_signature")]
        signed += parse_qsl(url.query, keep_blank_values=True)
        normalized = "&".join(f"{k}={v}" for k, v in sorted((_enc(k), _enc(v)) for k, v in signed))
        host = url.hostname or ""
        port = "" if url.port in (None, 443, 80) else f":{url.port}"
        uri = f"{url.scheme.lower()}://{host.lower()}{port}{url.path}"
        base = f"{request.method.upper()}&{_enc(uri)}&{_enc(normalized)}"
        key = f"{_enc(consumer_secret)}&{_enc(token_secret)}".encode()
        expected = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected.decode(), params.get("oauth_signature", "")):
            return self.unauthorized_response()
        self._nonces.add((nonce, stamp))
        return None

    # -- seeding --------------------------------------------------------------------------

    def _next_id(self) -> int:
        self._serial += 1
        return self._serial

    def add_item(self, sku: str) -> int:
        """The internal id of the item ``sku``, created if new."""
        with self._lock:
            for item_id, itemid in self.items.items():
                if itemid == sku:
                    return item_id
            item_id = self._next_id()
            self.items[item_id] = sku
            return item_id

    def add_location(self, name: str) -> int:
        """The internal id of the location ``name``, created if new."""
        with self._lock:
            for location_id, known in self.locations.items():
                if known == name:
                    return location_id
            location_id = self._next_id()
            self.locations[location_id] = name
            return location_id

    def _local(self, moment: datetime | None) -> datetime:
        aware = moment or datetime.fromtimestamp(self.clock.time(), UTC)
        return aware.astimezone(self.zone).replace(tzinfo=None, microsecond=0)

    def put_position(self, position: InventoryPosition) -> None:
        """Set an item's on-hand and available quantity (on hand less committed) somewhere."""
        item = self.add_item(position.sku)
        location = self.add_location(position.location_id)
        b = position.buckets
        with self._lock:
            self.balances[(item, location)] = (b.on_hand, max(b.on_hand - b.committed, Decimal(0)))

    def put_receivable(self, line: SettlementLine) -> int:
        """Book a posted invoice or credit memo from a settlement line; its id.

        A ``line_id`` ``netsuite-invoice-<id>`` / ``netsuite-creditmemo-<id>`` gives its type
        and id; ``order_id`` becomes ``otherrefnum``, ``posted_at`` the last change.
        """
        match = _LINE_ID.fullmatch(line.line_id)
        with self._lock:
            tid = int(match.group(2)) if match else self._next_id()
            credit = match.group(1) == "creditmemo" if match else line.amount.amount < 0
            self._book(
                tid,
                "CustCred" if credit else "CustInvc",
                abs(line.amount.amount),
                line.amount.currency,
                line.order_id,
                self._local(line.posted_at),
            )
            return tid

    def _book(
        self,
        tid: int,
        kind: str,
        total: Decimal,
        currency: str,
        order_id: str | None,
        modified: datetime,
    ) -> None:
        self.transactions[tid] = {
            "id": tid,
            "type": kind,
            "tranid": f"{'CM' if kind == 'CustCred' else 'INV'}{tid}",
            "otherrefnum": order_id,
            "foreigntotal": -total if kind == "CustCred" else total,
            "currency": currency,
            "lastmodified": modified,
            "posting": True,
            "voided": False,
        }

    def bill(self, sales_order_id: int, *, currency: str = "USD") -> int:
        """Invoice a sales order in full (as NetSuite's "Bill" does); the invoice's id."""
        with self._lock:
            record = self.sales_orders[sales_order_id]
            total = sum(
                (Decimal(str(line["amount"])) for line in record["item"]["items"]), Decimal(0)
            ) + Decimal(str(record.get("shippingCost", 0)))
            tid = self._next_id()
            self._book(
                tid, "CustInvc", total, currency, record.get("otherRefNum"), self._local(None)
            )
            return tid

    def _order_records(self) -> list[Mapping[str, Any]]:
        return list(self.sales_orders.values())

    def _as_order(self, record: Mapping[str, Any]) -> SalesOrder:
        order_id = str(record.get("otherRefNum") or record.get("externalId") or record["id"])
        placed = datetime.fromisoformat(str(record.get("tranDate") or "2000-01-01"))
        lines = [
            OrderLine(
                line_id=f"{order_id}-{n}",
                sku=self.items[int(line["item"]["id"])],
                quantity=Quantity(value=Decimal(str(line["quantity"]))),
                unit_price=Money(amount=Decimal(str(line.get("rate", 0))), currency="USD"),
            )
            for n, line in enumerate(record["item"]["items"], start=1)
        ]
        return SalesOrder(
            order_id=order_id,
            channel="netsuite",
            placed_at=placed.replace(tzinfo=UTC),
            currency="USD",
            lines=lines,
        )

    # -- records ----------------------------------------------------------------------------

    def _invalid(self, body: Any, eid: str | None) -> httpx.Response | None:
        if not isinstance(body, dict):
            return self.ns_error(400, "INVALID_CONTENT", "The request body is not a JSON object.")
        given = body.get("externalId")
        if eid is not None and given is not None and given != eid:
            return self.ns_error(
                400,
                "INVALID_CONTENT",
                "The external ID in the body does not match the one in the URL.",
                path="externalId",
            )
        entity = (body.get("entity") or {}).get("id")
        if str(entity) not in self.customers:
            return self.ns_error(
                400,
                "USER_ERROR",
                f"Invalid Field Value {entity} for the following field: entity",
                path="entity",
            )
        lines = (body.get("item") or {}).get("items")
        if not isinstance(lines, list) or not lines:
            return self.ns_error(
                400, "USER_ERROR", "You must enter at least one line item.", path="item"
            )
        for n, line in enumerate(lines):
            item = str((line.get("item") or {}).get("id"))
            if not item.isdigit() or int(item) not in self.items:
                return self.ns_error(
                    400,
                    "USER_ERROR",
                    f"Invalid Field Value {item} for the following field: item",
                    path=f"item.items[{n}].item",
                )
            quantity = line.get("quantity")
            if not isinstance(quantity, int | float) or quantity <= 0:
                return self.ns_error(
                    400,
                    "INVALID_CONTENT",
                    "Quantity must be a positive number.",
                    path=f"item.items[{n}].quantity",
                )
        return None

    def _stored(self, record_id: int) -> httpx.Response:
        location = f"{self.base_url}{_RECORDS}/salesOrder/{record_id}"
        return httpx.Response(204, headers={"location": location})

    @route("POST", r"/services/rest/record/v1/salesOrder")
    def create_sales_order(self, request: FakeRequest) -> httpx.Response:
        """Create a sales order: 204 with its ``Location``."""
        denied = self._authorize(request)
        if denied is not None:
            return denied
        body = request.json()
        invalid = self._invalid(body, None)
        if invalid is not None:
            return invalid
        eid = body.get("externalId")
        if eid is not None and eid in self.external_ids:
            return self.ns_error(
                400, "DUP_RCRD", "A record with this external ID already exists.", path="externalId"
            )
        record_id = self._next_id()
        self.sales_orders[record_id] = {**body, "id": record_id}
        if eid is not None:
            self.external_ids[str(eid)] = record_id
        return self._stored(record_id)

    @route("PUT", r"/services/rest/record/v1/salesOrder/eid:(?P<eid>[^/]*)")
    def upsert_sales_order(self, request: FakeRequest) -> httpx.Response:
        """Create the sales order with this external id, or replace it: 204 + ``Location``."""
        denied = self._authorize(request)
        if denied is not None:
            return denied
        eid = unquote(request.path_params["eid"])
        if not _EID.fullmatch(eid):
            return self.ns_error(
                400, "INVALID_ID", f"Invalid external ID: {eid!r}.", path="externalId"
            )
        body = request.json()
        invalid = self._invalid(body, eid)
        if invalid is not None:
            return invalid
        self.upserts += 1
        record_id = self.external_ids.get(eid)
        if record_id is None:
            record_id = self._next_id()
            self.external_ids[eid] = record_id
        self.sales_orders[record_id] = {**body, "externalId": eid, "id": record_id}
        return self._stored(record_id)

    @route("GET", r"/services/rest/record/v1/salesOrder/(?P<ref>[^/]+)")
    def get_sales_order(self, request: FakeRequest) -> httpx.Response:
        """A sales order by internal id or ``eid:<external id>``."""
        denied = self._authorize(request)
        if denied is not None:
            return denied
        ref = unquote(request.path_params["ref"])
        record_id = (
            self.external_ids.get(ref[4:])
            if ref.startswith("eid:")
            else int(ref)
            if ref.isdigit()
            else None
        )
        record = self.sales_orders.get(record_id) if record_id is not None else None
        if record is None:
            return self.ns_error(
                404,
                "NONEXISTENT_ID",
                f"The record instance does not exist. Provide a valid record instance ID: {ref}.",
            )
        return httpx.Response(200, json={**record, "id": str(record["id"])})

    # -- SuiteQL ----------------------------------------------------------------------------

    @route("POST", r"/services/rest/query/v1/suiteql")
    def suiteql(self, request: FakeRequest) -> httpx.Response:
        """Run one of the connector's queries: a page of rows with ``hasMore`` and ``links``."""
        denied = self._authorize(request)
        if denied is not None:
            return denied
        if request.headers.get("prefer", "").lower() != "transient":
            return self.ns_error(
                400, "INVALID_HEADER", "Prefer: transient is required.", header="Prefer"
            )
        limit_text = request.params.get("limit", "1000")
        offset_text = request.params.get("offset", "0")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 1000:
            return self.ns_error(
                400, "INVALID_PARAMETER", "limit must be 1 to 1000.", query_param="limit"
            )
        if not offset_text.isdigit():
            return self.ns_error(
                400, "INVALID_PARAMETER", "offset must be a number.", query_param="offset"
            )
        limit, offset = int(limit_text), int(offset_text)
        if offset >= self.max_rows:
            return self.ns_error(
                400,
                "INVALID_PARAMETER",
                f"A query returns at most {self.max_rows} rows.",
                query_param="offset",
            )
        body = request.json()
        query = " ".join(str((body or {}).get("q", "")).split())
        found = self._rows(query)
        if found is None:
            return self.ns_error(
                400, "INVALID_SEARCH", "The fake does not know this query.", path="q"
            )
        rows = found[: self.max_rows]
        page = rows[offset : offset + limit]
        more = offset + len(page) < len(rows)
        url = f"{self.base_url}/services/rest/query/v1/suiteql"
        links = [{"rel": "self", "href": f"{url}?limit={limit}&offset={offset}"}]
        if more:
            links.append({"rel": "next", "href": f"{url}?limit={limit}&offset={offset + limit}"})
        last = max(0, (len(rows) - 1) // limit * limit)
        links.append({"rel": "last", "href": f"{url}?limit={limit}&offset={last}"})
        answer = {
            "links": links,
            "count": len(page),
            "hasMore": more,
            "items": [{"links": [], **row} for row in page],
            "offset": offset,
            "totalResults": len(rows),
        }
        return httpx.Response(200, json=answer)

    def _rows(self, query: str) -> list[dict[str, Any]] | None:
        match = _RECEIVABLES.fullmatch(query)
        if match is not None:
            since = match.group("since")
            start = datetime.strptime(since, _TS) if since else None
            chosen = [
                t
                for t in self.transactions.values()
                if t["posting"]
                and not t["voided"]
                and (start is None or t["lastmodified"] >= start)
            ]
            chosen.sort(key=lambda t: (t["lastmodified"], t["id"]))
            return [
                {
                    "id": str(t["id"]),
                    "type": t["type"],
                    "tranid": t["tranid"],
                    "otherrefnum": t["otherrefnum"],
                    "foreigntotal": _number(t["foreigntotal"]),
                    "currency": t["currency"],
                    "lastmodified": t["lastmodified"].strftime(_TS),
                }
                for t in chosen
            ]
        if _INVENTORY.fullmatch(query):
            return [
                {
                    "item": str(item),
                    "sku": self.items[item],
                    "location": str(location),
                    "location_name": self.locations[location],
                    "onhand": _number(onhand),
                    "available": _number(available),
                }
                for (item, location), (onhand, available) in sorted(self.balances.items())
            ]
        match = _ITEMS.fullmatch(query)
        if match is not None:
            wanted = {m.replace("''", "'") for m in _SQL_STRING.findall(match.group("list"))}
            return [
                {"id": str(i), "itemid": sku}
                for i, sku in sorted(self.items.items())
                if sku in wanted
            ]
        return None

    def advance_modified(self, tid: int, seconds: float) -> None:
        """Move a transaction's last change ``seconds`` later (an edit in NetSuite)."""
        with self._lock:
            row = self.transactions[tid]
            row["lastmodified"] = row["lastmodified"] + timedelta(seconds=seconds)
