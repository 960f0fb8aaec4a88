"""OAuth 1.0a request signing (RFC 5849) with HMAC-SHA256: NetSuite Token-Based Authentication.

The pure pieces — `percent_encode`, `base_string_uri`, `normalize_parameters`,
`signature_base_string`, `sign_hmac_sha256`, `authorization_header`, `parse_authorization`
— follow RFC 5849 §3.4 and §3.5.1 and use the standard library only; `TokenBasedAuth` is the
`AuthProvider` that signs each outgoing request with them. The ``realm`` parameter goes in
the header but is never signed (RFC 5849 §3.4.1.3.1); NetSuite wants it to be the account id
in upper case with ``_`` (``1234567_SB1``).

>>> percent_encode("r b/ü~")
'r%20b%2F%C3%BC~'
>>> base_string_uri("HTTPS://Acct.Example.COM:443/services/rest/?limit=5")
'https://acct.example.com/services/rest/'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from pydantic import SecretStr

from retail_canon.connectors._auth import AuthContext, AuthProvider

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors._flow import Flow

__all__ = [
    "SIGNATURE_METHOD",
    "TokenBasedAuth",
    "authorization_header",
    "base_string_uri",
    "normalize_parameters",
    "parse_authorization",
    "percent_encode",
    "request_parameters",
    "sign_hmac_sha256",
    "signature_base_string",
]

SIGNATURE_METHOD = "HMAC-SHA256"
"""The only signature method NetSuite accepts for TBA (HMAC-SHA1 is refused)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


def percent_encode(value: str) -> str:
    """RFC 5849 §3.6: UTF-8, then every byte but ``A-Z a-z 0-9 - . _ ~`` as ``%XX``."""
    return quote(value.encode("utf-8"), safe="-._~")


def base_string_uri(url: str) -> str:
    """RFC 5849 §3.4.1.2: scheme and host in lower case, no default port, no query.

    The path stays as it is sent on the wire (percent-encoded as in the request line).

    Raises:
        ValueError: the URL has no scheme or host.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not scheme or not host:
        msg = f"not an absolute URL: {url!r}"
        raise ValueError(msg)
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


def request_parameters(url: str, body_form: str | None = None) -> list[tuple[str, str]]:
    """The query parameters of ``url`` and of a form body, decoded (RFC 5849 §3.4.1.3.1).

    Form bodies are decoded with ``+`` as a space, as ``application/x-www-form-urlencoded``
    says. JSON bodies (all of NetSuite REST) contribute nothing.
    """
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    if body_form:
        pairs += parse_qsl(body_form, keep_blank_values=True)
    return pairs


def normalize_parameters(params: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1.3.2: encode names and values, sort by name then value, join."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signature_base_string(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1.1: ``METHOD&enc(base string URI)&enc(normalized parameters)``.

    ``params`` are every parameter to sign — query, form body and ``oauth_*`` ones, without
    ``oauth_signature`` and ``realm``.
    """
    normalized = normalize_parameters(params)
    return "&".join(
        (method.upper(), percent_encode(base_string_uri(url)), percent_encode(normalized))
    )


def sign_hmac_sha256(base_string: str, consumer_secret: str, token_secret: str) -> str:
    """RFC 5849 §3.4.2 with SHA-256: base64 of HMAC(``enc(cs)&enc(ts)``, base string)."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode("utf-8"), base_string.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode("ascii")


def authorization_header(realm: str | None, oauth_params: Mapping[str, str]) -> str:
    """RFC 5849 §3.5.1: ``OAuth realm="…", name="enc(value)", …`` (realm first, unsigned)."""
    fields = [f'realm="{realm}"'] if realm is not None else []
    fields += [f'{percent_encode(k)}="{percent_encode(v)}"' for k, v in oauth_params.items()]
    return "OAuth " + ", ".join(fields)


def parse_authorization(value: str) -> dict[str, str]:
    """The decoded parameters of an ``OAuth …`` header (``realm`` included).

    Raises:
        ValueError: not an OAuth header, or a field that is not ``name="value"``.
    """
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "oauth":
        msg = "not an OAuth authorization header"
        raise ValueError(msg)
    out: dict[str, str] = {}
    for field in rest.split(","):
        name, sep, quoted = field.strip().partition("=")
        if not sep or len(quoted) < 2 or quoted[0] != '"' or quoted[-1] != '"':
            msg = f"malformed OAuth header field {name.strip()!r}"
            raise ValueError(msg)
        out[unquote(name)] = unquote(quoted[1:-1])
    return out


class TokenBasedAuth(AuthProvider):
    """NetSuite Token-Based Authentication: each request signed with OAuth 1.0a HMAC-SHA256.

    A fresh nonce and timestamp per request (each retry included), so NetSuite's replay
    check never refuses a retry. Nothing to refresh: a 401 is final (`AuthError`).

    Args:
        realm: the account id in upper case with ``_`` (``1234567_SB1``).
        consumer_key: the integration record's consumer key.
        consumer_secret: its consumer secret.
        token_id: the access token id.
        token_secret: the access token secret.
        nonce: makes nonces (tests pass a fixed one); default 20 random hex bytes.

    >>> auth = TokenBasedAuth("1234567_SB1", SecretStr("ck"), SecretStr("cs"),
    ...                       SecretStr("tk"), SecretStr("ts"))
    >>> auth
    TokenBasedAuth(realm='1234567_SB1', signature_method='HMAC-SHA256')
    """

    def __init__(
        self,
        realm: str,
        consumer_key: SecretStr,
        consumer_secret: SecretStr,
        token_id: SecretStr,
        token_secret: SecretStr,
        *,
        nonce: Callable[[], str] | None = None,
    ) -> None:
        self.realm = realm
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._token_id = token_id
        self._token_secret = token_secret
        self._nonce = nonce or (lambda: secrets.token_hex(20))

    def oauth_parameters(self, timestamp: int, nonce: str) -> dict[str, str]:
        """The ``oauth_*`` parameters of one request, before the signature."""
        return {
            "oauth_consumer_key": self._consumer_key.get_secret_value(),
            "oauth_token": self._token_id.get_secret_value(),
            "oauth_signature_method": SIGNATURE_METHOD,
            "oauth_timestamp": str(timestamp),
            "oauth_nonce": nonce,
            "oauth_version": "1.0",
        }

    def sign(self, method: str, url: str, *, timestamp: int, nonce: str) -> str:
        """The ``Authorization`` header value for one request (JSON or empty body)."""
        oauth = self.oauth_parameters(timestamp, nonce)
        params = [*request_parameters(url), *oauth.items()]
        base = signature_base_string(method, url, params)
        oauth["oauth_signature"] = sign_hmac_sha256(
            base,
            self._consumer_secret.get_secret_value(),
            self._token_secret.get_secret_value(),
        )
        return authorization_header(self.realm, oauth)

    def authenticate(self, request: httpx.Request, ctx: AuthContext) -> Flow[httpx.Request]:
        """Sign ``request`` (its method, URL and query) and set ``Authorization``."""
        yield from ()
        request.headers["Authorization"] = self.sign(
            request.method, str(request.url), timestamp=int(ctx.clock.time()), nonce=self._nonce()
        )
        return request

    def secrets(self) -> Iterable[str | SecretStr]:
        """The consumer key and secret, the token id and secret."""
        return (self._consumer_key, self._consumer_secret, self._token_id, self._token_secret)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(realm={self.realm!r}, signature_method={SIGNATURE_METHOD!r})"
