"""Auth providers: static headers, OAuth 2 grants, refresh ahead, single flight, 401, signing."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from pydantic import SecretStr

from connectors.helpers import plain
from retail_canon.connectors import (
    AuthError,
    AuthProvider,
    MalformedResponse,
    OAuth2ClientCredentials,
    OAuth2RefreshToken,
    RequestSpec,
    StaticTokenAuth,
)
from retail_canon.testing import FakeClock

CLIENT_SECRET = "rc-test-secret-lwa-client"
REFRESH = "rc-test-secret-lwa-refresh"
TOKEN_URL = "https://auth.test/o2/token"
GET = RequestSpec("GET", "/orders", "getOrders")


class Vendor:
    """An LWA-like token endpoint and an API that wants ``x-amz-access-token``."""

    def __init__(self, clock=None, ttl=3600, header="x-amz-access-token"):
        self.clock = clock
        self.ttl = ttl
        self.header = header
        self.issued: list[str] = []
        self.forms: list[dict[str, str]] = []
        self.token_headers: list[httpx.Headers] = []
        self.revoked: set[str] = set()
        self.refuse_all = False
        self.api_calls = 0
        self.token_status: list[int] = []  # statuses to answer the token endpoint with, in turn
        self.lock = threading.Lock()

    def token(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.forms.append(dict(httpx.QueryParams(request.content.decode())))
            self.token_headers.append(request.headers)
            if self.token_status:
                status = self.token_status.pop(0)
                if status == 200:
                    return httpx.Response(200, content=b'{"access_token": "rc-fake-token-trunc')
                return httpx.Response(
                    status, json={"error": "invalid_grant", "error_description": "bad"}
                )
            value = f"rc-fake-token-{len(self.issued) + 1}"
            self.issued.append(value)
        return httpx.Response(
            200, json={"access_token": value, "expires_in": self.ttl, "token_type": "bearer"}
        )

    def api(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.api_calls += 1
        token = request.headers.get(self.header, "")
        if self.refuse_all or token not in self.issued or token in self.revoked:
            return httpx.Response(
                401, json={"errors": [{"code": "Unauthorized", "message": "expired"}]}
            )
        return httpx.Response(200, json={"ok": True})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            return self.token(request)
        return self.api(request)


def lwa(**options):
    return OAuth2RefreshToken(
        token_url=TOKEN_URL,
        client_id="amzn1.application-oa2-client.x",
        client_secret=SecretStr(CLIENT_SECRET),
        refresh_token=SecretStr(REFRESH),
        header="x-amz-access-token",
        prefix="",
        **options,
    )


def test_static_token_goes_in_its_header_and_never_in_repr():
    seen = []

    def handler(request):
        seen.append(request.headers["X-Shopify-Access-Token"])
        return httpx.Response(200)

    auth = StaticTokenAuth(SecretStr("rc-test-secret-shpat"), header="X-Shopify-Access-Token")
    conn = plain(auth, transport=httpx.MockTransport(handler))
    conn.call(GET)
    assert seen == ["rc-test-secret-shpat"]
    assert "rc-test-secret" not in repr(auth) + repr(conn)
    assert "rc-test-secret-shpat" in conn.redactor.secrets
    assert auth.refreshable is False


def test_refresh_token_grant_posts_the_form_and_caches_the_token():
    vendor = Vendor()
    clock = FakeClock()
    conn = plain(lwa(), transport=httpx.MockTransport(vendor), clock=clock)
    for _ in range(3):
        conn.call(GET)
    assert vendor.forms == [
        {
            "grant_type": "refresh_token",
            "refresh_token": REFRESH,
            "client_id": "amzn1.application-oa2-client.x",
            "client_secret": CLIENT_SECRET,
        }
    ]
    assert vendor.api_calls == 3
    assert vendor.issued[0] in conn.redactor.secrets


def test_token_is_refreshed_ahead_of_expiry():
    vendor = Vendor(ttl=3600)
    clock = FakeClock()
    provider = lwa(refresh_margin=60.0)
    conn = plain(provider, transport=httpx.MockTransport(vendor), clock=clock)
    conn.call(GET)
    clock.advance(3600 - 61)
    conn.call(GET)
    assert provider.refreshes == 1
    clock.advance(2)  # now inside the margin: refreshed before the vendor would refuse it
    conn.call(GET)
    assert provider.refreshes == 2
    assert vendor.api_calls == 3  # no 401 was needed


def test_short_lived_tokens_are_refreshed_at_half_life_not_on_every_request():
    vendor = Vendor(ttl=60)
    clock = FakeClock()
    provider = lwa(refresh_margin=60.0)
    conn = plain(provider, transport=httpx.MockTransport(vendor), clock=clock)
    conn.call(GET)
    clock.advance(29)
    conn.call(GET)
    assert provider.refreshes == 1
    clock.advance(2)
    conn.call(GET)
    assert provider.refreshes == 2


def test_a_401_refreshes_once_and_retries():
    vendor = Vendor()
    provider = lwa()
    conn = plain(provider, transport=httpx.MockTransport(vendor), clock=FakeClock())
    conn.call(GET)
    vendor.revoked.add(vendor.issued[-1])
    conn.call(GET)
    assert provider.refreshes == 2
    assert vendor.api_calls == 3


def test_a_second_401_is_an_auth_error_not_a_loop():
    vendor = Vendor()
    conn = plain(lwa(), transport=httpx.MockTransport(vendor), clock=FakeClock())
    conn.call(GET)
    vendor.refuse_all = True  # e.g. the seller revoked the app's authorization
    with pytest.raises(AuthError) as info:
        conn.call(GET)
    assert info.value.status == 401
    assert vendor.api_calls == 3


def test_refused_credentials_are_an_auth_error_without_secrets():
    vendor = Vendor()
    vendor.token_status = [400]
    conn = plain(lwa(), transport=httpx.MockTransport(vendor), clock=FakeClock())
    with pytest.raises(AuthError) as info:
        conn.call(GET)
    error = info.value
    assert error.vendor_code == "invalid_grant"
    assert error.operation == "oauth2.token"
    assert vendor.api_calls == 0
    for text in (str(error), repr(error), error.body or ""):
        assert CLIENT_SECRET not in text
        assert REFRESH not in text


def test_token_endpoint_failures_are_retried():
    vendor = Vendor()
    vendor.token_status = [503, 503]
    conn = plain(lwa(), transport=httpx.MockTransport(vendor), clock=FakeClock())
    assert conn.call(GET).status_code == 200
    assert len(vendor.forms) == 3


def test_a_truncated_token_answer_is_malformed_and_masked():
    vendor = Vendor()
    vendor.token_status = [200] * 5
    conn = plain(lwa(), transport=httpx.MockTransport(vendor), clock=FakeClock(), max_attempts=2)
    with pytest.raises(MalformedResponse) as info:
        conn.call(GET)
    assert "rc-fake-token" not in (info.value.body or "")


def test_a_rotated_refresh_token_is_kept_and_reported():
    rotated = []
    issued = iter(["rc-test-secret-rotated-1", "rc-test-secret-rotated-2"])
    forms = []

    def handler(request):
        if str(request.url) == TOKEN_URL:
            forms.append(dict(httpx.QueryParams(request.content.decode())))
            return httpx.Response(
                200,
                json={
                    "access_token": f"rc-fake-token-r{len(forms)}",
                    "expires_in": 10,
                    "refresh_token": next(issued),
                },
            )
        return httpx.Response(200)

    clock = FakeClock()
    conn = plain(
        lwa(on_refresh_token=rotated.append), transport=httpx.MockTransport(handler), clock=clock
    )
    conn.call(GET)
    clock.advance(100)
    conn.call(GET)
    assert [f["refresh_token"] for f in forms] == [REFRESH, "rc-test-secret-rotated-1"]
    assert [s.get_secret_value() for s in rotated] == [
        "rc-test-secret-rotated-1",
        "rc-test-secret-rotated-2",
    ]
    assert "rc-test-secret-rotated-2" in conn.redactor.secrets


def test_concurrent_threads_share_one_refresh():
    vendor = Vendor()
    slow_token = vendor.token

    def token(request):
        time.sleep(0.05)  # every thread arrives while the first is still fetching
        return slow_token(request)

    vendor.token = token
    provider = lwa()
    conn = plain(provider, transport=httpx.MockTransport(vendor))
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda _: conn.call(GET).status_code, range(24)))
    assert statuses == [200] * 24
    assert len(vendor.forms) == 1
    assert provider.refreshes == 1


def test_concurrent_tasks_share_one_refresh():
    vendor = Vendor()

    async def handler(request):
        if str(request.url) == TOKEN_URL:
            await asyncio.sleep(0.05)
        return vendor(request)

    provider = lwa()
    conn = plain(provider, transport=httpx.MockTransport(handler))

    async def main():
        async with conn:
            return await asyncio.gather(*(conn.acall(GET) for _ in range(30)))

    responses = asyncio.run(main())
    assert [r.status_code for r in responses] == [200] * 30
    assert len(vendor.forms) == 1


def test_followers_take_over_when_the_leader_fails():
    vendor = Vendor()
    vendor.token_status = [400]
    provider = lwa()
    conn = plain(provider, transport=httpx.MockTransport(vendor), clock=FakeClock())
    with pytest.raises(AuthError):
        conn.call(GET)
    assert conn.call(GET).status_code == 200  # the failed flight does not stick
    assert provider.refreshes == 1


def test_client_credentials_walmart_style():
    forms, headers, tokens_used = [], [], []

    def handler(request):
        if request.url.path == "/v3/token":
            forms.append(dict(httpx.QueryParams(request.content.decode())))
            headers.append(request.headers)
            return httpx.Response(
                200,
                json={
                    "access_token": "rc-fake-token-wm",
                    "token_type": "Bearer",
                    "expires_in": 900,
                },
            )
        tokens_used.append(request.headers.get("WM_SEC.ACCESS_TOKEN"))
        return httpx.Response(200)

    serial = iter(range(100))
    auth = OAuth2ClientCredentials(
        token_url="https://marketplace.walmartapis.test/v3/token",
        client_id="wm-client",
        client_secret=SecretStr("rc-test-secret-wm"),
        token_headers=lambda: {
            "WM_SVC.NAME": "Walmart Marketplace",
            "WM_QOS.CORRELATION_ID": f"c-{next(serial)}",
        },
        header="WM_SEC.ACCESS_TOKEN",
        prefix="",
    )
    clock = FakeClock()
    conn = plain(auth, transport=httpx.MockTransport(handler), clock=clock)
    conn.call(GET)
    clock.advance(900)
    conn.call(GET)
    assert forms == [{"grant_type": "client_credentials"}] * 2
    expected = "Basic " + base64.b64encode(b"wm-client:rc-test-secret-wm").decode()
    assert [h["authorization"] for h in headers] == [expected, expected]
    assert [h["WM_QOS.CORRELATION_ID"] for h in headers] == ["c-0", "c-1"]
    assert tokens_used == ["rc-fake-token-wm", "rc-fake-token-wm"]
    # The Basic value is a secret too: it must never be logged.
    assert expected.split()[1] in conn.redactor.secrets


def test_client_credentials_in_the_body():
    forms = []

    def handler(request):
        if request.url.path == "/token":
            forms.append(dict(httpx.QueryParams(request.content.decode())))
            assert "authorization" not in request.headers
            return httpx.Response(200, json={"access_token": "rc-fake-token-b"})
        assert request.headers["authorization"] == "Bearer rc-fake-token-b"
        return httpx.Response(200)

    auth = OAuth2ClientCredentials(
        token_url="https://a.test/token",
        client_id="c",
        client_secret=SecretStr("rc-test-secret-body"),
        credentials_in="body",
        scope="sellingpartnerapi::notifications",
    )
    plain(auth, transport=httpx.MockTransport(handler), clock=FakeClock()).call(GET)
    assert forms == [
        {
            "grant_type": "client_credentials",
            "scope": "sellingpartnerapi::notifications",
            "client_id": "c",
            "client_secret": "rc-test-secret-body",
        }
    ]


class HmacSigning(AuthProvider):
    """Signs method, URL, body and time, the way OAuth 1.0a (NetSuite) does."""

    def __init__(self, key: SecretStr) -> None:
        self.key = key

    def authenticate(self, request, ctx):
        yield from ()
        stamp = f"{ctx.clock.time():.0f}"
        base = b"&".join(
            [request.method.encode(), str(request.url).encode(), request.content, stamp.encode()]
        )
        digest = hmac.new(self.key.get_secret_value().encode(), base, hashlib.sha256).hexdigest()
        request.headers["authorization"] = (
            f'OAuth oauth_timestamp="{stamp}", oauth_signature="{digest}"'
        )
        return request

    def secrets(self):
        return (self.key,)


def test_request_signing_fits_the_provider_interface():
    key = "rc-test-secret-netsuite"
    verified = []

    def handler(request):
        stamp = request.headers["authorization"].split('"')[1]
        base = b"&".join(
            [request.method.encode(), str(request.url).encode(), request.content, stamp.encode()]
        )
        expected = hmac.new(key.encode(), base, hashlib.sha256).hexdigest()
        verified.append(expected in request.headers["authorization"])
        return httpx.Response(200)

    clock = FakeClock()
    conn = plain(HmacSigning(SecretStr(key)), transport=httpx.MockTransport(handler), clock=clock)
    conn.call(RequestSpec("POST", "/record/v1/salesOrder", "createSalesOrder", json={"a": 1}))
    assert verified == [True]
