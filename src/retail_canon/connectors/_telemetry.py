"""Structured logs and optional OpenTelemetry spans for each request attempt.

Logs go to the standard `logging` module, logger ``retail_canon.connectors.<name>``,
with the fields as record attributes (``connector``, ``operation``, ``method``, ``url``,
``status_code``, ``request_id``, ``vendor_code``, ``attempt``, ``latency_ms``, ``event``)
so JSON formatters pick them up. The URL is redacted; bodies are never logged.

Levels: a successful attempt ``DEBUG``; a retry, a credentials refresh after 401, a
page-token resume, or a fatal error (raised to the caller) ``INFO``; giving up on a
retriable error, or a skipped record, ``WARNING``.

Spans: when the ``opentelemetry`` package is installed (and the connector's ``telemetry``
setting is not false), each attempt is a client span named after the operation, with
``http.request.method``, ``url.full`` (redacted), ``http.response.status_code``,
``retail_canon.operation`` and ``retail_canon.attempt``. The package is looked up on the
first request, and not imported at all when it is absent.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors._errors import ConnectorError
    from retail_canon.connectors._http import HttpConnector
    from retail_canon.connectors._request import RequestSpec

__all__ = [
    "LOGGER_NAME",
    "Span",
    "attempt_span",
    "get_tracer",
    "log_attempt",
    "logger_for",
    "start_span",
]

LOGGER_NAME = "retail_canon.connectors"

_tracer: Any = None
_looked_up = False


def logger_for(connector: str) -> logging.Logger:
    """The logger of one connector, a child of ``retail_canon.connectors``."""
    return logging.getLogger(f"{LOGGER_NAME}.{connector}" if connector else LOGGER_NAME)


def get_tracer() -> Any:
    """The OpenTelemetry tracer, or `None` when the package is not installed."""
    global _tracer, _looked_up
    if not _looked_up:
        _looked_up = True
        try:
            found = importlib.util.find_spec("opentelemetry.trace") is not None
        except (ImportError, ValueError):
            found = False
        if found:
            from opentelemetry import trace

            _tracer = trace.get_tracer("retail_canon.connectors")
    return _tracer


def _reset_tracer() -> None:
    """Look the package up again on the next span (tests install a tracer provider)."""
    global _tracer, _looked_up
    _tracer, _looked_up = None, False


class Span:
    """One attempt's span, or a stand-in that does nothing when tracing is off."""

    __slots__ = ("_span",)

    def __init__(self, span: Any) -> None:
        self._span = span

    def end(self, *, status: int | None, error: str | None) -> None:
        """Record the outcome and end the span."""
        span = self._span
        if span is None:
            return
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        if error is not None:
            from opentelemetry.trace import Status, StatusCode

            span.set_attribute("error.type", error)
            span.set_status(Status(StatusCode.ERROR))
        span.end()


def start_span(enabled: bool | None, name: str, attributes: dict[str, Any]) -> Span:
    """Start a client span if tracing is on and available (not made current)."""
    if enabled is False:
        return Span(None)
    tracer = get_tracer()
    if tracer is None:
        return Span(None)
    from opentelemetry.trace import SpanKind

    return Span(tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes))


def attempt_span(
    connector: HttpConnector[Any], spec: RequestSpec, request: httpx.Request, attempt: int
) -> Span:
    """The span of one attempt (a no-op span when tracing is off)."""
    enabled = connector.config.telemetry
    if enabled is False:
        return Span(None)
    attributes = {
        "http.request.method": request.method,
        "url.full": connector.redactor.url(str(request.url)),
        "server.address": request.url.host,
        "retail_canon.connector": connector.name,
        "retail_canon.operation": spec.operation,
        "retail_canon.attempt": attempt,
    }
    return start_span(enabled, spec.operation, attributes)


_SUFFIX = {
    "give_up": "; giving up",
    "fail": "",
    "reauthorize": "; refreshing credentials, trying again",
}


def log_attempt(
    connector: HttpConnector[Any],
    level: int,
    event: str,
    spec: RequestSpec,
    request: httpx.Request,
    outcome: httpx.Response | Exception,
    error: ConnectorError | None,
    attempt: int,
    latency: float,
    delay: float | None = None,
) -> None:
    """Log one attempt with its structured fields (see the module docstring)."""
    log = connector.log
    if not log.isEnabledFor(level):
        return
    status = getattr(outcome, "status_code", None)
    rid = error.request_id if error is not None else None
    if rid is None and status is not None:
        headers = outcome.headers  # type: ignore[union-attr]
        rid = next((headers[h] for h in connector.request_id_headers if h in headers), None)
    url = connector.redactor.url(str(request.url))
    fields = {
        "event": event,
        "connector": connector.name,
        "operation": spec.operation,
        "method": request.method,
        "url": url,
        "status_code": status,
        "request_id": rid,
        "vendor_code": error.vendor_code if error is not None else None,
        "attempt": attempt,
        "latency_ms": round(latency * 1000.0, 1),
        "retry_in_s": None if delay is None else round(delay, 3),
    }
    message = "%s %s (%s) attempt %d -> %s in %.1f ms"
    args: tuple[Any, ...] = (
        request.method,
        url,
        spec.operation,
        attempt,
        str(status) if error is None else str(error),
        fields["latency_ms"],
    )
    if delay is not None:
        message += "; retrying in %.3f s"
        args += (delay,)
    elif event != "attempt":
        message += _SUFFIX[event]
    log.log(level, message, *args, extra=fields)
