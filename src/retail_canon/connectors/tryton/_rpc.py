"""Tryton JSON-RPC: typed-value encoding, the session login, and error mapping.

Tryton 8.2 answers ``POST /<db>/rpc/`` with ``{"id", "method", "params"}`` bodies; the
context dict is the last parameter of model calls. Typed values travel as objects tagged
``__class__`` (``Decimal``, ``date``, ``datetime``, ...). Errors come back with HTTP 200 as
``{"error": [kind, args]}``; a bad or expired session is an HTTP 401.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import threading
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import SecretStr

from retail_canon.connectors._auth import AuthContext, AuthProvider
from retail_canon.connectors._errors import (
    AuthError,
    BadRequest,
    Conflict,
    ConnectorError,
    MalformedResponse,
    ServerError,
)
from retail_canon.connectors._request import RequestSpec

if TYPE_CHECKING:
    from retail_canon.connectors._flow import Flow
    from retail_canon.connectors._redact import Redactor

__all__ = ["TrytonSessionAuth", "decode", "encode", "rpc_error", "rpc_spec"]

_ids = itertools.count(1)

# error[0] of a JSON-RPC error -> the framework's error class
_ERRORS: dict[str, type[ConnectorError]] = {
    "UserError": BadRequest,
    "UserWarning": BadRequest,
    "ConcurrencyException": Conflict,
    "LoginException": AuthError,
}


def encode(value: Any) -> Any:
    """``value`` with Decimal, date and datetime as Tryton's ``__class__`` objects.

    >>> encode({"price": Decimal("9.50"), "day": dt.date(2026, 5, 1)})
    {'price': {'__class__': 'Decimal', 'decimal': '9.50'}, 'day': {'__class__': 'date', 'year': 2026, 'month': 5, 'day': 1}}
    """  # noqa: E501
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {
            "__class__": "datetime",
            "year": value.year,
            "month": value.month,
            "day": value.day,
            "hour": value.hour,
            "minute": value.minute,
            "second": value.second,
            "microsecond": value.microsecond,
        }
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """Tryton's ``__class__`` objects back to Python values (datetimes are naive UTC).

    >>> decode({"__class__": "Decimal", "decimal": "47.50"})
    Decimal('47.50')
    """
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("__class__")
    if kind == "Decimal":
        return Decimal(value["decimal"])
    if kind == "date":
        return dt.date(value["year"], value["month"], value["day"])
    if kind == "datetime":
        return dt.datetime(
            value["year"],
            value["month"],
            value["day"],
            value.get("hour", 0),
            value.get("minute", 0),
            value.get("second", 0),
            value.get("microsecond", 0),
        )
    if kind == "bytes":
        return base64.b64decode(value["base64"])
    return {k: decode(v) for k, v in value.items()}


def rpc_spec(database: str, method: str, params: list[Any], *, read: bool) -> RequestSpec:
    """The request of one JSON-RPC call; ``read`` marks it safe to repeat."""
    body = {"id": next(_ids), "method": method, "params": encode(params)}
    return RequestSpec("POST", f"/{database}/rpc/", method, json=body, idempotent=read)


def rpc_error(
    response: httpx.Response, operation: str, redactor: Redactor
) -> ConnectorError | None:
    """The error in a 200 answer's ``error`` member, or `None` (a malformed body too)."""
    try:
        body = response.json()
    except ValueError:
        return MalformedResponse(
            f"{operation}: the answer is not JSON", operation=operation, status=200
        )
    if not isinstance(body, dict) or "error" not in body:
        if not isinstance(body, dict) or "result" not in body:
            return MalformedResponse(
                f"{operation}: no result in the answer", operation=operation, status=200
            )
        return None
    error = body["error"]
    kind = str(error[0]) if isinstance(error, list) and error else str(error)
    detail = error[1] if isinstance(error, list) and len(error) > 1 else None
    message = str(detail[0]) if isinstance(detail, list) and detail else str(detail or kind)
    cls = _ERRORS.get(kind, ServerError)
    text = redactor.text(f"{operation}: {kind} {message}"[:500])
    return cls(
        text,
        operation=operation,
        status=response.status_code,
        vendor_code=kind,
        body=redactor.secrets_only(response.text[:2000]),
    )


def result(response: httpx.Response) -> Any:
    """The decoded ``result`` of a successful JSON-RPC answer."""
    return decode(response.json()["result"])


class TrytonSessionAuth(AuthProvider):
    """Logs in with ``common.db.login`` and sends ``Authorization: Session ...``.

    The session is shared by the connector's threads; a 401 (idle sessions expire after
    300 s) forgets it, and the next attempt logs in again.
    """

    refreshable = True

    def __init__(self, database: str, login: str, password: SecretStr, language: str) -> None:
        self.database = database
        self.login = login
        self._password = password
        self.language = language
        self._header: str | None = None
        self._lock = threading.Lock()

    def authenticate(self, request: httpx.Request, ctx: AuthContext) -> Flow[httpx.Request]:
        """Add the session header, logging in first if there is no session."""
        header = self._header
        if header is None:
            spec = RequestSpec(
                "POST",
                f"/{self.database}/rpc/",
                "common.db.login",
                json={
                    "id": next(_ids),
                    "method": "common.db.login",
                    "params": [
                        self.login,
                        {"password": self._password.get_secret_value()},
                        self.language,
                    ],
                },
                idempotent=True,
                auth=False,
            )
            uid, session, *_ = yield from ctx.call_flow(spec, result)
            ctx.redactor.add(str(session))
            token = base64.b64encode(f"{self.login}:{uid}:{session}".encode()).decode()
            header = f"Session {token}"
            ctx.redactor.add(token)
            with self._lock:
                self._header = header
        request.headers["Authorization"] = header
        return request

    def unauthorized(self, request: httpx.Request) -> bool:
        """Forget the session the request carried; log in again."""
        with self._lock:
            if request.headers.get("Authorization") == self._header:
                self._header = None
        return True

    def secrets(self) -> Iterable[str | SecretStr]:
        """The password."""
        return (self._password,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(database={self.database!r}, login={self.login!r})"
