"""The two Odoo transports, as request builders and answer readers (sans-I/O).

- **JSON-2** (Odoo 19+): ``POST /json/2/<model>/<method>`` with ``Authorization: bearer
  <API key>``, optional ``X-Odoo-Database``, and a JSON object of *named* arguments plus
  ``ids`` and ``context``. Success is a 200 with the bare result; an error is a 4xx/5xx with
  ``{"name", "message", "arguments", "context", "debug"}`` (or, on some 19.x builds, a bare
  JSON string message).
- **JSON-RPC** (legacy, every version up to 21): ``POST /jsonrpc`` with
  ``{"service": "object", "method": "execute_kw", "args": [db, uid, key, model, method, args,
  kwargs]}``; errors arrive with HTTP 200 as ``{"error": {"code", "message", "data": {"name",
  "message", "arguments", "debug"}}}``.

`odoo_error` maps either error to the framework's typed errors: ``AccessError`` /
``AccessDenied`` (and 401/403) → `AuthError`; ``ValidationError`` / ``UserError`` →
`BadRequest` with Odoo's message; a 422 about the call itself (``got an unexpected keyword
argument 'x'``) → `BadRequest` naming the argument; ``MissingError`` (and 404) →
`NotFound`; serialization failures and 5xx → `ServerError` (retried).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from retail_canon.connectors._errors import (
    AuthError,
    BadRequest,
    ConnectorError,
    MalformedResponse,
    NotFound,
    ServerError,
)
from retail_canon.connectors._redact import Redactor
from retail_canon.connectors._request import RequestSpec

__all__ = [
    "OdooFault",
    "json2_spec",
    "jsonrpc_spec",
    "odoo_error",
    "parse_json2_error",
    "parse_jsonrpc",
]

_MESSAGE_LIMIT = 300
_BODY_LIMIT = 8192
_ARGUMENT = re.compile(r"argument[s]?:? '?(\w+)'?")
_READ_METHODS = frozenset(
    {"search", "search_read", "read", "search_count", "fields_get", "name_search", "context_get"}
)


@dataclass(frozen=True, slots=True)
class OdooFault:
    """What Odoo said went wrong.

    Attributes:
        name: the Python exception, e.g. ``odoo.exceptions.ValidationError`` (or `None`).
        message: its message.
        status: the HTTP status (200 for JSON-RPC errors).
    """

    name: str | None
    message: str
    status: int

    @property
    def short_name(self) -> str:
        """The exception's class name, e.g. ``ValidationError``."""
        return (self.name or "").rpartition(".")[2]


def json2_spec(
    model: str,
    method: str,
    *,
    ids: Sequence[int] | None = None,
    kwargs: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    database: str | None = None,
) -> RequestSpec:
    """A JSON-2 call; reads (``search_read``, ``read``, ...) are marked safe to repeat."""
    body: dict[str, Any] = dict(kwargs or {})
    if ids:
        body["ids"] = list(ids)
    if context:
        body["context"] = dict(context)
    headers = {"content-type": "application/json; charset=utf-8"}
    if database:
        headers["X-Odoo-Database"] = database
    return RequestSpec(
        "POST",
        f"/json/2/{model}/{method}",
        f"{model}.{method}",
        headers=headers,
        json=body,
        idempotent=method in _READ_METHODS,
    )


def jsonrpc_spec(
    service: str,
    method: str,
    args: Sequence[Any],
    *,
    operation: str,
    read: bool,
    call_id: int = 1,
) -> RequestSpec:
    """A legacy ``/jsonrpc`` call (``common.login``, ``object.execute_kw``)."""
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": call_id,
        "params": {"service": service, "method": method, "args": list(args)},
    }
    return RequestSpec("POST", "/jsonrpc", operation, json=body, idempotent=read)


def parse_json2_error(response: httpx.Response) -> OdooFault:
    """The fault in a JSON-2 error answer (an error object, or a bare message string)."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, Mapping):
        name = body.get("name")
        message = body.get("message") or ""
        return OdooFault(None if name is None else str(name), str(message), response.status_code)
    if isinstance(body, str):
        return OdooFault(None, body, response.status_code)
    return OdooFault(None, response.reason_phrase, response.status_code)


def parse_jsonrpc(response: httpx.Response) -> tuple[Any, OdooFault | None]:
    """The result of a JSON-RPC answer, or its fault.

    Raises:
        MalformedResponse: not a JSON-RPC answer.
    """
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, Mapping) or ("result" not in body and "error" not in body):
        msg = "jsonrpc: the answer is not a JSON-RPC response"
        raise MalformedResponse(msg, operation="jsonrpc", status=response.status_code)
    error = body.get("error")
    if error is None:
        return body.get("result"), None
    data = error.get("data") if isinstance(error, Mapping) else None
    data = data if isinstance(data, Mapping) else {}
    name = data.get("name")
    message = data.get("message") or (error.get("message") if isinstance(error, Mapping) else "")
    return None, OdooFault(None if name is None else str(name), str(message or ""), 200)


def _class_of(fault: OdooFault) -> type[ConnectorError]:
    short = fault.short_name
    if short in ("AccessError", "AccessDenied") or fault.status in (401, 403):
        return AuthError
    if short == "MissingError" or fault.status == 404:
        return NotFound
    if short in ("SerializationFailure", "TransactionRollbackError", "OperationalError"):
        return ServerError
    if short in ("ValidationError", "UserError", "RedirectWarning", "ValueError", "TypeError"):
        return BadRequest
    if fault.status == 408 or fault.status >= 500:
        return ServerError
    return BadRequest


def odoo_error(
    fault: OdooFault,
    response: httpx.Response,
    *,
    operation: str,
    redactor: Redactor,
) -> ConnectorError:
    """The typed error of an Odoo fault; the message names the argument of a 422."""
    cls = _class_of(fault)
    message = redactor.text(fault.message[:_MESSAGE_LIMIT])
    parts = [f"{operation}: HTTP {fault.status}"]
    if fault.short_name:
        parts.append(fault.short_name)
    about_call = fault.status == 422 and fault.short_name not in ("ValidationError", "UserError")
    if about_call or fault.short_name == "TypeError":
        found = _ARGUMENT.search(fault.message)
        if found:
            parts.append(f"(argument {found.group(1)})")
    if message:
        parts.append(message)
    context: dict[str, Any] = {
        "operation": operation,
        "status": response.status_code,
        "vendor_code": fault.short_name or None,
        "headers": redactor.headers(response.headers.multi_items()),
        "body": redactor.secrets_only(response.text[:_BODY_LIMIT]),
    }
    return cls(" ".join(parts), **context)
