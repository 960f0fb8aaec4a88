"""The request core: classification, retries and their safety, rate limits, logs, spans."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from pydantic import SecretStr

from connectors.helpers import plain
from retail_canon import __version__
from retail_canon.connectors import (
    AuthError,
    BadRequest,
    ConfigurationError,
    Conflict,
    NotFound,
    RateLimit,
    RateLimited,
    RateLimitHeader,
    RequestSpec,
    ServerError,
    StaticTokenAuth,
    TokenCountHeaders,
    TransportFailure,
)
from retail_canon.testing import FakeClock

GET = RequestSpec("GET", "/orders", "getOrders")
POST = RequestSpec("POST", "/orders", "createOrder", json={"id": "o-1"})


class Script:
    """Answers requests from a list of responses or exceptions, in turn; records requests."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request):
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def connect(script, **settings):
    settings.setdefault("clock", FakeClock())
    return plain(transport=httpx.MockTransport(script), **settings)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequest),
        (401, AuthError),
        (403, AuthError),
        (404, NotFound),
        (410, NotFound),
        (409, Conflict),
        (413, BadRequest),
        (422, BadRequest),
        (429, RateLimited),
        (408, ServerError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
def test_statuses_map_to_reactions(status, error):
    conn = connect(Script(httpx.Response(status)), max_attempts=1)
    with pytest.raises(error) as info:
        conn.call(GET)
    assert type(info.value) is error
    assert info.value.status == status


def test_errors_carry_vendor_code_request_id_redacted_headers_and_body():
    body = {
        "errors": [
            {
                "code": "InvalidInput",
                "message": "Bad buyer ann@example.com",
                "details": "rc-test-secret-echo",
            }
        ]
    }
    answer = httpx.Response(
        400,
        json=body,
        headers={"x-amzn-RequestId": "req-7", "x-amz-access-token": "rc-test-secret-echo"},
    )
    auth = StaticTokenAuth(SecretStr("rc-test-secret-echo"), header="x-amz-access-token")
    conn = plain(auth, transport=httpx.MockTransport(Script(answer)), clock=FakeClock())
    with pytest.raises(BadRequest) as info:
        conn.call(GET)
    error = info.value
    assert error.vendor_code == "InvalidInput"
    assert error.request_id == "req-7"
    assert error.operation == "getOrders"
    assert str(error) == "Request req-7: getOrders: HTTP 400 InvalidInput Bad buyer ***"
    assert error.headers["x-amz-access-token"] == "***"
    assert "rc-test-secret" not in (error.body or "")
    assert "ann@example.com" in (error.body or "")  # the raw body keeps data, minus secrets


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"errors": [{"code": "QuotaExceeded", "message": "slow down"}]},
            "QuotaExceeded",
            "slow down",
        ),
        (
            {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]},
            "THROTTLED",
            "Throttled",
        ),
        (
            {"errors": [{"code": "CONTENT_NOT_FOUND.GMP_ORDER_API", "description": "none"}]},
            "CONTENT_NOT_FOUND.GMP_ORDER_API",
            "none",
        ),
        ({"errors": [{"errorId": 25001, "message": "system"}]}, "25001", "system"),
        ({"error": "invalid_grant", "error_description": "expired"}, "invalid_grant", "expired"),
        ({"error": {"code": "E1", "message": "m"}}, "E1", "m"),
        ({"message": "plain"}, None, "plain"),
    ],
)
def test_vendor_error_envelopes(body, code, message):
    conn = connect(Script(httpx.Response(400, json=body)), max_attempts=1)
    with pytest.raises(BadRequest) as info:
        conn.call(GET)
    assert info.value.vendor_code == code
    assert message in info.value.message


def test_retry_after_seconds_is_honoured():
    clock = FakeClock()
    script = Script(httpx.Response(429, headers={"retry-after": "7"}), httpx.Response(200))
    conn = connect(script, clock=clock)
    assert conn.call(GET).status_code == 200
    assert len(script.requests) == 2
    assert clock.slept >= 7.0


