"""FakeVendor as an httpx transport: routes, injected faults, limits, tokens, the log."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from retail_canon.testing import (
    DemoVendorFake,
    FakeClock,
    FakeVendor,
    FaultKind,
    FaultRule,
    route,
)


class Echo(FakeVendor):
    page_token_param = "cursor"

    def __init__(self, **options):
        super().__init__(**options)
        self.created = 0

    @route("GET", "/items/(?P<item>[a-z]+)")
    def get_item(self, request):
        return httpx.Response(
            200, json={"item": request.path_params["item"], "q": dict(request.params)}
        )

    @route("POST", "/items")
    def create(self, request):
        self.created += 1
        return httpx.Response(201, json={"got": request.json()})

    @route("POST", "/form")
    def form(self, request):
        return httpx.Response(200, json=request.form())


def client(fake, timeout=5.0):
    return httpx.Client(transport=fake, base_url="https://fake.test", timeout=timeout)


def test_routes_dispatch_with_path_params_and_parse_bodies():
    fake = Echo()
    with client(fake) as http:
        assert http.get("/items/abc", params={"x": "1"}).json() == {"item": "abc", "q": {"x": "1"}}
        assert http.post("/items", json={"a": 1}).json() == {"got": {"a": 1}}
        assert http.post("/form", data={"k": "v"}).json() == {"k": "v"}
        assert http.delete("/items").status_code == 405
        missing = http.get("/nope")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "NotFound"
    assert [e.status for e in fake.exchanges] == [200, 201, 200, 405, 404]
    assert fake.statuses() == [200, 201, 200, 405, 404]


def test_async_clients_are_served_too():
    fake = Echo()

    async def main():
        async with httpx.AsyncClient(transport=fake, base_url="https://fake.test") as http:
            return (await http.get("/items/xyz")).json()

    assert asyncio.run(main())["item"] == "xyz"


def test_throttle_and_server_error_answers():
    fake = Echo(
        faults=[
            FaultRule(FaultKind.RATE_LIMIT, every=2, retry_after=3),
            FaultRule(FaultKind.SERVER_ERROR, every=2, status=502),
        ]
    )
    with client(fake) as http:
        statuses = [http.get("/items/a") for _ in range(4)]
    # Rule 1 sees every request; rule 2 only those rule 1 let through.
    assert [r.status_code for r in statuses] == [200, 429, 502, 429]
    assert statuses[1].headers["retry-after"] == "3"
    assert statuses[1].json()["errors"][0]["code"] == "QuotaExceeded"


@pytest.mark.parametrize(
    ("kind", "processed", "error"),
    [
        (FaultKind.TIMEOUT, True, httpx.ReadTimeout),
        (FaultKind.TIMEOUT, False, httpx.ConnectTimeout),
        (FaultKind.CONNECTION_RESET, True, httpx.RemoteProtocolError),
        (FaultKind.CONNECTION_RESET, False, httpx.ConnectError),
    ],
)
def test_lost_answers_before_or_after_the_vendor_acted(kind, processed, error):
    fake = Echo(faults=[FaultRule(kind, every=1, processed=processed)])
    with client(fake) as http, pytest.raises(error):
        http.post("/items", json={})
    assert fake.created == (1 if processed else 0)
    assert fake.exchanges[0].status is None
    assert fake.exchanges[0].fault is kind


def test_truncated_and_malformed_bodies():
    fake = Echo(faults=[FaultRule(FaultKind.TRUNCATED_BODY, every=2)])
    with client(fake) as http:
        full = http.get("/items/abcdef").content
        truncated = http.get("/items/abcdef").content
    assert truncated == full[: len(full) // 2]
    fake = Echo(faults=[FaultRule(FaultKind.MALFORMED_BODY, every=1)])
    with client(fake) as http:
        malformed = http.get("/items/abcdef")
    assert malformed.status_code == 200
    assert malformed.headers["content-type"] == "text/html"
    with pytest.raises(ValueError, match="Expecting value"):
        malformed.json()


def test_slow_answers_advance_the_clock_and_time_out_past_the_read_timeout():
    clock = FakeClock()
    fake = Echo(
        clock=clock,
        faults=[
            FaultRule(FaultKind.SLOW_RESPONSE, every=1, delay=3.0, limit=1),
            FaultRule(FaultKind.SLOW_RESPONSE, every=1, delay=30.0),
        ],
    )
    with client(fake, timeout=10.0) as http:
        assert http.post("/items", json={}).status_code == 201
        assert clock.monotonic() == pytest.approx(1003.0)
        with pytest.raises(httpx.ReadTimeout):
            http.post("/items", json={})
    assert fake.created == 2  # the slow vendor still acted


def test_page_token_expiry_hits_only_requests_with_a_page_token():
    fake = Echo(faults=[FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=1)])
    with client(fake) as http:
        assert http.get("/items/a").status_code == 200
        expired = http.get("/items/a", params={"cursor": "c1"})
    assert expired.status_code == 400
    assert expired.json()["errors"][0]["code"] == "ExpiredPageToken"


def test_access_tokens_expire_on_the_clock_and_by_fault():
    clock = FakeClock()
    fake = DemoVendorFake(
        clock=clock, token_ttl=60, faults=[FaultRule(FaultKind.AUTH_TOKEN_EXPIRY, every=3)]
    )
    with httpx.Client(transport=fake, base_url=fake.base_url) as http:
        token = fake.issue_token(60)["access_token"]
        assert token.startswith("rc-fake-token-")
        auth = {"authorization": f"Bearer {token}"}
        assert http.get("/v1/orders", headers=auth).status_code == 200
        assert http.get("/v1/orders").status_code == 401  # no token: the fault does not apply
        clock.advance(61)
        assert http.get("/v1/orders", headers=auth).status_code == 401
        fresh = {"authorization": f"Bearer {fake.issue_token(60)['access_token']}"}
        assert http.get("/v1/orders", headers=fresh).status_code == 200
        assert http.get("/v1/orders", headers=fresh).status_code == 401  # revoked by the fault


def test_server_side_rate_limit():
    clock = FakeClock()
    fake = Echo(clock=clock)
    fake.rate_limit(2.0, 3.0)
    with client(fake) as http:
        burst = [http.get("/items/a").status_code for _ in range(5)]
        clock.advance(1.0)
        later = [http.get("/items/a").status_code for _ in range(3)]
    assert burst == [200, 200, 200, 429, 429]
    assert later == [200, 200, 429]


def test_demo_vendor_announces_limits_in_vendor_styles():
    clock = FakeClock()
    for style, expected in (
        ("amazon", {"x-amzn-ratelimit-limit"}),
        ("walmart", {"x-current-token-count", "x-next-replenish-time"}),
    ):
        fake = DemoVendorFake(clock=clock, signals=style)
        fake.rate_limit(1.0, 1.0)
        token = {"authorization": f"Bearer {fake.issue_token()['access_token']}"}
        with httpx.Client(transport=fake, base_url=fake.base_url) as http:
            ok = http.get("/v1/orders", headers=token)
            throttled = http.get("/v1/orders", headers=token)
        assert expected <= set(ok.headers)
        assert throttled.status_code == 429
        if style == "amazon":
            assert "x-amzn-ratelimit-limit" not in throttled.headers  # as on Amazon
        else:
            assert throttled.headers["x-current-token-count"] == "0"
            assert int(throttled.headers["x-next-replenish-time"]) == int(
                (clock.time() + 1.0) * 1000
            )


def test_put_and_get_need_the_vendor_to_implement_them():
    with pytest.raises(NotImplementedError, match="implement put"):
        Echo().put("orders", [])
    with pytest.raises(NotImplementedError, match="implement get"):
        Echo().get("orders")
    with pytest.raises(NotImplementedError):
        DemoVendorFake().put("inventory", [])
