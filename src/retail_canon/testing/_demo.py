"""A generic demo vendor: the fake the framework's own tests and benchmarks run against.

`DemoVendorFake` serves a small orders API with the shapes real vendors have:

- ``POST /oauth/token`` — OAuth 2 refresh-token grant (form), tokens expiring on the clock;
- ``GET /v1/orders?updated_after=&page_size=&page_token=`` — keyset pages ascending by
  ``(updated_at, id)``, inclusive filter, page tokens that may expire (``ExpiredPageToken``);
- ``POST /v1/orders`` — creates an order, deduplicated by ``Idempotency-Key``;
- ``GET /v1/orders/{id}``.

`DemoConnector` (``_demo_connector.py``) is the connector for it.
"""

from __future__ import annotations

import base64
import bisect
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx

from retail_canon.testing._clock import FakeClock
from retail_canon.testing._fake import FakeRequest, FakeVendor, route
from retail_canon.testing._faults import FaultPlan, FaultRule

__all__ = ["DemoVendorFake", "order_from_vendor", "order_to_vendor"]

_STATUSES = {
    "pending": "PENDING",
    "open": "OPEN",
    "fulfilled": "FULFILLED",
    "cancelled": "CANCELLED",
}
_START = datetime(2026, 1, 1, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def order_from_vendor(record: dict[str, Any]) -> Any:
    """A demo vendor order as a canonical `SalesOrder` (raises on a bad record)."""
    from retail_canon.models import (
        Customer,
        ExternalRef,
        Money,
        OrderLine,
        OrderStatus,
        Quantity,
        SalesOrder,
    )

    currency = record["currency"]
    lines = [
        OrderLine(
            line_id=f"{record['id']}-{index}",
            sku=line["sku"],
            quantity=Quantity(value=str(line["quantity"]), uom="EA"),
            unit_price=Money(amount=str(line["price"]), currency=currency),
        )
        for index, line in enumerate(record["lines"], start=1)
    ]
    status = record.get("status", "open")
    email = record.get("email")
    return SalesOrder(
        order_id=record["id"],
        order_number=record.get("number"),
        channel="demo",
        placed_at=record["created_at"],
        updated_at=record["updated_at"],
        currency=currency,
        status=OrderStatus(_STATUSES.get(status, "OTHER")),
        source_status=status,
        customer=Customer(email=email) if email else None,
        lines=lines,
        external_refs=[ExternalRef(system="demo", scheme="order_id", value=record["id"])],
    )


def order_to_vendor(order: Any) -> dict[str, Any]:
    """A canonical `SalesOrder` in the demo vendor's shape."""
    reverse = {v: k for k, v in _STATUSES.items()}
    placed = _iso(order.placed_at)
    return {
        "id": order.order_id,
        "number": order.order_number,
        "created_at": placed,
        "updated_at": _iso(order.updated_at) if order.updated_at else placed,
        "currency": order.currency,
        "status": order.source_status or reverse.get(str(order.status), "open"),
        "email": order.customer.email if order.customer else None,
        "lines": [
            {
                "sku": line.sku,
                "quantity": str(line.quantity.value),
                "price": str(line.unit_price.amount),
            }
            for line in order.lines
        ],
    }


class DemoVendorFake(FakeVendor):
    """The demo vendor (see the module docstring).

    Args:
        client_id: the client id the token endpoint accepts.
        client_secret: the client secret it accepts.
        refresh_token: the refresh token it accepts.
        token_ttl: lifetime of access tokens, simulated seconds.
        page_token_ttl: lifetime of page tokens, simulated seconds (`None`: no expiry).
        signals: how the server-side rate limit (`rate_limit`) announces itself:
            ``"none"``; ``"amazon"`` (``x-amzn-RateLimit-Limit`` on successes, bare 429s);
            ``"walmart"`` (``x-current-token-count``, ``x-next-replenish-time`` in ms).

    ``clock``, ``faults``, ``seed`` and ``latency`` are as for `FakeVendor`.
    """

    base_url = "https://demo.retail-canon.test"

    def __init__(
        self,
        *,
        client_id: str = "demo-client",
        client_secret: str = "rc-test-secret-demo-client",
        refresh_token: str = "rc-test-secret-demo-refresh",
        token_ttl: float = 3600.0,
        page_token_ttl: float | None = None,
        signals: Literal["none", "amazon", "walmart"] = "none",
        clock: FakeClock | None = None,
        faults: FaultPlan | Iterable[FaultRule] = (),
        seed: int = 0,
        latency: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, faults=faults, seed=seed, latency=latency)
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.token_ttl = token_ttl
        self.page_token_ttl = page_token_ttl
        self.signals = signals
        self.orders: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.created = 0
        self._version = 0
        self._cache: tuple[Any, list[tuple[tuple[datetime, str], dict[str, Any]]]] | None = None

    # -- seeding ----------------------------------------------------------------------------

    def add_orders(self, records: Iterable[dict[str, Any]]) -> None:
        """Store vendor-shaped orders as they are (bad ones included)."""
        with self._lock:
            for record in records:
                self.orders[str(record["id"])] = dict(record)
            self._version += 1

    def seed_orders(
        self,
        count: int,
        *,
        start: datetime = _START,
        step: timedelta = timedelta(seconds=1),
        ties: int = 3,
    ) -> list[dict[str, Any]]:
        """Generate and store ``count`` orders.

        Every ``ties`` consecutive orders share an ``updated_at``, so pagination and
        checkpoints meet equal timestamps.
        """
        records = []
        for i in range(count):
            moment = start + step * (i // max(1, ties))
            records.append(
                {
                    "id": f"ord-{i:06d}",
                    "number": f"#{1000 + i}",
                    "created_at": _iso(moment),
                    "updated_at": _iso(moment),
                    "currency": "USD",
                    "status": ("open", "pending", "fulfilled")[i % 3],
                    "email": f"buyer{i}@example.com",
                    "lines": [
                        {"sku": f"SKU-{i % 17}", "quantity": str(1 + i % 4), "price": "9.99"}
                    ],
                }
            )
        self.add_orders(records)
        return records

    def put(self, kind: str, objects: Iterable[Any]) -> None:
        """Seed canonical orders (``kind="orders"``)."""
        if kind != "orders":
            super().put(kind, objects)
        self.add_orders(order_to_vendor(o) for o in objects)

    def get(self, kind: str) -> list[Any]:
        """The stored orders as canonical `SalesOrder` objects (``kind="orders"``)."""
        if kind != "orders":
            return super().get(kind)
        with self._lock:
            return [order_from_vendor(r) for r in self._sorted()]

    # -- signals ----------------------------------------------------------------------------

    def rate_limit_headers(
        self, bucket_rate: float, tokens: float, next_token_at: float, throttled: bool
    ) -> dict[str, str]:
        """Headers in the style chosen by ``signals``."""
        if self.signals == "amazon":
            return {} if throttled else {"x-amzn-RateLimit-Limit": f"{bucket_rate:g}"}
        if self.signals == "walmart":
            wall = self.clock.time() + (next_token_at - self.clock.monotonic())
            return {
                "x-current-token-count": str(max(0, int(tokens))),
                "x-next-replenish-time": str(int(wall * 1000)),
            }
        return {}

    def rate_limit_key(self, request: httpx.Request) -> str | None:
        """The token endpoint is not limited; everything else draws from ``"*"``."""
        return None if request.url.path == "/oauth/token" else "*"

    # -- routes -----------------------------------------------------------------------------

    @route("POST", "/oauth/token")
    def token(self, request: FakeRequest) -> httpx.Response:
        """The refresh-token grant."""
        form = request.form()
        valid = (
            form.get("grant_type") == "refresh_token"
            and form.get("client_id") == self.client_id
            and form.get("client_secret") == self.client_secret
            and form.get("refresh_token") == self.refresh_token
        )
        if not valid:
            body = {"error": "invalid_grant", "error_description": "The credentials are invalid."}
            return httpx.Response(400, json=body)
        return httpx.Response(200, json=self.issue_token(self.token_ttl))

    @route("GET", "/v1/orders")
    def list_orders(self, request: FakeRequest) -> httpx.Response:
        """One page of orders."""
        denied = self.check_token(request)
        if denied is not None:
            return denied
        size = min(int(request.params.get("page_size", "50")), 100)
        token = request.params.get("page_token")
        since = request.params.get("updated_after")
        after: tuple[datetime, str] | None = None
        if token:
            state = self._read_page_token(token)
            if state is None:
                return self.expired_page_token_response()
            since = state["since"]
            after = (datetime.fromisoformat(state["after"][0]), state["after"][1])
        index = self._index()
        keys = [key for key, _ in index]
        start = 0
        if since:
            start = bisect.bisect_left(keys, (datetime.fromisoformat(since), ""))
        if after is not None:
            start = max(start, bisect.bisect_right(keys, after))
        page = [record for _, record in index[start : start + size]]
        next_token = None
        if page and start + size < len(index):
            next_token = self._page_token(since, _key(page[-1]))
        return httpx.Response(200, json={"orders": page, "next_token": next_token})

    @route("POST", "/v1/orders")
    def create_order(self, request: FakeRequest) -> httpx.Response:
        """Create an order; the same ``Idempotency-Key`` replays the first answer."""
        denied = self.check_token(request)
        if denied is not None:
            return denied
        key = request.headers.get("idempotency-key")
        if key and key in self.idempotency:
            return httpx.Response(
                200, json=self.idempotency[key], headers={"idempotent-replayed": "true"}
            )
        body = request.json()
        if not isinstance(body, dict) or not body.get("lines"):
            return self.error_response(422, "InvalidOrder", "An order needs at least one line.")
        if str(body.get("id")) in self.orders:
            return self.error_response(409, "DuplicateOrder", f"Order {body.get('id')} exists.")
        self.created += 1
        self.orders[str(body["id"])] = body
        self._version += 1
        answer = {"id": body["id"], "created": self.created}
        if key:
            self.idempotency[key] = answer
        return httpx.Response(201, json=answer)

    @route("GET", "/v1/orders/(?P<order_id>[^/]+)")
    def get_order(self, request: FakeRequest) -> httpx.Response:
        """One order."""
        denied = self.check_token(request)
        if denied is not None:
            return denied
        record = self.orders.get(request.path_params["order_id"])
        if record is None:
            return self.error_response(404, "NotFound", "No such order.")
        return httpx.Response(200, json=record)

    # -- internals --------------------------------------------------------------------------

    def _sorted(self) -> list[dict[str, Any]]:
        return [record for _, record in self._index()]

    def _index(self) -> list[tuple[tuple[datetime, str], dict[str, Any]]]:
        # Rebuilt only when the orders changed (a page request must not sort them all).
        stamp = (id(self.orders), len(self.orders), self._version)
        if self._cache is None or self._cache[0] != stamp:
            index = sorted(((_key(r), r) for r in self.orders.values()), key=lambda kr: kr[0])
            self._cache = (stamp, index)
        return self._cache[1]

    def _page_token(self, since: str | None, after: tuple[datetime, str]) -> str:
        expires = (
            None if self.page_token_ttl is None else self.clock.monotonic() + self.page_token_ttl
        )
        raw = json.dumps({"since": since, "after": [_iso(after[0]), after[1]], "exp": expires})
        return base64.urlsafe_b64encode(raw.encode()).decode()

    def _read_page_token(self, token: str) -> dict[str, Any] | None:
        try:
            state: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.encode()))
        except ValueError:
            return None
        expires = state.get("exp")
        if expires is not None and self.clock.monotonic() >= expires:
            return None
        return state


def _key(record: dict[str, Any]) -> tuple[datetime, str]:
    return (datetime.fromisoformat(str(record["updated_at"])), str(record["id"]))
