"""Connectors: capability protocols, the HTTP core, and discovery of installed connectors.

```python
import retail_canon.connectors as connectors

connectors.available()                      # installed connectors, nothing imported
shop = connectors.get("acme", api_key="...")  # build one from keyword settings
for order in shop.capability(connectors.OrderSource).read_orders(since=yesterday):
    ...
```

What loads when. ``import retail_canon.connectors`` loads the errors, the capability
protocols, configuration and the pure pieces (rate limiter, retry policy, redaction),
with pydantic; not httpx. The HTTP core (`HttpConnector`, auth providers, `ReadStream`,
`WriteOperation`) loads on first access, and with it httpx. Entry points are read on the
first `available`/`get`/`load` call. In a serverless function, call `preload` at module
level so all of that (and the SSL context, ~50 ms) is paid during INIT, not on the first
request — and create the connector once per container, not per invocation.

See ``docs/connectors.md`` for the framework and ``docs/write-a-connector.md`` to write one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from retail_canon.connectors._base import Connector
from retail_canon.connectors._capabilities import (
    CAPABILITIES,
    Capability,
    InventorySink,
    InventorySource,
    ListingSink,
    OrderSink,
    OrderSource,
    ReceivableSource,
    ReturnSource,
    SettlementSource,
    ShipmentSink,
)
from retail_canon.connectors._clock import Clock, SystemClock
from retail_canon.connectors._config import ConnectorConfig, RateLimit
from retail_canon.connectors._errors import (
    AuthError,
    BadRequest,
    ConfigurationError,
    Conflict,
    ConnectorError,
    FatalConnectorError,
    MalformedResponse,
    NotFound,
    PageTokenExpired,
    RateLimited,
    RetriableConnectorError,
    ServerError,
    SkippableRecordError,
    TransportFailure,
    UnknownConnector,
    UnsupportedCapability,
)
from retail_canon.connectors._ratelimit import (
    Feedback,
    GraphQLCostSignals,
    RateLimiter,
    RateLimitHeader,
    SignalReader,
    TokenCountHeaders,
)
from retail_canon.connectors._records import (
    AsyncRecords,
    Checkpoint,
    Records,
    WriteReport,
    WriteResult,
)
from retail_canon.connectors._redact import RedactingFilter, Redactor
from retail_canon.connectors._registry import ConnectorInfo, available, get, load
from retail_canon.connectors._request import RequestSpec
from retail_canon.connectors._retry import RetryPolicy
from retail_canon.connectors._telemetry import LOGGER_NAME

if TYPE_CHECKING:
    from retail_canon.connectors._auth import (
        AuthContext,
        AuthProvider,
        NoAuth,
        StaticTokenAuth,
    )
    from retail_canon.connectors._classify import VendorError
    from retail_canon.connectors._flow import Flow
    from retail_canon.connectors._http import HttpConnector
    from retail_canon.connectors._oauth import OAuth2ClientCredentials, OAuth2RefreshToken
    from retail_canon.connectors._streams import Page, ReadStream
    from retail_canon.connectors._writes import WriteOperation

__all__ = [
    "AsyncRecords",
    "AuthContext",
    "AuthError",
    "AuthProvider",
    "available",
    "BadRequest",
    "CAPABILITIES",
    "Capability",
    "Checkpoint",
    "Clock",
    "ConfigurationError",
    "Conflict",
    "Connector",
    "ConnectorConfig",
    "ConnectorError",
    "ConnectorInfo",
    "FatalConnectorError",
    "Feedback",
    "Flow",
    "get",
    "GraphQLCostSignals",
    "HttpConnector",
    "InventorySink",
    "InventorySource",
    "ListingSink",
    "load",
    "LOGGER_NAME",
    "MalformedResponse",
    "NoAuth",
    "NotFound",
    "OAuth2ClientCredentials",
    "OAuth2RefreshToken",
    "OrderSink",
    "OrderSource",
    "Page",
    "PageTokenExpired",
    "preload",
    "RateLimit",
    "RateLimited",
    "RateLimiter",
    "RateLimitHeader",
    "ReadStream",
    "ReceivableSource",
    "Records",
    "RedactingFilter",
    "Redactor",
    "RequestSpec",
    "RetriableConnectorError",
    "RetryPolicy",
    "ReturnSource",
    "ServerError",
    "SettlementSource",
    "ShipmentSink",
    "SignalReader",
    "SkippableRecordError",
    "StaticTokenAuth",
    "SystemClock",
    "TokenCountHeaders",
    "TransportFailure",
    "UnknownConnector",
    "UnsupportedCapability",
    "VendorError",
    "WriteOperation",
    "WriteReport",
    "WriteResult",
]

# The HTTP core loads httpx: served on first access.
_LAZY = {
    "AuthContext": "retail_canon.connectors._auth",
    "AuthProvider": "retail_canon.connectors._auth",
    "NoAuth": "retail_canon.connectors._auth",
    "OAuth2ClientCredentials": "retail_canon.connectors._oauth",
    "OAuth2RefreshToken": "retail_canon.connectors._oauth",
    "StaticTokenAuth": "retail_canon.connectors._auth",
    "VendorError": "retail_canon.connectors._classify",
    "Flow": "retail_canon.connectors._flow",
    "HttpConnector": "retail_canon.connectors._http",
    "Page": "retail_canon.connectors._streams",
    "ReadStream": "retail_canon.connectors._streams",
    "WriteOperation": "retail_canon.connectors._writes",
}

_CORE_MODULES = (
    "httpx",
    "retail_canon.connectors._flow",
    "retail_canon.connectors._auth",
    "retail_canon.connectors._oauth",
    "retail_canon.connectors._classify",
    "retail_canon.connectors._clients",
    "retail_canon.connectors._streams",
    "retail_canon.connectors._writes",
    "retail_canon.connectors._http",
    "retail_canon.models",
)


def preload(*names: str) -> None:
    """Pay every lazy import now: call it at module level of a serverless handler.

    Imports httpx, the HTTP core and the canonical models, builds the shared SSL context,
    reads the installed connectors' entry points, imports the connectors ``names`` (all of
    them if none are given), and looks up OpenTelemetry. Afterwards, building a connector
    and sending its first request import nothing more.

    Raises:
        UnknownConnector: one of ``names`` is not installed.
    """
    for module in _CORE_MODULES:
        importlib.import_module(module)
    from retail_canon.connectors._clients import shared_ssl_context
    from retail_canon.connectors._telemetry import get_tracer

    shared_ssl_context()
    get_tracer()
    for name in names or tuple(available()):
        load(name)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'retail_canon.connectors' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
