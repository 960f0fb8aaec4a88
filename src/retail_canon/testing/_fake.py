"""`FakeVendor`: the base of stateful vendor fakes, served as an httpx transport.

A fake is an in-memory vendor: give it to a connector as ``transport=`` and the
connector's real code — auth, rate limits, retries, pagination — talks to it as to the
vendor, sync or async, with no network and no monkeypatching. A subclass declares its
routes with `route` and keeps its state in plain attributes; the base adds:

- fault injection (`FaultPlan`): throttling, 5xx, timeouts, resets, truncated and
  malformed bodies, expiring page and access tokens, slow answers;
- an optional server-side token bucket per key (`rate_limit`), answering 429 beyond it;
- access tokens that expire on the shared `FakeClock` (`issue_token`, `check_token`);
- a log of every exchange (`exchanges`), for assertions;
- ``put``/``get`` for the conformance suite: seed canonical objects, read back writes.

Handlers run under one lock, so a fake is safe to share between threads and tasks.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import httpx

from retail_canon.testing._clock import FakeClock
from retail_canon.testing._faults import FaultKind, FaultPlan, FaultRule

__all__ = ["Exchange", "FakeRequest", "FakeVendor", "route"]

Handler = Callable[[Any, "FakeRequest"], httpx.Response]
H = TypeVar("H", bound=Handler)

TOKEN_PREFIX = "rc-fake-token-"
"""Every access token a fake issues starts with this, so leak checks can find them."""

_MALFORMED = b"<html><head><title>502 Bad Gateway</title></head><body>upstream error</body></html>"


def route(method: str, pattern: str) -> Callable[[H], H]:
    """Declare a fake's handler for ``method`` and a path regular expression (full match).

    Named groups of the pattern are passed as `FakeRequest.path_params`.
    """

    def mark(fn: H) -> H:
        fn._fake_route = (method.upper(), re.compile(pattern))  # type: ignore[attr-defined]
        return fn

    return mark


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request the fake received: what, when, and how it answered.

    ``status`` is `None` when a transport error replaced the answer.
    """

    method: str
    path: str
    status: int | None
    fault: FaultKind | None
    at: float


class FakeRequest:
    """The request a handler sees: `httpx.Request` plus parsed parts."""

    def __init__(self, request: httpx.Request, path_params: Mapping[str, str]) -> None:
        self.raw = request
        self.method = request.method
        self.path = request.url.path
        self.params = request.url.params
        self.headers = request.headers
        self.path_params = dict(path_params)

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.raw.content or b"null")

    def form(self) -> dict[str, str]:
        """The body as a form."""
        return dict(httpx.QueryParams(self.raw.content.decode()))


class _Bucket:
    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst, self.tokens, self.updated = rate, burst, burst, now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def next_token_at(self, now: float) -> float:
        return now + max(0.0, 1.0 - self.tokens) / self.rate


