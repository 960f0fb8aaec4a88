"""`HttpConnector`: the template-method base of every HTTP connector.

A subclass supplies the vendor specifics through a few hooks (`auth`, `default_headers`,
`classify`, class attributes for rate-limit defaults and signals) and its streams and
write operations (``_streams.py``, ``_writes.py``). The base runs everything else: one
request flow per call with rate limiting, credentials, retries, error classification,
logs and spans, driven by `httpx.Client` for the sync methods and `httpx.AsyncClient`
for the async ones (see ``_flow.py``).
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar, TypeVar, cast

import httpx

from retail_canon._version import __version__
from retail_canon.connectors._auth import AuthProvider, NoAuth
from retail_canon.connectors._base import Connector
from retail_canon.connectors._classify import (
    VendorError,
    classify_response,
    classify_transport,
    vendor_error,
)
from retail_canon.connectors._clients import Clients
from retail_canon.connectors._clock import Clock, SystemClock
from retail_canon.connectors._config import ConnectorConfig, RateLimit, secret_values
from retail_canon.connectors._errors import (
    AuthError,
    ConnectorError,
    RateLimited,
    RetriableConnectorError,
)
from retail_canon.connectors._flow import Flow, Send, Sleep, adrive, arun, drive, run
from retail_canon.connectors._ratelimit import Feedback, RateLimiter, SignalReader
from retail_canon.connectors._records import (
    AsyncRecords,
    Checkpoint,
    ReadState,
    Records,
    WriteReport,
)
from retail_canon.connectors._redact import Redactor
from retail_canon.connectors._request import RequestSpec
from retail_canon.connectors._retry import RetryPolicy
from retail_canon.connectors._streams import ReadStream, read_flow
from retail_canon.connectors._telemetry import attempt_span, log_attempt, logger_for
from retail_canon.connectors._writes import WriteOperation, write_flow

__all__ = ["HttpConnector"]


ConfigT = TypeVar("ConfigT", bound=ConnectorConfig)
T = TypeVar("T")


class HttpConnector(Connector[ConfigT]):
    """Base of HTTP connectors: auth, rate limits, retries, pagination, errors, logs.

    Args:
        config: a ready configuration object; or instead
        **settings: its fields, validated by `config_model`.
        transport: an httpx transport for both clients (tests pass a fake here); one
            implementing only the sync or only the async interface serves that side.
        client: a ready `httpx.Client` (its base URL and headers are not used).
        async_client: a ready `httpx.AsyncClient`.
        clock: where time is read and slept (tests pass a fake clock).
        rng: randomness of the retry jitter.

    Clients the connector creates itself are closed by `close` / `aclose` (or the context
    managers); injected ones are left to their owner. One connector instance — and its
    rate limits and token cache — is meant to be shared by all threads and tasks talking
    to one vendor account.
    """

    config_model: ClassVar[type[ConnectorConfig]] = ConnectorConfig
    default_rate_limits: ClassVar[Mapping[str, RateLimit]] = {}
    """The vendor's documented limits per operation (``"*"``: every other operation)."""
    rate_limit_signals: ClassVar[tuple[SignalReader, ...]] = ()
    """Readers of the vendor's rate-limit signals in responses."""
    idempotency_header: ClassVar[str | None] = "Idempotency-Key"
    """The header carrying idempotency keys; `None` if the vendor has none."""
    request_id_headers: ClassVar[tuple[str, ...]] = (
        "x-request-id",
        "x-amzn-requestid",
        "x-shopify-request-id",
        "wm_qos.correlation_id",
        "x-correlation-id",
    )
    """Response headers that may carry the vendor's request id, first found wins."""

    def __init__(
        self,
        *,
        config: ConfigT | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        **settings: Any,
    ) -> None:
        super().__init__(config=config, **settings)
        cfg: ConnectorConfig = self.config
        self._clock: Clock = clock or SystemClock()
        self._rng = rng or random.Random()
        self._timeout = httpx.Timeout(cfg.timeout)
        self._clients = Clients(
            transport=transport, client=client, async_client=async_client, timeout=self._timeout
        )
        self._base_url = cfg.base_url.rstrip("/")
        self._redactor = Redactor(secret_values(cfg))
        self._auth = self.auth()
        self._redactor.add(*self._auth.secrets())
        limits = {**self.default_rate_limits, **cfg.rate_limits}
        self._limiter = RateLimiter({k: (v.rate, v.burst) for k, v in limits.items()})
        self._retry = RetryPolicy(
            max_attempts=cfg.max_attempts,
            max_elapsed=cfg.max_elapsed,
            base_delay=cfg.backoff_base,
            max_delay=cfg.backoff_max,
        )
        self._log = logger_for(self.name)
        self._headers = dict(self.default_headers())

    # -- hooks --------------------------------------------------------------------------

    def auth(self) -> AuthProvider:
        """Hook: the auth provider, built from the configuration. Default: none."""
        return NoAuth()

    def default_headers(self) -> Mapping[str, str]:
        """Hook: headers sent with every request."""
        cfg: ConnectorConfig = self.config
        agent = cfg.user_agent or f"retail-canon/{__version__} ({self.name or 'connector'})"
        return {"user-agent": agent, "accept": "application/json"}

    def rate_limit_key(self, operation: str) -> str:
        """Hook: the bucket an operation draws from; default one bucket per operation."""
        return operation

    def vendor_error(self, response: httpx.Response) -> VendorError:
        """Hook: the vendor's error code and message in an error response."""
        return vendor_error(response.content)

    def check_response(self, response: httpx.Response, spec: RequestSpec) -> ConnectorError | None:
        """Hook: an error hidden in a successful response (GraphQL ``errors``), or `None`."""
        return None

    def classify(self, response: httpx.Response, spec: RequestSpec) -> ConnectorError | None:
        """Hook: the error a response amounts to, or `None` for a success."""
        if response.is_success:
            return self.check_response(response, spec)
        return classify_response(
            response,
            operation=spec.operation,
            redactor=self._redactor,
            request_id_headers=self.request_id_headers,
            wall_now=self._clock.time(),
            vendor=self.vendor_error(response),
        )

    # -- what auth providers and flows use ----------------------------------------------

    @property
    def clock(self) -> Clock:
        """The connector's clock."""
        return self._clock

    @property
    def redactor(self) -> Redactor:
        """The connector's redactor (knows every secret value it holds)."""
        return self._redactor

    @property
    def limiter(self) -> RateLimiter:
        """The connector's rate limiter, shared by its threads and tasks."""
        return self._limiter

    @property
    def log(self) -> logging.Logger:
        """The connector's logger."""
        return self._log

    @property
    def auth_provider(self) -> AuthProvider:
        """The auth provider `auth` built."""
        return self._auth

    def call_flow(
        self, spec: RequestSpec, parse: Callable[[httpx.Response], T] | None = None
    ) -> Flow[T]:
        """A flow that sends ``spec`` until it succeeds or fails for good.

        Rate-limit wait, credentials, send, classification, ``parse`` (a
        `ConnectorError` it raises counts as the attempt's failure, e.g.
        `MalformedResponse`), then retry or raise. Returns ``parse(response)``, or the
        response itself without ``parse``.
        """
        clock = self._clock
        key = self.rate_limit_key(spec.operation)
        safe = spec.safe_to_repeat(idempotency_header=self.idempotency_header)
        first: float | None = None
        attempt = 0
        reauthorized = False
        while True:
            attempt += 1
            wait = self._limiter.reserve(key, clock.monotonic(), spec.cost)
            if wait > 0:
                yield Sleep(wait)
            request = self._build_request(spec)
            if spec.auth:
                request = yield from self._auth.authenticate(request, self)
            started = clock.monotonic()
            first = started if first is None else first
            span = attempt_span(self, spec, request, attempt)
            try:
                outcome = yield Send(request)
            except GeneratorExit:  # the caller stopped (a cancelled task): end the span
                span.end(status=None, error="cancelled")
                raise
            latency = clock.monotonic() - started
            error, result = self._evaluate(spec, key, outcome, parse)
            status = outcome.status_code if isinstance(outcome, httpx.Response) else None
            span.end(status=status, error=None if error is None else type(error).__name__)
            facts = (spec, request, outcome, error, attempt, latency)
            if error is None:
                log_attempt(self, logging.DEBUG, "attempt", *facts)
                return cast(T, result)
            if (
                isinstance(error, AuthError)
                and error.status == 401
                and spec.auth
                and not reauthorized
                and self._auth.refreshable
                and self._auth.unauthorized(request)
            ):
                reauthorized = True
                attempt -= 1
                log_attempt(self, logging.INFO, "reauthorize", *facts)
                continue
            delay = self._retry.delay(
                error, attempt=attempt, elapsed=clock.monotonic() - first, safe=safe, rng=self._rng
            )
            if delay is None:
                if isinstance(error, RetriableConnectorError):
                    log_attempt(self, logging.WARNING, "give_up", *facts)
                else:
                    log_attempt(self, logging.INFO, "fail", *facts)
                raise error
            log_attempt(self, logging.INFO, "retry", *facts, delay)
            if delay > 0:
                yield Sleep(delay)

    def _build_request(self, spec: RequestSpec) -> httpx.Request:
        url = spec.url if "://" in spec.url else f"{self._base_url}/{spec.url.lstrip('/')}"
        headers = {**self._headers, **spec.headers}
        if spec.idempotency_key and self.idempotency_header:
            headers[self.idempotency_header] = spec.idempotency_key
        return httpx.Request(
            spec.method,
            url,
            params=spec.params,
            headers=headers,
            json=spec.json,
            data=spec.data,
            content=spec.content,
            extensions={"timeout": self._timeout.as_dict()},
        )

    def _evaluate(
        self,
        spec: RequestSpec,
        key: str,
        outcome: httpx.Response | httpx.RequestError,
        parse: Callable[[httpx.Response], Any] | None,
    ) -> tuple[ConnectorError | None, Any]:
        if isinstance(outcome, httpx.RequestError):
            return classify_transport(
                outcome, operation=spec.operation, redactor=self._redactor
            ), None
        now, wall = self._clock.monotonic(), self._clock.time()
        feedback: Feedback | None = None
        for reader in self.rate_limit_signals:
            read = reader.read(outcome)
            feedback = read if feedback is None else feedback.merge(read)
        if feedback is not None:
            self._limiter.observe(key, feedback, now, wall)
        error = self.classify(outcome, spec)
        if isinstance(error, RateLimited):
            explained = feedback is not None and (
                feedback.remaining is not None or feedback.resume_at is not None
            )
            self._limiter.throttled(key, now, retry_after=error.retry_after, explained=explained)
        if error is not None:
            return error, None
        if parse is None:
            return None, outcome
        try:
            return None, parse(outcome)
        except ConnectorError as exc:
            return exc, None

    # -- running flows --------------------------------------------------------------------

    def run(self, flow: Flow[T]) -> T:
        """Run a flow with the sync client (for multi-step operations you compose)."""
        return run(flow, self._clients.sync(), self._clock)

    async def arun(self, flow: Flow[T]) -> T:
        """Run a flow with the async client."""
        return await arun(flow, self._clients.asynchronous(), self._clock)

    def call(self, spec: RequestSpec) -> httpx.Response:
        """Send one request with retries; return the successful response."""
        return self.run(self.call_flow(spec))

    async def acall(self, spec: RequestSpec) -> httpx.Response:
        """Async twin of `call`."""
        return await self.arun(self.call_flow(spec))

    def read(
        self,
        stream: ReadStream[T],
        *,
        since: datetime | int | str | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> Records[T]:
        """Read ``stream`` from ``since`` or after ``checkpoint``, page by page."""
        state = ReadState(checkpoint)
        flow = read_flow(stream, state, since)
        return Records(drive(flow, self._clients.sync(), self._clock), state)

    def aread(
        self,
        stream: ReadStream[T],
        *,
        since: datetime | int | str | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> AsyncRecords[T]:
        """Async twin of `read`."""
        state = ReadState(checkpoint)
        flow = read_flow(stream, state, since)
        items: AsyncIterator[T] = adrive(flow, self._clients.asynchronous(), self._clock)
        return AsyncRecords(items, state)

    def write(self, operation: WriteOperation[T], items: Iterable[T]) -> WriteReport:
        """Write ``items`` one by one; refused items are reported, not raised."""
        return self.run(write_flow(operation, items))

    async def awrite(self, operation: WriteOperation[T], items: Iterable[T]) -> WriteReport:
        """Async twin of `write`."""
        return await self.arun(write_flow(operation, items))

    def close(self) -> None:
        """Close the sync client if this connector made it (injected ones stay open)."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close the clients this connector made (async and sync)."""
        await self._clients.aclose()

    def __repr__(self) -> str:
        caps = ", ".join(c.name for c in self.capabilities())
        return (
            f"{type(self).__name__}(name={self.name!r}, base_url={self._base_url!r}, "
            f"capabilities=[{caps}])"
        )
