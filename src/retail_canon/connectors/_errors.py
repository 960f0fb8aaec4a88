"""The errors of connectors, classified by what the caller should do about them.

```
RetailCanonError
└── ConnectorError                  anything a connector or the framework raises
    ├── ConfigurationError (ValueError)      the configuration is missing or invalid: fix it
    ├── UnknownConnector (LookupError)       no connector is registered under that name
    ├── UnsupportedCapability (TypeError)    the connector lacks a capability; lists its own
    ├── FatalConnectorError                  stop: the same call cannot succeed as is
    │   ├── AuthError                        credentials refused, token refresh failed (401/403)
    │   ├── NotFound                         the object does not exist (404)
    │   ├── Conflict                         the write conflicts with the vendor's state (409)
    │   ├── BadRequest                       the vendor refused the request as invalid (4xx)
    │   └── PageTokenExpired                 a page token expired and the read cannot resume
    ├── RetriableConnectorError              transient: the same call may succeed later
    │   ├── RateLimited                      throttled (429, GraphQL THROTTLED); retry_after
    │   ├── ServerError                      the vendor failed (5xx)
    │   ├── TransportFailure                 timeout, connection refused or reset
    │   └── MalformedResponse                a body that is truncated or cannot be parsed
    └── SkippableRecordError                 one bad record: report it, go on with the rest
```

The framework retries `RetriableConnectorError` itself when the request is safe to repeat
(see `RetryPolicy`); one that reaches you means the retries ran out or the request was not
safe to repeat. Every error carries what the vendor said, stripe-style: ``status``,
``vendor_code``, ``request_id``, ``headers`` (sensitive ones masked), ``body`` (the raw
text with secrets masked), and the ``operation``. None of them appear in ``str()`` except
the request id, and no secret ever does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from retail_canon._exceptions import RetailCanonError

__all__ = [
    "AuthError",
    "BadRequest",
    "ConfigurationError",
    "Conflict",
    "ConnectorError",
    "FatalConnectorError",
    "MalformedResponse",
    "NotFound",
    "PageTokenExpired",
    "RateLimited",
    "RetriableConnectorError",
    "ServerError",
    "SkippableRecordError",
    "TransportFailure",
    "UnknownConnector",
    "UnsupportedCapability",
]


class ConnectorError(RetailCanonError):
    """Root of the connector errors.

    Attributes:
        message: what went wrong, without secrets or personal data.
        operation: the vendor operation, e.g. ``getOrders``, if the error came from a call.
        status: the HTTP status, if a response arrived.
        vendor_code: the vendor's own error code (``QuotaExceeded``, ``THROTTLED``, ...).
        request_id: the vendor's request id, for support tickets.
        headers: the response headers, sensitive ones masked.
        body: the response body as text, secrets masked (personal data is left in place:
            never log it without redaction).
    """

    code = "connector_error"

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status: int | None = None,
        vendor_code: str | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: str | None = None,
    ) -> None:
        self.message = message
        self.operation = operation
        self.status = status
        self.vendor_code = vendor_code
        self.request_id = request_id
        self.headers: Mapping[str, str] = dict(headers or {})
        self.body = body
        super().__init__(message)

    def __str__(self) -> str:
        if self.request_id:
            return f"Request {self.request_id}: {self.message}"
        return self.message

    def __repr__(self) -> str:
        fields = [repr(self.message)]
        for name in ("operation", "status", "vendor_code", "request_id"):
            value = getattr(self, name)
            if value is not None:
                fields.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(fields)})"


class ConfigurationError(ConnectorError, ValueError):
    """The connector's configuration is missing or invalid.

    Attributes:
        errors: one ``(field path, problem)`` pair per problem; values are never included.
    """

    code = "configuration_error"

    def __init__(self, message: str, *, errors: Iterable[tuple[str, str]] = ()) -> None:
        self.errors = tuple(errors)
        super().__init__(message)


class UnknownConnector(ConnectorError, LookupError):
    """No connector is registered under the name asked for.

    Attributes:
        name: the name asked for.
        available: the names that are registered.
    """

    code = "unknown_connector"

    def __init__(self, name: str, available: Iterable[str]) -> None:
        self.name = name
        self.available = tuple(sorted(available))
        choices = ", ".join(self.available) or "none are installed"
        super().__init__(f"no connector named {name!r} (available: {choices})")


class UnsupportedCapability(ConnectorError, TypeError):
    """A capability was asked of a connector that does not implement it.

    Attributes:
        connector: the connector's name.
        capability: the capability asked for, e.g. ``"InventorySink"``.
        supported: the capabilities the connector does implement.
    """

    code = "unsupported_capability"

    def __init__(self, connector: str, capability: str, supported: Iterable[str]) -> None:
        self.connector = connector
        self.capability = capability
        self.supported = tuple(sorted(supported))
        listing = ", ".join(self.supported) or "none"
        super().__init__(
            f"connector {connector!r} does not support {capability}; it supports: {listing}"
        )


class FatalConnectorError(ConnectorError):
    """Repeating the same call cannot succeed: fix the input, credentials or configuration."""

    code = "fatal"


class AuthError(FatalConnectorError):
    """Credentials were refused, lack a permission, or a token could not be refreshed."""

    code = "auth_error"


class NotFound(FatalConnectorError):
    """The object asked for does not exist at the vendor."""

    code = "not_found"


class Conflict(FatalConnectorError):
    """The write conflicts with the vendor's current state (duplicate, stale version)."""

    code = "conflict"