class FakeVendor(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Base of vendor fakes; an httpx transport for sync and async clients.

    Args:
        clock: the simulated clock, shared with the connector under test (a real clock,
            `SystemClock`, works too as long as no latency or slow answers are simulated).
        faults: fault rules, or a ready `FaultPlan`.
        seed: seeds probabilistic faults and generated ids.
        latency: simulated seconds each answer takes.

    Subclasses override the vendor-shaped answers (`error_response`, `throttle_response`,
    `expired_page_token_response`, `unauthorized_response`), where tokens travel
    (`page_token`, `access_token`), and ``put``/``get`` for the conformance suite.
    """

    base_url: ClassVar[str] = "https://fake.retail-canon.test"
    page_token_param: ClassVar[str] = "page_token"
    _routes: ClassVar[list[tuple[str, re.Pattern[str], str]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found = []
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                spec = getattr(value, "_fake_route", None)
                if spec is not None:
                    found.append((spec[0], spec[1], name))
        cls._routes = found

    def __init__(
        self,
        *,
        clock: FakeClock | None = None,
        faults: FaultPlan | Iterable[FaultRule] = (),
        seed: int = 0,
        latency: float = 0.0,
    ) -> None:
        self.clock = clock or FakeClock()
        self.faults = faults if isinstance(faults, FaultPlan) else FaultPlan(faults, seed=seed)
        self.latency = latency
        self.exchanges: list[Exchange] = []
        self.tokens: dict[str, float] = {}
        self._limits: dict[str, _Bucket] = {}
        self._lock = threading.RLock()
        self._token_serial = 0

    # -- vendor-shaped answers (override per vendor) ---------------------------------------

    def error_response(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """An error answer: ``{"errors": [{"code", "message"}]}`` by default."""
        body = {"errors": [{"code": code, "message": message}]}
        return httpx.Response(status, json=body, headers=dict(headers or {}))

    def throttle_response(self, retry_after: float | None = None) -> httpx.Response:
        """A 429 answer (Amazon-style ``QuotaExceeded`` by default)."""
        headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
        return self.error_response(
            429, "QuotaExceeded", "You exceeded your quota for the requested resource.", headers
        )

    def expired_page_token_response(self) -> httpx.Response:
        """The answer to a request whose page token expired."""
        return self.error_response(400, "ExpiredPageToken", "The page token has expired.")

    def unauthorized_response(self) -> httpx.Response:
        """The answer to a request with a missing, unknown or expired access token."""
        return self.error_response(401, "Unauthorized", "The access token is invalid or expired.")

    def page_token(self, request: httpx.Request) -> str | None:
        """The page token a request carries (query parameter `page_token_param`)."""
        return request.url.params.get(self.page_token_param) or None

    def access_token(self, request: httpx.Request) -> str | None:
        """The access token a request carries (``Authorization: Bearer`` by default)."""
        value = request.headers.get("authorization", "")
        return value[7:] if value.lower().startswith("bearer ") else None

    def rate_limit_key(self, request: httpx.Request) -> str | None:
        """Which server-side bucket a request draws from (default: ``"*"``)."""
        return "*"

    def rate_limit_headers(
        self, bucket_rate: float, tokens: float, next_token_at: float, throttled: bool
    ) -> dict[str, str]:
        """Headers announcing the server-side limit (default: none)."""
        return {}

    # -- seeding and reading back (override for the conformance suite) ---------------------

    def put(self, kind: str, objects: Iterable[Any]) -> None:
        """Seed canonical objects of ``kind`` (``"orders"``, ``"inventory"``, ...)."""
        msg = f"{type(self).__name__} cannot be seeded with {kind}: implement put()"
        raise NotImplementedError(msg)

    def get(self, kind: str) -> list[Any]:
        """The objects of ``kind`` the fake holds, as canonical objects."""
        msg = f"{type(self).__name__} cannot return {kind}: implement get()"
        raise NotImplementedError(msg)

    # -- tokens and limits ----------------------------------------------------------------

    def issue_token(self, ttl: float = 3600.0) -> dict[str, Any]:
        """A new access token valid for ``ttl`` simulated seconds, as an OAuth 2 answer."""
        with self._lock:
            self._token_serial += 1
            token = f"{TOKEN_PREFIX}{self._token_serial}-{secrets.token_hex(6)}"
            self.tokens[token] = self.clock.monotonic() + ttl
        return {"access_token": token, "token_type": "bearer", "expires_in": int(ttl)}

    def check_token(self, request: FakeRequest) -> httpx.Response | None:
        """`unauthorized_response` unless the request carries a live token; else `None`."""
        token = self.access_token(request.raw)
        expires = self.tokens.get(token or "")
        if expires is None or self.clock.monotonic() >= expires:
            return self.unauthorized_response()
        return None

    def rate_limit(self, rate: float, burst: float, *, key: str = "*") -> None:
        """Enforce a token bucket of ``rate`` requests per second and ``burst`` on ``key``."""
        with self._lock:
            self._limits[key] = _Bucket(rate, burst, self.clock.monotonic())

    # -- the transport --------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer a request from a sync client."""
        request.read()
        return self._handle(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer a request from an async client."""
        await request.aread()
        return self._handle(request)

    def _applicable(self, request: httpx.Request) -> list[FaultKind]:
        kinds = [k for k in FaultKind if k not in _CONDITIONAL]
        if self.page_token(request):
            kinds.append(FaultKind.PAGE_TOKEN_EXPIRY)
        expires = self.tokens.get(self.access_token(request) or "")
        if expires is not None and self.clock.monotonic() < expires:
            kinds.append(FaultKind.AUTH_TOKEN_EXPIRY)
        return kinds

    def _handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            if self.latency:
                self.clock.advance(self.latency)
            now = self.clock.monotonic()
            path = request.url.path
            rule = self.faults.pick(
                request.method, path, at=now, applicable=self._applicable(request)
            )
            kind = rule.kind if rule is not None else None
            try:
                response = self._answer(request, rule)
            except httpx.RequestError:
                self.exchanges.append(Exchange(request.method, path, None, kind, now))
                raise
            self.exchanges.append(Exchange(request.method, path, response.status_code, kind, now))
            return response

    def _answer(self, request: httpx.Request, rule: FaultRule | None) -> httpx.Response:
        kind = rule.kind if rule is not None else None
        if rule is not None and kind is FaultKind.RATE_LIMIT:
            return self.throttle_response(rule.retry_after)
        if rule is not None and kind is FaultKind.SERVER_ERROR:
            return self.error_response(
                rule.status, "InternalFailure", "We encountered an internal error."
            )
        early = kind in (FaultKind.TIMEOUT, FaultKind.CONNECTION_RESET)
        if rule is not None and early and not rule.processed:
            raise _transport_error(kind, request, before=True)
        if kind is FaultKind.PAGE_TOKEN_EXPIRY:
            return self.expired_page_token_response()
        if kind is FaultKind.AUTH_TOKEN_EXPIRY:
            self.tokens.pop(self.access_token(request) or "", None)
        limited = self._limit(request)
        if limited is not None:
            return limited
        if rule is not None and kind is FaultKind.SLOW_RESPONSE:
            self.clock.advance(rule.delay)
        response = self._dispatch(request)
        response = self._with_limit_headers(request, response)
        if rule is not None and kind is FaultKind.SLOW_RESPONSE:
            read_timeout = (request.extensions.get("timeout") or {}).get("read")
            if read_timeout is not None and rule.delay > read_timeout:
                raise httpx.ReadTimeout("read timed out (slow response)", request=request)
        if kind in (FaultKind.TIMEOUT, FaultKind.CONNECTION_RESET):
            raise _transport_error(kind, request, before=False)
        if kind is FaultKind.TRUNCATED_BODY:
            content = response.content[: max(1, len(response.content) // 2)]
            return httpx.Response(
                response.status_code, headers=_without_length(response), content=content
            )
        if kind is FaultKind.MALFORMED_BODY:
            headers = {"content-type": "text/html"}
            return httpx.Response(200, headers=headers, content=_MALFORMED)
        return response

    def _limit(self, request: httpx.Request) -> httpx.Response | None:
        key = self.rate_limit_key(request)
        bucket = self._limits.get(key) if key is not None else None
        if bucket is None:
            return None
        now = self.clock.monotonic()
        if bucket.take(now):
            return None
        response = self.throttle_response(None)
        extra = self.rate_limit_headers(bucket.rate, bucket.tokens, bucket.next_token_at(now), True)
        response.headers.update(extra)
        return response

    def _with_limit_headers(
        self, request: httpx.Request, response: httpx.Response
    ) -> httpx.Response:
        key = self.rate_limit_key(request)
        bucket = self._limits.get(key) if key is not None else None
        if bucket is not None:
            now = self.clock.monotonic()
            extra = self.rate_limit_headers(
                bucket.rate, bucket.tokens, bucket.next_token_at(now), False
            )
            response.headers.update(extra)
        return response

    def _dispatch(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        allowed = []
        for method, pattern, name in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if method != request.method:
                allowed.append(method)
                continue
            handler = getattr(self, name)
            response: httpx.Response = handler(FakeRequest(request, match.groupdict()))
            return response
        if allowed:
            return self.error_response(405, "MethodNotAllowed", f"{request.method} {path}")
        return self.error_response(404, "NotFound", f"no route for {request.method} {path}")

    def statuses(self) -> list[int | None]:
        """The status of every exchange so far, in order (`None`: a transport error)."""
        return [e.status for e in self.exchanges]

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(exchanges={len(self.exchanges)}, faults={self.faults.count()})"
        )


_CONDITIONAL = frozenset({FaultKind.PAGE_TOKEN_EXPIRY, FaultKind.AUTH_TOKEN_EXPIRY})


def _transport_error(
    kind: FaultKind | None, request: httpx.Request, *, before: bool
) -> httpx.RequestError:
    if kind is FaultKind.TIMEOUT:
        if before:
            return httpx.ConnectTimeout("timed out connecting (fault)", request=request)
        return httpx.ReadTimeout("timed out waiting for the answer (fault)", request=request)
    if before:
        return httpx.ConnectError("connection refused (fault)", request=request)
    return httpx.RemoteProtocolError(
        "Server disconnected without sending a response (fault)", request=request
    )


def _without_length(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
