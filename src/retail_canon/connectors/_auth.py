"""Auth providers: add credentials to each request, refreshing tokens when needed.

An `AuthProvider` turns an outgoing `httpx.Request` into an authenticated one through a
flow (see ``_flow.py``), so obtaining a token is just more requests in the same flow — with
the connector's retries, timeouts and logs — and the sync and async clients share it.
Providers that sign the whole request (NetSuite's OAuth 1.0a) fit the same method: they
read the method, URL and body of the request they are given and add a header.

- `StaticTokenAuth`: a fixed token in a header (Shopify ``X-Shopify-Access-Token``).
- `OAuth2RefreshToken`, `OAuth2ClientCredentials` (``_oauth.py``): the OAuth 2 grants of
  Amazon Login with Amazon and of Walmart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol, TypeVar

from pydantic import SecretStr

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors._clock import Clock
    from retail_canon.connectors._flow import Flow
    from retail_canon.connectors._redact import Redactor
    from retail_canon.connectors._request import RequestSpec

T = TypeVar("T")

__all__ = ["AuthContext", "AuthProvider", "NoAuth", "StaticTokenAuth"]


class AuthContext(Protocol):
    """What a provider may use: the clock, the redactor, and unauthenticated calls."""

    @property
    def clock(self) -> Clock:
        """The connector's clock."""
        ...

    @property
    def redactor(self) -> Redactor:
        """The connector's redactor: register every credential obtained."""
        ...

    def call_flow(
        self, spec: RequestSpec, parse: Callable[[httpx.Response], T] | None = None
    ) -> Flow[T]:
        """A flow that sends ``spec`` with the connector's retries; raises on failure.

        ``parse`` runs inside the retry loop: a `MalformedResponse` it raises is retried.
        """
        ...


class AuthProvider:
    """Adds credentials to requests. Subclasses override `authenticate`."""

    refreshable: bool = False
    """Whether a 401 may be cured by `unauthorized` and one more attempt."""

    def authenticate(self, request: httpx.Request, ctx: AuthContext) -> Flow[httpx.Request]:
        """A flow returning ``request`` with credentials added (it may send requests)."""
        yield from ()
        return request

    def unauthorized(self, request: httpx.Request) -> bool:
        """``request`` came back 401: forget its credentials; return whether to try again."""
        return False

    def secrets(self) -> Iterable[str | SecretStr]:
        """The secret values this provider holds, to register with the redactor."""
        return ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class NoAuth(AuthProvider):
    """No credentials (public endpoints, or a fake in tests)."""


class StaticTokenAuth(AuthProvider):
    """A fixed token sent in a header.

    Args:
        token: the token.
        header: the header to send it in.
        prefix: text before the token, e.g. ``"Bearer "``.

    >>> auth = StaticTokenAuth(SecretStr("shpat_example"), header="X-Shopify-Access-Token")
    >>> auth
    StaticTokenAuth(header='X-Shopify-Access-Token')
    """

    def __init__(
        self, token: SecretStr, *, header: str = "Authorization", prefix: str = ""
    ) -> None:
        self._token = token
        self.header = header
        self.prefix = prefix

    def authenticate(self, request: httpx.Request, ctx: AuthContext) -> Flow[httpx.Request]:
        """Set the header."""
        yield from ()
        request.headers[self.header] = f"{self.prefix}{self._token.get_secret_value()}"
        return request

    def secrets(self) -> Iterable[str | SecretStr]:
        """The token."""
        return (self._token,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(header={self.header!r})"