def test_retry_after_http_date_is_honoured():
    clock = FakeClock()
    when = clock.time() + 12
    date = httpx.Response(503, headers={"retry-after": _http_date(when)})
    script = Script(date, httpx.Response(200))
    connect(script, clock=clock).call(GET)
    assert 11.0 <= clock.slept <= 13.0


def _http_date(epoch: float) -> str:
    from email.utils import formatdate

    return formatdate(epoch, usegmt=True)


def test_a_retry_after_beyond_max_elapsed_gives_up_at_once():
    script = Script(httpx.Response(429, headers={"retry-after": "500"}))
    conn = connect(script, max_elapsed=120)
    with pytest.raises(RateLimited) as info:
        conn.call(GET)
    assert info.value.retry_after == 500.0
    assert len(script.requests) == 1


def test_attempts_are_bounded():
    script = Script(httpx.Response(503))
    with pytest.raises(ServerError):
        connect(script, max_attempts=4).call(GET)
    assert len(script.requests) == 4


def test_a_post_without_idempotency_key_is_not_repeated_after_a_5xx():
    script = Script(httpx.Response(503), httpx.Response(201))
    with pytest.raises(ServerError):
        connect(script).call(POST)
    assert len(script.requests) == 1


def test_a_post_with_idempotency_key_is_repeated_with_the_same_key():
    script = Script(httpx.Response(503), httpx.Response(201))
    spec = RequestSpec("POST", "/orders", "createOrder", json={}, idempotency_key="k-1")
    assert connect(script).call(spec).status_code == 201
    assert [r.headers["Idempotency-Key"] for r in script.requests] == ["k-1", "k-1"]


def test_a_key_is_useless_when_the_vendor_has_no_idempotency_header():
    script = Script(httpx.Response(503), httpx.Response(201))
    spec = RequestSpec("POST", "/orders", "createOrder", json={}, idempotency_key="k-1")
    conn = plain(
        attrs={"idempotency_header": None}, transport=httpx.MockTransport(script), clock=FakeClock()
    )
    with pytest.raises(ServerError):
        conn.call(spec)
    assert "Idempotency-Key" not in script.requests[0].headers


def test_a_post_is_repeated_when_the_connection_was_refused():
    request = httpx.Request("POST", "https://v.test/orders")
    script = Script(httpx.ConnectError("refused", request=request), httpx.Response(201))
    assert connect(script).call(POST).status_code == 201


def test_a_post_is_not_repeated_after_a_read_timeout():
    request = httpx.Request("POST", "https://v.test/orders")
    script = Script(httpx.ReadTimeout("slow", request=request), httpx.Response(201))
    with pytest.raises(TransportFailure) as info:
        connect(script).call(POST)
    assert info.value.maybe_applied is True
    assert "timed out" in str(info.value)
    assert len(script.requests) == 1


def test_a_post_marked_idempotent_is_repeated_after_a_read_timeout():
    request = httpx.Request("POST", "https://v.test/graphql")
    script = Script(httpx.ReadTimeout("slow", request=request), httpx.Response(200))
    spec = RequestSpec("POST", "/graphql", "orders", json={"query": "{ orders }"}, idempotent=True)
    assert connect(script).call(spec).status_code == 200


def test_requests_carry_default_headers_timeouts_and_urls():
    script = Script(httpx.Response(200))
    conn = connect(script, timeout=7.5, base_url="https://v.test/api/v1/")
    conn.call(RequestSpec("GET", "orders", "getOrders", params={"a": "1"}))
    conn.call(RequestSpec("GET", "https://other.test/x", "other"))
    first, second = script.requests
    assert str(first.url) == "https://v.test/api/v1/orders?a=1"
    assert str(second.url) == "https://other.test/x"
    assert first.headers["user-agent"] == f"retail-canon/{__version__} (plain)"
    assert first.headers["accept"] == "application/json"
    assert first.extensions["timeout"] == {"connect": 7.5, "read": 7.5, "write": 7.5, "pool": 7.5}