class BadRequest(FatalConnectorError):
    """The vendor refused the request as invalid (400, 413, 415, 422, ...)."""

    code = "bad_request"


class PageTokenExpired(FatalConnectorError):
    """A page token expired and the read could not resume from its checkpoint."""

    code = "page_token_expired"


class RetriableConnectorError(ConnectorError):
    """A transient failure: the same call may succeed later.

    Attributes:
        retry_after: seconds the vendor asked us to wait, if it said.
        maybe_applied: whether the vendor may have acted on the request (false for a
            refused connection or a 429, true for a timeout while waiting for the answer).
            A write that may have been applied is repeated only with an idempotency key.
    """

    code = "retriable"
    default_maybe_applied = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        maybe_applied: bool | None = None,
        **context: Any,
    ) -> None:
        self.retry_after = retry_after
        self.maybe_applied = self.default_maybe_applied if maybe_applied is None else maybe_applied
        super().__init__(message, **context)


class RateLimited(RetriableConnectorError):
    """The vendor throttled the request; a throttled request was not acted on.

    HTTP 429 (Amazon ``QuotaExceeded``, Walmart), or Shopify's ``THROTTLED`` GraphQL error
    that arrives with HTTP 200.
    """

    code = "rate_limited"
    default_maybe_applied = False


class ServerError(RetriableConnectorError):
    """The vendor failed to answer (500, 502, 503, 504)."""

    code = "server_error"


class TransportFailure(RetriableConnectorError):
    """The request or its answer was lost: timeout, refused or reset connection."""

    code = "transport_failure"


class MalformedResponse(RetriableConnectorError):
    """The response body is truncated or cannot be parsed."""

    code = "malformed_response"


class SkippableRecordError(ConnectorError):
    """One record could not be read or written; the rest of the page goes on.

    Reads collect these on `Records.skipped`, writes on `WriteReport.skipped`; each is
    logged once as a warning.

    Attributes:
        record_id: the record's id at the vendor, if it has one.
        source: where the record came from, e.g. ``{"operation": "getOrders", "page": 3,
            "index": 17}``.
        record: the vendor's record as received (may hold personal data; not in ``str()``).
    """

    code = "skippable_record"

    def __init__(
        self,
        message: str,
        *,
        record_id: str | None = None,
        source: Mapping[str, Any] | None = None,
        record: Any = None,
        **context: Any,
    ) -> None:
        self.record_id = record_id
        self.source: Mapping[str, Any] = dict(source or {})
        self.record = record
        super().__init__(message, **context)
