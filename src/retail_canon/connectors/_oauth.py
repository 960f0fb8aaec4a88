"""OAuth 2 providers: the refresh-token grant (Amazon LWA) and client credentials (Walmart).

Both cache the access token, refresh it ``refresh_margin`` seconds before it expires (at
most half its lifetime early), keep using it while another caller refreshes it,
refresh it once when a request comes back 401, and refresh it *single-flight*: when many
threads or tasks need a token at once, one fetches it and the rest wait (a `Join` on the
leader's `Flight`, which works for threads and for asyncio tasks alike). The token request
runs through the connector's request core, so its 5xx, timeouts and malformed answers are
retried; the token it obtains is registered with the connector's `Redactor`.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import SecretStr

from retail_canon.connectors._auth import AuthContext, AuthProvider
from retail_canon.connectors._errors import AuthError, FatalConnectorError, MalformedResponse
from retail_canon.connectors._flow import Flight, Flow, Join
from retail_canon.connectors._request import RequestSpec

if TYPE_CHECKING:
    import httpx

__all__ = ["OAuth2ClientCredentials", "OAuth2RefreshToken"]


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    refresh_at: float  # on the connector's monotonic clock
    expires_at: float


_MAX_ROUNDS = 8


class _OAuth2Auth(AuthProvider):
    """Shared machinery of the OAuth 2 grants: cache, refresh ahead, single flight, 401."""

    refreshable = True

    def __init__(
        self,
        *,
        token_url: str,
        header: str,
        prefix: str,
        refresh_margin: float,
        default_expires_in: float,
        wait_timeout: float,
    ) -> None:
        self.token_url = token_url
        self.header = header
        self.prefix = prefix
        self.refresh_margin = refresh_margin
        self.default_expires_in = default_expires_in
        self.wait_timeout = wait_timeout
        self._lock = threading.Lock()
        self._token: _Token | None = None
        self._flight: Flight | None = None
        self.refreshes = 0
        """How many tokens this provider has fetched (for tests and metrics)."""

    def token_request(self) -> RequestSpec:  # pragma: no cover - abstract
        """The request that obtains a token."""
        raise NotImplementedError

    def token_received(self, body: Mapping[str, Any], ctx: AuthContext) -> None:
        """Hook: the token endpoint answered ``body`` (e.g. a rotated refresh token)."""

    def authenticate(self, request: httpx.Request, ctx: AuthContext) -> Flow[httpx.Request]:
        """Add a valid access token, fetching one first if needed."""
        token = yield from self._access_token(ctx)
        request.headers[self.header] = f"{self.prefix}{token}"
        return request

    def unauthorized(self, request: httpx.Request) -> bool:
        """Forget the token ``request`` used (unless already replaced); try once more."""
        sent = request.headers.get(self.header, "")
        used = sent[len(self.prefix) :] if sent.startswith(self.prefix) else sent
        with self._lock:
            if self._token is not None and self._token.value == used:
                self._token = None
        return True

    def _access_token(self, ctx: AuthContext) -> Flow[str]:
        for _ in range(_MAX_ROUNDS):
            now = ctx.clock.monotonic()
            with self._lock:
                token = self._token
                if token is not None and now < token.refresh_at:
                    return token.value
                flight = self._flight
                if token is not None and now < token.expires_at and flight is not None:
                    return token.value  # still valid; another caller is refreshing it
                lead = flight is None
                if flight is None:
                    flight = self._flight = Flight()
            if lead:
                return (yield from self._fetch(ctx, flight))
            finished = yield Join(flight, self.wait_timeout)
            if not finished:
                msg = f"no access token: a concurrent refresh took over {self.wait_timeout:g} s"
                raise AuthError(msg, operation="oauth2.token")
        msg = "no access token: concurrent token refreshes kept failing"
        raise AuthError(msg, operation="oauth2.token")

    def _fetch(self, ctx: AuthContext, flight: Flight) -> Flow[str]:
        error: BaseException | None = None
        spec = self.token_request()
        try:
            try:
                token: _Token = yield from ctx.call_flow(
                    spec, parse=lambda response: self._parse(response, ctx, spec.operation)
                )
            except FatalConnectorError as exc:
                msg = f"the token endpoint refused the credentials: {exc.message}"
                raise AuthError(
                    msg,
                    operation=spec.operation,
                    status=exc.status,
                    vendor_code=exc.vendor_code,
                    request_id=exc.request_id,
                    headers=exc.headers,
                    body=exc.body,
                ) from exc
            with self._lock:
                self._token = token
                self.refreshes += 1
            return token.value
        except BaseException as exc:
            error = exc
            raise
        finally:
            with self._lock:
                if self._flight is flight:
                    self._flight = None
            flight.finish(error)

    def _parse(self, response: httpx.Response, ctx: AuthContext, operation: str) -> _Token:
        try:
            body = response.json()
            value = body["access_token"]
            if not isinstance(value, str) or not value:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            msg = "the token endpoint's answer has no access_token"
            body_text = ctx.redactor.secrets_only(response.text[:2000])
            raise MalformedResponse(
                msg, operation=operation, status=response.status_code, body=body_text
            ) from None
        ctx.redactor.add(value)
        self.token_received(body, ctx)
        expires_in = body.get("expires_in", self.default_expires_in)
        try:
            lifetime = float(expires_in)
        except (TypeError, ValueError):
            lifetime = self.default_expires_in
        now = ctx.clock.monotonic()
        # Refresh ahead by the margin, but never in the first half of a short lifetime.
        ahead = min(self.refresh_margin, lifetime / 2)
        return _Token(value, now + lifetime - ahead, now + lifetime)


class OAuth2RefreshToken(_OAuth2Auth):
    """The OAuth 2 refresh-token grant (Amazon Login with Amazon, expiring Shopify tokens).

    Posts ``grant_type=refresh_token`` with the refresh token, client id and secret as a
    form. A rotated refresh token in the answer replaces the old one and is passed to
    ``on_refresh_token`` so you can store it.

    Args:
        token_url: the token endpoint, e.g. ``https://api.amazon.com/auth/o2/token``.
        client_id: the application's client id.
        client_secret: the application's client secret.
        refresh_token: the seller's refresh token.
        scope: the ``scope`` parameter, if the vendor wants one.
        header: where the access token goes (Amazon: ``x-amz-access-token``).
        prefix: text before the token in that header (``"Bearer "``; Amazon: none).
        refresh_margin: seconds before expiry at which a token is replaced.
        default_expires_in: the lifetime assumed when the answer has no ``expires_in``.
        wait_timeout: the longest a caller waits for another caller's refresh.
        on_refresh_token: called with a rotated refresh token.
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        refresh_token: SecretStr,
        scope: str | None = None,
        header: str = "Authorization",
        prefix: str = "Bearer ",
        refresh_margin: float = 60.0,
        default_expires_in: float = 3600.0,
        wait_timeout: float = 60.0,
        on_refresh_token: Callable[[SecretStr], None] | None = None,
    ) -> None:
        super().__init__(
            token_url=token_url,
            header=header,
            prefix=prefix,
            refresh_margin=refresh_margin,
            default_expires_in=default_expires_in,
            wait_timeout=wait_timeout,
        )
        self.client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self.scope = scope
        self.on_refresh_token = on_refresh_token

    def token_request(self) -> RequestSpec:
        """A form POST with ``grant_type=refresh_token``."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._refresh_token.get_secret_value(),
            "client_id": self.client_id,
            "client_secret": self._client_secret.get_secret_value(),
        }
        if self.scope:
            form["scope"] = self.scope
        return RequestSpec(
            "POST",
            self.token_url,
            "oauth2.token",
            data=form,
            headers={"accept": "application/json"},
            idempotent=True,
            auth=False,
        )

    def token_received(self, body: Mapping[str, Any], ctx: AuthContext) -> None:
        """Keep a rotated refresh token."""
        rotated = body.get("refresh_token")
        if isinstance(rotated, str) and rotated != self._refresh_token.get_secret_value():
            ctx.redactor.add(rotated)
            self._refresh_token = SecretStr(rotated)
            if self.on_refresh_token is not None:
                self.on_refresh_token(self._refresh_token)

    def secrets(self) -> Iterable[str | SecretStr]:
        """The client secret and the refresh token."""
        return (self._client_secret, self._refresh_token)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token_url={self.token_url!r}, client_id={self.client_id!r})"


class OAuth2ClientCredentials(_OAuth2Auth):
    """The OAuth 2 client-credentials grant (Walmart Marketplace ``/v3/token``).

    Args:
        token_url: the token endpoint, e.g. ``https://marketplace.walmartapis.com/v3/token``.
        client_id: the client id.
        client_secret: the client secret.
        scope: the ``scope`` parameter, if the vendor wants one.
        credentials_in: ``"basic"`` sends id and secret as HTTP Basic auth (Walmart),
            ``"body"`` as form fields.
        token_headers: extra headers for the token request, or a function returning them
            per request (Walmart wants a fresh ``WM_QOS.CORRELATION_ID`` each time).
        header: where the access token goes (Walmart: ``WM_SEC.ACCESS_TOKEN``).
        prefix: text before the token in that header (``"Bearer "``; Walmart: none).
        refresh_margin: seconds before expiry at which a token is replaced.
        default_expires_in: the lifetime assumed when the answer has no ``expires_in``.
        wait_timeout: the longest a caller waits for another caller's refresh.
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        scope: str | None = None,
        credentials_in: Literal["basic", "body"] = "basic",
        token_headers: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
        header: str = "Authorization",
        prefix: str = "Bearer ",
        refresh_margin: float = 60.0,
        default_expires_in: float = 900.0,
        wait_timeout: float = 60.0,
    ) -> None:
        super().__init__(
            token_url=token_url,
            header=header,
            prefix=prefix,
            refresh_margin=refresh_margin,
            default_expires_in=default_expires_in,
            wait_timeout=wait_timeout,
        )
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self.credentials_in = credentials_in
        self.token_headers = token_headers
        pair = f"{client_id}:{client_secret.get_secret_value()}".encode()
        self._basic = SecretStr(base64.b64encode(pair).decode("ascii"))

    def token_request(self) -> RequestSpec:
        """A form POST with ``grant_type=client_credentials``."""
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        headers = {"accept": "application/json"}
        extra = self.token_headers() if callable(self.token_headers) else self.token_headers
        headers.update(extra or {})
        if self.credentials_in == "basic":
            headers["authorization"] = f"Basic {self._basic.get_secret_value()}"
        else:
            form["client_id"] = self.client_id
            form["client_secret"] = self._client_secret.get_secret_value()
        return RequestSpec(
            "POST",
            self.token_url,
            "oauth2.token",
            data=form,
            headers=headers,
            idempotent=True,
            auth=False,
        )

    def secrets(self) -> Iterable[str | SecretStr]:
        """The client secret and its Basic-auth encoding."""
        return (self._client_secret, self._basic)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token_url={self.token_url!r}, client_id={self.client_id!r})"