def test_configured_limits_pace_requests():
    clock = FakeClock()
    conn = connect(
        Script(httpx.Response(200)),
        clock=clock,
        rate_limits={"getOrders": RateLimit(rate=2, burst=1)},
    )
    for _ in range(5):
        conn.call(GET)
    assert clock.slept == pytest.approx(2.0)
    conn.call(RequestSpec("GET", "/x", "other"))  # another operation has no limit
    assert clock.slept == pytest.approx(2.0)


def test_connector_defaults_and_star_limit():
    clock = FakeClock()
    attrs = {
        "default_rate_limits": {
            "*": RateLimit(rate=1, burst=1),
            "fast": RateLimit(rate=100, burst=100),
        }
    }
    conn = plain(
        attrs=attrs, transport=httpx.MockTransport(Script(httpx.Response(200))), clock=clock
    )
    for _ in range(3):
        conn.call(GET)
    assert clock.slept == pytest.approx(2.0)
    for _ in range(3):
        conn.call(RequestSpec("GET", "/f", "fast"))
    assert clock.slept == pytest.approx(2.0)


def test_vendor_rate_header_slows_the_client_down():
    clock = FakeClock()
    script = Script(httpx.Response(200, headers={"x-amzn-RateLimit-Limit": "0.5"}))
    conn = plain(
        attrs={"rate_limit_signals": (RateLimitHeader(),)},
        transport=httpx.MockTransport(script),
        clock=clock,
    )
    for _ in range(4):
        conn.call(GET)
    assert clock.slept == pytest.approx(4.0)  # 1 free, then one per 2 s


def test_walmart_reset_time_pauses_every_caller():
    clock = FakeClock()
    reset_ms = int((clock.time() + 3.0) * 1000)
    limited = httpx.Response(
        429, headers={"x-current-token-count": "0", "x-next-replenish-time": str(reset_ms)}
    )
    script = Script(limited, httpx.Response(200, headers={"x-current-token-count": "5"}))
    conn = plain(
        attrs={"rate_limit_signals": (TokenCountHeaders(),)},
        transport=httpx.MockTransport(script),
        clock=clock,
    )
    conn.call(GET)
    assert clock.slept == pytest.approx(3.0, abs=0.002)  # the header has millisecond precision
    assert len(script.requests) == 2


def test_attempts_are_logged_with_structured_fields(caplog):
    caplog.set_level(logging.DEBUG, logger="retail_canon")
    script = Script(
        httpx.Response(503, headers={"x-amzn-RequestId": "r-1"}),
        httpx.Response(200, headers={"x-amzn-RequestId": "r-2"}),
    )
    connect(script).call(
        RequestSpec("GET", "/orders", "getOrders", params={"NextToken": "abc", "email": "a@b.co"})
    )
    records = [r for r in caplog.records if r.name == "retail_canon.connectors.plain"]
    assert [r.event for r in records] == ["retry", "attempt"]
    retry, done = records
    assert retry.levelno == logging.INFO
    assert (retry.operation, retry.attempt, retry.status_code, retry.request_id) == (
        "getOrders",
        1,
        503,
        "r-1",
    )
    assert retry.retry_in_s is not None
    assert (done.attempt, done.status_code, done.request_id, done.connector) == (
        2,
        200,
        "r-2",
        "plain",
    )
    assert done.url == "https://v.test/orders?NextToken=***&email=***"
    assert isinstance(done.latency_ms, float)
    assert "a@b.co" not in caplog.text


def test_giving_up_is_a_warning_and_a_fatal_error_is_info(caplog):
    caplog.set_level(logging.DEBUG, logger="retail_canon")
    with pytest.raises(ServerError):
        connect(Script(httpx.Response(503)), max_attempts=1).call(GET)
    with pytest.raises(NotFound):
        connect(Script(httpx.Response(404))).call(GET)
    assert [(r.event, r.levelno) for r in caplog.records if hasattr(r, "event")] == [
        ("give_up", logging.WARNING),
        ("fail", logging.INFO),
    ]


