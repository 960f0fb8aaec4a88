"""Turn responses and transport failures into connector errors: pure functions.

`classify_response` maps an HTTP status to the error class of the reaction it calls for;
`vendor_error` reads the vendor's code and message from the common error envelopes
(Amazon and Walmart ``errors[]``, GraphQL ``errors[].extensions.code``, OAuth 2
``error``/``error_description``); `retry_after` reads ``Retry-After`` in seconds or as an
HTTP date.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from retail_canon.connectors._errors import (
    AuthError,
    BadRequest,
    Conflict,
    ConnectorError,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    TransportFailure,
)
from retail_canon.connectors._redact import Redactor

__all__ = [
    "VendorError",
    "classify_response",
    "classify_transport",
    "malformed",
    "request_id",
    "retry_after",
    "vendor_error",
]

_BODY_LIMIT = 8192
_UNREADABLE_BODY_LIMIT = 2000
_MESSAGE_LIMIT = 300


@dataclass(frozen=True, slots=True)
class VendorError:
    """The vendor's error code and message, as far as the body says."""

    code: str | None = None
    message: str | None = None


def retry_after(headers: Mapping[str, str], wall_now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date), or `None`.

    >>> retry_after({"retry-after": "2"}, 0.0)
    2.0
    >>> retry_after({"retry-after": "Thu, 01 Jan 1970 00:00:30 GMT"}, 10.0)
    20.0
    """
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - wall_now
        except (TypeError, ValueError, IndexError):
            return None
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def request_id(headers: Mapping[str, str], names: Iterable[str]) -> str | None:
    """The first of the request-id headers ``names`` present."""
    for name in names:
        value = headers.get(name)
        if value:
            return value
    return None


def _first_error(body: Any) -> VendorError | None:
    if not isinstance(body, Mapping):
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        first = errors[0]
        code = first.get("code") or first.get("errorId")
        extensions = first.get("extensions")
        if code is None and isinstance(extensions, Mapping):
            code = extensions.get("code")
        message = first.get("message") or first.get("description") or first.get("longMessage")
        return VendorError(
            str(code) if code is not None else None, str(message) if message else None
        )
    error = body.get("error")
    if isinstance(error, Mapping):
        return VendorError(_text(error.get("code")), _text(error.get("message")))
    if isinstance(error, str):
        return VendorError(error, _text(body.get("error_description") or body.get("message")))
    if "message" in body or "code" in body:
        return VendorError(_text(body.get("code")), _text(body.get("message")))
    return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def vendor_error(content: bytes) -> VendorError:
    """The vendor's error code and message from a JSON error body, if it has the usual shape.

    >>> vendor_error(b'{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota"}]}')
    VendorError(code='QuotaExceeded', message='You exceeded your quota')
    """
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return VendorError()
    return _first_error(body) or VendorError()


def _status_class(status: int) -> type[ConnectorError] | None:
    if status < 300:
        return None
    if status in (401, 403):
        return AuthError
    if status in (404, 410):
        return NotFound
    if status == 409:
        return Conflict
    if status == 429:
        return RateLimited
    if status == 408 or status >= 500:
        return ServerError
    return BadRequest


def classify_response(
    response: httpx.Response,
    *,
    operation: str,
    redactor: Redactor,
    request_id_headers: Iterable[str],
    wall_now: float,
    vendor: VendorError | None = None,
) -> ConnectorError | None:
    """The error a response amounts to, or `None` for a success (2xx).

    The message names the operation, status, vendor code and the vendor's message with
    secrets and personal data masked; ``body`` keeps the raw text with secrets masked.
    """
    cls = _status_class(response.status_code)
    if cls is None:
        return None
    found = vendor if vendor is not None else vendor_error(response.content)
    return make_error(
        cls,
        response,
        operation=operation,
        redactor=redactor,
        request_id_headers=request_id_headers,
        wall_now=wall_now,
        vendor=found,
    )


def make_error(
    cls: type[ConnectorError],
    response: httpx.Response,
    *,
    operation: str,
    redactor: Redactor,
    request_id_headers: Iterable[str],
    wall_now: float,
    vendor: VendorError,
    summary: str | None = None,
) -> ConnectorError:
    """An error of class ``cls`` carrying everything ``response`` tells (see `ConnectorError`)."""
    status = response.status_code
    parts = [f"{operation}: HTTP {status}"]
    if vendor.code:
        parts.append(redactor.text(vendor.code))
    message = summary or vendor.message or response.reason_phrase
    if message:
        parts.append(redactor.text(message[:_MESSAGE_LIMIT]))
    context: dict[str, Any] = {
        "operation": operation,
        "status": status,
        "vendor_code": vendor.code,
        "request_id": request_id(response.headers, request_id_headers),
        "headers": redactor.headers(response.headers.multi_items()),
        "body": redactor.secrets_only(response.text[:_BODY_LIMIT]),
    }
    if issubclass(cls, RateLimited | ServerError):
        context["retry_after"] = retry_after(response.headers, wall_now)
    if status == 408:
        context["maybe_applied"] = False
    return cls(" ".join(parts), **context)


def classify_transport(
    exc: httpx.RequestError, *, operation: str, redactor: Redactor
) -> TransportFailure:
    """The error a failed exchange amounts to.

    ``maybe_applied`` is false only when the request cannot have reached the vendor
    (connection refused or timed out while connecting, no free connection in the pool).
    """
    early = isinstance(
        exc,
        httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.UnsupportedProtocol,
    )
    what = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    detail = redactor.text(str(exc)[:_MESSAGE_LIMIT])
    message = f"{operation}: request {what} ({type(exc).__name__}: {detail})"
    return TransportFailure(message, operation=operation, maybe_applied=not early)


def malformed(
    message: str, response: httpx.Response, *, operation: str, redactor: Redactor
) -> MalformedResponse:
    """`MalformedResponse` for an answer that cannot be read: its status, its body masked."""
    return MalformedResponse(
        message,
        operation=operation,
        status=response.status_code,
        body=redactor.secrets_only(response.text[:_UNREADABLE_BODY_LIMIT]),
    )
