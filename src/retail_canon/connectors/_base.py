"""`Connector`: the base of every connector, HTTP or not.

It owns the validated configuration and the declared capabilities. `HttpConnector`
(``_http.py``) adds the HTTP core; a connector that talks to something else (files, a
database, JSON-RPC through another library) subclasses `Connector` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar, overload

from pydantic import BaseModel

from retail_canon.connectors._capabilities import CAPABILITIES, Capability, capability_named
from retail_canon.connectors._config import build_config
from retail_canon.connectors._errors import UnsupportedCapability

__all__ = ["Connector"]

ConfigT = TypeVar("ConfigT", bound=BaseModel)
P = TypeVar("P")


class Connector(Generic[ConfigT]):
    """Base of every connector: keyword-only validated configuration, declared capabilities.

    Subclasses set `name` and `config_model`, and declare capabilities by also subclassing
    their protocols (``class Acme(HttpConnector[AcmeConfig], OrderSource): ...``).

    Args:
        config: a ready configuration object; or instead
        **settings: the configuration's fields, validated by `config_model`.

    Raises:
        ConfigurationError: the configuration is invalid (fields and rules named, values
            never shown).
    """

    name: ClassVar[str] = ""
    """The connector's name in the registry and in logs, e.g. ``"amazon"``."""
    config_model: ClassVar[type[BaseModel]]
    """The configuration model."""

    config: ConfigT

    def __init__(self, *, config: ConfigT | None = None, **settings: Any) -> None:
        self.config = build_config(self.config_model, config, settings)  # type: ignore[arg-type]

    @classmethod
    def capabilities(cls) -> tuple[Capability, ...]:
        """The capabilities this connector declares, in the standard order."""
        return tuple(c for c in CAPABILITIES if c.protocol in cls.__mro__)

    @classmethod
    def supports(cls, capability: str | Callable[..., Any]) -> bool:
        """Whether this connector declares ``capability`` (a protocol or its name)."""
        return capability_named(capability).protocol in cls.__mro__

    @overload
    def capability(self, protocol: str) -> Any: ...

    @overload
    def capability(self, protocol: Callable[..., P]) -> P: ...

    def capability(self, protocol: str | Callable[..., P]) -> Any:
        """This connector as ``protocol``, e.g. ``connector.capability(OrderSource)``.

        ``protocol`` is a capability protocol (typed: the result is that protocol) or its
        name (``"OrderSource"``).

        Raises:
            UnsupportedCapability: the connector does not declare it; the error lists
                the capabilities it does declare.
        """
        found = capability_named(protocol)
        if found.protocol not in type(self).__mro__:
            supported = [c.name for c in self.capabilities()]
            raise UnsupportedCapability(self.name or type(self).__name__, found.name, supported)
        return self

    def close(self) -> None:
        """Release what the connector holds (HTTP connections, files)."""

    async def aclose(self) -> None:
        """Async twin of `close`."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        caps = ", ".join(c.name for c in self.capabilities())
        return f"{type(self).__name__}(name={self.name!r}, capabilities=[{caps}])"