def test_transport_errors_are_retried_then_classified():
    request = httpx.Request("GET", "https://v.test/orders")
    script = Script(httpx.ConnectError("[Errno -2] Name or service not known", request=request))
    with pytest.raises(TransportFailure) as info:
        connect(script, max_attempts=3).call(GET)
    assert len(script.requests) == 3
    assert info.value.maybe_applied is False


class Closable(httpx.MockTransport):
    closed = False

    def close(self):
        self.closed = True


def test_injected_clients_are_left_open_and_owned_ones_closed():
    mine = httpx.Client(transport=httpx.MockTransport(Script(httpx.Response(200))))
    conn = plain(client=mine, clock=FakeClock())
    conn.call(GET)
    conn.close()
    assert not mine.is_closed
    mine.close()
    transport = Closable(Script(httpx.Response(200)))
    with plain(transport=transport, clock=FakeClock()) as owned:
        owned.call(GET)
        assert not transport.closed
    assert transport.closed  # the client the connector made was closed with it


def test_async_only_transport_refuses_sync_use():
    class AsyncOnly(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            return httpx.Response(200)

    conn = plain(transport=AsyncOnly(), clock=FakeClock())
    with pytest.raises(ConfigurationError, match="async-only"):
        conn.call(GET)
    assert asyncio.run(conn.acall(GET)).status_code == 200
    asyncio.run(conn.aclose())


@pytest.fixture(scope="module")
def exporter():
    trace = pytest.importorskip("opentelemetry.trace")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from retail_canon.connectors._telemetry import _reset_tracer

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _reset_tracer()
    yield exporter
    _reset_tracer()


class TestOpenTelemetry:
    def test_each_attempt_is_a_client_span(self, exporter):
        exporter.clear()
        script = Script(httpx.Response(503), httpx.Response(200))
        connect(script).call(RequestSpec("GET", "/orders", "getOrders", params={"NextToken": "t"}))
        spans = exporter.get_finished_spans()
        assert [s.name for s in spans] == ["getOrders", "getOrders"]
        first, second = (dict(s.attributes) for s in spans)
        assert first["http.response.status_code"] == 503
        assert first["error.type"] == "ServerError"
        assert second["retail_canon.attempt"] == 2
        assert second["url.full"] == "https://v.test/orders?NextToken=***"
        assert spans[0].status.status_code.name == "ERROR"

    def test_telemetry_false_emits_nothing(self, exporter):
        exporter.clear()
        connect(Script(httpx.Response(200)), telemetry=False).call(GET)
        assert exporter.get_finished_spans() == ()


def test_multi_step_operations_are_one_flow_run_sync_or_async():
    def handler(request):
        if request.url.path == "/documents":
            return httpx.Response(201, json={"id": "d-1", "url": "https://upload.test/d-1"})
        if request.url.host == "upload.test":
            assert "authorization" not in request.headers
            return httpx.Response(200)
        return httpx.Response(202, json={"feedId": f"feed-for-{request.read().decode()}"})

    auth = StaticTokenAuth(SecretStr("rc-test-secret-feeds"), header="authorization")
    conn = plain(auth, transport=httpx.MockTransport(handler), clock=FakeClock())

    def submit(payload: bytes):
        doc = yield from conn.call_flow(
            RequestSpec("POST", "/documents", "createDocument", json={})
        )
        url, doc_id = doc.json()["url"], doc.json()["id"]
        yield from conn.call_flow(RequestSpec("PUT", url, "upload", content=payload, auth=False))
        feed = yield from conn.call_flow(
            RequestSpec("POST", "/feeds", "createFeed", content=doc_id.encode()),
            parse=lambda response: response.json()["feedId"],
        )
        return feed

    assert conn.run(submit(b"rows")) == "feed-for-d-1"
    assert asyncio.run(conn.arun(submit(b"rows"))) == "feed-for-d-1"
